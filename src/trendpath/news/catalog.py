"""The trend catalog, read from the Trend Analysis Service over HTTP (never imported).

``GET /api/trends/v1/trends?limit=100&offset=k`` lists the slugs; ``GET /v1/trends/{slug}``
gives each trend's keywords and description, which the tagger needs. Both calls carry a service
token with ``trends:read``. The list is cached per runtime for ``news_catalog_ttl_s``; when the
trend service cannot be reached the caller gets :class:`CatalogUnavailable` and stores articles
untagged, to be tagged later (see ``worker.analyse_pending``).
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Any

from trendpath.kit.auth import service_tokens
from trendpath.kit.errors import ApiError
from trendpath.kit.runtime import Runtime

log = logging.getLogger(__name__)

PAGE = 100
PARALLEL = 8
_CACHE_KEY = "news.catalog"


class CatalogUnavailable(Exception):
    """The trend service did not answer with a usable catalog."""


@dataclass(frozen=True)
class CatalogTrend:
    """The catalog fields tagging reads (satisfies ``news.tagging.TrendLike``)."""

    slug: str
    name_ko: str
    keywords_ko: tuple[str, ...]
    keywords_en: tuple[str, ...]
    description_ko: str


async def _get(runtime: Runtime, path: str, **params: Any) -> Any:
    try:
        headers = await service_tokens(runtime, "news").headers(["trends:read"])
        resp = await runtime.clients.request(
            "trends", "GET", path, params=params or None, headers=headers
        )
    except ApiError as exc:
        raise CatalogUnavailable(exc.message) from exc
    if resp.status_code != 200:
        raise CatalogUnavailable(f"GET {path}: HTTP {resp.status_code}")
    try:
        return resp.json()
    except ValueError as exc:
        raise CatalogUnavailable(f"GET {path}: not JSON") from exc


async def _slugs(runtime: Runtime) -> list[str]:
    slugs: list[str] = []
    offset = 0
    while True:
        page = await _get(runtime, "/v1/trends", limit=PAGE, offset=offset)
        items = page.get("items") if isinstance(page, dict) else None
        if not isinstance(items, list):
            raise CatalogUnavailable("trend list without items")
        slugs += [str(i["slug"]) for i in items if isinstance(i, dict) and "slug" in i]
        offset += PAGE
        if len(items) < PAGE or offset >= int(page.get("total", 0)):
            return list(dict.fromkeys(slugs))


def _trend(detail: Any) -> CatalogTrend:
    if not isinstance(detail, dict) or not isinstance(detail.get("slug"), str):
        raise CatalogUnavailable("trend detail without a slug")
    return CatalogTrend(
        slug=detail["slug"],
        name_ko=str(detail.get("name_ko") or ""),
        keywords_ko=tuple(str(k) for k in detail.get("keywords_ko") or ()),
        keywords_en=tuple(str(k) for k in detail.get("keywords_en") or ()),
        description_ko=str(detail.get("description_ko") or ""),
    )


async def fetch_catalog(runtime: Runtime) -> list[CatalogTrend]:
    """Every trend of the catalog with its keywords; raises CatalogUnavailable."""
    gate = asyncio.Semaphore(PARALLEL)

    async def detail(slug: str) -> CatalogTrend:
        async with gate:
            return _trend(await _get(runtime, f"/v1/trends/{slug}"))

    return list(await asyncio.gather(*(detail(s) for s in await _slugs(runtime))))


async def cached_catalog(runtime: Runtime, ttl_s: float) -> list[CatalogTrend]:
    """The catalog, refetched when older than ``ttl_s``; a stale copy beats none on failure."""
    cached = runtime.extras.get(_CACHE_KEY)
    now = time.monotonic()
    if isinstance(cached, tuple) and now - cached[0] < ttl_s:
        trends: list[CatalogTrend] = cached[1]
        return trends
    try:
        trends = await fetch_catalog(runtime)
    except CatalogUnavailable:
        if isinstance(cached, tuple):
            log.warning("trend catalog refresh failed; using the cached copy")
            stale: list[CatalogTrend] = cached[1]
            return stale
        raise
    runtime.extras[_CACHE_KEY] = (now, trends)
    return trends
