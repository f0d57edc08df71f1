"""The shared vocabulary: interest tags, skills and work-value axes (``data/taxonomy/*.yaml``).

Every service speaks in these slugs: the users service stores a person's interests and skill
sliders by them, the AI service scores values on :data:`VALUE_AXES`, and the trend catalog refers
to all three. The files are validated as a whole on load (unique slugs, resolvable references,
acyclic skill prerequisites, the value axes exactly as :data:`VALUE_AXES`), so a bad edit fails at
start-up with a message that names the file and the entry.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from trendpath.kit.settings import default_data_dir

_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml is ~8x faster

VALUE_AXES: tuple[str, ...] = (
    "social_contribution",
    "achievement",
    "economic_reward",
    "work_life_balance",
    "self_development",
    "autonomy",
    "social_recognition",
    "job_security",
    "change_orientation",
)
"""The nine work-value factors, in the fixed order every stored value vector uses."""

SLUG_PATTERN = r"^[a-z][a-z0-9_]*$"
"""Taxonomy slugs are ascii snake_case (they double as JSON keys and column values)."""


_M = TypeVar("_M", bound=BaseModel)


class TaxonomyError(ValueError):
    """A taxonomy file is missing, malformed, or refers to something that does not exist."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class InterestTag(_Frozen):
    """One interest tag a user can pick at sign-up."""

    slug: str = Field(pattern=SLUG_PATTERN)
    ko: str = Field(min_length=1)
    en: str = Field(min_length=1)


class InterestGroup(_Frozen):
    """A heading in the interest picker and the tags under it."""

    slug: str = Field(pattern=SLUG_PATTERN)
    ko: str = Field(min_length=1)
    en: str = Field(min_length=1)
    tags: tuple[InterestTag, ...] = Field(min_length=1)


class SkillGroup(_Frozen):
    """A family of skills (for grouping sliders on screen)."""

    slug: str = Field(pattern=SLUG_PATTERN)
    ko: str = Field(min_length=1)
    en: str = Field(min_length=1)


class Skill(_Frozen):
    """A broad competency rated on a 1–5 slider and required by trends at a target level."""

    slug: str = Field(pattern=SLUG_PATTERN)
    ko: str = Field(min_length=1)
    en: str = Field(min_length=1)
    group: str
    description_ko: str = Field(min_length=1)
    prerequisites: tuple[str, ...] = ()


class ValueAxis(_Frozen):
    """One work-value factor, scored 0..1."""

    slug: str = Field(pattern=SLUG_PATTERN)
    ko: str = Field(min_length=1)
    en: str = Field(min_length=1)
    description_ko: str = Field(min_length=1)


class ValueSummary(_Frozen):
    """A derived value score: the mean of some axes (e.g. growth orientation)."""

    slug: str = Field(pattern=SLUG_PATTERN)
    ko: str = Field(min_length=1)
    en: str = Field(min_length=1)
    description_ko: str = Field(min_length=1)
    method: Literal["mean"] = "mean"
    components: tuple[str, ...] = Field(min_length=1)


class _InterestsFile(_Frozen):
    version: int
    groups: tuple[InterestGroup, ...] = Field(min_length=1)


class _SkillsFile(_Frozen):
    version: int
    levels: dict[int, str]
    groups: tuple[SkillGroup, ...] = Field(min_length=1)
    skills: tuple[Skill, ...] = Field(min_length=1)

    @field_validator("levels")
    @classmethod
    def _five_levels(cls, v: dict[int, str]) -> dict[int, str]:
        if sorted(v) != [1, 2, 3, 4, 5]:
            raise ValueError(f"levels must be exactly 1..5, got {sorted(v)}")
        return v


class _ValuesFile(_Frozen):
    version: int
    axes: tuple[ValueAxis, ...]
    summaries: tuple[ValueSummary, ...] = ()


class Taxonomy(BaseModel):
    """The validated interest, skill and value vocabularies. Build it with :func:`load_taxonomy`."""

    model_config = ConfigDict(frozen=True)

    interest_groups: tuple[InterestGroup, ...]
    interests: dict[str, InterestTag]
    interest_group_of: dict[str, str]
    skill_levels: dict[int, str]
    skill_groups: dict[str, SkillGroup]
    skills: dict[str, Skill]
    value_axes: tuple[ValueAxis, ...]
    value_summaries: tuple[ValueSummary, ...]

    def skill_path(self, slug: str) -> list[str]:
        """The skill and all its transitive prerequisites, prerequisites first (a roadmap order).

        Ties are broken by the order of ``prerequisites`` in the file, so the result is stable.
        """
        if slug not in self.skills:
            raise KeyError(f"unknown skill {slug!r}")
        order: list[str] = []

        def visit(s: str) -> None:
            if s in order:
                return
            for pre in self.skills[s].prerequisites:
                visit(pre)
            order.append(s)

        visit(slug)
        return order

    def summarise_values(self, scores: Mapping[str, float]) -> dict[str, float]:
        """The value summaries (growth_orientation, stability_preference, …) of 0..1 axis scores.

        ``scores`` must hold every axis a summary uses; a missing one raises ``KeyError``.
        """
        out: dict[str, float] = {}
        for summary in self.value_summaries:
            parts = [float(scores[c]) for c in summary.components]
            out[summary.slug] = sum(parts) / len(parts)
        return out


