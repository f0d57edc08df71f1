"""The persona space: one 1536-d construction for people and trends alike.

A persona vector is four blocks laid side by side, each L2-normalised, scaled by its weight, and
the whole L2-normalised again (version :data:`CONSTRUCTION_VERSION`):

=========== ============ =============================================================
block       dims         content
=========== ============ =============================================================
text        0–1023       encoder embedding of the user's own words / the trend's
                         name, description and keywords (a fixed seeded Gaussian
                         projection when the encoder is not 1024-d)
interests   1024–1215    sum of seeded random unit vectors, one per interest tag,
                         plus ``group_share`` × a vector for the tag's group
skills      1216–1375    per skill a seeded random unit vector (+ its group's);
                         a person weighs it by proficiency ``(level − 2) / 3`` (1 → −⅓,
                         2 → 0, 5 → 1: rated-weak skills push away), a trend by need
                         ``level / 5``, its prerequisites ``prereq_share`` × that per step back
values      1376–1384    the nine value axes, each vector centred on its own mean, so
                         the block compares *relative* priorities
goals       1408–1535    a seeded unit vector per trend: a trend carries its own; a
                         person the trends their words name (a goal 1, a current field
                         ½, an aversion negative; see :mod:`trendpath.ai.links`)
=========== ============ =============================================================

Because blocks occupy disjoint dimensions and both vectors have unit norm, the cosine similarity
is exactly the sum of per-block dot products: :func:`explain_similarity` returns those terms.
Random vectors are seeded by the slug (blake2b), so adding a tag or skill to the taxonomy does not
move anyone else's vector. Changing anything here means a new ``CONSTRUCTION_VERSION`` and a
re-embedding job.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from trendpath.ai.embed import Encoder, KoreanHashEncoder, l2_normalise
from trendpath.kit.taxonomy import VALUE_AXES, load_taxonomy

CONSTRUCTION_VERSION = "persona-v2"
BLOCKS: tuple[str, ...] = ("text", "interests", "skills", "values", "goals")


@dataclass(frozen=True)
class PersonaConfig:
    """Layout and weights of the persona space (documented in docs/ai.md)."""

    dim: int = 1536
    text_dim: int = 1024
    interest_dim: int = 192
    skill_dim: int = 160
    value_dim: int = 32
    goal_dim: int = 128
    weights: Mapping[str, float] = field(
        default_factory=lambda: {
            "text": 0.8,
            "interests": 1.0,
            "skills": 0.8,
            "values": 0.9,
            "goals": 1.0,
        }
    )
    group_share: float = 0.35
    prereq_share: float = 0.5
    seed: str = "trendpath-persona-v1"

    def ranges(self) -> dict[str, tuple[int, int]]:
        """Block name → (start, stop) dimensions."""
        sizes = [self.text_dim, self.interest_dim, self.skill_dim, self.value_dim, self.goal_dim]
        if sum(sizes) != self.dim:
            raise ValueError(f"block sizes {sizes} do not add up to dim {self.dim}")
        starts = np.cumsum([0, *sizes])
        return {b: (int(starts[i]), int(starts[i + 1])) for i, b in enumerate(BLOCKS)}


DEFAULT_CONFIG = PersonaConfig()


class PersonaInputs(BaseModel):
    """What a person's vector is built from.

    ``interests`` and ``skills`` are the profile's tags and sliders; the ``linked_*`` weights and
    ``goals`` come from the person's own words (:func:`trendpath.ai.links.signals`).
    """

    conversation: str = ""
    interests: list[str] = Field(default_factory=list)
    skills: dict[str, int] = Field(default_factory=dict)
    values: dict[str, float] = Field(default_factory=dict)
    linked_interests: dict[str, float] = Field(default_factory=dict)
    linked_skills: dict[str, float] = Field(default_factory=dict)
    goals: dict[str, float] = Field(default_factory=dict)


class TrendSkill(BaseModel):
    """A skill a trend needs, at a target level 1–5."""

    model_config = ConfigDict(from_attributes=True)

    skill: str
    level: int = Field(ge=1, le=5)


class TrendInputs(BaseModel):
    """What a trend's vector is built from (a catalog ``Trend`` converts with from_attributes)."""

    model_config = ConfigDict(from_attributes=True)

    slug: str
    name_ko: str = ""
    description_ko: str = ""
    keywords_ko: list[str] = Field(default_factory=list)
    interest_tags: list[str] = Field(default_factory=list)
    core_skills: list[TrendSkill] = Field(default_factory=list)
    value_profile: dict[str, float] = Field(default_factory=dict)


