"""Naver DataLab search trend (통합 검색어 트렌드) → ``search_volume_growth``.

API: ``POST https://openapi.naver.com/v1/datalab/search`` with headers ``X-Naver-Client-Id`` /
``X-Naver-Client-Secret`` and a JSON body ``{startDate, endDate, timeUnit: "week",
keywordGroups: [{groupName, keywords: [...]}, ...]}`` (at most 5 groups, 20 keywords each). The
answer ``{startDate, endDate, timeUnit, results: [{title, keywords, data: [{period, ratio}]}]}``
gives, per group and week, a *ratio*: the search count relative to the largest weekly count of
any group in the same request, which is set to 100.

Because every request has its own 100, ratios of two requests cannot be compared. Every request
therefore carries the same fixed anchor group (``trend_naver_anchor_keyword``) beside four trend
groups, over the same weeks; dividing each trend's ratios by the anchor's mean ratio in that
request puts all batches on one scale (100 = the anchor's average weekly volume). The growth rate
itself is scale-free, but the anchored levels are what make batches comparable, and they are
kept in :attr:`NaverDataLabSource.levels` for inspection.

Each trend's group holds its catalog ``search_keyword``. Weeks missing from a group's data are
weeks without measurable searches and count as 0 (recorded answers leave such periods out rather
than sending a 0).

Errors come as ``{"errorMessage": ..., "errorCode": ...}`` with a 4xx/5xx status (Naver's common
error format): 401 ``024`` for a bad or unknown client id/secret, 429 when the daily allowance
(1,000 calls) or the per-second rate is exceeded. A 429 whose message says the daily query limit
is used up is not retried (it lasts until midnight); a 401/403 stops the whole source.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ValidationError

from trendpath.kit.http import ServiceClients
from trendpath.kit.settings import Settings
from trendpath.trends.catalog import Trend
from trendpath.trends.sources.base import (
    GROWTH_HISTORY_WEEKS,
    Problem,
    QuotaExhausted,
    Source,
    SourceAuthError,
    SourceError,
    SourceNotConfigured,
    SourceResponseError,
    SourceResult,
    SourceUnavailable,
    all_weeks,
    check_weeks,
    four_over_four,
    iso_monday,
    parse_day,
    week_span,
)
from trendpath.trends.sources.http import RawResponse, SourceClient

MAX_GROUPS = 5
TRENDS_PER_REQUEST = MAX_GROUPS - 1  # one group is always the anchor
ANCHOR_GROUP = "anchor"


class _Point(BaseModel):
    period: str
    ratio: float


class _Group(BaseModel):
    title: str
    keywords: list[str] = []
    data: list[_Point]


class DataLabResponse(BaseModel):
    """The documented success body of ``/v1/datalab/search``."""

    # Field names are the API's own (camelCase).
    startDate: str
    endDate: str
    timeUnit: str
    results: list[_Group]


def request_body(
    anchor: str, trends: Sequence[Trend], start: dt.date, end: dt.date
) -> dict[str, Any]:
    """The JSON body for one batch: the anchor group first, then one group per trend."""
    groups = [{"groupName": ANCHOR_GROUP, "keywords": [anchor]}]
    groups += [{"groupName": t.slug, "keywords": [t.search_keyword]} for t in trends]
    return {
        "startDate": start.isoformat(),
        "endDate": end.isoformat(),
        "timeUnit": "week",
        "keywordGroups": groups,
    }


def naver_error(body: bytes) -> tuple[str, str] | None:
    """(errorCode, errorMessage) of Naver's error envelope, or None when the body is not one."""
    try:
        doc = json.loads(body)
    except ValueError:
        return None
    if not isinstance(doc, dict) or "errorCode" not in doc:
        return None
    return str(doc.get("errorCode")), str(doc.get("errorMessage") or "").strip()


def explain(response: RawResponse) -> str | None:
    """The reason Naver gives for an error answer."""
    error = naver_error(response.body)
    return f"errorCode {error[0]}: {error[1]}" if error else None


def _daily_limit(message: str) -> bool:
    # "Query limit exceeded" is the daily allowance; "Rate limit exceeded" the per-second one.
    return "query limit" in message.casefold()


def check(response: RawResponse) -> None:
    """Stop at once on an exhausted daily allowance instead of retrying until midnight."""
    if response.status != 429:
        return
    error = naver_error(response.body)
    if error is not None and _daily_limit(error[1]):
        raise QuotaExhausted(f"naver-datalab: daily query limit exceeded (errorCode {error[0]})")


def parse_response(body: bytes) -> dict[str, dict[dt.date, float]]:
    """group title → {ISO-week Monday: ratio}; SourceResponseError for anything unreadable."""
    error = naver_error(body)
    if error is not None:
        raise SourceResponseError(f"naver-datalab: errorCode {error[0]}: {error[1]}")
    try:
        parsed = DataLabResponse.model_validate(json.loads(body))
    except (ValueError, ValidationError) as exc:
        first = str(exc).splitlines()[0]
        raise SourceResponseError(f"naver-datalab: unreadable response ({first})") from None
    out: dict[str, dict[dt.date, float]] = {}
    for group in parsed.results:
        series: dict[dt.date, float] = {}
        for point in group.data:
            day = parse_day(point.period)
            if day is None or point.ratio < 0:
                raise SourceResponseError(
                    f"naver-datalab: bad data point {point.model_dump()} in group {group.title!r}"
                )
            week = iso_monday(day)
            series[week] = series.get(week, 0.0) + point.ratio
        out[group.title] = series
    return out


