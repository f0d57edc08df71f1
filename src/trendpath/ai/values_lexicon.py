"""How a clause's words turn each cue into a signed amount: the rules over the cue lexicon.

Every word list is in ``data/values/lexicon.yaml`` (loaded by :mod:`trendpath.ai.values_cues`);
this module only applies them. A sentence is split into clauses; in each clause the cues are found
over Kiwi morphemes, and the clause's other words decide each cue's sign and strength (what bears
on which cue is :func:`trendpath.ai.values_reading.read`):

- grammatical negators and *negative evaluations* (aversion, fear, fatigue, burden, bother,
  boredom: "싫다", "무섭다", "피곤하다", "부담스럽다", "귀찮다") flip by parity, so "변화는
  무서워요" lowers change orientation while "잘릴까 봐 무서워요" (a threat cue) raises job
  security and "싫지 않아요" stays positive; "별로" flips only alone;
- worry words make what is worried about count for its axis ("돈 걱정이 커요");
- indifference ("돈은 상관없어요", "야근해도 괜찮아요") and sufficiency — a limit plus "enough"
  ("적당히 벌면 그걸로 만족해요", "이 정도면 충분해요") — count against the axis;
- "A보다 B": A takes the opposite of what the clause says of B;
- a clause with no evaluation of its own, joined by "-고"/"-거나" to the next, shares the next
  clause's ("돈을 많이 벌고 빨리 승진하는 건 중요하지 않아요" negates both);
- intensifiers scale; contrast ("-지만") weighs the later clause more; other people's words (an
  honorific predicate, a reported quotation, "부모님은 … 원하세요") and past statements weigh
  less; candid asides ("솔직히") weigh more.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

from trendpath.ai.dialogue import Turn
from trendpath.ai.korean import Morph, Sentence
from trendpath.ai.values_cues import (
    Clause,
    CueHit,
    Lexicon,
    find_cues,
    is_in,
    key_of,
    load_lexicon,
    split_clauses,
)
from trendpath.ai.values_reading import (
    PREDICATE_TAGS,
    Reading,
    evaluates_badly,
    read,
    search,
    sufficient,
)

__all__ = [
    "AxisDelta",
    "Frame",
    "Lexicon",
    "analyse_sentence",
    "framed_user_turns",
    "has_negator",
    "load_lexicon",
    "negative_words",
    "probe_answer",
    "question_frame",
    "says_enough",
]

Frame = Literal["neutral", "avoid", "concern"]

_HONORIFIC = frozenset({"시", "으시"})


def _compared_away(hit: CueHit, clause: Clause, lex: Lexicon) -> bool:
    """True for A in "A보다 B": "보다" follows the cue with no subject or topic particle between
    (in "돈은 성장보다 덜 중요해요" the compared-away value is 성장, and 돈 is the subject)."""
    for m in clause.morphs[hit.last + 1 :]:
        if m.tag == "JKB" and is_in(m, lex.words["comparative"]):
            return True
        if m.tag == "JKS" or (m.tag == "JX" and m.form in ("은", "는", "ᆫ")):
            return False
    return False


def _signed(amount: float, flips: int) -> float:
    """``amount`` negated by an odd number of flips (parity decides: "싫지 않아요" is positive)."""
    return -amount if flips % 2 else amount


def _hit_sign(hit: CueHit, clause: Clause, reading: Reading, lex: Lexicon, frame: Frame) -> float:
    """The signed strength of one cue under the clause's reading."""
    base = hit.weight
    if _compared_away(hit, clause, lex):
        # A in "A보다 B": the opposite of what is said of B, whatever A's own sign.
        flips = reading.flips + (1 if reading.soft else 0)
        return _signed(-abs(base) * lex.factors["comparative_factor"], flips)
    if reading.indifferent or reading.sufficient:
        return -abs(base)
    if hit.cue.complaint or search(lex.phrases["relief_phrases"], clause.text):
        # A complaint ("지루해요", "번아웃") shows the axis matters, negated or not.
        return abs(base)
    if reading.concern_flips is not None:
        return _signed(abs(base), reading.concern_flips)
    if reading.lack_only:
        return abs(base)
    flips = reading.flips + (1 if reading.soft else 0)
    if flips == 0 and not reading.evaluative:
        if frame == "avoid":
            flips = 1
        elif frame == "concern":
            return abs(base)
    return _signed(base, flips)


