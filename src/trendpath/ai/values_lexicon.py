"""How a clause's words turn each cue into a signed amount: the rules over the cue lexicon.

Every word list is in ``data/values/lexicon.yaml`` (loaded by :mod:`trendpath.ai.values_cues`);
this module only applies them. A sentence is split into clauses; in each clause the cues are found
over Kiwi morphemes, and the clause's other words decide each cue's sign and strength:

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
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Literal

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

__all__ = [
    "AxisDelta",
    "Frame",
    "Lexicon",
    "analyse_sentence",
    "has_negator",
    "load_lexicon",
    "probe_answer",
    "question_frame",
    "says_enough",
]

Frame = Literal["neutral", "avoid", "concern"]

_PREDICATE_TAGS = frozenset({"VV", "VA", "VX", "VCP", "VCN", "XSV", "XSA"})
_HONORIFIC = frozenset({"시", "으시"})
_PRE_VERBAL = frozenset({"안", "못", "덜"})
_CONCESSIVE = frozenset({"어도", "아도", "여도", "더라도", "어서도"})


def _search(pattern: re.Pattern[str] | None, text: str) -> bool:
    return bool(pattern and pattern.search(text))


@dataclass(frozen=True)
class Reading:
    """What the words of a clause (outside one cue) say about the things the clause names."""

    flips: int  # grammatical negators plus negative evaluations; parity decides
    evaluative: bool  # the clause evaluates, so the coach's question frame is ignored
    indifferent: bool
    sufficient: bool
    concern_flips: int | None  # None: no worry word; else the negators after it
    lack_only: bool  # "없어요" as a plain fact about the present: what is missing matters
    soft: bool  # a negative-polarity adverb ("별로") with no other negation

    @property
    def own(self) -> bool:
        """True when the clause carries an evaluation of its own."""
        return bool(
            self.flips or self.evaluative or self.indifferent or self.sufficient or self.soft
        ) or (self.concern_flips is not None)


def _negated_at(morphs: list[Morph], i: int) -> int:
    """Where the negation at ``i`` applies: a pre-verbal adverb ("안", "못", "덜") negates the
    predicate after it; every other negator sits on (or after) the predicate it negates."""
    if morphs[i].tag != "MAG" or morphs[i].form not in _PRE_VERBAL:
        return i
    for j in range(i + 1, len(morphs)):
        if morphs[j].tag in _PREDICATE_TAGS:
            return j - 1 if morphs[j].tag in ("XSV", "XSA") else j
    return i


def read(
    clause: Clause, lex: Lexicon, cue: range | None = None, others: Sequence[range] = ()
) -> Reading:
    """The clause's evaluation of the cue at morphemes ``cue`` (None: a cue of an earlier
    clause that shares this clause's evaluation), leaving out the cue's own morphemes;
    ``others`` are the spans of the clause's other cues.

    Korean is head-final, so scope follows the predicates: a negation covers the words before
    the predicate it negates (in "덜 헤매도록 돕는 일" the 덜 does not negate 돕다); a negative
    evaluation said of a noun ("힘든 시기") covers only that noun, a conceded one ("힘들어도")
    nothing; a worry attached to another cue ("돈 걱정") is that cue's; acceptance ("…도 OK예요")
    does not reach a condition ("돈만 제대로 주면"). English negators cover the whole clause.
    """
    words, morphs = lex.words, clause.morphs
    skip: Collection[int] = cue if cue is not None else ()
    first, last = (cue.start, cue.stop - 1) if cue is not None else (-1, -1)
    negators = [
        m for i, m in enumerate(morphs) if i not in skip and _negates(morphs, i, first, lex)
    ]
    aversive = [
        m
        for i, m in enumerate(morphs)
        if i not in skip and _evaluates_badly(morphs, i, lex) and _covers(morphs, i, first, last)
    ]
    evaluative = bool(aversive) or any(is_in(m, words["evaluative"]) for m in morphs)
    lack_only = bool(negators) and all(is_in(m, words["lack_predicates"]) for m in negators)
    lack_only = lack_only and not evaluative and not aversive and not _self_subject(clause, lex)
    phrase = lex.phrases["negator_phrases"]
    flips = len(negators) + len(aversive) + (len(phrase.findall(clause.text)) if phrase else 0)
    condition = any(
        m.tag == "EC" and m.form in ("면", "으면") and i > last for i, m in enumerate(morphs)
    )
    return Reading(
        flips=flips,
        evaluative=evaluative,
        indifferent=not condition and _search(lex.phrases["indifference_phrases"], clause.text),
        sufficient=_sufficient(clause, lex),
        concern_flips=_concern_flips(morphs, lex, skip, others),
        lack_only=lack_only,
        soft=flips == 0 and any(_soft(morphs, i, lex) for i in range(len(morphs)) if i not in skip),
    )


def _negates(morphs: list[Morph], i: int, first: int, lex: Lexicon) -> bool:
    """A negator whose scope reaches a cue starting at ``first`` ("끝이 없다" is no negation)."""
    m = morphs[i]
    if not is_in(m, lex.words["negators"]):
        return False
    before = [n for n in morphs[max(0, i - 2) : i] if n.tag.startswith("NN")]
    if before and is_in(before[-1], lex.words["not_negated_by_lack"]):
        return False
    return m.tag == "SL" or _negated_at(morphs, i) >= first


def _evaluates_badly(morphs: list[Morph], i: int, lex: Lexicon) -> bool:
    """A negative evaluation, or a word that puts the thing later ("돈은 나중이에요"; not the
    adverb "나중에")."""
    m = morphs[i]
    if is_in(m, lex.words["aversive"]):
        return True
    nxt = morphs[i + 1] if i + 1 < len(morphs) else None
    adverbial = nxt is not None and nxt.tag == "JKB" and nxt.form == "에"
    return is_in(m, lex.words["lesser"]) and not adverbial


def _concern_flips(
    morphs: list[Morph], lex: Lexicon, skip: Collection[int], others: Sequence[range]
) -> int | None:
    """None without a worry word for this cue; else the negators after the worry word."""
    for j, m in enumerate(morphs):
        if j in skip or not is_in(m, lex.words["concern"]):
            continue
        if any(span.stop <= j <= span.stop + 1 for span in others):
            continue  # "돈 걱정": the worry is about another cue
        return sum(is_in(n, lex.words["negators"]) for n in morphs[j + 1 :])
    return None


def _soft(morphs: list[Morph], i: int, lex: Lexicon) -> bool:
    nxt = morphs[i + 1] if i + 1 < len(morphs) else None
    exempt = nxt is not None and is_in(nxt, lex.words["not_soft_before"])
    return is_in(morphs[i], lex.words["soft_negators"]) and not exempt


def _self_subject(clause: Clause, lex: Lexicon) -> bool:
    """The speaker as subject or topic ("저는", "제가"), not as a possessor ("제 판단")."""
    morphs = clause.morphs
    return any(
        is_in(m, lex.words["self_words"]) and n.tag in ("JX", "JKS") for m, n in pairwise(morphs)
    )


def _covers(morphs: list[Morph], i: int, first: int, last: int) -> bool:
    """Whether the evaluation at ``i`` covers the cue at [first, last]: a predicate that
    modifies a noun ("힘든 시기", "지루한 반복") covers that noun only; any other, the clause."""
    j = i + 1
    while j < len(morphs) and morphs[j].tag in ("XSA", "XSV", "VCP", "EP"):
        j += 1
    if j < len(morphs) and morphs[j].tag == "EC" and morphs[j].form in _CONCESSIVE:
        return False  # conceded, not evaluated: "힘들어도 돈이 되니까 해요"
    if j >= len(morphs) or morphs[j].tag != "ETM":
        return True
    noun = next((k for k in range(j + 1, len(morphs)) if morphs[k].tag.startswith("NN")), None)
    if noun is not None and morphs[noun].tag == "NNB":
        return True  # "피곤할 뿐이에요", "싫은 건": a construction, not a described noun
    return noun is not None and first <= noun <= last


def _sufficient(clause: Clause, lex: Lexicon) -> bool:
    """A limit plus "enough": "적당히 벌면 그걸로 만족해요", "이 정도면 충분해요"."""
    if not _search(lex.phrases["limiter_phrases"], clause.text):
        return False
    morphs = clause.morphs
    for i, m in enumerate(morphs):
        if is_in(m, lex.words["sufficiency"]):
            return True
        # "-면 되다" ("먹고살 만큼이면 돼요"): with a limit, enough; without one, a requirement.
        if m.form == "되" and m.tag == "VV" and i > 0 and morphs[i - 1].form in ("면", "으면"):
            return True
    return False


def _compared_away(hit: CueHit, clause: Clause, lex: Lexicon) -> bool:
    """True for A in "A보다 B": "보다" follows the cue with no subject or topic particle between
    (in "돈은 성장보다 덜 중요해요" the compared-away value is 성장, and 돈 is the subject)."""
    for m in clause.morphs[hit.last + 1 :]:
        if m.tag == "JKB" and is_in(m, lex.words["comparative"]):
            return True
        if m.tag == "JKS" or (m.tag == "JX" and m.form in ("은", "는", "ᆫ")):
            return False
    return False


def _hit_sign(hit: CueHit, clause: Clause, reading: Reading, lex: Lexicon, frame: Frame) -> float:
    """The signed strength of one cue under the clause's reading."""
    base = hit.weight
    if _compared_away(hit, clause, lex):
        # A in "A보다 B": the opposite of what is said of B, whatever A's own sign.
        flips = reading.flips + (1 if reading.soft else 0)
        return -abs(base) * lex.factors["comparative_factor"] * (-1.0) ** flips
    if reading.indifferent or reading.sufficient:
        return -abs(base)
    if hit.cue.complaint or _search(lex.phrases["relief_phrases"], clause.text):
        # A complaint ("지루해요", "번아웃") shows the axis matters, negated or not.
        return abs(base)
    if reading.concern_flips is not None:
        return abs(base) * (-1.0) ** reading.concern_flips
    if reading.lack_only:
        return abs(base)
    flips = reading.flips + (1 if reading.soft else 0)
    if flips == 0 and not reading.evaluative:
        if frame == "avoid":
            flips = 1
        elif frame == "concern":
            return abs(base)
    return base * (-1.0) ** flips


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
    preds = [i for i, m in enumerate(morphs) if m.tag in _PREDICATE_TAGS]
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
        nxt = next((n for n in morphs[i + 1 :] if n.tag in _PREDICATE_TAGS | {"NNG"}), None)
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
    if _search(phrases["past_phrases"], clause.text):
        factor *= f["past_factor"]
    if _search(phrases["correction_phrases"], clause.text):
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
    return _sufficient(Clause(list(sentence.morphs), sentence.text), lex)


