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
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from itertools import pairwise
from typing import Literal

from trendpath.ai.dialogue import Turn
from trendpath.ai.korean import Morph, Sentence, morphemes
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
    CONCESSIVE,
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
    "answers_something_else",
    "constructed_moves",
    "framed_user_turns",
    "has_negator",
    "load_lexicon",
    "negative_words",
    "probe_answer",
    "question_frame",
    "read_clauses",
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


def _worried_after(hit: CueHit, clause: Clause, lex: Lexicon) -> bool:
    """A worry word after the "보다" that follows the cue: said of B, not part of A ("잘릴
    걱정보다 저녁 없는 게 더 무서워요" worries about A)."""
    morphs = clause.morphs
    than = next(
        (
            i
            for i in range(hit.last + 1, len(morphs))
            if morphs[i].tag == "JKB" and is_in(morphs[i], lex.words["comparative"])
        ),
        None,
    )
    return than is not None and any(is_in(m, lex.words["concern"]) for m in morphs[than + 1 :])


def _conceded(hit: CueHit, clause: Clause) -> bool:
    """The cue's own predicate is conceded ("이래라저래라 해도", "야근이 많아도")."""
    return any(
        m.tag == "EC" and m.form in CONCESSIVE for m in clause.morphs[hit.last + 1 : hit.last + 4]
    )


def _signed(amount: float, flips: int) -> float:
    """``amount`` negated by an odd number of flips (parity decides: "싫지 않아요" is positive)."""
    return -amount if flips % 2 else amount


def _hit_sign(hit: CueHit, clause: Clause, reading: Reading, lex: Lexicon, frame: Frame) -> float:
    """The signed strength of one cue under the clause's reading."""
    base = hit.weight
    if _compared_away(hit, clause, lex):
        # A in "A보다 B": the opposite of what is said of B, whatever A's own sign; a worry
        # about B ("…보다 지금 누리는 것을 잃을까 봐 더 걱정됩니다") says B matters.
        flips = reading.flips + (1 if reading.soft else 0)
        if reading.concern_flips is not None and _worried_after(hit, clause, lex):
            flips = reading.concern_flips
        return _signed(-abs(base) * lex.factors["comparative_factor"], flips)
    if reading.indifferent or reading.sufficient:
        return -abs(base)
    if search(lex.phrases["rhetorical_denial_phrases"], clause.text):
        return -abs(base)  # "지루하긴 뭐가 지루해요": denied, complaint or not
    if hit.cue.complaint and _conceded(hit, clause):
        return -abs(base)  # "반장이 이래라저래라 해도 …": the complaint accepted
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


_WH = frozenset({"뭐", "왜", "무슨", "어떻게", "어디"})


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
        nxt_form = morphs[i + 1].form if i + 1 < len(morphs) else ""
        # "배우라 배우라 하는데", "가자 카는데": an order or a suggestion quoted before 하다/카다
        said_so = m.tag == "EC" and m.form in ("라", "으라", "자") and nxt_form in ("하", "카")
        quote = (
            said_so or m.tag == "JKQ" or (m.tag in ("EC", "EF") and _quotes(m, words["quotative"]))
        )
        if not quote:
            continue
        if m.tag == "EF" and any(n.form in _WH for n in morphs[:i]):
            continue  # "돈 욕심 부려서 뭐 한대유": a rhetorical question, not hearsay
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


def reports_others(sentence: Sentence, lex: Lexicon) -> bool:
    """True when the sentence ends in someone else's words or wishes ("젊은 사람들은 좋다구
    하대유", "엄마는 좀 쉬라고 하세요"): it tells what others say, so it answers no question
    put to the speaker."""
    clauses = split_clauses(sentence, lex)
    return bool(clauses) and _reported_clauses(clauses, lex)[-1]


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
    hits = [h for h in find_cues(clause, lex) if not _framing(h, clause, lex)]
    if _duty(clause, lex):
        return sums  # "급여와 근태를 담당하는 대리예요": the domain of a job, not a value
    spans = [range(h.first, h.last + 1) for h in hits]
    for hit, span in zip(hits, spans, strict=True):
        reading = read(clause, lex, span, [s for s in spans if s != span])
        if not reading.own:
            reading = _inherited(clauses, n, lex) or reading
        sums[hit.cue.axis] = sums.get(hit.cue.axis, 0.0) + _hit_sign(
            hit, clause, reading, lex, frame
        )
    return sums


