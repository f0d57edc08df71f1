"""The trend catalog (``data/trends/catalog.yaml``): models, validation and loading.

A :class:`Trend` is checked in two steps. Its own shape (slug format, 1–5 levels, a complete 0..1
value profile, non-empty texts) is checked by pydantic; its references (category, interest tags,
skills) are checked against the taxonomy by :func:`check_trend`. :func:`load_catalog` runs both
for every entry and reports the first problem as a :class:`CatalogError` that names the file, the
trend and the field, e.g. ``trend 'generative-ai' field 'interest_tags': unknown interest tag
'aii'``. The admin API can reuse :func:`parse_trend` for a single submitted trend.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from trendpath.kit.settings import default_data_dir
from trendpath.kit.taxonomy import VALUE_AXES, Taxonomy, load_taxonomy

_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml is ~8x faster

TREND_SLUG_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
"""Trend slugs are ascii kebab-case and never change (stored indicators refer to them)."""

CATALOG_FILE = Path("trends") / "catalog.yaml"


class CatalogError(ValueError):
    """The catalog file is missing or malformed, or a trend refers to something unknown."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class Category(_Frozen):
    """One of the catalog's fixed trend categories."""

    slug: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    ko: str = Field(min_length=1)
    en: str = Field(min_length=1)


class CoreSkill(_Frozen):
    """A skill a trend needs and the level (1–5, the slider scale) it needs it at."""

    skill: str = Field(min_length=1)
    level: int = Field(ge=1, le=5, strict=True)


class Trend(_Frozen):
    """One technology or industry trend. References are checked by :func:`check_trend`."""

    slug: str = Field(pattern=TREND_SLUG_PATTERN, max_length=64)
    name_ko: str = Field(min_length=1, max_length=80)
    name_en: str = Field(min_length=1, max_length=80)
    category: str = Field(min_length=1)
    description_ko: str = Field(min_length=20)
    description_en: str = Field(min_length=20)
    interest_tags: tuple[str, ...] = Field(min_length=1)
    core_skills: tuple[CoreSkill, ...] = Field(min_length=4, max_length=7)
    value_profile: dict[str, float]
    keywords_ko: tuple[str, ...] = Field(min_length=5, max_length=10)
    keywords_en: tuple[str, ...] = Field(min_length=3, max_length=10)
    search_keyword: str = Field(min_length=1, max_length=40)
    sources: tuple[str, ...] = Field(min_length=1)

    @field_validator("value_profile", mode="before")
    @classmethod
    def _numbers_only(cls, v: Any) -> Any:
        if isinstance(v, Mapping):
            for axis, score in v.items():
                if isinstance(score, bool) or not isinstance(score, int | float):
                    raise ValueError(f"{axis} must be a number in 0..1, got {score!r}")
        return v

    @field_validator("value_profile")
    @classmethod
    def _complete_profile(cls, v: dict[str, float]) -> dict[str, float]:
        unknown = sorted(set(v) - set(VALUE_AXES))
        missing = [a for a in VALUE_AXES if a not in v]
        if unknown:
            raise ValueError(f"unknown value axes {unknown}; known: {list(VALUE_AXES)}")
        if missing:
            raise ValueError(f"missing value axes {missing}")
        for axis, score in v.items():
            if not 0.0 <= score <= 1.0:
                raise ValueError(f"{axis} = {score} is outside 0..1")
        return {a: float(v[a]) for a in VALUE_AXES}

    @field_validator("interest_tags", "keywords_ko", "keywords_en")
    @classmethod
    def _no_duplicates(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        dupes = sorted({x for x in v if v.count(x) > 1})
        if dupes:
            raise ValueError(f"duplicates {dupes}")
        return v

    @field_validator("core_skills")
    @classmethod
    def _distinct_skills(cls, v: tuple[CoreSkill, ...]) -> tuple[CoreSkill, ...]:
        names = [s.skill for s in v]
        dupes = sorted({x for x in names if names.count(x) > 1})
        if dupes:
            raise ValueError(f"skills listed twice {dupes}")
        return v

    def value_vector(self) -> tuple[float, ...]:
        """The value profile as a tuple in :data:`~trendpath.kit.taxonomy.VALUE_AXES` order."""
        return tuple(self.value_profile[a] for a in VALUE_AXES)


class _CatalogFile(_Frozen):
    version: int
    categories: tuple[Category, ...] = Field(min_length=1)
    trends: tuple[dict[str, Any], ...] = Field(min_length=1)


def _where(trend: str, field: str) -> str:
    return f"trend {trend!r} field {field!r}"


def check_trend(trend: Trend, taxonomy: Taxonomy, categories: Mapping[str, Category]) -> None:
    """Raise :class:`CatalogError` if the trend refers to an unknown category, tag or skill."""
    if trend.category not in categories:
        raise CatalogError(
            f"{_where(trend.slug, 'category')}: unknown category {trend.category!r}; "
            f"known: {', '.join(categories)}"
        )
    for tag in trend.interest_tags:
        if tag not in taxonomy.interests:
            raise CatalogError(
                f"{_where(trend.slug, 'interest_tags')}: unknown interest tag {tag!r} "
                "(see data/taxonomy/interests.yaml)"
            )
    for i, need in enumerate(trend.core_skills):
        if need.skill not in taxonomy.skills:
            raise CatalogError(
                f"{_where(trend.slug, f'core_skills[{i}].skill')}: unknown skill {need.skill!r} "
                "(see data/taxonomy/skills.yaml)"
            )


def parse_trend(
    raw: Mapping[str, Any], taxonomy: Taxonomy, categories: Mapping[str, Category]
) -> Trend:
    """Validate one trend given as a mapping (shape and references); raise :class:`CatalogError`."""
    label = str(raw.get("slug", "<no slug>")) if isinstance(raw, Mapping) else "<not a mapping>"
    try:
        trend = Trend.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"]) or "<trend>"
        raise CatalogError(f"{_where(label, field)}: {err['msg']}") from None
    check_trend(trend, taxonomy, categories)
    return trend


def _read(path: Path) -> _CatalogFile:
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER)
    except FileNotFoundError as exc:
        raise CatalogError(f"{path}: file not found") from exc
    except yaml.YAMLError as exc:
        raise CatalogError(f"{path}: invalid YAML: {exc}") from exc
    try:
        return _CatalogFile.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err["loc"])
        raise CatalogError(f"{path}: {loc}: {err['msg']}") from None


