"""The trend explorer as pure functions: status from Velocity and forecast, Korean search over
names, keywords, skills, interests and aliases, filters, sorting, and related trends.

The catalog is small (tens to a few hundred trends), so the explorer filters and ranks in Python
over every active trend instead of pushing each rule into SQL; the list endpoint stays one query
for trends and one for forecasts.

**Status** (급상승/상승/정체/하락) reads the latest Velocity Score ``s`` (50 = the trend's usual
pace) together with the 4-week forecast band ``lo``–``hi``:

* ``surging``: ``s ≥ 65`` and the forecast does not point down (``point ≥ 0`` or no forecast);
* ``rising``: ``s ≥ 55``, or ``s ≥ 45`` with the whole forecast band above zero;
* ``falling``: ``s < 45``, or ``s < 55`` with the whole forecast band below zero;
* ``steady``: everything else (and ``None`` without any score).

**Search** normalises case and spaces ("생성형AI" finds "생성형 AI"), expands each word by the
alias list (``data/trends/aliases.yaml``: "AI" ↔ "인공지능", "마케팅" → 광고·브랜딩…) and needs
every word of the query to match somewhere: the names, news keywords, the Korean and English
labels of the trend's interest tags, core skills and category. Names count most.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

STATUSES = ("surging", "rising", "steady", "falling")
SORTS = ("velocity", "forecast", "name")
_WEIGHTS = {"name": 3.0, "keyword": 2.0, "label": 1.0}


@dataclass(frozen=True)
class Entry:
    """One trend as the explorer sees it."""

    slug: str
    name_ko: str
    name_en: str
    category: str
    interest_tags: tuple[str, ...]
    core_skills: tuple[str, ...]
    score: float | None
    forecast: Mapping[str, Any] | None
    fields: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Searchable text by kind (``name``, ``keyword``, ``label``), already normalised."""


def normalise(text: str) -> str:
    """Case and spaces folded away: what the search compares."""
    return "".join(text.casefold().split())


def status_of(score: float | None, forecast: Mapping[str, Any] | None) -> str | None:
    """급상승/상승/정체/하락 as ``surging``/``rising``/``steady``/``falling`` (None: no score)."""
    if score is None:
        return None
    point = float(forecast["point"]) if forecast else None
    lo = float(forecast["lo"]) if forecast else None
    hi = float(forecast["hi"]) if forecast else None
    if score >= 65 and (point is None or point >= 0):
        return "surging"
    if score >= 55 or (score >= 45 and lo is not None and lo > 0):
        return "rising"
    if score < 45 or (hi is not None and hi < 0):
        return "falling"
    return "steady"


def searchable(
    names: Iterable[str], keywords: Iterable[str], labels: Iterable[str]
) -> dict[str, tuple[str, ...]]:
    """The normalised text of a trend by kind."""
    return {
        "name": tuple(normalise(n) for n in names if n),
        "keyword": tuple(normalise(k) for k in keywords if k),
        "label": tuple(normalise(label) for label in labels if label),
    }


def load_aliases(path: Path) -> dict[str, tuple[str, ...]]:
    """``term → alternatives`` from the alias file (symmetric: each alternative also maps back);
    cached until the file changes."""
    try:
        mtime = path.stat().st_mtime_ns
    except FileNotFoundError:
        return {}
    return _aliases(path, mtime)


@functools.lru_cache(maxsize=4)
def _aliases(path: Path, mtime_ns: int) -> dict[str, tuple[str, ...]]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    out: dict[str, set[str]] = {}
    for group in raw.get("groups", []):
        terms = {normalise(str(t)) for t in group}
        for term in terms:
            out.setdefault(term, set()).update(terms)
    return {k: tuple(sorted(v)) for k, v in out.items()}


def _word_score(word: str, entry: Entry, aliases: Mapping[str, Sequence[str]]) -> float:
    best = 0.0
    for variant in (word, *aliases.get(word, ())):
        for kind, texts in entry.fields.items():
            if any(variant in text for text in texts):
                weight = _WEIGHTS[kind] * (1.0 if variant == word else 0.8)
                best = max(best, weight)
    return best


def relevance(query: str, entry: Entry, aliases: Mapping[str, Sequence[str]]) -> float:
    """How well ``entry`` matches every word of ``query`` (0 when one word matches nothing)."""
    words = [normalise(w) for w in query.split() if normalise(w)]
    total = 0.0
    for word in words:
        found = _word_score(word, entry, aliases)
        if not found:
            return 0.0
        total += found
    return total


def _sort_key(sort: str) -> Any:
    def forecast_point(e: Entry) -> float:
        return float(e.forecast["point"]) if e.forecast else float("-inf")

    if sort == "forecast":
        return lambda e: (-forecast_point(e), e.slug)
    if sort == "name":
        return lambda e: (e.name_ko, e.slug)
    return lambda e: (-(e.score if e.score is not None else float("-inf")), e.slug)


def select(
    entries: Sequence[Entry],
    *,
    query: str | None = None,
    status: str | None = None,
    skill: str | None = None,
    sort: str | None = None,
    aliases: Mapping[str, Sequence[str]] | None = None,
) -> list[Entry]:
    """Entries that pass the filters, best first: by relevance when searching (unless a sort is
    asked for), else by ``sort`` (``velocity`` by default)."""
    chosen = [
        e
        for e in entries
        if (status is None or status_of(e.score, e.forecast) == status)
        and (skill is None or skill in e.core_skills)
    ]
    ordered = sorted(chosen, key=_sort_key(sort or "velocity"))
    if not query or not query.strip():
        return ordered
    scored = [(relevance(query, e, aliases or {}), e) for e in ordered]
    hits = [(score, e) for score, e in scored if score > 0]
    if sort is None:
        hits.sort(key=lambda pair: -pair[0])  # stable: ties keep the Velocity order
    return [e for _, e in hits]


def related(target: Entry, entries: Iterable[Entry], k: int = 4) -> list[Entry]:
    """Trends that share interests, skills or the category with ``target``, closest first."""

    def closeness(e: Entry) -> float:
        tags = len(set(e.interest_tags) & set(target.interest_tags))
        skills = len(set(e.core_skills) & set(target.core_skills))
        return 2.0 * tags + skills + (1.0 if e.category == target.category else 0.0)

    scored = [(closeness(e), e) for e in entries if e.slug != target.slug]
    scored = [(c, e) for c, e in scored if c > 0]
    scored.sort(key=lambda pair: (-pair[0], -(pair[1].score or 0.0), pair[1].slug))
    return [e for _, e in scored[:k]]
