"""The onboarding conversation as data: turns and recorded forced-choice answers.

Shared by the coach (which writes them), the value extractors (which read them), the service
(which stores them inside the session state) and the benchmarks.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, field_validator

from trendpath.kit.taxonomy import VALUE_AXES

MAX_TURN_CHARS = 4000
"""How much of one turn the value extractors read (the coach refuses longer messages anyway)."""


class ForcedChoice(BaseModel):
    """A forced-choice answer as the coach recorded it: the axes of the picked and other option."""

    question_id: str
    chosen: list[str]
    rejected: list[str] = Field(default_factory=list)
    label: str = ""
    strength: float = Field(default=1.0, ge=0.0, le=2.0)

    @field_validator("chosen", "rejected")
    @classmethod
    def _known_axes(cls, v: list[str]) -> list[str]:
        unknown = [a for a in v if a not in VALUE_AXES]
        if unknown:
            raise ValueError(f"unknown value axes {unknown}")
        return v


class Turn(BaseModel):
    """One turn of the onboarding conversation."""

    role: Literal["user", "coach"]
    text: str = ""
    stage: str | None = None
    choice: ForcedChoice | None = None
    probe_axis: str | None = None

    @field_validator("probe_axis")
    @classmethod
    def _known_axis(cls, v: str | None) -> str | None:
        if v is not None and v not in VALUE_AXES:
            raise ValueError(f"unknown value axis {v!r}")
        return v