def anchored_levels(
    ratios: dict[str, dict[dt.date, float]], weeks: Sequence[dt.date]
) -> tuple[dict[str, dict[dt.date, float]], float]:
    """Each non-anchor group's ratios over ``weeks`` divided by the anchor's mean ratio × 100.

    Returns (levels by group, the anchor's mean ratio). Missing weeks count as 0.
    """
    anchor = ratios.get(ANCHOR_GROUP)
    if anchor is None:
        raise SourceResponseError("naver-datalab: the anchor group is missing from the response")
    anchor_mean = sum(anchor.get(w, 0.0) for w in weeks) / len(weeks)
    if anchor_mean <= 0:
        raise SourceResponseError(
            "naver-datalab: the anchor keyword has no search volume in these weeks; "
            "choose another TRENDPATH_TREND_NAVER_ANCHOR_KEYWORD"
        )
    levels = {
        title: {w: 100.0 * series.get(w, 0.0) / anchor_mean for w in weeks}
        for title, series in ratios.items()
        if title != ANCHOR_GROUP
    }
    return levels, anchor_mean


class NaverDataLabSource(Source):
    """Search volume growth from Naver DataLab, batched four trends (+ anchor) per request."""

    name = "naver-datalab"
    indicator = "search_volume_growth"

    def __init__(self, client: SourceClient, url: str, anchor: str) -> None:
        self.client = client
        self.url = url
        self.anchor = anchor
        self.levels: dict[str, dict[dt.date, float]] = {}
        """Anchored weekly search levels of the last fetch, by trend slug."""

    @classmethod
    def from_settings(
        cls, settings: Settings, clients: ServiceClients | None = None
    ) -> NaverDataLabSource:
        """Build from settings; SourceNotConfigured when the client id or secret is missing."""
        if not settings.trend_naver_client_id:
            raise SourceNotConfigured(cls.name, "TRENDPATH_TREND_NAVER_CLIENT_ID")
        if not settings.trend_naver_client_secret:
            raise SourceNotConfigured(cls.name, "TRENDPATH_TREND_NAVER_CLIENT_SECRET")
        headers = {
            "X-Naver-Client-Id": settings.trend_naver_client_id,
            "X-Naver-Client-Secret": settings.trend_naver_client_secret,
        }
        client = SourceClient.from_settings(
            cls.name,
            settings,
            per_second=settings.trend_naver_rps,
            daily_quota=settings.trend_naver_daily_quota,
            headers=headers,
            check=check,
            explain=explain,
            auth_hint="TRENDPATH_TREND_NAVER_CLIENT_ID / _SECRET and that the application has "
            "the 데이터랩(검색어트렌드) API",
        )
        return cls(client, settings.trend_naver_url, settings.trend_naver_anchor_keyword)

    async def fetch(self, trends: Sequence[Trend], weeks: Sequence[dt.date]) -> SourceResult:
        """search_volume_growth per trend and week."""
        wanted = check_weeks(weeks)
        start, end = week_span(wanted, GROWTH_HISTORY_WEEKS)
        span = all_weeks(start, end)
        result = SourceResult(self.name, self.indicator)
        self.levels = {}
        failures = 0
        stop = ""
        for i in range(0, len(trends), TRENDS_PER_REQUEST):
            batch = trends[i : i + TRENDS_PER_REQUEST]
            if failures >= 3:
                stop = "skipped: 3 batches in a row failed"
            if stop:
                result.problems += [Problem(t.slug, stop) for t in batch]
                continue
            try:
                body = await self.client.post_json(
                    self.url, request_body(self.anchor, batch, start, end)
                )
                levels, _ = anchored_levels(parse_response(body), span)
            except (SourceAuthError, QuotaExhausted) as exc:
                # Neither changes from one batch to the next: the rest would fail the same way.
                result.problems += [Problem(t.slug, str(exc)) for t in batch]
                stop = f"skipped: {exc}"
                continue
            except SourceUnavailable as exc:
                failures += 1
                result.problems += [Problem(t.slug, str(exc)) for t in batch]
                continue
            except SourceError as exc:
                failures = 0
                result.problems += [Problem(t.slug, str(exc)) for t in batch]
                continue
            failures = 0
            self._add_batch(result, batch, levels, wanted)
        return result

    def _add_batch(
        self,
        result: SourceResult,
        batch: Sequence[Trend],
        levels: dict[str, dict[dt.date, float]],
        wanted: Sequence[dt.date],
    ) -> None:
        for trend in batch:
            series = levels.get(trend.slug)
            if series is None:
                result.problems.append(Problem(trend.slug, "naver-datalab: group missing"))
                continue
            if not any(series.values()):
                result.problems.append(
                    Problem(
                        trend.slug,
                        f"naver-datalab: no search volume for {trend.search_keyword!r}",
                    )
                )
                continue
            self.levels[trend.slug] = series
            result.add_trend(trend.slug, four_over_four(series, wanted))

    async def aclose(self) -> None:
        """Close the HTTP client."""
        await self.client.aclose()