def _read_yaml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise TaxonomyError(f"{path}: file not found") from exc
    try:
        return yaml.load(text, Loader=_YAML_LOADER)
    except yaml.YAMLError as exc:
        raise TaxonomyError(f"{path}: invalid YAML: {exc}") from exc


def _parse(model: type[_M], path: Path) -> _M:
    try:
        return model.model_validate(_read_yaml(path))
    except ValidationError as exc:
        lines = [f"  {'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()]
        raise TaxonomyError(f"{path}: invalid content\n" + "\n".join(lines)) from None


def _unique(kind: str, path: Path, slugs: list[str]) -> None:
    seen: set[str] = set()
    for slug in slugs:
        if slug in seen:
            raise TaxonomyError(f"{path}: duplicate {kind} slug {slug!r}")
        seen.add(slug)


def _check_skills(path: Path, parsed: _SkillsFile) -> None:
    groups = {g.slug for g in parsed.groups}
    known = {s.slug for s in parsed.skills}
    for skill in parsed.skills:
        if skill.group not in groups:
            raise TaxonomyError(f"{path}: skill {skill.slug!r}: unknown group {skill.group!r}")
        for pre in skill.prerequisites:
            if pre not in known:
                raise TaxonomyError(f"{path}: skill {skill.slug!r}: unknown prerequisite {pre!r}")
            if pre == skill.slug:
                raise TaxonomyError(f"{path}: skill {skill.slug!r} lists itself as prerequisite")
    _check_acyclic(path, {s.slug: s.prerequisites for s in parsed.skills})


def _check_acyclic(path: Path, edges: Mapping[str, tuple[str, ...]]) -> None:
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done

    def visit(node: str, trail: list[str]) -> None:
        if state.get(node) == 2:
            return
        if state.get(node) == 1:
            cycle = [*trail[trail.index(node) :], node]
            raise TaxonomyError(f"{path}: prerequisite cycle: {' -> '.join(cycle)}")
        state[node] = 1
        for nxt in edges[node]:
            visit(nxt, [*trail, node])
        state[node] = 2

    for node in edges:
        visit(node, [])


def _check_values(path: Path, parsed: _ValuesFile) -> None:
    got = tuple(a.slug for a in parsed.axes)
    if got != VALUE_AXES:
        raise TaxonomyError(
            f"{path}: axes must be exactly {list(VALUE_AXES)} in this order, got {list(got)}"
        )
    for summary in parsed.summaries:
        unknown = [c for c in summary.components if c not in VALUE_AXES]
        if unknown:
            raise TaxonomyError(f"{path}: summary {summary.slug!r}: unknown axes {unknown}")


def _build(root: Path) -> Taxonomy:
    folder = root / "taxonomy"
    interests_path = folder / "interests.yaml"
    skills_path = folder / "skills.yaml"
    values_path = folder / "values.yaml"

    interests = _parse(_InterestsFile, interests_path)
    _unique("group", interests_path, [g.slug for g in interests.groups])
    _unique("interest tag", interests_path, [t.slug for g in interests.groups for t in g.tags])

    skills = _parse(_SkillsFile, skills_path)
    _unique("group", skills_path, [g.slug for g in skills.groups])
    _unique("skill", skills_path, [s.slug for s in skills.skills])
    _check_skills(skills_path, skills)

    values = _parse(_ValuesFile, values_path)
    _unique("summary", values_path, [s.slug for s in values.summaries])
    _check_values(values_path, values)

    return Taxonomy(
        interest_groups=interests.groups,
        interests={t.slug: t for g in interests.groups for t in g.tags},
        interest_group_of={t.slug: g.slug for g in interests.groups for t in g.tags},
        skill_levels=dict(skills.levels),
        skill_groups={g.slug: g for g in skills.groups},
        skills={s.slug: s for s in skills.skills},
        value_axes=values.axes,
        value_summaries=values.summaries,
    )


@functools.lru_cache(maxsize=8)
def _load_cached(root: Path) -> Taxonomy:
    return _build(root)


def load_taxonomy(data_dir: Path | None = None) -> Taxonomy:
    """Load and validate ``<data_dir>/taxonomy/{interests,skills,values}.yaml`` (cached per path).

    ``data_dir`` defaults to :func:`trendpath.kit.settings.default_data_dir`. Raises
    :class:`TaxonomyError` naming the file and entry when anything is wrong. The returned object
    is shared between callers: treat it as read-only.
    """
    root = data_dir.resolve() if data_dir is not None else default_data_dir()
    return _load_cached(root)