def _intensity(clause: Clause, lex: Lexicon) -> float:
    found = [lex.intensifiers[key_of(m)] for m in clause.morphs if key_of(m) in lex.intensifiers]
    if not found:
        return 1.0
    strong = [f for f in found if f >= 1.0]
    return max(strong) if strong else min(found)


def _honorific(m: Morph) -> bool:
    return (m.tag == "EP" and m.form in _HONORIFIC) or (m.tag == "EF" and m.form[:1] in "세셔십")


def _quotes(m: Morph, markers: frozenset[str]) -> bool:
    """A quotative ending, alone ("라고") or fused with a final one ("라고요", "래요")."""
    return m.form in markers or (m.tag == "EF" and any(m.form.startswith(q) for q in markers))


def reported(clause: Clause, lex: Lexicon) -> bool:
    """True when the clause reports someone else's words or wishes, not the speaker's own.

    Three signs: the clause's last predicate is honorific ("원하세요", "하시거든요": the speaker
    does not honour themself); it is a verb of wishing or telling with another person named
    ("친구들은 옮기라고 해요"); or it ends in a quotation that no verb of the speaker's own
    thinking follows ("대학원 가면 돈만 쓴다고요", but not "중요하다고 생각해요", and not a quote
    inside a longer clause: "고맙다고 하실 때 보람 있어요").
    """
    words, morphs = lex.words, clause.morphs
    preds = [i for i, m in enumerate(morphs) if m.tag in PREDICATE_TAGS]
    if not preds:
        return False
    last = preds[-1]
    if any(_honorific(m) for m in morphs[last + 1 : last + 3]):
        return True
    verb = morphs[last - 1] if morphs[last].tag == "XSV" and last > 0 else morphs[last]
    if is_in(verb, words["reporting"]) and any(is_in(m, words["others"]) for m in morphs):
        return True
    for i, m in enumerate(morphs):
        quote = m.tag == "JKQ" or (m.tag in ("EC", "EF") and _quotes(m, words["quotative"]))
        if not quote:
            continue
        if m.tag == "EF" and i > last:
            return True
        following = [j for j in preds if j > i]
        nxt = next((n for n in morphs[i + 1 :] if n.tag in PREDICATE_TAGS | {"NNG"}), None)
        if nxt is not None and is_in(nxt, words["own_thought"]):
            continue
        if not following or following[0] == last:
            return True
    return False


def _reported_clauses(clauses: list[Clause], lex: Lexicon) -> list[bool]:
    """Which clauses report others; a quotation covers the coordinated clauses before it
    ("남들은 [간판도 좋고 경력에 도움이 된다]고 하는데") unless the speaker speaks of themself."""
    flags = [reported(c, lex) for c in clauses]
    for n in range(len(clauses) - 2, -1, -1):
        if flags[n + 1] and clauses[n].coordinated and not _self_said(clauses[n], lex):
            flags[n] = True
    return flags


def _self_said(clause: Clause, lex: Lexicon) -> bool:
    return any(is_in(m, lex.words["self_words"]) for m in clause.morphs)


def _clause_factor(clause: Clause, lex: Lexicon, is_question: bool, others: bool) -> float:
    phrases, f = lex.phrases, lex.factors
    factor = clause.weight
    if others:
        factor *= f["others_factor"]
    if search(phrases["past_phrases"], clause.text):
        factor *= f["past_factor"]
    if search(phrases["correction_phrases"], clause.text):
        factor *= f["correction_factor"]
    if is_question:
        factor *= f["question_factor"]
    return factor * _intensity(clause, lex)


@dataclass(frozen=True, slots=True)
class AxisDelta:
    """How much one sentence moved one axis."""

    axis: str
    delta: float
    sentence: str


def _inherited(clauses: list[Clause], n: int, lex: Lexicon) -> Reading | None:
    """The reading a coordinated clause without its own evaluation shares with the next ones."""
    while clauses[n].coordinated and n + 1 < len(clauses):
        n += 1
        reading = read(clauses[n], lex)
        if reading.own:
            return reading
    return None


def _clause_sums(clauses: list[Clause], n: int, lex: Lexicon, frame: Frame) -> dict[str, float]:
    clause = clauses[n]
    sums: dict[str, float] = {}
    hits = find_cues(clause, lex)
    spans = [range(h.first, h.last + 1) for h in hits]
    for hit, span in zip(hits, spans, strict=True):
        reading = read(clause, lex, span, [s for s in spans if s != span])
        if not reading.own:
            reading = _inherited(clauses, n, lex) or reading
        sums[hit.cue.axis] = sums.get(hit.cue.axis, 0.0) + _hit_sign(
            hit, clause, reading, lex, frame
        )
    return sums


