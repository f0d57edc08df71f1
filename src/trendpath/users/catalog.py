"""The learning catalog: shipped resources (``data/learning/catalog.yaml``) and how to pick them.

The shipped file is validated as a whole on load: unique ids, skills that exist in the taxonomy,
http(s) URLs, and no invented identifiers — an entry whose ``link`` is ``search`` must point at a
known provider search page, and an ISBN, where given, must carry a valid ISBN-13 check digit.
Resources imported through the connectors live in the database (``users.resource``) and are
merged with the shipped ones when a roadmap picks resources for a skill.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from trendpath.kit.settings import Settings
from trendpath.kit.taxonomy import Taxonomy

PAGES_PER_HOUR = 15.0
"""Study pace for technical books (reading with exercises), used when only pages are known."""
DEFAULT_HOURS = {"course": 20.0, "book": 25.0}

SEARCH_PREFIXES: tuple[str, ...] = (
    "https://www.kmooc.kr/view/search/",
    "https://www.inflearn.com/courses?s=",
    "https://www.coursera.org/search?query=",
    "https://search.kyobobook.co.kr/search?keyword=",
    "https://www.aladin.co.kr/search/wsearchresult.aspx?",
)
"""Provider search pages a ``link: search`` entry may use (their URL patterns are stable)."""


class CatalogError(ValueError):
    """The catalog file is missing, malformed, or refers to unknown skills."""


def isbn13_valid(isbn: str) -> bool:
    """True for a 13-digit ISBN whose check digit is right."""
    if len(isbn) != 13 or not isbn.isdigit():
        return False
    total = sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(isbn[:12]))
    return (10 - total % 10) % 10 == int(isbn[12])


class _Entry(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]{1,127}$")
    kind: Literal["course", "book"]
    title: str = Field(min_length=1, max_length=200)
    provider: str = Field(min_length=1, max_length=100)
    language: Literal["ko", "en"]
    level: int = Field(ge=1, le=5)
    duration_hours: float | None = Field(default=None, gt=0, le=1000)
    pages: int | None = Field(default=None, gt=0, le=5000)
    url: str = Field(pattern=r"^https?://[^\s]+$")
    link: Literal["item", "search"]
    isbn: str | None = None
    skills: tuple[str, ...] = Field(min_length=1)
    note_ko: str | None = None

    @field_validator("isbn")
    @classmethod
    def _isbn(cls, v: str | None) -> str | None:
        if v is not None and not isbn13_valid(v):
            raise ValueError(f"{v!r} is not a valid ISBN-13")
        return v


class _File(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    version: int
    resources: tuple[_Entry, ...] = Field(min_length=1)


@dataclass(frozen=True)
class Resource:
    """A course or book, shipped or imported."""

    id: str
    kind: str
    title: str
    provider: str
    language: str
    level: int
    duration_hours: float | None
    pages: int | None
    url: str
    link_kind: str
    isbn: str | None
    skills: tuple[str, ...]
    source: str

    @property
    def study_hours(self) -> float:
        """Expected study time: the stated duration, else pages at :data:`PAGES_PER_HOUR`."""
        if self.duration_hours:
            return float(self.duration_hours)
        if self.pages:
            return round(self.pages / PAGES_PER_HOUR, 1)
        return DEFAULT_HOURS.get(self.kind, 20.0)

    def as_dict(self) -> dict[str, Any]:
        """The API shape (``ResourceOut``)."""
        return {
            "id": self.id,
            "kind": self.kind,
            "title": self.title,
            "provider": self.provider,
            "language": self.language,
            "level": self.level,
            "duration_hours": self.duration_hours,
            "pages": self.pages,
            "url": self.url,
            "link_kind": self.link_kind,
            "isbn": self.isbn,
            "skills": list(self.skills),
            "source": self.source,
        }


@dataclass(frozen=True)
class Catalog:
    """The shipped resources, by id and by skill."""

    resources: Mapping[str, Resource]
    by_skill: Mapping[str, tuple[Resource, ...]]

    def uncovered(self, skills: Iterable[str]) -> list[str]:
        """Skills without a single resource."""
        return [s for s in skills if not self.by_skill.get(s)]


def catalog_path(settings: Settings) -> Path:
    """Where the shipped catalog is read from."""
    return settings.users_catalog_path or settings.data_dir / "learning" / "catalog.yaml"


def _entry_problems(entry: _Entry, taxonomy: Taxonomy) -> list[str]:
    problems = [
        f"{entry.id}: unknown skill {s!r}" for s in entry.skills if s not in taxonomy.skills
    ]
    if entry.link == "search" and not entry.url.startswith(SEARCH_PREFIXES):
        problems.append(f"{entry.id}: link 'search' but {entry.url} is not a known search page")
    if entry.link == "search" and entry.isbn:
        problems.append(f"{entry.id}: a search link must not carry an ISBN")
    return problems


def parse_catalog(raw: Any, taxonomy: Taxonomy, origin: str = "catalog") -> Catalog:
    """Validate a parsed catalog document; raise CatalogError listing every problem."""
    try:
        parsed = _File.model_validate(raw)
    except ValidationError as exc:
        lines = [f"  {'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()]
        raise CatalogError(f"{origin}: invalid content\n" + "\n".join(lines)) from None
    problems: list[str] = []
    seen: set[str] = set()
    for entry in parsed.resources:
        if entry.id in seen:
            problems.append(f"duplicate id {entry.id!r}")
        seen.add(entry.id)
        problems.extend(_entry_problems(entry, taxonomy))
    if problems:
        raise CatalogError(f"{origin}: " + "; ".join(problems))
    resources = {e.id: _resource(e) for e in parsed.resources}
    by_skill: dict[str, list[Resource]] = {}
    for res in resources.values():
        for skill in res.skills:
            by_skill.setdefault(skill, []).append(res)
    return Catalog(resources, {k: tuple(v) for k, v in by_skill.items()})


def _resource(e: _Entry) -> Resource:
    return Resource(
        id=e.id,
        kind=e.kind,
        title=e.title,
        provider=e.provider,
        language=e.language,
        level=e.level,
        duration_hours=e.duration_hours,
        pages=e.pages,
        url=e.url,
        link_kind=e.link,
        isbn=e.isbn,
        skills=e.skills,
        source="catalog",
    )


_CACHE: dict[tuple[Path, int, int], Catalog] = {}


def _load(path: Path, mtime_ns: int, taxonomy: Taxonomy) -> Catalog:
    key = (path, mtime_ns, id(taxonomy))
    if key not in _CACHE:
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            raise CatalogError(f"{path}: invalid YAML: {exc}") from exc
        if len(_CACHE) > 8:
            _CACHE.clear()
        _CACHE[key] = parse_catalog(raw, taxonomy, str(path))
    return _CACHE[key]


def load_catalog(settings: Settings, taxonomy: Taxonomy) -> Catalog:
    """The validated shipped catalog (cached until the file changes)."""
    path = catalog_path(settings)
    try:
        mtime = path.stat().st_mtime_ns
    except FileNotFoundError as exc:
        raise CatalogError(f"{path}: file not found") from exc
    return _load(path, mtime, taxonomy)


def _fit(res: Resource, current: int, target: int) -> int:
    """How far the resource's level is from the levels still to climb (0 = inside)."""
    low, high = min(current + 1, target), target
    if res.level < low:
        return low - res.level
    if res.level > high:
        return res.level - high
    return 0


def choose(
    candidates: Sequence[Resource],
    current: int,
    target: int,
    languages: Sequence[str] = ("ko",),
    preferred_format: str = "any",
    k: int = 3,
) -> list[Resource]:
    """Up to ``k`` resources for climbing from ``current`` to ``target``, best first.

    Order: level fit, then the user's languages, then their preferred format, then concrete items
    before search pages, then the shorter one. A course and a book are both kept where possible.
    """

    def key(r: Resource) -> tuple[float, ...]:
        lang = 0 if r.language in languages else 1
        fmt = 0 if preferred_format in ("any", r.kind) else 1
        link = 0 if r.link_kind == "item" else 1
        return (_fit(r, current, target), lang, fmt, link, r.study_hours)

    ranked = sorted(dict.fromkeys(candidates), key=lambda r: (key(r), r.id))
    picked = ranked[:k]
    kinds = {r.kind for r in picked}
    if len(kinds) == 1 and len(picked) == k:
        other = next((r for r in ranked[k:] if r.kind not in kinds), None)
        if other is not None:
            picked[-1] = other
    return picked