@dataclass(frozen=True)
class PersonaVector:
    """A unit vector in the persona space, its blocks (slices of it), and its version."""

    vector: np.ndarray
    blocks: dict[str, np.ndarray]
    version: str


def persona_version(encoder: Encoder) -> str:
    """Construction + encoder version: stored vectors are comparable only when these match."""
    return f"{CONSTRUCTION_VERSION}/{encoder.name}:{encoder.version}"


_DEFAULT_ENCODER: Encoder | None = None


def default_encoder() -> Encoder:
    """The offline Korean encoder, as wide as the text block so it needs no projection."""
    global _DEFAULT_ENCODER
    if _DEFAULT_ENCODER is None:
        _DEFAULT_ENCODER = KoreanHashEncoder(dim=DEFAULT_CONFIG.text_dim)
    return _DEFAULT_ENCODER


@lru_cache(maxsize=4096)
def _unit(kind: str, slug: str, dim: int, seed: str) -> np.ndarray:
    digest = hashlib.blake2b(f"{seed}|{kind}|{slug}".encode(), digest_size=8).digest()
    rng = np.random.default_rng(int.from_bytes(digest, "little"))
    v = rng.standard_normal(dim).astype(np.float32)
    v /= np.linalg.norm(v)
    v.setflags(write=False)
    return v


@lru_cache(maxsize=8)
def projection(src: int, dst: int, seed: str) -> np.ndarray:
    digest = hashlib.blake2b(f"{seed}|projection|{src}x{dst}".encode(), digest_size=8).digest()
    rng = np.random.default_rng(int.from_bytes(digest, "little"))
    return (rng.standard_normal((src, dst)) / np.sqrt(dst)).astype(np.float32)


def _text_block(text: str, encoder: Encoder, cfg: PersonaConfig) -> np.ndarray:
    emb = encoder.encode([text])[0]
    if emb.shape[0] != cfg.text_dim:
        emb = emb @ projection(emb.shape[0], cfg.text_dim, cfg.seed)
    return np.asarray(emb, dtype=np.float32)


def _interest_block(
    tags: Sequence[str], cfg: PersonaConfig, linked: Mapping[str, float] | None = None
) -> np.ndarray:
    group_of = load_taxonomy().interest_group_of
    weights = dict.fromkeys(tags, 1.0)
    for tag, w in (linked or {}).items():
        weights[tag] = weights.get(tag, 0.0) + w
    out = np.zeros(cfg.interest_dim, dtype=np.float32)
    for tag, w in weights.items():
        v = _unit("interest", tag, cfg.interest_dim, cfg.seed)
        if tag in group_of:
            v = v + cfg.group_share * _unit(
                "interest-group", group_of[tag], cfg.interest_dim, cfg.seed
            )
        out += w * v
    return out


def _goal_block(goals: Mapping[str, float], cfg: PersonaConfig) -> np.ndarray:
    out = np.zeros(cfg.goal_dim, dtype=np.float32)
    for slug, w in goals.items():
        out += w * _unit("trend", slug, cfg.goal_dim, cfg.seed)
    return out


def _skill_vector(skill: str, cfg: PersonaConfig) -> np.ndarray:
    skills = load_taxonomy().skills
    v = _unit("skill", skill, cfg.skill_dim, cfg.seed)
    if skill in skills:
        v = v + cfg.group_share * _unit("skill-group", skills[skill].group, cfg.skill_dim, cfg.seed)
    return v


def _person_skill_block(
    levels: Mapping[str, int], cfg: PersonaConfig, linked: Mapping[str, float] | None = None
) -> np.ndarray:
    out = np.zeros(cfg.skill_dim, dtype=np.float32)
    for skill, level in levels.items():
        out += ((min(5, max(1, int(level))) - 2) / 3.0) * _skill_vector(skill, cfg)
    for skill, w in (linked or {}).items():
        # A skill the person names but did not rate leans like a mid slider (the slider wins).
        if skill not in levels:
            out += 0.5 * w * _skill_vector(skill, cfg)
    return out