def _build(root: Path) -> tuple[Trend, ...]:
    path = root / CATALOG_FILE
    parsed = _read(path)
    categories: dict[str, Category] = {}
    for cat in parsed.categories:
        if cat.slug in categories:
            raise CatalogError(f"{path}: duplicate category slug {cat.slug!r}")
        categories[cat.slug] = cat
    taxonomy = load_taxonomy(root)
    trends: list[Trend] = []
    seen: set[str] = set()
    for i, raw in enumerate(parsed.trends):
        try:
            trend = parse_trend(raw, taxonomy, categories)
        except CatalogError as exc:
            raise CatalogError(f"{path}: trends[{i}]: {exc}") from None
        if trend.slug in seen:
            raise CatalogError(f"{path}: trends[{i}]: duplicate trend slug {trend.slug!r}")
        seen.add(trend.slug)
        trends.append(trend)
    return tuple(trends)


@functools.lru_cache(maxsize=8)
def _categories_cached(root: Path) -> dict[str, Category]:
    return {c.slug: c for c in _read(root / CATALOG_FILE).categories}


@functools.lru_cache(maxsize=8)
def _catalog_cached(root: Path) -> tuple[Trend, ...]:
    return _build(root)


def _root(data_dir: Path | None) -> Path:
    return data_dir.resolve() if data_dir is not None else default_data_dir()


def load_catalog(data_dir: Path | None = None) -> list[Trend]:
    """All trends of ``<data_dir>/trends/catalog.yaml``, validated, in file order.

    Validates shapes, unique slugs and every reference against the taxonomy of the same
    ``data_dir`` (default :func:`trendpath.kit.settings.default_data_dir`). Parsed once per path;
    the returned list is a fresh copy (the trends themselves are immutable).
    """
    return list(_catalog_cached(_root(data_dir)))


def load_categories(data_dir: Path | None = None) -> dict[str, Category]:
    """The catalog's categories by slug, in file order."""
    return dict(_categories_cached(_root(data_dir)))


def catalog_by_slug(data_dir: Path | None = None) -> dict[str, Trend]:
    """The catalog keyed by trend slug (file order)."""
    return {t.slug: t for t in _catalog_cached(_root(data_dir))}
