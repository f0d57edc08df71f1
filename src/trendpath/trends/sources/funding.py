"""Funding proxy from the News service's deal signals → ``funding_volume_growth``.

No public API gives weekly investment per technology, so the News service counts the funding
deals (투자 유치, 시리즈 A, ...) that Korean news reports for each trend, and this source reads
them over HTTP through the service client (real HTTP between containers, in-process ASGI in the
embedded mode).

Contract (served by the News service, defined here): ``GET /v1/signals/deals?from=YYYY-MM-DD&
to=YYYY-MM-DD`` (ISO-week Mondays, inclusive) answers ``200`` with :class:`DealSignals`:
``{"items": [{"trend": slug, "week": "YYYY-MM-DD", "deals": n, "amount_krw": x}, ...]}``: one
item per trend and week that had at least one reported deal, ``amount_krw`` summing the stated
deal sizes in won (deals without a stated size add to ``deals`` only). Trend-weeks without an item
had no reported deal.

Calibration (optional): a CSV of official monthly totals (``month,total_krw`` with ``month`` as
``YYYY-MM``, e.g. from 중소벤처기업부 벤처투자 동향) rescales the weekly amounts so that, for
each month, the amounts of all trends sum to the official total. A week belongs to the month
of its Thursday (the ISO rule). Months without an official total yet (the latest ones) reuse the
nearest calibrated month's factor so a growth window never mixes scaled and raw weeks.

The indicator is the 4-over-4 growth of the weekly amount.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from collections.abc import Awaitable, Callable, Mapping, Sequence
from pathlib import Path

import httpx
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from trendpath.kit.errors import ApiError
from trendpath.kit.http import ServiceClients
from trendpath.kit.settings import Settings
from trendpath.trends.catalog import TREND_SLUG_PATTERN, Trend
from trendpath.trends.sources.base import (
    GROWTH_HISTORY_WEEKS,
    Problem,
    SourceAuthError,
    SourceError,
    SourceNotConfigured,
    SourceResponseError,
    SourceResult,
    all_weeks,
    check_weeks,
    four_over_four,
    week_span,
)
from trendpath.trends.sources.base import Source as _Source
from trendpath.trends.sources.http import RawResponse, RetryPolicy, Transient, send_with_retries

DEALS_PATH = "/v1/signals/deals"
Month = tuple[int, int]


class DealSignal(BaseModel):
    """Deals reported in the news for one trend in one ISO week."""

    model_config = ConfigDict(extra="ignore")

    trend: str = Field(pattern=TREND_SLUG_PATTERN, description="Trend slug")
    week: dt.date = Field(description="ISO-week Monday")
    deals: int = Field(ge=0, description="Number of reported deals")
    amount_krw: float = Field(ge=0, description="Sum of the stated deal sizes, in won")

    @field_validator("week")
    @classmethod
    def _monday(cls, v: dt.date) -> dt.date:
        if v.weekday() != 0:
            raise ValueError("week must be a Monday")
        return v

    @field_validator("amount_krw")
    @classmethod
    def _finite(cls, v: float) -> float:
        if not math.isfinite(v):
            raise ValueError("amount_krw must be finite")
        return v


class DealSignals(BaseModel):
    """Body of ``GET /v1/signals/deals``."""

    items: list[DealSignal]


def month_of(week: dt.date) -> Month:
    """The month an ISO week belongs to: the month of its Thursday."""
    thursday = week + dt.timedelta(days=3)
    return thursday.year, thursday.month


def load_calibration(path: Path) -> dict[Month, float]:
    """Official monthly totals from ``month,total_krw`` CSV; ValueError naming the bad row."""
    totals: dict[Month, float] = {}
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        if reader.fieldnames is None or not {"month", "total_krw"} <= set(reader.fieldnames):
            raise ValueError(f"{path}: needs the columns month,total_krw")
        for line, row in enumerate(reader, start=2):
            try:
                year, month = (int(p) for p in row["month"].strip().split("-"))
                total = float(row["total_krw"])
                dt.date(year, month, 1)
            except (ValueError, AttributeError):
                raise ValueError(f"{path}:{line}: bad row {row}") from None
            if not math.isfinite(total) or total < 0:
                raise ValueError(f"{path}:{line}: total_krw must be a finite number >= 0")
            totals[(year, month)] = total
    return totals


def monthly_factors(
    amounts: Mapping[tuple[str, dt.date], float],
    weeks: Sequence[dt.date],
    totals: Mapping[Month, float],
) -> tuple[dict[Month, float], list[Month]]:
    """Scale factor per month of ``weeks`` and the months that borrowed a neighbour's factor."""
    proxy: dict[Month, float] = {}
    for (_, week), amount in amounts.items():
        proxy[month_of(week)] = proxy.get(month_of(week), 0.0) + amount
    months = sorted({month_of(w) for w in weeks})
    own = {m: totals[m] / proxy[m] for m in months if m in totals and proxy.get(m, 0.0) > 0}
    if not own:
        return {}, months
    factors: dict[Month, float] = {}
    borrowed: list[Month] = []
    for m in months:
        if m in own:
            factors[m] = own[m]
            continue
        earlier = [k for k in own if k < m]
        factors[m] = own[max(earlier)] if earlier else own[min(own)]
        borrowed.append(m)
    return factors, borrowed