def _framing(hit: CueHit, clause: Clause, lex: Lexicon) -> bool:
    """A one-word cue used as the frame of the sentence rather than its content: a topic or
    a predicate noun ("그게 제일 큰 보상일 것 같아요", "제 방식이 아닙니다") names what the
    rest is about."""
    morphs = clause.morphs
    if hit.first != hit.last or not is_in(morphs[hit.first], lex.words["framing_nouns"]):
        return False
    nxt = morphs[hit.last + 1] if hit.last + 1 < len(morphs) else None
    if nxt is None:
        return False
    return nxt.tag in ("VCP", "VCN") or (nxt.tag == "JX" and nxt.form in _TOPIC)


def _duty(clause: Clause, lex: Lexicon) -> bool:
    """The clause says what the speaker is in charge of ("장애인 고용과 직무 지원을 담당하고
    있습니다"): its nouns name the job's domain."""
    morphs = clause.morphs
    return any(is_in(m, lex.words["duty_verbs"]) and n.tag == "XSV" for m, n in pairwise(morphs))


def analyse_sentence(
    sentence: Sentence, lex: Lexicon, frame: Frame = "neutral", weight: float = 1.0
) -> list[AxisDelta]:
    """All axis movements of one user sentence, summed per clause and capped."""
    built = constructed_moves(sentence, lex, weight)
    return built if built is not None else read_clauses(sentence, lex, frame, weight)


def constructed_moves(
    sentence: Sentence, lex: Lexicon, weight: float = 1.0
) -> list[AxisDelta] | None:
    """The moves of a sentence built as a choice (:func:`_constructed`), or None."""
    traded = _constructed(sentence, lex)
    if traded is None:
        return None
    return [AxisDelta(a, d * weight, sentence.text) for a, d in traded.items()]


def _constructed(sentence: Sentence, lex: Lexicon) -> dict[str, float] | None:
    """Axis → move when the sentence is built as a choice between things (a trade, a thing put
    off, a refusal for a reason, "X할 바에 Y", "A가 B와 바꿀 만한 게 아니다", a counterfactual
    about what one goes by); None otherwise. The construction, not the words' polarity, says
    what is kept and what given up."""
    readings = (_trade_off, _deferral, _refused_for, _instead, _not_worth, _counterfactual)
    for reading in (*readings, _declined, _even_if):
        traded = reading(sentence, lex)
        if traded is not None:
            return traded
    return None


def read_clauses(sentence: Sentence, lex: Lexicon, frame: Frame, weight: float) -> list[AxisDelta]:
    """The clause-by-clause reading of :func:`analyse_sentence` (no construction checked)."""
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


def _span(morphs: list[Morph]) -> tuple[int, int]:
    """Where a non-empty stretch of the sentence's morphemes starts and ends in its text."""
    return morphs[0].start, morphs[-1].start + len(morphs[-1].form)


def _named(morphs: list[Morph], sentence: Sentence, lex: Lexicon) -> dict[str, float]:
    """Axis → summed cue weight (unsigned) of the cues in a stretch of the sentence."""
    out: dict[str, float] = {}
    if not morphs:
        return out
    lo, hi = _span(morphs)
    for hit in find_cues(Clause(morphs, sentence.text[lo:hi]), lex):
        out[hit.cue.axis] = out.get(hit.cue.axis, 0.0) + abs(hit.weight)
    return out


def _preferred(given: dict[str, float], kept: dict[str, float], lex: Lexicon) -> dict[str, float]:
    """What one part of a sentence keeps moves as it reads (capped); what only the other part
    names (``given``, unsigned) is given up, times ``comparative_factor``."""
    cap = lex.factors["clause_cap"]
    moves = {a: math.copysign(min(abs(w), cap), w) for a, w in kept.items()}
    factor = lex.factors["comparative_factor"]
    moves.update({a: -min(w, cap) * factor for a, w in given.items() if a not in kept})
    return moves


def _options(text: str, morphs: Sequence[Morph], end: int) -> list[list[Morph]]:
    """The options a trade offers, in order: the offer (the text before ``end``) split at "랑",
    "하고", "vs", "아니면"."""
    cuts = [m.end() for m in _OPTION_SPLIT.finditer(text[:end])]
    bounds = [0, *cuts, end]
    return [[m for m in morphs if lo <= m.start < hi] for lo, hi in pairwise(bounds)]


