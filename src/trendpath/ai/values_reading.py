"""How a clause evaluates what it names: polarity and scope (the heart of the value rules).

Given a clause and one cue in it, :func:`read` says which of the clause's words bear on the cue:
grammatical negators, negative evaluations (aversion, fear, fatigue, burden, bother, boredom),
words that put a thing later, worry, indifference, sufficiency. Korean is head-final, so scope
follows the predicates: a negation covers the words before the predicate it negates, an
evaluation said of a noun covers that noun only, a conceded one nothing, and acceptance does not
reach a condition's cue. :mod:`trendpath.ai.values_lexicon` turns the reading into a signed
amount.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from itertools import pairwise

from trendpath.ai.korean import Morph
from trendpath.ai.values_cues import Clause, Lexicon, is_in

PREDICATE_TAGS = frozenset({"VV", "VA", "VX", "VCP", "VCN", "XSV", "XSA"})
_PRE_VERBAL = frozenset({"안", "못", "덜"})
CONCESSIVE = frozenset({"어도", "아도", "여도", "더라도", "어서도", "라도", "이라도"})
"""Concessive endings ("힘들어도", "정규직이어도", "70퍼센트라도")."""
_ENOUGH = {"되": frozenset({"면", "으면", "로", "으로"}), "괜찮": frozenset({"면", "으면"})}
"""Predicates that say "enough" after these endings/particles (with a limit in the clause)."""
_IF = frozenset({"면", "으면", "라면", "이라면", "다면", "ᆫ다면", "는다면"})
"""Conditional endings: "배울 게 있는 데라면 계약직이어도 괜찮아요" names the condition."""


def search(pattern: re.Pattern[str] | None, text: str) -> bool:
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
    j = _next_predicate(morphs, i)
    if j is None:
        return i
    return j - 1 if morphs[j].tag in ("XSV", "XSA") else j


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
    cond = next(
        (i for i, m in enumerate(morphs) if m.tag == "EC" and m.form in _IF and i > last), None
    )
    # "돈만 제대로 주믄 암말 안 한다": a cue the condition singles out ("만") is what is required;
    # what the main clause then says does not reach it.
    only_if = cond is not None and cue is not None and _only(morphs, last, cond)
    at = [
        i
        for i in range(len(morphs))
        if i not in skip
        and _negates(morphs, i, first, lex)
        and not _conceded_after_condition(morphs, i, last)
        and not (only_if and cond is not None and i > cond)
    ]
    negators = [morphs[i] for i in at]
    aversive = [
        m
        for i, m in enumerate(morphs)
        if i not in skip
        and evaluates_badly(morphs, i, lex)
        and _covers(morphs, i, first, last)
        and not (only_if and cond is not None and i > cond)
    ]
    evaluative = bool(aversive) or any(is_in(m, words["evaluative"]) for m in morphs)
    lack_only = bool(at) and all(
        is_in(morphs[i], words["lack_predicates"]) or _unable(morphs, i, last, lex) for i in at
    )
    lack_only = lack_only and not evaluative and not aversive and not _self_subject(clause, lex)
    phrase = lex.phrases["negator_phrases"]
    # Negative evaluations pile up rather than cancel ("갑갑해서 싫어요" is one dislike), so they
    # count once; negators flip by parity ("싫지 않아요").
    flips = (
        len(negators) + min(1, len(aversive)) + (len(phrase.findall(clause.text)) if phrase else 0)
    )
    return Reading(
        flips=flips,
        evaluative=evaluative,
        indifferent=not only_if
        and (cond is None or _RHETORICAL_IF.search(clause.text) is not None)
        and search(lex.phrases["indifference_phrases"], clause.text),
        sufficient=sufficient(clause, lex) and not _required(morphs, cond, cue, lex),
        concern_flips=_concern_flips(morphs, lex, skip, others),
        lack_only=lack_only,
        soft=flips == 0 and any(_soft(morphs, i, lex) for i in range(len(morphs)) if i not in skip),
    )


_RHETORICAL_IF = re.compile(r"(?:면|봤자|봐야)\s*뭐\s*(?:해|하|한|합|할)")
"""A condition that is itself the dismissal ("돈 더 받으면 뭐해요"), not a condition on it."""


def _only(morphs: list[Morph], last: int, cond: int) -> bool:
    """The cue itself is singled out by "만" inside the condition ("돈만 제대로 주면"; not "같은
    브랜드만 본다면", where 만 limits another noun)."""
    nxt = morphs[last + 1] if last + 1 < cond else None
    return nxt is not None and nxt.tag == "JX" and nxt.form == "만"


def _required(morphs: list[Morph], cond: int | None, cue: range | None, lex: Lexicon) -> bool:
    """A cue inside a condition with no limit of its own, before "enough": the condition is
    what is required ("3년 뒤에 훨씬 성장해 있다면 그걸로 충분해요"), not a ceiling (as in
    "적당히 벌면 그걸로 만족해요", whose condition sets the limit)."""
    if cond is None or cue is None or cue.start > cond:
        return False
    named = " ".join(m.form for m in morphs[: cond + 1])
    return not search(lex.phrases["limiter_phrases"], named)


def _unable(morphs: list[Morph], i: int, last: int, lex: Lexicon) -> bool:
    """ "못" before a plain verb states what one cannot get or do ("아이들 저녁을 제가 못
    챙기는 날이 세 번이에요", "연봉이 못 올라서"): a complaint, like a lack. Not a refusal
    ("더는 못 하겠어요", "못 견디겠어요"), an evaluation, or the consequence of a condition
    the cue is in ("돈 더 받자고 옮기면 목표 못 찍잖아요" says nothing for 돈)."""
    if morphs[i].form != "못" or morphs[i].tag != "MAG" or _condition_between(morphs, last, i):
        return False
    if any(is_in(m, lex.words["others"]) for m in morphs[:i]):
        return False  # "그 형도 돈은 별로 못 벌어요": someone else's lot, no complaint
    j = _next_predicate(morphs, i)
    if j is None or morphs[j].tag not in ("VV", "XSV"):
        return False
    if is_in(morphs[j], lex.words["endurance_verbs"]) or is_in(morphs[j], lex.words["evaluative"]):
        return False
    after = morphs[j + 1 : j + 5]
    # not a will ("못 하겠어요") nor an experience told ("월급 못 받은 적도 있어요")
    return not any(m.form == "겠" or (m.form == "적" and m.tag == "NNB") for m in after)


def _conceded_after_condition(morphs: list[Morph], i: int, last: int) -> bool:
    """A negation conceded after a condition does not reach the condition's cue: in "공부를
    계속 시키는 곳이면 연봉이 조금 낮아도 괜찮아요" the 낮 is said of 연봉 only."""
    if last < 0:
        return False
    j = i if morphs[i].tag in PREDICATE_TAGS else _next_predicate(morphs, i)
    if j is None or j + 1 >= len(morphs) or morphs[j + 1].form not in CONCESSIVE:
        return False
    return _condition_between(morphs, last, i)


def _condition_between(morphs: list[Morph], last: int, i: int) -> bool:
    """A conditional ending between the cue (ending at ``last``) and the word at ``i``."""
    return any(m.tag == "EC" and m.form in _IF for m in morphs[last + 1 : i])


def _never_tried(morphs: list[Morph], i: int) -> bool:
    """ "안 해 본 일", "안 가 본 데": what one has never done, a description, not a negation."""
    if morphs[i].form != "안" or len(morphs) < i + 5:
        return False
    v, ec, vx, etm = morphs[i + 1 : i + 5]
    return (
        v.tag == "VV" and ec.tag == "EC" and vx.form == "보" and vx.tag == "VX" and etm.tag == "ETM"
    )


def _listed(morphs: list[Morph], i: int) -> bool:
    """A negating noun named as an item, not used as a predicate ("봉사정신, 희생 이런 말")."""
    nxt = morphs[i + 1] if i + 1 < len(morphs) else None
    return morphs[i].tag == "NNG" and nxt is not None and nxt.tag in ("SP", "MM", "NNG", "JC")


def _negates(morphs: list[Morph], i: int, first: int, lex: Lexicon) -> bool:
    """A negator whose scope reaches a cue starting at ``first`` ("끝이 없다" is no negation)."""
    m = morphs[i]
    if not is_in(m, lex.words["negators"]) or m.tag == "IC":
        return False  # the interjection "아니, …" answers; it negates nothing in the clause
    if _alternative(morphs, i) or _listed(morphs, i) or _never_tried(morphs, i):
        return False
    if any(n.form == "위하" for n in morphs[max(0, i - 2) : i]):
        return False  # "남을 위해 희생하는": what is given up for others, not the others
    if first >= 0 and any(is_in(n, lex.words["scope_blockers"]) for n in morphs[first:i]):
        return False  # "공부하는 동안 못 타는 콜": the negation is inside the time clause
    before = [n for n in morphs[max(0, i - 2) : i] if n.tag.startswith("NN")]
    if before and is_in(before[-1], lex.words["not_negated_by_lack"]):
        return False
    return m.tag == "SL" or _negated_at(morphs, i) >= first


def _alternative(morphs: list[Morph], i: int) -> bool:
    """The negative half of "A냐 아니냐", "있냐 없냐", "되냐 안 되냐", "A든 아니든": whether or
    not, which negates nothing."""
    j = i if morphs[i].tag in PREDICATE_TAGS else _next_predicate(morphs, i)
    if j is None or j + 1 >= len(morphs):
        return False
    if morphs[i].form in _PRE_VERBAL and i > 0 and morphs[i - 1].form == "다":
        # "채웠다 못 채웠다", "되다 안 되다": the same predicate both ways
        k = max((n for n in range(i - 1) if morphs[n].tag in PREDICATE_TAGS), default=None)
        if k is not None and morphs[k].form == morphs[j].form:
            return True
    ending = morphs[j + 1].form
    return ending.startswith(("냐", "으냐")) or ending in ("든", "든지", "던지")


def _next_predicate(morphs: list[Morph], i: int) -> int | None:
    return next((j for j in range(i + 1, len(morphs)) if morphs[j].tag in PREDICATE_TAGS), None)


def evaluates_badly(morphs: list[Morph], i: int, lex: Lexicon) -> bool:
    """A negative evaluation, or a word that puts the thing later ("돈은 나중이에요"; not the
    adverb "나중에")."""
    m = morphs[i]
    nxt = morphs[i + 1] if i + 1 < len(morphs) else None
    than = morphs[i + 2] if i + 2 < len(morphs) else None
    if (
        nxt is not None
        and nxt.tag == "ETN"
        and than is not None
        and than.tag == "JKB"
        and is_in(than, lex.words["comparative"])
    ):
        return False  # "두렵다기보다…": set aside in favour of what follows
    if is_in(m, lex.words["aversive"]):
        return True
    adverbial = nxt is not None and nxt.tag == "JKB"  # "나중에", "5년 뒤에도", "그 뒤로"
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


_HOLDER = frozenset({"한테", "에게", "께"})


def _self_subject(clause: Clause, lex: Lexicon) -> bool:
    """The speaker as subject, topic or holder ("저는", "제가", "저한테는 … 없어요"), not as a
    possessor ("제 판단")."""
    morphs = clause.morphs
    return any(
        is_in(m, lex.words["self_words"])
        and (n.tag in ("JX", "JKS") or (n.tag == "JKB" and n.form in _HOLDER))
        for m, n in pairwise(morphs)
    )


def _covers(morphs: list[Morph], i: int, first: int, last: int) -> bool:
    """Whether the evaluation at ``i`` covers the cue at [first, last]: a predicate that
    modifies a noun ("힘든 시기", "지루한 반복") covers that noun only; any other, the clause."""
    j = i + 1
    while j < len(morphs) and morphs[j].tag in ("XSA", "XSV", "VCP", "EP"):
        j += 1
    if j < len(morphs) and morphs[j].tag == "EC" and morphs[j].form in CONCESSIVE:
        return False  # conceded, not evaluated: "힘들어도 돈이 되니까 해요"
    if j >= len(morphs) or morphs[j].tag != "ETM":
        return True
    noun = next((k for k in range(j + 1, len(morphs)) if morphs[k].tag.startswith("NN")), None)
    if noun is not None and morphs[noun].tag == "NNB":
        return True  # "피곤할 뿐이에요", "싫은 건": a construction, not a described noun
    return noun is not None and first <= noun <= last


def sufficient(clause: Clause, lex: Lexicon) -> bool:
    """A limit plus "enough": "적당히 벌면 그걸로 만족해요", "이 정도면 충분해요"."""
    if not search(lex.phrases["limiter_phrases"], clause.text):
        return False
    morphs = clause.morphs
    for i, m in enumerate(morphs):
        if is_in(m, lex.words["sufficiency"]):
            return True
        # "-면 되다" ("먹고살 만큼이면 돼요"), "-로 되다" ("그걸로 됐어요"), "-면 괜찮다" ("이
        # 정도면 괜찮아요"): with a limit, enough; without one, a requirement.
        before = _ENOUGH.get(m.form) if m.tag in ("VV", "VA") else None
        if before is not None and i > 0 and morphs[i - 1].form in before:
            return True
    return False