def analyse_sentence(
    sentence: Sentence, lex: Lexicon, frame: Frame = "neutral", weight: float = 1.0
) -> list[AxisDelta]:
    """All axis movements of one user sentence, summed per clause and capped."""
    is_question = sentence.text.rstrip().endswith("?") or any(
        m.tag == "EF" and m.form in ("나요", "ᆯ까요", "을까요", "까요") for m in sentence.morphs
    )
    cap = lex.factors["clause_cap"]
    per_axis: dict[str, float] = {}
    clauses = split_clauses(sentence, lex)
    others = _reported_clauses(clauses, lex)
    for n, clause in enumerate(clauses):
        sums = _clause_sums(clauses, n, lex, frame)
        if not sums:
            continue
        factor = _clause_factor(clause, lex, is_question, others[n]) * weight
        for axis, total in sums.items():
            clipped = math.copysign(min(abs(total), cap), total) * factor
            per_axis[axis] = per_axis.get(axis, 0.0) + clipped
    return [AxisDelta(a, d, sentence.text) for a, d in per_axis.items() if abs(d) > 1e-9]


def says_enough(sentence: Sentence, lex: Lexicon) -> bool:
    """A limit plus "enough" with nothing named ("그걸로 족합니다"): about the sentence before."""
    return sufficient(Clause(list(sentence.morphs), sentence.text), lex)


def question_frame(coach_text: str, lex: Lexicon) -> Frame:
    """How a short answer to this coach question should be read."""
    if search(lex.phrases["avoid_frame_phrases"], coach_text):
        return "avoid"
    if search(lex.phrases["concern_frame_phrases"], coach_text):
        return "concern"
    return "neutral"


def framed_user_turns(
    turns: Sequence[Turn], lex: Lexicon
) -> Iterator[tuple[Turn, Frame, str | None]]:
    """Each user turn with how the coach's question before it frames a short answer, and the
    axis that question probes (None when it probes none)."""
    frame: Frame = "neutral"
    probe: str | None = None
    for turn in turns:
        if turn.role == "coach":
            frame, probe = question_frame(turn.text, lex), turn.probe_axis
        else:
            yield turn, frame, probe


def negative_words(sentence: Sentence, lex: Lexicon) -> int:
    """How many negators, negative evaluations and soft negators the sentence has."""
    words = lex.words["negators"] | lex.words["soft_negators"] | lex.words["aversive"]
    return sum(is_in(m, words) for m in sentence.morphs)


def has_negator(sentence: Sentence, lex: Lexicon) -> bool:
    """True when any negator, negative evaluation or soft negator occurs in the sentence."""
    return negative_words(sentence, lex) > 0


def probe_answer(sentence: Sentence, lex: Lexicon) -> float:
    """Signed strength of a cue-less answer to a question about one axis (0.0 = no answer).

    "네, 중요해요" → +1, "정말 중요해요" → +1.5, "별로요" / "아니요" / "중요하지 않아요" /
    "이 정도면 충분해요" / "피곤해요" → −1.
    """
    words = lex.words
    morphs = list(sentence.morphs)
    whole = Clause(morphs, sentence.text)
    negative = (
        any(is_in(m, words["negative_answers"]) for m in morphs)
        or sufficient(whole, lex)
        or search(lex.phrases["indifference_phrases"], sentence.text)
    )
    flips = sum(
        is_in(m, words["negators"]) or evaluates_badly(morphs, i, lex) for i, m in enumerate(morphs)
    )
    # "매우", "엄청요": an intensifier with no predicate of its own answers "how much?".
    bare = not any(m.tag in PREDICATE_TAGS for m in morphs)
    positive = any(is_in(m, words["affirmatives"]) for m in morphs) or (
        bare and any(lex.intensifiers.get(key_of(m), 0.0) >= 1.3 for m in morphs)
    )
    if not (negative or flips or positive):
        return 0.0
    sign = -1.0 if negative and not flips else _signed(1.0, flips)
    strength = max(
        (lex.intensifiers[key_of(m)] for m in morphs if key_of(m) in lex.intensifiers), default=1.0
    )
    return sign * strength
