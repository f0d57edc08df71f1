"""Trend vectors: the AI service embeds each trend into the persona space; we store and search.

The trend service never builds vectors itself: it sends the catalog fields to the AI service
(``POST /v1/embed/trends``), which owns the construction, and re-embeds whenever the AI service
reports a new space version (a new encoder or construction).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

import numpy as np
from sqlalchemy import Row, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from trendpath.kit.auth import service_tokens
from trendpath.kit.errors import ApiError
from trendpath.kit.runtime import Runtime
from trendpath.trends import models as m

log = logging.getLogger(__name__)

BATCH = 100
REFRESH_EVERY_S = 3600.0


async def persona_space(runtime: Runtime) -> dict[str, Any]:
    """The AI service's persona space (version, dim, block layout), cached per process."""
    cached = runtime.extras.get("trends.persona_space")
    if isinstance(cached, dict):
        return cached
    resp = await runtime.clients.request("ai", "GET", "/v1/persona/space")
    if resp.status_code != 200:
        raise ApiError(503, "unavailable", "the AI service did not describe the persona space")
    space: dict[str, Any] = resp.json()
    runtime.extras["trends.persona_space"] = space
    return space


def _stale_trends(session: Session, version: str) -> list[Row[Any]]:
    t, v = m.trend, m.trend_vector
    stmt = (
        select(t.c.id, t.c.slug, t.c.name_ko, t.c.description_ko, t.c.attrs)
        .outerjoin(v, v.c.trend_id == t.c.id)
        .where((v.c.version.is_(None)) | (v.c.version != version))
        .order_by(t.c.id)
    )
    return list(session.execute(stmt))


def _payload(row: Row[Any]) -> dict[str, Any]:
    attrs = row.attrs
    return {
        "slug": row.slug,
        "name_ko": row.name_ko,
        "description_ko": row.description_ko,
        "keywords_ko": attrs.get("keywords_ko", []),
        "interest_tags": attrs.get("interest_tags", []),
        "core_skills": attrs.get("core_skills", []),
        "value_profile": attrs.get("value_profile", {}),
    }


def _save(session: Session, ids: dict[str, int], version: str, items: list[dict[str, Any]]) -> None:
    rows = [
        {
            "trend_id": ids[item["slug"]],
            "embedding": np.asarray(item["vector"], dtype=np.float32),
            "version": version,
        }
        for item in items
    ]
    stmt = insert(m.trend_vector).values(rows)
    stmt = stmt.on_conflict_do_update(
        index_elements=["trend_id"],
        set_={
            "embedding": stmt.excluded.embedding,
            "version": stmt.excluded.version,
            "updated_at": text("now()"),
        },
    )
    session.execute(stmt)


def _save_batch(
    runtime: Runtime, ids: dict[str, int], version: str, items: list[dict[str, Any]]
) -> None:
    with runtime.db.session_scope() as s:
        _save(s, ids, version, items)


async def refresh_trend_vectors(runtime: Runtime) -> int:
    """Embed every trend whose vector is missing or of an older space version; returns count."""
    runtime.extras.pop("trends.persona_space", None)
    version = str((await persona_space(runtime))["version"])

    def stale() -> list[Row[Any]]:
        with runtime.db.session_scope() as s:
            return _stale_trends(s, version)

    rows = await run_in_threadpool(stale)
    headers = await service_tokens(runtime, "trends").headers(["ai:embed"])
    for start in range(0, len(rows), BATCH):
        batch = rows[start : start + BATCH]
        body = {"trends": [_payload(r) for r in batch]}
        resp = await runtime.clients.request(
            "ai", "POST", "/v1/embed/trends", json=body, headers=headers
        )
        if resp.status_code != 200:
            raise ApiError(503, "unavailable", f"trend embedding failed ({resp.status_code})")
        data = resp.json()
        ids = {r.slug: r.id for r in batch}
        await run_in_threadpool(_save_batch, runtime, ids, data["version"], data["items"])
    if rows:
        log.info("trend vectors refreshed", extra={"count": len(rows), "version": version})
    return len(rows)


async def trend_vector_job(runtime: Runtime) -> None:
    """Background job: keep trend vectors current (retrying with back-off while siblings start)."""
    delay = 2.0
    while True:
        try:
            await refresh_trend_vectors(runtime)
            delay = REFRESH_EVERY_S
        except ApiError as exc:
            log.warning("trend vectors not refreshed", extra={"reason": exc.message})
            delay = min(delay * 2, 300.0)
        await asyncio.sleep(delay)


def nearest(session: Session, vector: np.ndarray, k: int) -> list[Row[Any]]:
    """The ``k`` active trends nearest to ``vector`` (cosine), with their stored vectors."""
    t, v = m.trend, m.trend_vector
    distance = v.c.embedding.cosine_distance(vector)
    stmt = (
        select(t.c.id, t.c.slug, t.c.name_ko, t.c.name_en, v.c.embedding, v.c.version, distance)
        .join(t, t.c.id == v.c.trend_id)
        .where(t.c.active.is_(True))
        .order_by(distance)
        .limit(k)
    )
    return list(session.execute(stmt))


def block_contributions(
    user: np.ndarray, trend: np.ndarray, blocks: dict[str, Sequence[int]]
) -> dict[str, float]:
    """Each block's share of the cosine (blocks are disjoint slices of unit vectors)."""
    return {name: round(float(user[a:b] @ trend[a:b]), 6) for name, (a, b) in blocks.items()}
