"""Request and response models of the Trend Analysis Service API."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field


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


class TrendSummary(BaseModel):
    """A trend in a list."""

    slug: str
    name_ko: str
    name_en: str
    category: str
    interest_tags: list[str]
    velocity: VelocityNow | None


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
