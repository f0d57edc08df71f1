"""Client-side rate limiting per source: a minimum spacing between requests and a daily quota.

The public APIs we call publish limits (Naver DataLab: 1,000 calls a day; data.go.kr services: a
daily or monthly traffic allowance per key) and answer bursts with 429s. Spacing requests on our
side keeps a weekly collection inside those limits instead of leaning on the server's refusals.
Every attempt counts, retries included, because that is what the providers count.

Quotas are kept in memory: a restarted process starts counting again. The providers' days roll
over at midnight Korean time, so ours do too.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Callable

from trendpath.trends.sources.base import QuotaExhausted

KST = dt.timezone(dt.timedelta(hours=9), "KST")


def korean_today() -> dt.date:
    """Today's date in Korea, where the providers' daily quotas reset."""
    return dt.datetime.now(KST).date()


class RateLimiter:
    """At most ``per_second`` requests a second and ``daily_quota`` a (Korean) day.

    ``acquire`` waits for the next free slot; it raises :class:`QuotaExhausted` once the day's
    quota is spent. Safe to share between concurrent tasks of one event loop.
    """

    def __init__(
        self,
        source: str,
        per_second: float,
        daily_quota: int | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        today: Callable[[], dt.date] = korean_today,
    ) -> None:
        if per_second <= 0:
            raise ValueError("per_second must be > 0")
        if daily_quota is not None and daily_quota < 1:
            raise ValueError("daily_quota must be >= 1")
        self.source = source
        self.interval = 1.0 / per_second
        self.daily_quota = daily_quota
        self._clock = clock
        self._today = today
        self._next_slot = float("-inf")
        self._day: dt.date | None = None
        self._used = 0
        self._lock = asyncio.Lock()

    @property
    def used_today(self) -> int:
        """Requests counted against today's quota."""
        return self._used if self._day == self._today() else 0

    async def acquire(self) -> None:
        """Wait until a request may be sent, and count it."""
        async with self._lock:
            day = self._today()
            if day != self._day:
                self._day, self._used = day, 0
            if self.daily_quota is not None and self._used >= self.daily_quota:
                raise QuotaExhausted(
                    f"source {self.source!r}: daily quota of {self.daily_quota} requests is used "
                    "up; it resets at midnight KST"
                )
            wait = self._next_slot - self._clock()
            if wait > 0:
                await asyncio.sleep(wait)
            self._next_slot = self._clock() + self.interval
            self._used += 1
