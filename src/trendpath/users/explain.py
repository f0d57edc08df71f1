"""The Korean "why this fits you" paragraph, written from a match item's explanation.

No language model: every sentence is a template filled from numbers the match already carries
(block contributions, the user's interests and sliders, value scores, Velocity Score, forecast,
stability), so the paragraph never says anything the numbers do not.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

BLOCK_KO = {
    "conversation": "코치와 나눈 이야기",
    "interests": "관심사",
    "skills": "지금 가진 역량",
    "values": "가치관",
    "goals": "말씀하신 목표",
}
INTENT_KO = {"goal": "목표로 말씀하셔서", "current": "지금 하시는 일로 말씀하셔서"}


_LATIN_BATCHIM = set("LMNRlmnr")
"""Latin letters whose Korean reading ends in a consonant (엘, 엠, 엔, 알): acronyms like "XR"."""
_DIGIT_BATCHIM = set("013678")
"""Digits whose Korean reading ends in a consonant (영, 일, 삼, 육, 칠, 팔)."""
_TRAILING_PAREN = re.compile(r"\s*\([^()]*\)\s*$")


def _has_batchim(word: str) -> bool | None:
    """Whether the word as read aloud ends in a consonant (None when unknown).

    A trailing parenthetical is skipped (``파이썬(4/5)`` is read for the particle as ``파이썬``),
    Latin letters and digits are read the Korean way (``AI`` → 에이아이, ``XR`` → 엑스알).
    """
    word = word.strip()
    while _TRAILING_PAREN.search(word):
        word = _TRAILING_PAREN.sub("", word)
    for ch in reversed(word):
        if "가" <= ch <= "힣":
            return (ord(ch) - 0xAC00) % 28 != 0
        if ch.isascii() and ch.isalpha():
            return ch in _LATIN_BATCHIM
        if ch.isdigit():
            return ch in _DIGIT_BATCHIM
    return None


def josa(word: str, with_batchim: str, without: str) -> str:
    """``word`` plus the right particle (은/는, 이/가, 을/를, 과/와); both forms when unsure."""
    batchim = _has_batchim(word)
    if batchim is None:
        return f"{word}{with_batchim}({without})"
    return word + (with_batchim if batchim else without)


@dataclass(frozen=True)
class WhyInputs:
    """What the paragraph is built from."""

    trend_name: str
    shares: Mapping[str, float]
    interest_labels: Sequence[str] = ()
    strong_skills: Sequence[tuple[str, int]] = ()
    gap_skills: Sequence[tuple[str, int, int]] = ()
    value_labels: Sequence[str] = ()
    velocity: Mapping[str, Any] | None = None
    forecast: Mapping[str, Any] | None = None
    stability_label: str | None = None
    preliminary: bool = False
    quotes: Sequence[tuple[str, str, str]] = ()
    """The person's own words behind the match: (quote, intent, kind); intent goal / current /
    mention, kind trend (words naming this trend) / interest / skill (words naming a field or a
    skill the trend shares)."""


def _quoted(labels: Sequence[str]) -> str:
    return ", ".join(f"'{label}'" for label in labels)


def _opening(inp: WhyInputs) -> str:
    top = max(inp.shares, key=lambda k: inp.shares[k]) if inp.shares else "interests"
    share = inp.shares.get(top, 0.0)
    return (
        f"{josa(inp.trend_name, '은', '는')} {BLOCK_KO[top]} 면에서 특히 잘 맞는 분야예요"
        f"(적합도의 {share:.0f}%)."
    )


def _skills_sentence(inp: WhyInputs) -> str | None:
    parts = []
    if inp.strong_skills:
        have = ", ".join(f"{name}({level}/5)" for name, level in inp.strong_skills[:2])
        parts.append(f"이미 갖춘 {josa(have, '을', '를')} 살릴 수 있고")
    if inp.gap_skills:
        name, cur, target = inp.gap_skills[0]
        parts.append(f"{name}(현재 {cur} → 목표 {target})부터 키우면 돼요")
    if not parts:
        return None
    if len(parts) == 1 and inp.strong_skills:
        return parts[0].removesuffix("고") + "요."
    return ", ".join(parts) + "."


def _trend_sentence(inp: WhyInputs) -> str | None:
    if not inp.velocity:
        return None
    text = f"현재 성장 속도 점수는 {inp.velocity['score']:.0f}점이고"
    f = inp.forecast
    if not f:
        return text + ", 아직 4주 예측은 없어요."
    band = f"범위 {f['lo']:+.1f}~{f['hi']:+.1f}"
    verb = {"up": "오를", "down": "내릴", "flat": "큰 변화가 없을"}[f["direction"]]
    return f"{text}, 4주 뒤 {f['point']:+.1f}점({band}) {verb} 것으로 예측돼요."


def _quote_sentence(inp: WhyInputs) -> str | None:
    """The person's own words first: "'마케팅 데이터 분석'을 목표로 말씀하셔서 …".

    Only words that name this very trend are said to be the reason for it; words naming a field
    or a skill it shares are cited as related, never as the goal that picked it.
    """
    if not inp.quotes:
        return None
    quote, intent, kind = inp.quotes[0]
    quoted = "'" + quote + "'"
    if kind != "trend":
        return f"말씀하신 {josa(quoted, '과', '와')}도 이어지는 분야예요."
    said = INTENT_KO.get(intent, "대화에서 언급하셔서")
    name = josa(inp.trend_name, "을", "를")
    return f"{josa(quoted, '을', '를')} {said} {name} 추천해요."


def why_ko(inp: WhyInputs) -> str:
    """One Korean paragraph explaining the match."""
    quoted = _quote_sentence(inp)
    names_it = bool(inp.quotes) and inp.quotes[0][2] == "trend"
    sentences = [quoted] if quoted and names_it else []
    sentences.append(_opening(inp))
    if quoted and not names_it:
        sentences.append(quoted)
    if inp.interest_labels:
        tags = _quoted(inp.interest_labels[:3])
        sentences.append(f"고르신 관심사 중 {josa(tags, '과', '와')} 바로 이어져요.")
    skills = _skills_sentence(inp)
    if skills:
        sentences.append(skills)
    if inp.value_labels:
        values = _quoted(inp.value_labels[:3])
        sentences.append(f"확인해 주신 가치관 {josa(values, '과', '와')}도 잘 맞아요.")
    trend = _trend_sentence(inp)
    if trend:
        sentences.append(trend)
    if inp.stability_label:
        sentences.append(inp.stability_label)
    if inp.preliminary:
        sentences.append("아직 코치와 대화하기 전이라 관심사와 역량만으로 계산한 예비 추천이에요.")
    return " ".join(sentences)
