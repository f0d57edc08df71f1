"""Request and response models of the AI service API."""

from __future__ import annotations

import math
import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, field_validator

from trendpath.kit.taxonomy import VALUE_AXES, load_taxonomy

MAX_TEXT = 20_000


def _no_nul(value: str | None) -> str | None:
    # PostgreSQL text and JSONB cannot hold U+0000: refuse it here (422), not in the database.
    if value is not None and "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


class ProfileRefs(BaseModel):
    """Interest tags and skill sliders, validated against the shipped taxonomy."""

    interests: list[str] = Field(default_factory=list, max_length=50)
    skills: dict[str, int] = Field(default_factory=dict, max_length=100)

    @field_validator("interests")
    @classmethod
    def _known_interests(cls, v: list[str]) -> list[str]:
        known = load_taxonomy().interests
        unknown = sorted({t for t in v if t not in known})
        if unknown:
            raise ValueError(f"unknown interest tags: {', '.join(unknown)}")
        return list(dict.fromkeys(v))

    @field_validator("skills")
    @classmethod
    def _known_skills(cls, v: dict[str, int]) -> dict[str, int]:
        known = load_taxonomy().skills
        unknown = sorted(s for s in v if s not in known)
        if unknown:
            raise ValueError(f"unknown skills: {', '.join(unknown)}")
        bad = sorted(s for s, level in v.items() if not 1 <= level <= 5)
        if bad:
            raise ValueError(f"skill levels must be 1..5: {', '.join(bad)}")
        return v


class ProfileIn(ProfileRefs):
    """What a persona is built from, besides the conversation."""

    values: dict[str, float] | None = None
    text: str | None = Field(default=None, max_length=MAX_TEXT)
    field: str | None = Field(default=None, max_length=200, description="전공 또는 직무 분야")
    target_role: str | None = Field(default=None, max_length=200, description="목표 직무")

    _storable = field_validator("field", "target_role", "text")(_no_nul)

    @field_validator("values")
    @classmethod
    def _known_values(cls, v: dict[str, float] | None) -> dict[str, float] | None:
        if v is None:
            return v
        unknown = sorted(a for a in v if a not in VALUE_AXES)
        if unknown:
            raise ValueError(f"unknown value axes: {', '.join(unknown)}")
        bad = sorted(a for a, x in v.items() if not (math.isfinite(x) and 0 <= x <= 1))
        if bad:
            raise ValueError(f"value scores must be within 0..1: {', '.join(bad)}")
        return v


class SimilarOut(BaseModel):
    """How close the nearest other personas are (numbers only: nobody is identified)."""

    k: int = Field(description="How many personas were compared")
    similarities: list[float] = Field(description="Cosine similarities, nearest first")
    very_similar: int = Field(description="How many are at least 0.8 similar")


class EncoderOut(BaseModel):
    """Which text encoder serves, and whether it is the configured one."""

    setting: str
    serving: str | None
    dim: int | None
    fallback: bool
    reason: str | None


class SpaceOut(BaseModel):
    """The persona space: its version, size and block layout."""

    version: str
    dim: int
    blocks: dict[str, tuple[int, int]]
    encoder: EncoderOut


class LinkOut(BaseModel):
    """A field, role, skill or goal the person named, linked to the taxonomy, with their words."""

    kind: Literal["interest", "skill", "trend"]
    slug: str
    quote: str
    sentence: str
    source: str
    intent: Literal["goal", "current", "mention", "avoid"]
    method: Literal["alias", "encoder"]
    weight: float


class ConfirmedValueOut(BaseModel):
    """A value the person confirmed in the coach's summary, with their own words."""

    axis: str
    label_ko: str
    score: float
    quote: str | None


class VectorOut(BaseModel):
    """A vector in the persona space."""

    vector: list[float]
    version: str
    blocks: dict[str, tuple[int, int]]
    links: list[LinkOut] = Field(default_factory=list)


class ProfileSnapshotIn(ProfileRefs):
    """The users service's stored profile: the source of truth a persona is built with."""

    revision: int = Field(ge=0)
    status: Literal["student", "job_seeker", "employed", "career_changer"] | None = None
    field: str | None = Field(default=None, max_length=200)
    target_role: str | None = Field(default=None, max_length=200)

    _storable = field_validator("field", "target_role")(_no_nul)


