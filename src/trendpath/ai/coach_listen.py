"""Listening: what the coach says back about the answer it just read.

Every reply starts by reflecting something specific from the person's last message — the option
they chose, their worry, their goal, the field or activity they named, a value they stated —
before the next question. The words come from the person: the longest content noun phrase of the
answer (Kiwi: runs of nouns, foreign words and numbers, plus a nominalised verb like "만들기"),
set into a template that fits the stage. Stock acknowledgements are a last resort for answers
with nothing to reflect, and none is said twice in a talk.

Variants are chosen by :func:`pick`: deterministic given the session's seed (so a stored session
resumes identically), spread over all variants across sessions, never repeating one within a talk
while an unused one is left.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from typing import Protocol

from trendpath.ai.coach_script import josa
from trendpath.ai.korean import Morph, sentences

_NOUNS = frozenset({"NNG", "NNP", "SL", "SN", "SH", "NR"})
_STOP = frozenset(
    [
        "요즘",
        "생각",
        "거",
        "것",
        "때",
        "정도",
        "하루",
        "저",
        "제",
        "나",
        "내",
        "진짜",
        "그냥",
        "좀",
        "시간",
        "뭐",
        "부분",
        "경우",
        "느낌",
        "이번",
        "지금",
        "오늘",
        "마음",
        "말씀",
        "코치",
        "네",
        "답",
        "질문",
        "이거",
        "그거",
        "저거",
        "수",
        "쪽",
        "편",
        "중",
        "데",
        "번",
        "등",
        "뭔가",
        "누구",
        "무엇",
        "어디",
        "언제",
        "왜",
        "자신",
        "스스로",
        "우리",
        "저희",
        "너",
        "당신",
        "얘기",
        "이야기",
        "말",
        "점",
        "게",
        "건",
        "걸",
        "중요",
        "필요",
        "제일",
        "가장",
        "최고",
        "정말",
        "매일",
        "항상",
        "계속",
        "다음",
        "처음",
        "전",
        "후",
        "안",
        "일단",
    ]
)
_WORRY = re.compile(
    r"걱정|불안|고민|막막|두렵|두려|무섭|무서|힘들|힘드|모르겠|자신\s*(이\s*)?없|스트레스|초조|답답"
    r"|부담|지치|지쳐|우울|속상|조급|겁|worr|anxious|stress",
    re.I,
)
_GOAL = re.compile(r"되고\s*싶|하고\s*싶|일하고\s*싶|목표|꿈|바라|원해|원하|좋겠|want|goal", re.I)
_UNSURE = re.compile(r"모르겠|글쎄|잘\s*모르|아직\s*없|없는\s*것\s*같|딱히", re.I)


class Picks(Protocol):
    """The part of the session state that :func:`pick` needs."""

    seed: int
    used: list[str]


def pick(state: Picks, slot: str, options: Sequence[str]) -> str:
    """One of ``options`` for ``slot``: unused in this talk if possible, spread by the seed."""
    unused = [i for i in range(len(options)) if f"{slot}:{i}" not in state.used]
    pool = unused or list(range(len(options)))
    digest = hashlib.blake2b(f"{state.seed}:{slot}:{len(state.used)}".encode(), digest_size=8)
    index = pool[int.from_bytes(digest.digest(), "big") % len(pool)]
    state.used.append(f"{slot}:{index}")
    return options[index]


def pick_fresh(state: Picks, slot: str, options: Sequence[str]) -> str | None:
    """Like :func:`pick`, but None once every variant was said in this talk (no repeats)."""
    if all(f"{slot}:{i}" in state.used for i in range(len(options))):
        return None
    return pick(state, slot, options)


def variant_keys(slot: str, options: Sequence[str]) -> list[str]:
    """Every key :func:`pick` can record for ``slot`` (for coverage checks)."""
    return [f"{slot}:{i}" for i in range(len(options))]


def _run_text(text: str, run: list[Morph]) -> str:
    start, last = run[0].start, run[-1]
    return text[start : last.start + len(last.form)].strip()


def _runs(text: str, morphs: Sequence[Morph]) -> list[str]:
    """Noun runs ("데이터 분석가", "AI 개발자", "모델 만들기") in order of appearance."""
    runs: list[list[Morph]] = []
    current: list[Morph] = []
    for i, m in enumerate(morphs):
        nominal_verb = m.tag in ("VV", "VA") and i + 1 < len(morphs) and morphs[i + 1].tag == "ETN"
        if m.tag in _NOUNS or (m.tag == "ETN" and current) or (nominal_verb and current):
            current.append(m)
            continue
        if m.tag == "XSN" and current:  # 들, 님, 가 (분석가) stay with their noun
            current.append(m)
            continue
        if current:
            runs.append(current)
        current = []
    if current:
        runs.append(current)
    out = []
    for run in runs:
        # Trim filler nouns at either end ("요즘 취업 준비" → "취업 준비").
        while run and run[0].form in _STOP:
            run = run[1:]
        while run and run[-1].form in _STOP:
            run = run[:-1]
        if not run or all(m.form in _STOP for m in run if m.tag in _NOUNS):
            continue
        phrase = _run_text(text, run)
        has_hangul = any("가" <= ch <= "힣" for ch in phrase)
        if 2 <= len(phrase) <= 24 and (has_hangul or len(phrase) <= 12):
            out.append(phrase)
    return out


def gist(text: str) -> str | None:
    """The noun phrase that best names what the answer is about, or None.

    The longest run wins (ties: the later one, which in Korean is nearer the predicate).
    """
    best: tuple[int, int, str] | None = None
    order = 0
    for sentence in sentences(text[:400]):
        for phrase in _runs(sentence.text, sentence.morphs):
            order += 1
            key = (len(phrase.replace(" ", "")), order, phrase)
            if best is None or key > best:
                best = key
    return best[2] if best else None


def is_worry(text: str) -> bool:
    """True when the answer voices a worry or a feeling of strain."""
    return bool(_WORRY.search(text))


def is_goal(text: str) -> bool:
    """True when the answer states a wish or goal."""
    return bool(_GOAL.search(text))


def is_unsure(text: str) -> bool:
    """True when the answer says the person does not know (yet)."""
    return bool(_UNSURE.search(text))


WORRY_REFLECT = (
    "{np_i} 마음에 많이 걸리시는군요.",
    "{np} 때문에 고민이 크시군요.",
    "{np_e} 대한 걱정이 있으시군요.",
)
WORRY_VALIDATE = "그런 마음이 드는 게 당연해요."
GOAL_REFLECT = (
    "{np_eul} 그리고 계시는군요.",
    "{np} 쪽으로 가고 싶으시군요.",
    "{np_eul} 해 보고 싶으시군요.",
)
FACT_REFLECT = (
    "요즘은 {np_i} 중심이군요.",
    "{np} 이야기를 들려주셔서 고마워요.",
    "{np} 얘기가 나왔네요.",
)
AGAIN_REFLECT = (
    "{np} 이야기를 다시 꺼내셨네요. 그만큼 마음에 있는 주제군요.",
    "또 {np} 얘기가 나왔네요. 그만큼 중요하다는 뜻이겠죠.",
)
UNSURE_REFLECT = (
    "아직 잘 모르겠다는 것도 솔직한 답이에요.",
    "바로 떠오르지 않을 수 있어요. 그것도 괜찮아요.",
)
STOCK_ACKS = (
    "말씀해 주셔서 고마워요.",
    "네, 잘 들었어요.",
    "솔직하게 이야기해 주셔서 좋아요.",
)
SHORT_ACK = "짧게 답해 주셔도 괜찮아요."


def fill(template: str, np: str) -> str:
    """A reflection template with the noun phrase and its particles."""
    return template.format(
        np=np,
        np_i=josa(np, "이/가"),
        np_eul=josa(np, "을/를"),
        np_e=f"{np}에",
    )


def content_reflection(state: Picks, text: str, stage: str) -> str | None:
    """A reflection built from the person's own words, or None when there is nothing to use."""
    np = gist(text)
    if np is None:
        return pick_fresh(state, "unsure", UNSURE_REFLECT) if is_unsure(text) else None
    if f"np:{np}" in state.used:
        # The same topic again: say so, rather than the same reflection twice.
        again = pick_fresh(state, "again", AGAIN_REFLECT)
        return fill(again, np) if again else None
    state.used.append(f"np:{np}")
    if stage == "worries" or is_worry(text):
        line = fill(pick(state, "worry", WORRY_REFLECT), np)
        if is_worry(text) and f"validate:{0}" not in state.used:
            state.used.append("validate:0")
            line += f" {WORRY_VALIDATE}"
        return line
    if stage == "goals" or is_goal(text):
        return fill(pick(state, "goal", GOAL_REFLECT), np)
    return fill(pick(state, "fact", FACT_REFLECT), np)


