"""The value-score JSON the tuned coach emits, and the prompts that frame an SFT dialogue.

The nine axes are the factors of the Korean national work-values test (고용24 직업가치관검사);
their slugs are a contract with the AI service, which imports :class:`ValueScores` to validate
what any backend returns. Scores and confidences are in [0, 1]; evidence entries are sentences
quoted verbatim from the user's turns. ``growth_orientation`` and ``stability_preference`` are the
seed's two named summaries (see :func:`growth_orientation` and :func:`stability_preference`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

AXES: dict[str, str] = {
    "social_contribution": "사회공헌",
    "achievement": "성취",
    "economic_reward": "경제적 보상",
    "work_life_balance": "일과 삶의 균형",
    "self_development": "자기계발",
    "autonomy": "자율성",
    "social_recognition": "사회적 인정",
    "job_security": "직업안정",
    "change_orientation": "변화지향",
}
"""Value-axis slug → Korean name, in the canonical order used when serialising."""

GROWTH_AXES = ("self_development", "change_orientation", "achievement")
STABILITY_AXES = ("job_security", "work_life_balance")

COACH_SYSTEM_PROMPT = (
    "당신은 trendpath의 커리어 코치입니다. 한국어로 따뜻하고 구체적으로 대화하며, "
    "한 번에 하나씩 열린 질문이나 양자택일 질문을 던져 사용자의 고민, 목표, 일에서 중요하게 "
    "여기는 가치를 이끌어 냅니다. 섣불리 조언하거나 판단하지 말고, 사용자가 한 말을 짧게 되짚은 "
    "뒤 질문하세요. 분석을 요청받으면 설명 없이 지정된 JSON만 출력합니다."
)
"""System prompt of every SFT dialogue; serve the tuned model with the same one."""

ANALYSIS_INSTRUCTION = (
    "지금까지의 대화를 바탕으로 직업가치 9개 축의 점수를 JSON으로만 출력해 주세요. "
    '형식: {"values": {축: {"score": 0~1, "confidence": 0~1, "evidence": [사용자 발화 인용]}}, '
    '"growth_orientation": 0~1, "stability_preference": 0~1}. '
    "축: " + ", ".join(f"{slug}({name})" for slug, name in AXES.items()) + "."
)
"""The user turn that asks for the value-score JSON at the end of a conversation."""


class AxisScore(BaseModel):
    """One value axis: how much it matters, how sure we are, and the user's own words."""

    model_config = ConfigDict(extra="forbid")

    score: float = Field(ge=0.0, le=1.0)
    confidence: float = Field(ge=0.0, le=1.0)
    evidence: list[str] = Field(default_factory=list, max_length=8)

    @field_validator("evidence")
    @classmethod
    def _evidence_not_blank(cls, v: list[str]) -> list[str]:
        if any(not s.strip() for s in v):
            raise ValueError("evidence entries must be non-empty sentences")
        return v


class ValueScores(BaseModel):
    """The whole value-score object: all nine axes plus the two seed summaries."""

    model_config = ConfigDict(extra="forbid")

    values: dict[str, AxisScore]
    growth_orientation: float = Field(ge=0.0, le=1.0)
    stability_preference: float = Field(ge=0.0, le=1.0)

    @field_validator("values")
    @classmethod
    def _all_axes(cls, v: dict[str, AxisScore]) -> dict[str, AxisScore]:
        missing = [a for a in AXES if a not in v]
        unknown = [a for a in v if a not in AXES]
        if missing or unknown:
            raise ValueError(
                f"value axes must be exactly {list(AXES)}; missing {missing}, unknown {unknown}"
            )
        return {a: v[a] for a in AXES}

    def to_json(self) -> str:
        """Compact JSON (Korean kept as is) in canonical axis order: the SFT target text."""
        return json.dumps(self.model_dump(), ensure_ascii=False, separators=(",", ":"))


def growth_orientation(scores: Mapping[str, float]) -> float:
    """Mean of 자기계발, 변화지향 and 성취 scores, rounded to 2 decimals."""
    return round(sum(scores[a] for a in GROWTH_AXES) / len(GROWTH_AXES), 2)


def stability_preference(scores: Mapping[str, float]) -> float:
    """Mean of 직업안정 and 일과 삶의 균형 scores, rounded to 2 decimals."""
    return round(sum(scores[a] for a in STABILITY_AXES) / len(STABILITY_AXES), 2)


def analysis_messages(conversation: Sequence[Mapping[str, str]]) -> list[dict[str, str]]:
    """The tuned model's input for value scores, exactly as in the SFT data.

    ``conversation`` is the coach dialogue so far as ``{"role": "user"|"assistant", "content"}``
    turns (a leading system turn is replaced); the result is the coach system prompt, those turns
    and the :data:`ANALYSIS_INSTRUCTION` request. Parse the reply with :func:`parse_value_scores`.
    """
    turns = [
        {"role": m["role"], "content": m["content"]}
        for m in conversation
        if m["role"] in ("user", "assistant")
    ]
    return [
        {"role": "system", "content": COACH_SYSTEM_PROMPT},
        *turns,
        {"role": "user", "content": ANALYSIS_INSTRUCTION},
    ]


def parse_value_scores(text: str) -> ValueScores | None:
    """Parse model output as :class:`ValueScores`; ``None`` when it is not valid.

    Tolerates text around the JSON object (a model may add a stray sentence), because what
    counts is whether a well-formed object can be recovered, not how it was wrapped.
    """
    start, end = text.find("{"), text.rfind("}")
    if start < 0 or end <= start:
        return None
    try:
        return ValueScores.model_validate_json(text[start : end + 1])
    except ValidationError:
        return None
