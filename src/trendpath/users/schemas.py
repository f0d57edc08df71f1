"""Request and response models of the profile, taxonomy, catalog and progress endpoints.

Every input model forbids unknown fields and checks ranges strictly (``1`` and ``"1"`` are not the
same slider value), so bad input is a precise 422 before any handler code runs.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from trendpath.kit.taxonomy import SLUG_PATTERN

Status = Literal["student", "job_seeker", "employed", "career_changer"]
Education = Literal["high_school", "associate", "bachelor", "master", "doctorate", "other"]
Region = Literal[
    "seoul",
    "busan",
    "daegu",
    "incheon",
    "gwangju",
    "daejeon",
    "ulsan",
    "sejong",
    "gyeonggi",
    "gangwon",
    "chungbuk",
    "chungnam",
    "jeonbuk",
    "jeonnam",
    "gyeongbuk",
    "gyeongnam",
    "jeju",
    "overseas",
]
TaxonomySlug = Annotated[str, Field(pattern=SLUG_PATTERN, max_length=64)]
SkillLevel = Annotated[int, Field(strict=True, ge=1, le=5)]
WeeklyHours = Annotated[float, Field(ge=1, le=60, allow_inf_nan=False)]
ProgressStatus = Literal["not_started", "in_progress", "done"]
ResourceId = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9._-]{1,127}$")]


class StrictModel(BaseModel):
    """Input base: unknown fields refused, surrounding whitespace stripped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _no_control_chars(value: str) -> str:
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise ValueError("must not contain control characters")
    return value


def _korean() -> list[Literal["ko", "en"]]:
    return ["ko"]


class ProfileExtras(StrictModel):
    """Optional details kept as JSONB (GIN-indexed) beside the fixed profile columns."""

    target_role: str | None = Field(default=None, min_length=1, max_length=60)
    graduation_year: int | None = Field(default=None, strict=True, ge=1950, le=2100)
    languages: list[Literal["ko", "en"]] = Field(default_factory=_korean, max_length=2)
    preferred_format: Literal["course", "book", "any"] = "any"

    @field_validator("target_role")
    @classmethod
    def _clean_role(cls, v: str | None) -> str | None:
        return None if v is None else _no_control_chars(v)

    @field_validator("languages")
    @classmethod
    def _unique_languages(cls, v: list[str]) -> list[str]:
        if len(set(v)) != len(v):
            raise ValueError("languages must not repeat")
        return v


def _unique(values: list[str], what: str) -> list[str]:
    if len(set(values)) != len(values):
        raise ValueError(f"{what} must not repeat")
    return values


class ProfileIn(StrictModel):
    """The whole onboarding profile (create or replace)."""

    status: Status
    field: str = Field(min_length=1, max_length=60, description="전공 또는 직무 분야")
    education: Education
    weekly_hours: WeeklyHours = Field(description="주당 학습 가능 시간 (1–60)")
    region: Region
    interests: list[TaxonomySlug] = Field(min_length=1, max_length=15)
    skills: dict[TaxonomySlug, SkillLevel] = Field(default_factory=dict, max_length=100)
    extras: ProfileExtras = Field(default_factory=ProfileExtras)

    @field_validator("field")
    @classmethod
    def _clean_field(cls, v: str) -> str:
        return _no_control_chars(v)

    @field_validator("interests")
    @classmethod
    def _unique_interests(cls, v: list[str]) -> list[str]:
        return _unique(v, "interests")


class ProfilePatch(StrictModel):
    """Some profile fields; the ones left out keep their value. ``skills`` merges by skill."""

    status: Status | None = None
    field: str | None = Field(default=None, min_length=1, max_length=60)
    education: Education | None = None
    weekly_hours: WeeklyHours | None = None
    region: Region | None = None
    interests: list[TaxonomySlug] | None = Field(default=None, min_length=1, max_length=15)
    skills: dict[TaxonomySlug, SkillLevel] | None = Field(default=None, max_length=100)
    extras: ProfileExtras | None = None

    @field_validator("field")
    @classmethod
    def _clean_field(cls, v: str | None) -> str | None:
        return None if v is None else _no_control_chars(v)

    @field_validator("interests")
    @classmethod
    def _unique_interests(cls, v: list[str] | None) -> list[str] | None:
        return None if v is None else _unique(v, "interests")

    @model_validator(mode="after")
    def _not_empty(self) -> ProfilePatch:
        if not self.model_fields_set:
            raise ValueError("give at least one field to change")
        for name in self.model_fields_set:
            if getattr(self, name) is None:
                raise ValueError(f"{name} must not be null")
        return self