def question_frame(coach_text: str, lex: Lexicon) -> Frame:
    """How a short answer to this coach question should be read."""
    if _search(lex.phrases["avoid_frame_phrases"], coach_text):
        return "avoid"
    if _search(lex.phrases["concern_frame_phrases"], coach_text):
        return "concern"
    return "neutral"


def has_negator(sentence: Sentence, lex: Lexicon) -> bool:
    """True when any negator, negative evaluation or soft negator occurs in the sentence."""
    words = lex.words["negators"] | lex.words["soft_negators"] | lex.words["aversive"]
    return any(is_in(m, words) for m in sentence.morphs)


def probe_answer(sentence: Sentence, lex: Lexicon) -> float:
    """Signed strength of a cue-less answer to a question about one axis (0.0 = no answer).

    "네, 중요해요" → +1, "정말 중요해요" → +1.5, "별로요" / "아니요" / "중요하지 않아요" /
    "이 정도면 충분해요" / "피곤해요" → −1.
    """
    words = lex.words
    morphs = list(sentence.morphs)
    whole = Clause(morphs, sentence.text)
    negative = any(is_in(m, words["negative_answers"]) for m in morphs) or _sufficient(whole, lex)
    flips = sum(
        is_in(m, words["negators"]) or _evaluates_badly(morphs, i, lex)
        for i, m in enumerate(morphs)
    )
    # "매우", "엄청요": an intensifier with no predicate of its own answers "how much?".
    bare = not any(m.tag in _PREDICATE_TAGS for m in morphs)
    positive = any(is_in(m, words["affirmatives"]) for m in morphs) or (
        bare and any(lex.intensifiers.get(key_of(m), 0.0) >= 1.3 for m in morphs)
    )
    if not (negative or flips or positive):
        return 0.0
    sign = -1.0 if negative and not flips else (-1.0) ** flips
    strength = max(
        (lex.intensifiers[key_of(m)] for m in morphs if key_of(m) in lex.intensifiers), default=1.0
    )
    return sign * strength
