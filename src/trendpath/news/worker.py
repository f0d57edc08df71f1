"""The feed worker: claim due feeds, fetch, analyse, store - one transaction per feed.

A cycle (:meth:`Worker.run_once`):

1. **Claim** up to ``batch`` due feeds in one short transaction (``FOR UPDATE SKIP LOCKED``, a
   lease stamped on each; see :mod:`trendpath.news.store`). Several workers - threads, processes,
   hosts - never hold the same feed; a crashed worker's feeds come back when its lease expires.
2. **Fetch** them, ``concurrency`` at a time, politely per host (``news.fetcher.fetch_feed``).
3. **Analyse** the items the feed does not have yet: keywords, deal, embedding, trend tags
   (``news.analysis``), in a worker thread.
4. **Store**, per feed, in one transaction: the articles (``ON CONFLICT DO NOTHING`` on the
   per-feed hash), their tags and deals, and the feed's new state, which also releases the lease.
   If the lease was lost meanwhile (it expired and another worker claimed the feed) nothing is
   written: the other worker owns the result. A crash before the commit stores nothing; after it,
   everything - so nothing committed is lost and nothing is stored twice.
5. **Catch up** articles stored while the trend or AI service was down (no tags or no embedding).

:func:`news_job` runs this inside ``trendpath run`` / ``serve news`` when enabled, after seeding
the default feed list once (see ``news.config``).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import os
import secrets
import socket
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import Row

from trendpath.kit.metrics import QUEUE_DEPTH
from trendpath.kit.runtime import Runtime
from trendpath.news import store, store_articles
from trendpath.news.analysis import Analysed, Analyser
from trendpath.news.catalog import CatalogUnavailable, cached_catalog
from trendpath.news.config import WorkerConfig, seed_enabled, worker_enabled
from trendpath.news.dedup import Article
from trendpath.news.defaults import load_default_feeds
from trendpath.news.embedder import EmbeddingUnavailable, ServiceEncoder
from trendpath.news.fetcher import FetchOutcome, HostThrottle, fetch_feed
from trendpath.news.keywords import get_extractor
from trendpath.news.tagging import ArticleText

log = logging.getLogger(__name__)

CATCH_UP_LIMIT = 256
DEFAULT_FEEDS_SEED = "default_feeds:v1"


@dataclass(frozen=True)
class FeedReport:
    """What one feed's turn came to. ``stored`` is False when the lease was lost."""

    feed_id: int
    url: str
    outcome: str
    status: int | None = None
    new_articles: int = 0
    error: str | None = None
    stored: bool = True


@dataclass
class CycleReport:
    """One cycle: the feeds claimed and processed, and articles caught up."""

    feeds: list[FeedReport] = field(default_factory=list)
    caught_up: int = 0

    @property
    def new_articles(self) -> int:
        """Articles stored in this cycle."""
        return sum(f.new_articles for f in self.feeds)


