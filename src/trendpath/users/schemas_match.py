"""Request and response models of matching, roadmaps, A/B events and admin endpoints."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Literal

from pydantic import BaseModel, Field, field_validator

from trendpath.users.schemas import ProgressStatus, ResourceOut, StrictModel, TaxonomySlug


class Blocks(BaseModel):
    """A number per persona block."""

    conversation: float = 0.0
    interests: float = 0.0
    skills: float = 0.0
    values: float = 0.0
    goals: float = 0.0


class Explanation(BaseModel):
    """How much each block adds to the cosine similarity, and its share of the positive total."""

    blocks: Blocks
    shares: Blocks
    top_block: str
    top_block_ko: str


class MovementView(BaseModel):
    """Which way the score has moved lately and the indicator that moved it most."""

    direction: Literal["up", "down", "flat"]
    weeks: int
    change: float
    indicator: str | None = None
    label_ko: str | None = None
    points: float | None = None


class VelocityView(BaseModel):
    """The trend's latest Velocity Score."""

    week: dt.date
    score: float
    stability: float | None
    synthetic_share: float | None = Field(
        default=None, description="Share of demo-synthetic values behind the score"
    )
    movement: MovementView | None = None


class ForecastView(BaseModel):
    """The forecast change of the Velocity Score with its interval."""

    week: dt.date | None
    horizon_weeks: int
    point: float
    lo: float
    hi: float
    model_version: str | None
    direction: Literal["up", "flat", "down"]
    label_ko: str
    synthetic_share: float | None = None


class StabilityView(BaseModel):
    """The trend's stability index against the user's stability preference."""

    index: float | None
    preference: float | None
    fit: float | None
    label_ko: str


class GapView(BaseModel):
    """One skill gap of a matched trend."""

    skill: str
    skill_ko: str
    reason: Literal["core", "prerequisite"]
    current: int
    target: int
    gap: int


class RoadmapPreview(BaseModel):
    """The roadmap a match implies before it is started."""

    gaps: list[GapView]
    total_gap: int
    effort_hours: float
    weeks: int


class Change(BaseModel):
    """The item against the previous match."""

    status: Literal["first", "new", "same", "up", "down"]
    previous_rank: int | None
    similarity_delta: float | None


class Quote(BaseModel):
    """The person's own words behind a match (from the talk or the profile's free text)."""

    quote: str
    intent: Literal["goal", "current", "mention"]
    kind: Literal["trend", "interest", "skill"]
    slug: str
    source: str


class ConfirmedValue(BaseModel):
    """A value the person confirmed in the coach's summary that this trend rewards."""

    axis: str
    label_ko: str
    quote: str | None


class MatchItem(BaseModel):
    """One of the three matched trends."""

    rank: int
    slug: str
    name_ko: str
    name_en: str
    similarity: float
    score: float
    explanation: Explanation
    velocity: VelocityView | None
    forecast: ForecastView | None
    stability: StabilityView
    why_ko: str
    roadmap: RoadmapPreview
    change: Change
    quotes: list[Quote] = []
    confirmed_values: list[ConfirmedValue] = []


class PreviousItem(BaseModel):
    """A trend of the previous match."""

    rank: int
    slug: str
    name_ko: str
    similarity: float


class PreviousMatch(BaseModel):
    """The match this one replaced."""

    match_id: int
    created_at: dt.datetime
    items: list[PreviousItem]


class Dropped(BaseModel):
    """A trend that was in the previous match and is not any more."""

    slug: str
    name_ko: str
    previous_rank: int


class PersonaMeta(BaseModel):
    """Which persona the match was computed from."""

    version: str
    from_conversation: bool
    updated_at: str | None
    stability_preference: float | None
    growth_orientation: float | None


class MatchOut(BaseModel):
    """The user's top-3 match."""

    match_id: int
    created_at: dt.datetime
    checked_at: dt.datetime
    kind: Literal["persona", "preliminary"]
    preliminary: bool
    label_ko: str
    experiment: str | None
    variant: str
    momentum_weight: float
    persona: PersonaMeta
    profile_revision: int
    items: list[MatchItem]
    previous: PreviousMatch | None
    dropped: list[Dropped]
    stale: bool
    stale_reason: str | None = None


class MatchSummary(BaseModel):
    """A past match in the history list."""

    match_id: int
    kind: str
    variant: str
    created_at: dt.datetime
    checked_at: dt.datetime
    trends: list[str]


class MatchHistoryOut(BaseModel):
    """The user's matches, newest first."""

    items: list[MatchSummary]


class StartRoadmapIn(StrictModel):
    """Start following the roadmap towards a trend of the current match."""

    trend_slug: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")


class StepResource(ResourceOut):
    """A linked resource with the user's progress on it."""

    percent: int
    hours: float = Field(default=0.0, description="Hours credited (marked + finished)")
    marked_hours: float = Field(default=0.0, description="Hours the user marked as studied")
    study_hours: float = Field(default=0.0, description="Expected study time")