def stock_ack(state: Picks, text: str) -> str:
    """For an answer with nothing to reflect: a short welcome once, else an unused stock line."""
    if len(text.strip()) < 8 and "short:0" not in state.used:
        state.used.append("short:0")
        return SHORT_ACK
    unused = [a for i, a in enumerate(STOCK_ACKS) if f"ack:{i}" not in state.used]
    return pick(state, "ack", STOCK_ACKS) if unused else ""


_CLAUSE_END = re.compile(r"(?<=[.!?。])\s+|(?<=[고며서만데니요다])[,]?\s+")


def clip_quote(text: str, limit: int = 40) -> str:
    """The person's words shortened at a clause or word boundary, never inside a word.

    Whole clauses are kept while they fit; when even the first clause is too long it is cut at
    the last space before ``limit`` and marked with "…".
    """
    text = " ".join(text.split())
    if len(text) <= limit:
        return text.rstrip(" ,")
    pieces = [p for p in _CLAUSE_END.split(text) if p]
    kept = ""
    for piece in pieces:
        joined = f"{kept} {piece}".strip()
        if len(joined) > limit:
            break
        kept = joined
    if kept:
        return kept.rstrip(" ,")
    cut = text[:limit].rsplit(" ", 1)[0]
    return cut.rstrip(" ,") + "…"
