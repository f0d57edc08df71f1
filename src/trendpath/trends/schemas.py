"""Request and response models of the Trend Analysis Service API."""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field, field_validator


class Contribution(BaseModel):
    """How many Velocity points one indicator added (or took away) in a week."""

    indicator: str
    label_ko: str
    label_en: str
    points: float


class Movement(BaseModel):
    """Which way the score has moved lately and which indicator moved it most."""

    direction: Literal["up", "down", "flat"]
    weeks: int = Field(ge=0, description="Consecutive weeks of moves in that direction")
    change: float = Field(description="Score points gained or lost over those weeks")
    indicator: str | None = None
    label_ko: str | None = None
    points: float | None = Field(default=None, description="That indicator's contribution change")


class VelocityNow(BaseModel):
    """The latest Velocity Score of a trend."""

    week: date
    score: float = Field(ge=0, le=100)
    stability: float | None = Field(ge=0, le=1, description="None: too little policy data")
    synthetic_share: float | None = Field(
        default=None, ge=0, le=1, description="Share of demo-synthetic values behind the score"
    )
    movement: Movement | None = None


class ForecastNow(BaseModel):
    """The latest forecast of a trend's Velocity change, labelled with the model that made it."""

    week: date
    horizon_weeks: int
    point: float
    lo: float
    hi: float
    model_version: str
    synthetic_share: float | None = Field(
        default=None, ge=0, le=1, description="Share of demo-synthetic values behind the inputs"
    )
    model: str | None = Field(
        None, description="gru+tst+ridge (the served ensemble), or a baseline: ridge, mean, naive"
    )
    kind: Literal["network", "baseline"] | None = Field(
        None, description="network: the gated GRU + TST + ridge; baseline: a robust fallback"
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


class CoreSkill(BaseModel):
    """A skill a trend needs, with the target level (1–5)."""

    skill: str
    level: int


class TrendSummary(BaseModel):
    """A trend in a list."""

    slug: str
    name_ko: str
    name_en: str
    category: str
    interest_tags: list[str]
    velocity: VelocityNow | None
    forecast: ForecastNow | None = None
    category_ko: str = Field(default="", description="The category's Korean name")
    category_en: str = Field(default="", description="The category's English name")
    status: Literal["surging", "rising", "steady", "falling"] | None = Field(
        default=None, description="급상승/상승/정체/하락 from the Velocity Score and forecast band"
    )
    core_skills: list[CoreSkill] = Field(default_factory=list)


class Facet(BaseModel):
    """A value the explorer can filter by, with its labels and how many trends have it."""

    slug: str
    ko: str
    en: str
    count: int


class TrendPage(BaseModel):
    """One page of trends, and the categories and core skills every active trend offers."""

    total: int
    items: list[TrendSummary]
    categories: list[Facet] = Field(default_factory=list)
    skills: list[Facet] = Field(default_factory=list)


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
    related: list[TrendSummary] = Field(
        default_factory=list, description="Trends sharing interests, skills or the category"
    )
    provenance: list[IndicatorProvenance] = Field(default_factory=list)


class IndicatorPoint(BaseModel):
    """One weekly value and where it came from."""

    week: date
    value: float
    source: str
    origin: Literal["demo", "csv", "api"]
    import_file: str | None = None
    import_row: int | None = None
    fetched_at: datetime | None = None


class SourceUse(BaseModel):
    """One origin of an indicator's stored values."""

    origin: Literal["demo", "csv", "api"]
    source: str
    label_ko: str
    url: str | None = Field(description="Public page of the source (None: not public)")
    import_file: str | None = None
    values: int
    last_week: date
    fetched_at: datetime | None


class IndicatorProvenance(BaseModel):
    """Where one indicator's values come from, most recent origin first."""

    indicator: str
    label_ko: str
    label_en: str
    synthetic_share: float | None = Field(ge=0, le=1, description="Share of demo values")
    sources: list[SourceUse]


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
    synthetic_share: float | None = None


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


class TrendEvent(BaseModel):
    """A change of a trend the chain made: a new Velocity Score or forecast."""

    id: int
    kind: Literal["velocity", "forecast"]
    slug: str
    week: date | None
    data: dict[str, object]
    created_at: datetime


class TrendEventPage(BaseModel):
    """Trend events after a cursor, oldest first; ``next_after`` is the cursor to send next."""

    items: list[TrendEvent]
    next_after: int


class LawItem(BaseModel):
    """A law or administrative rule behind ``policy_change_frequency``."""

    target: str = Field(description="eflaw (laws, decrees) or admrul (administrative rules)")
    serial: str
    title: str
    kind: str | None = Field(description="제정, 일부개정, 전부개정, 폐지, ...")
    promulgated: date | None = Field(description="공포일자 (laws) or 발령일자 (rules)")
    effective: date | None = Field(description="시행일자")
    link: str | None


class LawPage(BaseModel):
    """The laws found for a trend by the law.go.kr source, newest first."""

    slug: str
    source: str
    source_url: str
    items: list[LawItem]
