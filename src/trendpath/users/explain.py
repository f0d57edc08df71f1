"""The Korean "why this fits you" paragraph, written from a match item's explanation.

No language model: every sentence is a template filled from numbers the match already carries
(block contributions, the user's interests and sliders, value scores, Velocity Score, forecast,
stability), so the paragraph never says anything the numbers do not.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from trendpath.kit.josa import josa
from trendpath.kit.wording import VELOCITY_KO, forecast_ko

BLOCK_KO = {
    "conversation": "코치와 나눈 이야기",
    "interests": "관심사",
    "skills": "지금 가진 역량",
    "values": "가치관",
    "goals": "말씀하신 목표",
}
INTENT_KO = {"goal": "목표로 말씀하셔서", "current": "지금 하시는 일로 말씀하셔서"}


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
    positive = {k: v for k, v in inp.shares.items() if v >= 1}
    if not positive:
        return f"{josa(inp.trend_name, '은')} 고르신 관심사와 역량을 바탕으로 골랐어요."
    top = max(positive, key=lambda k: positive[k])
    return (
        f"{josa(inp.trend_name, '은')} 특히 {BLOCK_KO[top]} 면에서 잘 맞아요"
        f"(추천 근거의 {positive[top]:.0f}%)."
    )


def _skills_sentence(inp: WhyInputs) -> str | None:
    have = ", ".join(f"{name}({level}/5)" for name, level in inp.strong_skills[:2])
    grow = None
    if inp.gap_skills:
        name, cur, target = inp.gap_skills[0]
        grow = f"{name}(지금 {cur} → 목표 {target})부터 키우면 돼요"
    if have and grow:
        return f"이미 갖춘 {josa(have, '을')} 살릴 수 있고, {grow}."
    if have:
        return f"이미 갖춘 {josa(have, '을')} 살릴 수 있어요."
    if grow:
        return f"{grow}."
    return None


def _trend_sentence(inp: WhyInputs) -> str | None:
    if not inp.velocity:
        return None
    text = f"지금 {josa(VELOCITY_KO, '은')} {inp.velocity['score']:.0f}점이에요."
    f = inp.forecast
    if not f:
        return text + " 4주 예측은 아직 없어요."
    sentence = forecast_ko(f["point"], f["lo"], f["hi"], int(f.get("horizon_weeks", 4)))
    return f"{text} {sentence}"


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
        return f"말씀하신 {josa(quoted, '과')}도 이어지는 분야예요."
    said = INTENT_KO.get(intent, "대화에서 언급하셔서")
    name = josa(inp.trend_name, "을")
    return f"{josa(quoted, '을')} {said} {name} 추천해요."


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
        sentences.append(f"고르신 관심사 중 {josa(tags, '과')} 바로 이어져요.")
    skills = _skills_sentence(inp)
    if skills:
        sentences.append(skills)
    if inp.value_labels:
        values = _quoted(inp.value_labels[:3])
        sentences.append(f"확인해 주신 가치관 {josa(values, '과')}도 잘 맞아요.")
    trend = _trend_sentence(inp)
    if trend:
        sentences.append(trend)
    if inp.stability_label:
        sentences.append(inp.stability_label)
    if inp.preliminary:
        sentences.append("아직 코치와 대화하기 전이라 관심사와 역량만으로 계산한 예비 추천이에요.")
    return " ".join(sentences)