def _bigrams(text: str) -> set[str]:
    """Pairs of adjacent Hangul syllables (spaces and other characters dropped)."""
    hangul = "".join(ch for ch in text if "가" <= ch <= "힣")
    return {hangul[i : i + 2] for i in range(len(hangul) - 1)}


_CONDITION = re.compile(
    r"(?:(?:바꾸|바꿔|고르|골라|택하|택해|선택하|선택해)\s*)?"
    r"(?:라면|래면|라고\s*하면|라\s*하면|으라면|이?면)[\s,]*$"
)
_OPTION_SPLIT = re.compile(r"(?:이랑|랑|하고|vs\.?|VS|아니면|or)\s+")
_LATTER = re.compile(r"후자|뒤에\s*(거|것)|두\s*번째|뒤쪽")
_FORMER = re.compile(r"전자|앞에\s*(거|것)|첫\s*번째|앞쪽")


def _read_part(morphs: list[Morph], sentence: Sentence, lex: Lexicon) -> dict[str, float]:
    """Axis → signed reading of a stretch of the sentence, read as a sentence of its own."""
    if not morphs:
        return {}
    lo, hi = _span(morphs)
    part = Sentence(sentence.text[lo:hi], tuple(replace(m, start=m.start - lo) for m in morphs))
    return {d.axis: d.delta for d in read_clauses(part, lex, "neutral", 1.0)}


def _after(
    prefix: list[Morph], sentence: Sentence, lex: Lexicon, moves: dict[str, float]
) -> dict[str, float]:
    """The clauses before a construction, read as said, plus the construction's own moves."""
    out = _read_part(prefix, sentence, lex)
    for axis, delta in moves.items():
        out[axis] = out.get(axis, 0.0) + delta
    return out


def _trade_off(sentence: Sentence, lex: Lexicon) -> dict[str, float] | None:
    """A trade put as a choice ("연봉이랑 제 저녁 바꾸라면 전 저녁이요", "정규직인데 야근 vs
    계약직인데 칼퇴면 무조건 계약직", "…바꾸라 하면 당연히 후자죠"): the option the answer names
    (by its words, or "전자"/"후자") is read as said; what only the other options name is given
    up (times ``comparative_factor``). An answer that names no option and no value ("저는 안
    바꿔요") moves nothing. None when the sentence offers no trade."""
    pattern = lex.phrases["trade_phrases"]
    found = pattern.search(sentence.text) if pattern is not None else None
    if found is None:
        return None
    cond = _CONDITION.search(sentence.text[: found.end()])
    offer_end = cond.start() if cond is not None else found.start()
    options = [o for o in _options(sentence.text, sentence.morphs, offer_end) if o]
    answer = [m for m in sentence.morphs if m.start >= found.end()]
    said = sentence.text[found.end() :]
    pick: int | None = None
    if len(options) >= 2:
        if _LATTER.search(said):
            pick = len(options) - 1
        elif _FORMER.search(said):
            pick = 0
        else:
            said_pairs = _bigrams(said)
            overlap = [len(said_pairs & _bigrams(" ".join(m.form for m in o))) for o in options]
            if max(overlap) > 0 and overlap.count(max(overlap)) == 1:
                pick = overlap.index(max(overlap))
    if pick is None:
        chosen = _read_part(answer, sentence, lex)
        offered = _named([m for o in options for m in o], sentence, lex)
        return _preferred(offered, chosen, lex) if chosen else {}
    kept = {**_read_part(answer, sentence, lex), **_read_part(options[pick], sentence, lex)}
    given: dict[str, float] = {}
    for n, option in enumerate(options):
        if n != pick:
            for axis, w in _named(option, sentence, lex).items():
                given.setdefault(axis, w)
    return _preferred(given, kept, lex)


def _refused_for(sentence: Sentence, lex: Lexicon) -> dict[str, float] | None:
    """What one will not give up for something ("정규직 보장 때문에 이 일을 포기하진 않을 것
    같아요", "돈 때문에 노리는 걸 놓칠 순 없죠", "내 저녁 지키자고 누가 혼자 가게 둘 수는
    없잖아요"): the reason named before "때문에"/"-자고"/"-려고" is given up, what is kept rises.
    None unless the sentence has both."""
    pattern = lex.phrases["refusal_phrases"]
    found = pattern.search(sentence.text) if pattern is not None else None
    if found is None:
        return None
    # the reason's own verb counts ("더 벌려고 … 들어가라면 안 할 거예요")
    reason = [m for m in sentence.morphs if m.start < found.end("reason")]
    kept = [m for m in sentence.morphs if m.start >= found.end("reason")]
    given = _named(reason, sentence, lex)
    if not given:
        return None
    return _preferred(given, _named(kept, sentence, lex), lex)