class NewsFundingSource(_Source):
    """Funding volume growth from news-reported deals, optionally calibrated to official totals."""

    name = "news-deals"
    indicator = "funding_volume_growth"

    def __init__(
        self,
        clients: ServiceClients,
        policy: RetryPolicy,
        calibration: Mapping[Month, float] | None = None,
    ) -> None:
        self.clients = clients
        self.policy = policy
        self.calibration = dict(calibration) if calibration else None
        # Every News service route needs a token; the collect job sets this to its service
        # credentials (scope news:read).
        self.auth_headers: Callable[[], Awaitable[dict[str, str]]] | None = None

    @classmethod
    def from_settings(
        cls, settings: Settings, clients: ServiceClients | None = None
    ) -> NewsFundingSource:
        """Build; SourceNotConfigured when disabled, the News service is unreachable by
        configuration, or the calibration file is unreadable."""
        if not settings.trend_funding_enabled:
            raise SourceNotConfigured(cls.name, "TRENDPATH_TREND_FUNDING_ENABLED", "is false")
        if clients is None or (
            clients.settings.service_url("news") is None and "news" not in clients.apps
        ):
            raise SourceNotConfigured(cls.name, "TRENDPATH_NEWS_URL")
        calibration = None
        path = settings.trend_funding_calibration_csv
        if path is not None:
            try:
                calibration = load_calibration(path)
            except (OSError, ValueError) as exc:
                raise SourceNotConfigured(
                    cls.name, "TRENDPATH_TREND_FUNDING_CALIBRATION_CSV", f"is unusable: {exc}"
                ) from None
        return cls(clients, RetryPolicy.from_settings(settings), calibration)

    async def fetch(self, trends: Sequence[Trend], weeks: Sequence[dt.date]) -> SourceResult:
        """funding_volume_growth per trend and week (one request for all trends)."""
        wanted = check_weeks(weeks)
        first, _ = week_span(wanted, GROWTH_HISTORY_WEEKS)
        span = all_weeks(first, max(wanted))
        result = SourceResult(self.name, self.indicator)
        try:
            signals = await self._signals(span[0], span[-1])
        except SourceError as exc:
            result.problems += [Problem(t.slug, str(exc)) for t in trends]
            return result
        amounts = {(s.trend, s.week): s.amount_krw for s in signals.items if s.week in span}
        amounts = self._calibrate(amounts, span, result)
        for trend in trends:
            volumes = {w: amounts.get((trend.slug, w), 0.0) for w in span}
            result.add_trend(trend.slug, four_over_four(volumes, wanted))
        return result

    def _calibrate(
        self,
        amounts: dict[tuple[str, dt.date], float],
        span: Sequence[dt.date],
        result: SourceResult,
    ) -> dict[tuple[str, dt.date], float]:
        if self.calibration is None:
            return amounts
        factors, borrowed = monthly_factors(amounts, span, self.calibration)
        if not factors:
            result.problems.append(
                Problem(None, "news-deals: no calibrated month in range; amounts left unscaled")
            )
            return amounts
        if borrowed:
            names = ", ".join(f"{y}-{m:02d}" for y, m in borrowed)
            result.problems.append(
                Problem(None, f"news-deals: no official total for {names}; nearest factor used")
            )
        return {key: v * factors[month_of(key[1])] for key, v in amounts.items()}

    def _token_hint(self) -> str:
        if self.auth_headers is None:
            return (
                " (no service token was sent: the auth service is neither configured nor "
                "mounted; set TRENDPATH_AUTH_URL)"
            )
        return " (the service token was refused; check the trends service credentials)"

    async def _signals(self, first: dt.date, last: dt.date) -> DealSignals:
        params = {"from": first.isoformat(), "to": last.isoformat()}

        headers = await self.auth_headers() if self.auth_headers is not None else {}

        async def send() -> RawResponse:
            try:
                response: httpx.Response = await self.clients.request(
                    "news", "GET", DEALS_PATH, params=params, headers=headers
                )
            except ApiError as exc:
                if exc.status == 503:
                    raise Transient(str(exc)) from None
                if exc.status in (401, 403):
                    raise SourceAuthError(f"news-deals: {exc}{self._token_hint()}") from None
                raise SourceResponseError(f"news-deals: {exc}") from None
            return RawResponse(response.status_code, response.headers, response.content)

        what = f"news-deals GET {DEALS_PATH}"
        response = await send_with_retries(send, what=what, policy=self.policy)
        if response.status in (401, 403):
            raise SourceAuthError(
                f"{what}: HTTP {response.status}: {response.snippet()}{self._token_hint()}"
            )
        if response.status != 200:
            raise SourceResponseError(f"{what}: HTTP {response.status}: {response.snippet()}")
        try:
            return DealSignals.model_validate_json(response.body)
        except ValidationError as exc:
            first_error = exc.errors()[0]
            loc = ".".join(str(p) for p in first_error["loc"])
            raise SourceResponseError(
                f"{what}: response breaks the contract at {loc}: {first_error['msg']}"
            ) from None