class RoadmapStep(BaseModel):
    """One skill to build, in order."""

    order: int
    skill: str
    skill_ko: str
    reason: Literal["core", "prerequisite"]
    needed_by: list[str]
    start_level: int
    current_level: int
    target_level: int
    gap: int
    remaining_gap: float
    effort_hours: float
    studied_hours: float
    remaining_hours: float
    progress: float
    done: bool
    state: Literal["have", "done", "skipped", "in_progress", "todo"] = Field(
        description="have = already met when the roadmap started (left out of estimates)"
    )
    mark: Literal["done", "skipped", "in_progress"] | None = None
    implied_by: str | None = Field(
        default=None, description="The rated skill whose level implies this one's"
    )
    prerequisites: list[str] = Field(default_factory=list)
    resources: list[StepResource]
    start_week: int | None
    end_week: int | None


class StepMarkIn(StrictModel):
    """Mark a roadmap step; ``open`` clears the mark."""

    state: Literal["done", "skipped", "in_progress", "open"]


class Notice(BaseModel):
    """Something changed behind the roadmap (it is not rewritten)."""

    kind: Literal["forecast_down", "better_match", "dropped", "slowing", "accelerating"]
    message_ko: str
    data: dict[str, object]


class RoadmapOut(BaseModel):
    """A started roadmap, live."""

    id: uuid.UUID
    trend_slug: str
    trend_name_ko: str
    started_at: dt.datetime
    basis: dict[str, object]
    weekly_hours: float
    total_hours: float
    remaining_hours: float
    weeks_remaining: int
    estimated_finish: dt.date
    completed_steps: int
    already_have: int = 0
    skipped_steps: int = 0
    total_gap: int
    remaining_gap: float
    steps: list[RoadmapStep]
    notices: list[Notice]


class RoadmapList(BaseModel):
    """The user's roadmaps."""

    items: list[RoadmapOut]


class ResourceProgressOut(BaseModel):
    """Stored progress after an update."""

    roadmap_id: uuid.UUID
    resource_id: str
    status: ProgressStatus
    percent: int
    updated_at: dt.datetime


class EventIn(StrictModel):
    """An outcome event from the dashboard; ``event_id`` makes retries idempotent."""

    event_id: uuid.UUID
    kind: Literal["viewed", "clicked", "roadmap_started", "item_completed"]
    trend_slug: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")
    match_id: int | None = Field(default=None, ge=1)
    occurred_at: dt.datetime | None = None

    @field_validator("occurred_at")
    @classmethod
    def _sane_time(cls, v: dt.datetime | None) -> dt.datetime | None:
        if v is None:
            return None
        if v.tzinfo is None:
            raise ValueError("occurred_at needs a time zone")
        now = dt.datetime.now(dt.UTC)
        if v > now + dt.timedelta(minutes=5) or v < now - dt.timedelta(days=30):
            raise ValueError("occurred_at must be within the last 30 days")
        return v


class EventOut(BaseModel):
    """What happened to an event."""

    event_id: uuid.UUID
    recorded: bool
    duplicate: bool
    experiment: str
    variant: str


class AssignmentOut(BaseModel):
    """The user's A/B assignment."""

    active: bool
    experiment: str | None
    variant: str
    momentum_weight: float


class OutcomeStat(BaseModel):
    """Exposed users with an outcome, and their share."""

    users: int
    rate: float


class VariantReport(BaseModel):
    """One variant's numbers."""

    variant: str
    users_exposed: int
    outcomes: dict[str, OutcomeStat]


class Comparison(BaseModel):
    """A variant against the control on one outcome (Fisher's exact test for small counts, else
    the two-proportion z-test; p-values Holm-adjusted over the variant's outcomes)."""

    outcome: str
    control: str | None
    variant: str
    rate_control: float
    rate_variant: float
    difference: float
    test: Literal["z", "fisher", "none"] = "z"
    z: float | None
    p_value: float | None
    p_adjusted: float | None = None
    significant: bool
    verdict: Literal["insufficient", "better", "worse", "no_difference"] = "insufficient"
    verdict_ko: str = ""


class ReportOut(BaseModel):
    """The A/B report of one experiment."""

    experiment: str
    alpha: float
    min_users_per_arm: int = 0
    variants: list[VariantReport]
    comparisons: list[Comparison]


class ImportIn(StrictModel):
    """Import resources from a connector into the catalog."""

    source: Literal["kmooc", "seoji", "aladin"]
    query: str = Field(min_length=1, max_length=80)
    skills: list[TaxonomySlug] = Field(min_length=1, max_length=5)
    level: int = Field(default=2, strict=True, ge=1, le=5)
    limit: int = Field(default=10, strict=True, ge=1, le=50)


class ImportOut(BaseModel):
    """What an import stored."""

    source: str
    imported: int
    items: list[ResourceOut]


class AggregatesOut(BaseModel):
    """Service-wide counts for admins."""

    profiles: int
    profiles_by_status: dict[str, int]
    users_with_match: int
    roadmaps: int
    resources_done: int
    experiments: list[str]
