"""The one interface every trend source implements, its result type, errors and week arithmetic.

A source turns public API data into one indicator of :mod:`trendpath.trends.indicators`, in that
indicator's unit, for every (trend slug, ISO-week Monday) it can answer. One bad trend (an API
error, a malformed page, a keyword without data) becomes a :class:`Problem` in the result; it
never aborts the other trends. Only a missing configuration is raised, by the factory, as
:class:`SourceNotConfigured` naming the setting to set.
"""

from __future__ import annotations

import datetime as dt
import logging
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from trendpath.kit.http import ServiceClients
from trendpath.kit.settings import Settings
from trendpath.trends.catalog import Trend

log = logging.getLogger(__name__)

WeekValues = dict[dt.date, float]
"""Indicator values of one trend keyed by ISO-week Monday."""


class SourceError(Exception):
    """Base of every failure a source reports."""


class SourceNotConfigured(SourceError):
    """A source lacks a setting (an API key); ``setting`` is the environment variable to set."""

    def __init__(self, source: str, setting: str, why: str = "is not set") -> None:
        super().__init__(f"source {source!r} is not configured: {setting} {why}")
        self.source = source
        self.setting = setting


class SourceUnavailable(SourceError):
    """The API could not be reached or kept failing after every retry."""


class SourceResponseError(SourceError):
    """The API answered, but with an error code or a payload we cannot read."""


class SourceAuthError(SourceResponseError):
    """The API refused the credentials or the permission (HTTP 401/403 or an error envelope
    saying so). Every further request would be refused the same way, so the source stops."""


class QuotaExhausted(SourceError):
    """The client-side daily quota of the source is used up for today."""


@dataclass(frozen=True)
class Problem:
    """Why a trend (or, with ``trend=None``, the whole source) got no values."""

    trend: str | None
    message: str


@dataclass
class SourceResult:
    """What one source run produced: values in the indicator's unit plus the problems met."""

    source: str
    indicator: str
    values: dict[tuple[str, dt.date], float] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    documents: dict[str, list[dict[str, object]]] = field(default_factory=dict)
    """Per trend slug, the documents behind its values where the source names them (the laws
    behind ``policy_change_frequency``: target, serial, title, kind, promulgated, effective,
    link); stored for the trend page."""

    def add_trend(self, slug: str, weeks: Mapping[dt.date, float]) -> None:
        """Record one trend's weekly values."""
        for week, value in weeks.items():
            self.values[(slug, week)] = value


class Source(ABC):
    """A connector from one public API to one indicator.

    ``name`` is also what the stored rows carry in their ``source`` column. ``fetch`` returns
    values only for the requested ``weeks`` (ISO-week Mondays); sources that need earlier weeks
    (the 4-over-4 growth rates need 7 weeks before the first one) fetch them themselves.
    """

    name: str
    indicator: str

    @classmethod
    @abstractmethod
    def from_settings(cls, settings: Settings, clients: ServiceClients | None = None) -> Source:
        """The source as configured; raise :class:`SourceNotConfigured` naming a missing key.

        ``clients`` reach sibling services (only the funding proxy needs them).
        """

    @abstractmethod
    async def fetch(self, trends: Sequence[Trend], weeks: Sequence[dt.date]) -> SourceResult:
        """Indicator values per (trend slug, week) and the per-trend problems."""

    async def aclose(self) -> None:  # noqa: B027 - optional hook, most sources own a client
        """Release network resources."""


class PerTrendSource(Source):
    """A source that asks its API once per trend (patents, laws, courses)."""

    async def fetch(self, trends: Sequence[Trend], weeks: Sequence[dt.date]) -> SourceResult:
        """Values per trend and week; one trend's failure becomes a problem, not an error."""
        wanted = check_weeks(weeks)
        result = SourceResult(self.name, self.indicator)

        async def one(trend: Trend) -> WeekValues:
            return await self.fetch_trend(trend, wanted)

        await fetch_each(result, trends, one)
        return result

    @abstractmethod
    async def fetch_trend(self, trend: Trend, weeks: Sequence[dt.date]) -> WeekValues:
        """One trend's values for the (checked, sorted) ``weeks``."""


# --- weeks ---------------------------------------------------------------------------------------


def iso_monday(day: dt.date) -> dt.date:
    """The Monday that starts ``day``'s ISO week."""
    return day - dt.timedelta(days=day.weekday())