def _deferral(sentence: Sentence, lex: Lexicon) -> dict[str, float] | None:
    """A thing put off until another is done ("쉬는 거는 나중에 돈 다 모으고 하면 되지", "남
    돕는 건 돈 좀 모이면 그때요"): the topic before 은/는 is given up for now, what the rest
    names comes first. None unless the sentence has both a topic and a deferral phrase."""
    pattern = lex.phrases["deferral_phrases"]
    found = pattern.search(sentence.text) if pattern is not None else None
    if found is None:
        return None
    topic = next(
        (i for i, m in enumerate(sentence.morphs) if m.tag == "JX" and m.form in _TOPIC), None
    )
    if topic is None or sentence.morphs[topic].start >= found.start():
        return None
    if any(m.form == "싶" for m in sentence.morphs[topic:]):
        return None  # "돈은 나중에 많이 벌고 싶어요" is a wish for later, not a thing put off
    deferred = _named(list(sentence.morphs[:topic]), sentence, lex)
    if not deferred:
        return None
    first = _named(list(sentence.morphs[topic + 1 :]), sentence, lex)
    # "돈은 나중에 벌어도 늦지 않다": the thing put off is named again, not put first
    first = {a: w for a, w in first.items() if a not in deferred}
    return _preferred(deferred, first, lex)


_TOPIC = frozenset({"은", "는", "ᆫ"})


def _instead(sentence: Sentence, lex: Lexicon) -> dict[str, float] | None:
    """ "X할 바에 Y": rather than X, Y ("그거 익히는 데 시간 쓸 바에 현장에서 한 층이라도 더
    올리는 게 낫죠"): what X names is given up, Y is read as said. None without both."""
    morphs = sentence.morphs
    at = next(
        (
            i
            for i in range(1, len(morphs) - 1)
            if morphs[i].tag == "NNB"
            and morphs[i].form == "바"
            and morphs[i - 1].tag == "ETM"
            and morphs[i + 1].form in ("에", "에는", "엔", "에야")
        ),
        None,
    )
    if at is None:
        return None
    given = _named(list(morphs[: at - 1]), sentence, lex)
    if not given:
        return None
    return _preferred(given, _read_part(list(morphs[at + 2 :]), sentence, lex), lex)


_NOT_WORTH = re.compile(r"(과|와|이랑|랑|하고)\s*바꿀\s*(만한|만큼|가치|정도)")
_NOT_WORTH_NEG = re.compile(r"아니|않|없|못")


def _not_worth(sentence: Sentence, lex: Lexicon) -> dict[str, float] | None:
    """ "A가 B와 바꿀 만한 게 아니다": A is not worth giving B up for ("지금은 그 짜릿함이
    가족이랑 보내는 저녁과 바꿀 만한 게 아니더라고요", "그 30퍼센트가 정년 보장과 바꿀 만한
    가치라고는 생각하지 않습니다"): B is kept, A (the subject) given up; the clauses before
    are read as said. None without the construction and a negation after it."""
    found = _NOT_WORTH.search(sentence.text)
    if found is None or not _NOT_WORTH_NEG.search(sentence.text, found.end()):
        return None
    before = [m for m in sentence.morphs if m.start < found.start()]
    subject = max(
        (i for i, m in enumerate(before) if m.tag == "JKS" or (m.tag == "JX" and m.form in _TOPIC)),
        default=None,
    )
    if subject is None:
        return None
    opens = max((i + 1 for i, m in enumerate(before[:subject]) if m.tag in ("SP", "EC")), default=0)
    given = _named(before[opens:subject], sentence, lex)
    kept = _named(before[subject + 1 :], sentence, lex)
    if not (given or kept):
        return None
    return _after(before[:opens], sentence, lex, _preferred(given, kept, lex))


_PAST = frozenset({"었", "았", "였"})


