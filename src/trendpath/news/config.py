"""The News Service's knobs, read from :class:`~trendpath.kit.settings.Settings` once.

Two flags default to "on, except in tests" (``env=test``): the worker inside ``run``/``serve`` and
the one-time seeding of the default feed list, so a test suite never reaches the public internet
unless a test turns them on explicitly.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from trendpath.kit.fetch import FetchLimits
from trendpath.kit.settings import Settings
from trendpath.news.fetcher import FEED_ACCEPT
from trendpath.news.policy import SchedulePolicy


def allow_hosts(settings: Settings) -> frozenset[str]:
    """The SSRF allow-list: ``TRENDPATH_NEWS_ALLOW_HOSTS`` split on commas."""
    return frozenset(h.strip() for h in settings.news_allow_hosts.split(",") if h.strip())


def fetch_limits(settings: Settings) -> FetchLimits:
    """Bounds of one feed fetch."""
    return FetchLimits(
        connect_timeout_s=settings.news_fetch_connect_timeout_s,
        read_timeout_s=settings.news_fetch_read_timeout_s,
        total_timeout_s=settings.news_fetch_total_timeout_s,
        max_bytes=settings.news_fetch_max_bytes,
        max_redirects=settings.news_fetch_max_redirects,
        allow_hosts=allow_hosts(settings),
        accept=FEED_ACCEPT,
    )


def schedule_policy(settings: Settings) -> SchedulePolicy:
    """When to check feeds again, back off and park."""
    seconds = dt.timedelta(seconds=1)
    return SchedulePolicy(
        default_interval=settings.news_interval_default_s * seconds,
        min_interval=settings.news_interval_min_s * seconds,
        max_interval=settings.news_interval_max_s * seconds,
        jitter=settings.news_jitter,
        backoff_base=settings.news_backoff_base_s * seconds,
        backoff_max=settings.news_backoff_max_s * seconds,
        park_after_errors=settings.news_park_after_errors,
        park_after_parse_errors=settings.news_park_after_parse_errors,
    )


def worker_enabled(settings: Settings) -> bool:
    """Whether ``run``/``serve`` start the feed worker (unset: yes, except with env=test)."""
    if settings.news_worker_enabled is not None:
        return settings.news_worker_enabled
    return settings.env != "test"


def seed_enabled(settings: Settings) -> bool:
    """Whether the default feed list is inserted (once); unset: yes, except with env=test."""
    if settings.news_seed_default_feeds is not None:
        return settings.news_seed_default_feeds
    return settings.env != "test"


@dataclass(frozen=True)
class WorkerConfig:
    """Everything one worker needs besides the runtime."""

    batch: int
    concurrency: int
    poll_s: float
    lease_s: int
    host_gap_s: float
    usd_krw: float
    catalog_ttl_s: float
    limits: FetchLimits
    policy: SchedulePolicy

    @classmethod
    def from_settings(cls, settings: Settings) -> WorkerConfig:
        """The worker configuration of ``settings``."""
        return cls(
            batch=settings.news_worker_batch,
            concurrency=settings.news_worker_concurrency,
            poll_s=settings.news_worker_poll_s,
            lease_s=settings.news_worker_lease_s,
            host_gap_s=settings.news_host_min_gap_s,
            usd_krw=settings.news_usd_krw,
            catalog_ttl_s=float(settings.news_catalog_ttl_s),
            limits=fetch_limits(settings),
            policy=schedule_policy(settings),
        )