def check_weeks(weeks: Sequence[dt.date]) -> list[dt.date]:
    """The weeks sorted and de-duplicated; raise ValueError unless every one is a Monday."""
    bad = [w for w in weeks if w.weekday() != 0]
    if bad:
        raise ValueError(f"weeks must be ISO-week Mondays, got {bad[0].isoformat()}")
    if not weeks:
        raise ValueError("no weeks requested")
    return sorted(set(weeks))


def recent_weeks(count: int, today: dt.date) -> list[dt.date]:
    """The Mondays of the last ``count`` complete weeks before ``today``'s week, oldest first."""
    last = iso_monday(today) - dt.timedelta(weeks=1)
    return [last - dt.timedelta(weeks=i) for i in range(count - 1, -1, -1)]


def week_span(weeks: Sequence[dt.date], history: int = 0) -> tuple[dt.date, dt.date]:
    """(first day, last day) covering ``weeks`` plus ``history`` earlier weeks, Monday..Sunday."""
    first = min(weeks) - dt.timedelta(weeks=history)
    return first, max(weeks) + dt.timedelta(days=6)


def all_weeks(first: dt.date, last: dt.date) -> list[dt.date]:
    """Every Monday from ``first``'s week to ``last``'s week."""
    start, end = iso_monday(first), iso_monday(last)
    return [start + dt.timedelta(weeks=i) for i in range((end - start).days // 7 + 1)]


GROWTH_HISTORY_WEEKS = 7
"""A 4-over-4 growth rate at week w needs the volumes of weeks w-7 .. w."""


def four_over_four(volumes: Mapping[dt.date, float], weeks: Iterable[dt.date]) -> WeekValues:
    """Percent growth of the latest 4-week total over the 4 weeks before, for each week.

    Weeks whose 8 volumes are not all known, or whose earlier 4-week total is zero (growth from
    nothing is undefined), get no value.
    """
    out: WeekValues = {}
    for week in weeks:
        span = [week - dt.timedelta(weeks=i) for i in range(8)]
        if any(w not in volumes for w in span):
            continue
        latest = sum(volumes[w] for w in span[:4])
        earlier = sum(volumes[w] for w in span[4:])
        if earlier > 0:
            out[week] = 100.0 * (latest / earlier - 1.0)
    return out


def weekly_counts(days: Iterable[dt.date], weeks: Iterable[dt.date]) -> WeekValues:
    """How many of ``days`` fall in each of ``weeks`` (zero where none); others are ignored."""
    out: WeekValues = dict.fromkeys(weeks, 0.0)
    for day in days:
        week = iso_monday(day)
        if week in out:
            out[week] += 1.0
    return out


def parse_day(raw: str | None) -> dt.date | None:
    """A date from ``YYYYMMDD``, ``YYYY-MM-DD`` or ``YYYY.MM.DD`` (the Korean APIs mix them)."""
    if not raw:
        return None
    digits = "".join(ch for ch in raw.strip()[:10] if ch.isdigit())
    if len(digits) != 8:
        return None
    try:
        return dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        return None


# --- running per trend ---------------------------------------------------------------------------

TrendFetch = Callable[[Trend], Awaitable[WeekValues]]


async def fetch_each(
    result: SourceResult, trends: Sequence[Trend], fetch_one: TrendFetch, max_failures: int = 3
) -> None:
    """Run ``fetch_one`` for each trend, turning each SourceError into a Problem.

    After ``max_failures`` consecutive trends fail because the API is unreachable, the rest are
    skipped with one problem each instead of waiting through every retry again. Rejected
    credentials or an exhausted quota stop the source at once: no other trend can succeed until
    they change.
    """
    streak = 0
    for i, trend in enumerate(trends):
        try:
            values = await fetch_one(trend)
        except (SourceAuthError, QuotaExhausted) as exc:
            result.problems.append(Problem(trend.slug, str(exc)))
            _skip_rest(result, trends[i + 1 :], 1, str(exc))
            return
        except SourceUnavailable as exc:
            result.problems.append(Problem(trend.slug, str(exc)))
            streak += 1
            if streak >= max_failures:
                why = f"the source failed {streak} times in a row ({exc})"
                _skip_rest(result, trends[i + 1 :], streak, why)
                return
            continue
        except SourceError as exc:
            result.problems.append(Problem(trend.slug, str(exc)))
            streak = 0
            continue
        streak = 0
        result.add_trend(trend.slug, values)


def _skip_rest(result: SourceResult, rest: Sequence[Trend], streak: int, why: str) -> None:
    if not rest:
        return
    log.warning(
        "source failing, skipping remaining trends",
        extra={"source": result.source, "failures": streak, "skipped": len(rest)},
    )
    result.problems += [Problem(t.slug, f"skipped: {why}") for t in rest]