def counterfactual(sentence: Sentence, lex: Lexicon) -> int | None:
    """Where the condition ends in a counterfactual about what one goes by ("4대보험 되는 데
    오래 다니는 게 목표였으면 처음부터 단체급식 갔겠죠", "그게 중요했으면 그냥 회사에
    남았겠죠"): a past condition that names a goal or a measure, and a past conjecture after it
    ("-았겠죠", "-았을 거예요") — so the speaker does not go by it. Regrets and wishes ("더 일찍
    배웠으면 좋았을 텐데") are not. None when the sentence is no such counterfactual."""
    morphs = sentence.morphs
    cond = next(
        (
            i
            for i in range(1, len(morphs))
            if morphs[i].tag == "EC"
            and morphs[i].form in ("으면", "면")
            and morphs[i - 1].tag == "EP"
            and morphs[i - 1].form in _PAST
        ),
        None,
    )
    if cond is None:
        return None
    measure = any(
        is_in(m, lex.words["evaluative"]) or m.form in ("목표", "목적") for m in morphs[:cond]
    )
    rest = morphs[cond + 1 :]
    conjecture = any(
        (m.form == "겠" and m.tag == "EP" and rest[j - 1].form in _PAST)
        or (m.tag == "ETM" and m.form in ("ᆯ", "을") and rest[j - 1].form in _PAST)
        for j, m in enumerate(rest)
        if j > 0
    )
    wish = any(m.form in ("좋", "싶", "바라", "아쉽", "후회") for m in rest)
    return cond if measure and conjecture and not wish else None


def _declined(sentence: Sentence, lex: Lexicon) -> dict[str, float] | None:
    """An offer turned down ("친구가 학원 끊어줄라 카는데 됐다 했어요", "두 배 준다고 꼬시는데
    됐다 그랬어요"): what the offer named is given up. None without it or without a cue."""
    pattern = lex.phrases["declined_phrases"]
    found = pattern.search(sentence.text) if pattern is not None else None
    if found is None:
        return None
    named = _named([m for m in sentence.morphs if m.start < found.start()], sentence, lex)
    return _preferred(named, {}, lex) if named else None


def _even_if(sentence: Sentence, lex: Lexicon) -> dict[str, float] | None:
    """What one would leave even with ("배울 거 없으면 정규직이어도 나올 거예요", "연봉 더
    줘도 옮길 거예요"): the conceded clause's cues are given up; a condition before it is read
    as said. None unless a leaving verb follows the concession."""
    morphs = sentence.morphs
    at = next((i for i, m in enumerate(morphs) if m.tag == "EC" and m.form in CONCESSIVE), None)
    if at is None:
        return None
    leaving = next((m for m in morphs[at + 1 :] if m.tag in ("VV", "XSV")), None)
    if leaving is None or not is_in(leaving, lex.words["leave_verbs"]):
        return None
    if any(is_in(m, lex.words["negators"]) for m in morphs[at + 1 :]):
        return None  # "정규직이어도 안 나갈 거예요": staying
    opens = max((i + 1 for i in range(at) if morphs[i].tag == "EC"), default=0)
    given = _named(list(morphs[opens:at]), sentence, lex)
    if not given:
        return None
    return _after(list(morphs[:opens]), sentence, lex, _preferred(given, {}, lex))


def _counterfactual(sentence: Sentence, lex: Lexicon) -> dict[str, float] | None:
    """What a counterfactual's condition names (:func:`counterfactual`) is given up."""
    cond = counterfactual(sentence, lex)
    if cond is None:
        return None
    named = _named(list(sentence.morphs[:cond]), sentence, lex)
    return _preferred(named, {}, lex) if named else None


_QUOTE = re.compile(r"[\"“”「『‘’']([^\"“”「」『』‘’']{2,80})[\"“”」』‘’']")


_OWN_THOUGHT = re.compile(
    r"\s*(이?라고|하고|고|란|이란)?\s*(생각|느끼|느꼈|믿|여기|여겨|다짐|판단)"
)


def unquoted(sentence: Sentence, lex: Lexicon) -> Sentence:
    """The sentence with what it quotes in quotation marks replaced by "그 말": words put in
    someone's mouth ("엄마는 "공무원 시험 봐라" 하세요", "회사는 "우리는 세상을 바꾼다"
    이런 말만 하고") are not the speaker's values. A quote the speaker owns as a thought
    ("“워라밸이 먼저”라고 생각해요") stays."""
    text = sentence.text
    parts: list[str] = []
    last = 0
    for found in _QUOTE.finditer(text):
        if _OWN_THOUGHT.match(text, found.end()):
            continue
        parts += [text[last : found.start()], "그 말"]
        last = found.end()
    if not parts:
        return sentence
    replaced = "".join([*parts, text[last:]])
    return Sentence(replaced, tuple(morphemes(replaced)))


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