def _trend_skill_block(needs: Sequence[TrendSkill], cfg: PersonaConfig) -> np.ndarray:
    skills = load_taxonomy().skills
    weight: dict[str, float] = {}
    for need in needs:
        # The skill at its level, each prerequisite (transitively) at prereq_share per step back.
        frontier, w = [need.skill], need.level / 5.0
        while frontier and w > 0.05:
            for skill in frontier:
                weight[skill] = max(weight.get(skill, 0.0), w)
            frontier = [p for s in frontier if s in skills for p in skills[s].prerequisites]
            w *= cfg.prereq_share
    out = np.zeros(cfg.skill_dim, dtype=np.float32)
    for skill, w in weight.items():
        out += w * _skill_vector(skill, cfg)
    return out


def _value_block(values: Mapping[str, float], cfg: PersonaConfig) -> np.ndarray:
    out = np.zeros(cfg.value_dim, dtype=np.float32)
    if not values:
        return out
    raw = np.array([float(values.get(a, 0.5)) for a in VALUE_AXES], dtype=np.float32)
    out[: len(VALUE_AXES)] = np.clip(raw, 0.0, 1.0) - np.clip(raw, 0.0, 1.0).mean()
    return out


def _assemble(parts: dict[str, np.ndarray], encoder: Encoder, cfg: PersonaConfig) -> PersonaVector:
    ranges = cfg.ranges()
    vector = np.zeros(cfg.dim, dtype=np.float32)
    for name, part in parts.items():
        start, stop = ranges[name]
        vector[start:stop] = cfg.weights[name] * l2_normalise(part[None, :])[0]
    vector = l2_normalise(vector[None, :])[0]
    vector.setflags(write=False)
    blocks = {name: vector[start:stop] for name, (start, stop) in ranges.items()}
    return PersonaVector(vector, blocks, persona_version(encoder))


def build_persona_vector(
    inputs: PersonaInputs, *, encoder: Encoder | None = None, config: PersonaConfig | None = None
) -> PersonaVector:
    """A person's vector from their words, interest tags, skill sliders and value scores."""
    cfg, enc = config or DEFAULT_CONFIG, encoder or default_encoder()
    parts = {
        "text": _text_block(inputs.conversation, enc, cfg),
        "interests": _interest_block(inputs.interests, cfg, inputs.linked_interests),
        "skills": _person_skill_block(inputs.skills, cfg, inputs.linked_skills),
        "values": _value_block(inputs.values, cfg),
        "goals": _goal_block(inputs.goals, cfg),
    }
    return _assemble(parts, enc, cfg)


def trend_text(trend: TrendInputs) -> str:
    """The text a trend is embedded from: name, description and Korean keywords."""
    return " ".join([trend.name_ko, trend.description_ko, " ".join(trend.keywords_ko)]).strip()


def build_trend_vector(
    trend: TrendInputs | Any,
    *,
    encoder: Encoder | None = None,
    config: PersonaConfig | None = None,
) -> PersonaVector:
    """A trend's vector, built by the same construction (any object with the trend's fields)."""
    t = trend if isinstance(trend, TrendInputs) else TrendInputs.model_validate(trend)
    cfg, enc = config or DEFAULT_CONFIG, encoder or default_encoder()
    parts = {
        "text": _text_block(trend_text(t), enc, cfg),
        "interests": _interest_block(t.interest_tags, cfg),
        "skills": _trend_skill_block(t.core_skills, cfg),
        "values": _value_block(t.value_profile, cfg),
        "goals": _unit("trend", t.slug, cfg.goal_dim, cfg.seed).copy(),
    }
    return _assemble(parts, enc, cfg)


def explain_similarity(user: PersonaVector, trend: PersonaVector) -> dict[str, float]:
    """Each block's share of the cosine similarity; the shares add up to the cosine exactly."""
    if user.version != trend.version:
        raise ValueError(f"persona versions differ: {user.version} vs {trend.version}")
    return {name: float(user.blocks[name] @ trend.blocks[name]) for name in user.blocks}


def cosine(user: PersonaVector, trend: PersonaVector) -> float:
    """Cosine similarity of two persona vectors (both are unit or zero)."""
    return float(user.vector @ trend.vector)