def new_owner() -> str:
    """A lease owner id unique to this worker: host, process and a random suffix."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


class Worker:
    """One worker; run several (in one process or many) and they share the feeds safely."""

    def __init__(
        self, runtime: Runtime, config: WorkerConfig | None = None, owner: str | None = None
    ) -> None:
        self.runtime = runtime
        self.config = config or WorkerConfig.from_settings(runtime.settings)
        self.owner = owner or new_owner()
        self.throttle = HostThrottle(min_gap_s=self.config.host_gap_s)

    # --- one cycle ---

    async def run_once(self, now: dt.datetime | None = None) -> CycleReport:
        """Claim, fetch, analyse and store due feeds, then catch up pending articles."""
        claim_at = now or dt.datetime.now(dt.UTC)
        claims = await asyncio.to_thread(self._claim, claim_at)
        report = CycleReport()
        pending = await asyncio.to_thread(self._any_pending)
        if not claims and not pending:
            return report
        analyser = await self.analyser()
        gate = asyncio.Semaphore(self.config.concurrency)

        async def one(claim: store.Claim) -> FeedReport:
            async with gate:
                return await self.process(claim, analyser, now)

        report.feeds = list(await asyncio.gather(*(one(c) for c in claims)))
        if pending or any(f.new_articles for f in report.feeds):
            report.caught_up = await self.catch_up(analyser, claim_at)
        return report

    def _claim(self, now: dt.datetime) -> list[store.Claim]:
        with self.runtime.db.session_scope() as session:
            claims = store.claim_due(
                session, self.owner, now=now, lease_s=self.config.lease_s, limit=self.config.batch
            )
        with self.runtime.db.session_scope() as session:
            QUEUE_DEPTH.labels("news_feeds_due").set(store.count_due(session, now))
        return claims

    def _any_pending(self) -> bool:
        with self.runtime.db.session_scope() as session:
            return store_articles.any_pending(session)

    async def analyser(self) -> Analyser:
        """An analyser with what the siblings can give now (catalog, encoder), or less."""
        # Loading Kiwi holds the GIL for seconds: do it before any fetch is in flight, or their
        # read timeouts fire while the event loop cannot run.
        await asyncio.to_thread(get_extractor)
        try:
            trends = await cached_catalog(self.runtime, self.config.catalog_ttl_s)
        except CatalogUnavailable as exc:
            log.warning(
                "trend catalog unavailable; articles stay untagged", extra={"why": str(exc)}
            )
            trends = None
        encoder = ServiceEncoder.here(self.runtime)
        try:
            await encoder.aencode(["뉴스"])
        except EmbeddingUnavailable as exc:
            log.warning("embeddings unavailable; stored without", extra={"why": str(exc)})
            return Analyser(trends, None, self.config.usd_krw)
        return Analyser(trends, encoder, self.config.usd_krw)

    # --- one feed ---

    async def process(
        self, claim: store.Claim, analyser: Analyser, now: dt.datetime | None = None
    ) -> FeedReport:
        """Fetch, analyse and store one claimed feed; never raises for a feed's problems."""
        try:
            result = await fetch_feed(
                claim.state,
                now=now,
                limits=self.config.limits,
                policy=self.config.policy,
                throttle=self.throttle,
            )
            fresh = await asyncio.to_thread(self._unseen, claim.id, result)
            analysed = await asyncio.to_thread(analyser.analyse, fresh)
            new = await asyncio.to_thread(self._save, claim, result, analysed)
        except Exception as exc:  # our bug or the database: give the feed back, keep going
            log.exception("feed processing failed", extra={"feed_id": claim.id})
            await asyncio.to_thread(self._release, claim.id, repr(exc))
            return FeedReport(claim.id, claim.state.url, "error", error=repr(exc), stored=False)
        return FeedReport(
            claim.id,
            claim.state.url,
            result.outcome.value,
            status=result.status,
            new_articles=new or 0,
            error=result.error,
            stored=new is not None,
        )

    def _unseen(self, feed_id: int, result: FetchOutcome) -> list[Article]:
        if not result.articles:
            return []
        with self.runtime.db.session_scope() as session:
            known = store_articles.known_hashes(session, feed_id, [a.hash for a in result.articles])
        return [a for a in result.articles if a.hash not in known]

    def _save(
        self, claim: store.Claim, result: FetchOutcome, analysed: Sequence[Analysed]
    ) -> int | None:
        with self.runtime.db.session_scope() as session:
            feed = store.hold_lease(session, claim.id, self.owner)
            if feed is None:
                log.warning("lease lost; result dropped", extra={"feed_id": claim.id})
                return None
            new = store_articles.insert_articles(session, claim.id, result.fetched_at, analysed)
            if result.moved_to and result.moved_to != feed.url:
                store.move_feed(session, claim.id, result.moved_to)
            parsed = result.feed
            store.finish(
                session,
                feed,
                result.state,
                fetched_at=result.fetched_at,
                title=parsed.title if parsed else None,
                lang=parsed.language if parsed else None,
            )
            return new

    def _release(self, feed_id: int, error: str) -> None:
        retry_at = dt.datetime.now(dt.UTC) + self.config.policy.backoff_base
        try:
            with self.runtime.db.session_scope() as session:
                store.release(session, feed_id, self.owner, retry_at=retry_at, error=error)
        except Exception:  # the lease expires on its own
            log.warning("could not release lease", extra={"feed_id": feed_id})

    async def fetch_now(self, feed_id: int) -> FeedReport | None:
        """Admin "fetch now": claim this one feed whatever its schedule; None if it is leased."""

        def claim() -> store.Claim | None:
            with self.runtime.db.session_scope() as session:
                return store.claim_one(session, feed_id, self.owner, lease_s=self.config.lease_s)

        held = await asyncio.to_thread(claim)
        if held is None:
            return None
        return await self.process(held, await self.analyser())

    # --- catch-up ---

    async def catch_up(self, analyser: Analyser, now: dt.datetime) -> int:
        """Tag or embed up to CATCH_UP_LIMIT articles stored while a sibling was down."""
        tags, vectors = analyser.trends is not None, analyser.encoder is not None

        def read() -> list[Row[Any]]:
            with self.runtime.db.session_scope() as session:
                return store_articles.pending(
                    session, tags=tags, vectors=vectors, limit=CATCH_UP_LIMIT
                )

        rows = await asyncio.to_thread(read)
        if not rows:
            return 0
        items = [ArticleText(r.title, r.summary) for r in rows]
        stored = [None if r.embedding is None else np.asarray(r.embedding) for r in rows]
        computed, tagged = await asyncio.to_thread(analyser.retag, items, stored)

        def write() -> None:
            with self.runtime.db.session_scope() as session:
                for i, r in enumerate(rows):
                    vector = computed[i] if stored[i] is None else None
                    found = tagged[i] if tagged is not None and r.tagged_at is None else None
                    store_articles.complete(session, r.id, vector, found, now)

        await asyncio.to_thread(write)
        return len(rows)

    # --- forever ---

    async def run_forever(self, stop: asyncio.Event | None = None) -> None:
        """Cycle until ``stop`` is set (or the task is cancelled); idle ``poll_s`` between."""
        stop = stop or asyncio.Event()
        while not stop.is_set():
            try:
                report = await self.run_once()
                busy = len(report.feeds) >= self.config.batch
            except Exception:
                log.exception("news worker cycle failed")
                busy = False
            if not busy:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=self.config.poll_s)


def seed_default_feeds(runtime: Runtime) -> int | None:
    """Insert the shipped feed list unless it was seeded before; count inserted or None."""
    feeds = load_default_feeds(runtime.settings.data_dir)
    with runtime.db.session_scope() as session:
        return store.seed_once(
            session, DEFAULT_FEEDS_SEED, [(f.url, f.name) for f in feeds], "default-feeds"
        )


async def news_job(runtime: Runtime) -> None:
    """Background job of the news app: seed the default feeds once, then run the worker."""
    if seed_enabled(runtime.settings):
        added = await asyncio.to_thread(seed_default_feeds, runtime)
        if added:
            log.info("default feeds seeded", extra={"count": added})
    if worker_enabled(runtime.settings):
        await Worker(runtime).run_forever()