class LabelledTag(BaseModel):
    """An interest tag with its Korean label."""

    slug: str
    ko: str


class ProfileOut(BaseModel):
    """The signed-in user's profile."""

    user_id: uuid.UUID
    status: str
    status_ko: str
    field: str
    education: str
    education_ko: str
    weekly_hours: float
    region: str
    region_ko: str
    interests: list[LabelledTag]
    skills: dict[str, int]
    extras: ProfileExtras
    revision: int
    created_at: dt.datetime
    updated_at: dt.datetime


class HistoryEntry(BaseModel):
    """One revision of the profile: what changed, why, and the state after it."""

    revision: int
    changed: list[str]
    source: Literal["profile", "skill_rating"]
    changed_at: dt.datetime
    snapshot: dict[str, object]


class HistoryOut(BaseModel):
    """Profile revisions, newest first."""

    items: list[HistoryEntry]


class SkillRatingIn(StrictModel):
    """A new self-rated level for one skill (moves the roadmap's gaps)."""

    level: SkillLevel


class TaxonomyTag(BaseModel):
    """An interest tag in the picker."""

    slug: str
    ko: str
    en: str


class TaxonomyGroup(BaseModel):
    """A heading of the interest picker."""

    slug: str
    ko: str
    tags: list[TaxonomyTag]


class TaxonomySkill(BaseModel):
    """A skill slider."""

    slug: str
    ko: str
    group: str
    group_ko: str
    description_ko: str
    prerequisites: list[str]


class TaxonomyOut(BaseModel):
    """Everything the onboarding form offers."""

    interest_groups: list[TaxonomyGroup]
    skills: list[TaxonomySkill]
    skill_levels: dict[int, str]
    statuses: dict[str, str]
    education: dict[str, str]
    regions: dict[str, str]
    weekly_hours: dict[str, float]


class ResourceOut(BaseModel):
    """A learning resource (course or book)."""

    id: str
    kind: Literal["course", "book"]
    title: str
    provider: str
    language: Literal["ko", "en"]
    level: int
    duration_hours: float | None
    pages: int | None
    url: str
    link_kind: Literal["item", "search"]
    isbn: str | None
    skills: list[str]
    source: str


class ResourcePage(BaseModel):
    """Resources matching a query."""

    total: int
    items: list[ResourceOut]


class ProgressIn(StrictModel):
    """Progress on one resource: while in progress either the ``hours`` studied so far (what
    the dashboard sends: progress is credited by hours as marked) or a ``percent`` (1–99)."""

    status: ProgressStatus
    percent: int | None = Field(default=None, strict=True, ge=0, le=100)
    hours: float | None = Field(
        default=None, ge=0, le=1000, description="Hours studied on it so far (not counting done)"
    )

    @model_validator(mode="after")
    def _consistent(self) -> ProgressIn:
        fixed = {"not_started": 0, "done": 100}
        if self.status in fixed:
            if self.percent not in (None, fixed[self.status]):
                raise ValueError(f"percent must be {fixed[self.status]} when {self.status}")
            if self.status == "not_started" and self.hours:
                raise ValueError("hours must be 0 when not_started")
            self.percent = fixed[self.status]
        elif self.hours is not None:
            if self.percent is not None:
                raise ValueError("give hours or percent, not both")
        elif self.percent is None or not 1 <= self.percent <= 99:
            raise ValueError("percent (1..99) or hours is needed while in_progress")
        return self


class ProgressOut(BaseModel):
    """Stored progress on one resource."""

    resource_id: str
    status: ProgressStatus
    percent: int
    started_at: dt.datetime | None
    completed_at: dt.datetime | None
    updated_at: dt.datetime


class StreakOut(BaseModel):
    """Consecutive study days (Korean calendar days)."""

    current_days: int
    longest_days: int
    last_active: dt.date | None


class WeeklySummary(BaseModel):
    """One ISO week of study against the weekly goal."""

    week_start: dt.date
    week_end: dt.date
    goal_hours: float
    studied_hours: float
    resources_completed: int
    resources_progressed: int
    skills_rated: int
    active_days: int
    on_track: bool
    message_ko: str


class ProgressSummaryOut(BaseModel):
    """Streak, this week and last week."""

    streak: StreakOut
    this_week: WeeklySummary
    last_week: WeeklySummary
    items: list[ProgressOut]