class TrendSkillIn(BaseModel):
    """A skill a trend needs."""

    skill: str = Field(max_length=64)
    level: int = Field(ge=1, le=5)


class TrendIn(BaseModel):
    """A trend to embed (the catalog's fields)."""

    slug: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")
    name_ko: str = Field(default="", max_length=200)
    description_ko: str = Field(default="", max_length=MAX_TEXT)
    keywords_ko: list[str] = Field(default_factory=list, max_length=50)
    interest_tags: list[str] = Field(default_factory=list, max_length=50)
    core_skills: list[TrendSkillIn] = Field(default_factory=list, max_length=20)
    value_profile: dict[str, float] = Field(default_factory=dict)


class TrendsIn(BaseModel):
    """A batch of trends to embed."""

    trends: list[TrendIn] = Field(min_length=1, max_length=200)


class TrendVectorOut(BaseModel):
    """One embedded trend."""

    slug: str
    vector: list[float]


class TrendsOut(BaseModel):
    """Embedded trends, all of one version."""

    version: str
    items: list[TrendVectorOut]


class TextsIn(BaseModel):
    """Texts for the raw text encoder."""

    texts: list[str] = Field(min_length=1, max_length=64)

    @field_validator("texts")
    @classmethod
    def _capped(cls, v: list[str]) -> list[str]:
        if any(len(t) > MAX_TEXT for t in v):
            raise ValueError(f"each text must be at most {MAX_TEXT} characters")
        return v


class TextsOut(BaseModel):
    """Text embeddings (unit rows; zero rows for empty texts)."""

    encoder: str
    dim: int
    vectors: list[list[float]]


class AxisOut(BaseModel):
    """A value axis score."""

    score: float
    confidence: float


class PersonaOut(BaseModel):
    """A stored persona."""

    user_id: uuid.UUID
    vector: list[float]
    version: str
    from_conversation: bool
    values: dict[str, AxisOut] | None
    growth_orientation: float | None
    stability_preference: float | None
    updated_at: datetime
    profile_revision: int | None = None
    links: list[LinkOut] = Field(default_factory=list)
    confirmed_values: list[ConfirmedValueOut] = Field(default_factory=list)


class SessionStartIn(ProfileRefs):
    """What the coach knows before the talk (from the sign-up profile)."""

    name: str | None = Field(default=None, max_length=40)
    status: Literal["student", "job_seeker", "employed", "career_changer"] | None = None

    _name_storable = field_validator("name")(_no_nul)


class MessageIn(BaseModel):
    """One user message, or a click on a forced-choice option (0 or 1)."""

    text: str = Field(default="", max_length=4000)
    choice: int | None = Field(default=None, ge=0, le=1)

    _text_storable = field_validator("text")(_no_nul)


class ReplyOut(BaseModel):
    """The coach's answer to one turn."""

    session_id: uuid.UUID
    text: str
    stage: str
    done: bool
    question_id: str | None
    options: list[str]
    crisis: bool
    concern: bool = False
    notice: str | None


class MessageOut(BaseModel):
    """A stored message."""

    seq: int
    role: str
    content: str
    meta: dict[str, object]
    created_at: datetime


class SessionOut(BaseModel):
    """A coach session with its transcript."""

    id: uuid.UUID
    status: str
    stage: str
    turns: int
    max_turns: int
    messages: list[MessageOut]


class SessionSummary(BaseModel):
    """A session in a list."""

    id: uuid.UUID
    status: str
    turns: int
    created_at: datetime
    updated_at: datetime


class AxisEvidenceOut(AxisOut):
    """A value axis with the user's own sentences that moved it."""

    label_ko: str
    evidence: list[str]


class ValuesOut(BaseModel):
    """A user's value scores on the nine axes, with evidence."""

    axes: dict[str, AxisEvidenceOut]
    ranked: list[str] = Field(
        description="Axes the talk gave evidence for, most to least important"
    )
    unknown: list[str] = Field(
        default_factory=list,
        description="Axes nothing in the talk spoke to: neither a strongest nor a weakest value",
    )
    growth_orientation: float
    stability_preference: float
    method: str
    confirmed: bool
    updated_at: datetime | None = None
