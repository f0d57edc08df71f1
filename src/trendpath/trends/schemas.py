"""Request and response models of the Trend Analysis Service API."""

from __future__ import annotations

import math
from datetime import date
from typing import Literal

from pydantic import BaseModel, Field, field_validator


class Contribution(BaseModel):
    """How many Velocity points one indicator added (or took away) in a week."""

    indicator: str
    label_ko: str
    label_en: str
    points: float


class VelocityNow(BaseModel):
    """The latest Velocity Score of a trend."""

    week: date
    score: float = Field(ge=0, le=100)
    stability: float | None = Field(ge=0, le=1, description="None: too little policy data")


class ForecastNow(BaseModel):
    """The latest forecast of a trend's Velocity change, labelled with the model that made it."""

    week: date
    horizon_weeks: int
    point: float
    lo: float
    hi: float
    model_version: str
    model: str | None = Field(
        None, description="gru+tst (the served networks), or a baseline: ridge, mean, naive"
    )
    kind: Literal["network", "baseline"] | None = Field(
        None, description="network: the gated GRU + TST; baseline: a robust fallback"
    )
    validation_rel_mse: float | None = Field(
        None, description="the model's MSE relative to the naive forecast on validation weeks"
    )
    reason: str | None = Field(
        None,
        description="why this trend got a baseline: too_short, gap, non_finite, constant, "
        "outlier; null for a model forecast",
    )
    reason_detail: str | None = Field(None, description="the reason in words (English)")


class TrendSummary(BaseModel):
    """A trend in a list."""

    slug: str
    name_ko: str
    name_en: str
    category: str
    interest_tags: list[str]
    velocity: VelocityNow | None
    forecast: ForecastNow | None = None


class TrendPage(BaseModel):
    """One page of trends."""

    total: int
    items: list[TrendSummary]


class CoreSkill(BaseModel):
    """A skill a trend needs, with the target level (1–5)."""

    skill: str
    level: int = Field(ge=1, le=5)


class TrendDetail(TrendSummary):
    """Everything about one trend."""

    description_ko: str
    description_en: str
    core_skills: list[CoreSkill]
    value_profile: dict[str, float]
    keywords_ko: list[str]
    keywords_en: list[str]
    sources: list[str]
    contributions: list[Contribution]


class IndicatorPoint(BaseModel):
    """One weekly value."""

    week: date
    value: float
    source: str


class IndicatorSeries(BaseModel):
    """Weekly values of one indicator."""

    indicator: str
    label_ko: str
    points: list[IndicatorPoint]


class IndicatorHistory(BaseModel):
    """All indicators of a trend over a period."""

    slug: str
    series: list[IndicatorSeries]


class VelocityPoint(BaseModel):
    """A week's Velocity Score with its per-indicator contributions."""

    week: date
    score: float
    stability: float | None
    contributions: list[Contribution]


class VelocityHistory(BaseModel):
    """A trend's Velocity Score over time."""

    slug: str
    baseline: float
    config_version: str | None
    points: list[VelocityPoint]


class NearestIn(BaseModel):
    """A vector in the persona space and how many trends to return."""

    vector: list[float] = Field(min_length=8, max_length=4096)
    k: int = Field(default=3, ge=1, le=50)
    version: str | None = Field(default=None, description="Persona-space version of `vector`")

    @field_validator("vector")
    @classmethod
    def _finite(cls, v: list[float]) -> list[float]:
        if not all(math.isfinite(x) for x in v):
            raise ValueError("vector must contain only finite numbers")
        if not any(v):
            raise ValueError("vector must not be all zeros")
        return v


class NearestItem(BaseModel):
    """A trend near the query vector, with why."""

    slug: str
    name_ko: str
    name_en: str
    similarity: float
    blocks: dict[str, float]
    velocity: VelocityNow | None
    forecast: ForecastNow | None


class NearestOut(BaseModel):
    """Nearest trends, most similar first."""

    version: str
    items: list[NearestItem]


class ForecastItem(ForecastNow):
    """A trend's latest forecast."""

    slug: str


class ForecastPage(BaseModel):
    """The latest forecast of every trend."""

    items: list[ForecastItem]