_POINTERS = frozenset({"그거", "그게", "그것", "그런", "이런", "저런", "그렇", "이거", "이것"})


def _about_something_else(morphs: list[Morph]) -> bool:
    """The sentence judges a thing it names itself ("차근차근 올라가는 게 맞아요", "하던 대로
    하는 게 좋아요") rather than what the coach asked about ("그런 게 좋아요" points back)."""
    for i in range(1, len(morphs) - 1):
        nominal = morphs[i].tag == "NNB" and morphs[i].form in ("것", "거")
        nominal = nominal and morphs[i - 1].tag == "ETM" and morphs[i - 1].form not in ("ᆯ", "을")
        # "제가 정한 대로 굴릴 수 있는지가 제일 중요": a clause made a subject ("-는지가")
        clause = (
            morphs[i].tag == "EC" and morphs[i].form.endswith("지") and morphs[i + 1].tag == "JKS"
        )
        if nominal or clause:
            return not any(m.form in _POINTERS for m in morphs[:i])
    return False


def answers_something_else(sentence: Sentence) -> bool:
    """A sentence that judges a thing it names itself (:func:`_about_something_else`)."""
    return _about_something_else(list(sentence.morphs))


def _adverbial(morphs: list[Morph], i: int) -> bool:
    """ "그렇게 말해야겠죠": an affirmative word used as an adverb answers nothing."""
    nxt = morphs[i + 1] if i + 1 < len(morphs) else None
    return nxt is not None and nxt.tag == "EC" and nxt.form == "게"


def probe_answer(sentence: Sentence, lex: Lexicon) -> float:
    """Signed strength of a cue-less answer to a question about one axis (0.0 = no answer).

    "네, 중요해요" → +1, "정말 중요해요" → +1.5, "별로요" / "아니요" / "중요하지 않아요" /
    "이 정도면 충분해요" / "피곤해요" → −1.
    """
    words = lex.words
    morphs = list(sentence.morphs)
    whole = Clause(morphs, sentence.text)
    # Indifference is a "no" whatever else the sentence negates: "오래 다닐 수 있냐 없냐는
    # 크게 상관없어요", "적게 받아도 괜찮아요" (their own 없/못 must not flip it back).
    indifferent = search(lex.phrases["indifference_phrases"], sentence.text)
    negative = (
        any(is_in(m, words["negative_answers"]) for m in morphs)
        or sufficient(whole, lex)
        or indifferent
    )
    # "아니, 그런 거 없어": the answer word says no; it does not negate the "없어" after it
    flips = sum(
        (is_in(m, words["negators"]) and m.tag != "IC") or evaluates_badly(morphs, i, lex)
        for i, m in enumerate(morphs)
    )
    # "매우", "엄청요": an intensifier with no predicate of its own answers "how much?".
    bare = not any(m.tag in PREDICATE_TAGS for m in morphs)
    positive = any(
        is_in(m, words["affirmatives"]) and not _adverbial(morphs, i) for i, m in enumerate(morphs)
    ) or (bare and any(lex.intensifiers.get(key_of(m), 0.0) >= 1.3 for m in morphs))
    if not (negative or flips or positive):
        return 0.0
    if counterfactual(sentence, lex) is not None:
        return -1.0  # "그게 중요했으면 그냥 회사에 남았겠죠": not what the speaker goes by
    refusal = lex.phrases["refusal_phrases"]
    refused = refusal.search(sentence.text) if refusal is not None else None
    if refused is not None and any(
        m.form in _POINTERS for m in morphs if m.start < refused.start()
    ):
        return -1.0  # "그거 때문에 그만둘 생각은 없어요": not a reason to act on
    sign = -1.0 if indifferent or (negative and not flips) else _signed(1.0, flips)
    if sign > 0 and _about_something_else(morphs):
        return 0.0  # "차근차근 올라가는 게 맞아요": a yes to something else
    found = [lex.intensifiers[key_of(m)] for m in morphs if key_of(m) in lex.intensifiers]
    # "아주 조금?" is a little: a weakening word wins over a strengthening one.
    strength = min(found) if any(f < 1.0 for f in found) else max(found, default=1.0)
    return sign * strength
