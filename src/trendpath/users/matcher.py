"""Serving and recomputing a user's top-3 match.

``GET /v1/match`` answers from the newest stored match while it is fresh: checked within
``users_match_ttl_s`` and made for the profile's current revision. Otherwise (or when forced) the
match is recomputed over HTTP — persona (or a profile-only vector, labelled preliminary), nearest
trends, trend details — and compared with the stored one by fingerprint: unchanged results only
refresh ``checked_at``; changed results become a new match row, the previous one kept and diffed.
So profile edits, a new persona and new forecasts all show up, and nothing is recomputed while
nothing can have changed. When a recomputation fails upstream, the last match is served marked
``stale`` rather than failing the page.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Row
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from trendpath.kit.db import Database
from trendpath.kit.errors import ApiError
from trendpath.kit.runtime import Runtime
from trendpath.kit.taxonomy import Taxonomy, load_taxonomy
from trendpath.users import abtest, matching, store, upstream
from trendpath.users.hotread import hot_row, read_main
from trendpath.users.matching import Persona


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.datetime | dt.date) else value


def served(row: Row[Any], stale: bool = False, reason: str | None = None) -> dict[str, Any]:
    """The API body of a stored match."""
    body = dict(row.payload)
    body["checked_at"] = _iso(row.checked_at)
    body["profile_revision"] = row.profile_revision
    body["stale"] = stale
    if reason:
        body["stale_reason"] = reason
    return body


PRELIMINARY_TTL_S = 300
"""A preliminary match is checked at least this often, so a new persona shows up quickly."""


def is_fresh(row: Row[Any], ttl_s: int, variant: str, now: dt.datetime) -> bool:
    """Whether a stored match can be served without asking the other services: made for the
    current profile revision and A/B variant, and checked recently enough."""
    if row.id is None or row.profile_revision != row.current_revision or row.variant != variant:
        return False
    if row.kind == "preliminary":
        ttl_s = min(ttl_s, PRELIMINARY_TTL_S)
    return bool((now - row.checked_at).total_seconds() < ttl_s)


def _profile_required() -> ApiError:
    return ApiError(
        409, "profile_required", "create your profile first (PUT /api/users/v1/profile)"
    )


async def current_match(
    runtime: Runtime, user_id: uuid.UUID, force: bool = False
) -> dict[str, Any]:
    """The user's match: stored when fresh, else recomputed (stale fallback on upstream errors).

    Every database step is its own short unit of work: no connection is held while the other
    services are asked, so a slow upstream cannot exhaust the pool.
    """
    latest = await run_in_threadpool(read_main, runtime, lambda s: store.latest_match(s, user_id))
    if latest is None:
        raise _profile_required()
    now = dt.datetime.now(dt.UTC)
    variant = abtest.assignment(runtime.settings, user_id).variant
    if not force and is_fresh(latest, runtime.settings.users_match_ttl_s, variant, now):
        return served(latest)
    try:
        return await recompute(runtime, user_id, latest)
    except ApiError as exc:
        if exc.status < 500 or latest.id is None:
            raise
        return served(latest, stale=True, reason=exc.message)


def _spliced(raw: Row[Any]) -> bytes:
    """The stored payload text with the per-request fields appended (no JSON round trip)."""
    tail = json.dumps(
        {
            "checked_at": _iso(raw.checked_at),
            "profile_revision": raw.profile_revision,
            "stale": False,
        }
    )
    return (raw.payload_text.rstrip()[:-1] + ", " + tail[1:]).encode()


async def current_match_json(runtime: Runtime, user_id: uuid.UUID) -> bytes:
    """:func:`current_match` as JSON bytes; a fresh stored match is sent as stored."""
    raw = await hot_row(
        runtime,
        store.LATEST_RAW_PG,
        {"user_id": user_id},
        lambda s: store.latest_match_raw(s, user_id),
    )
    if raw is None:
        raise _profile_required()
    variant = abtest.assignment(runtime.settings, user_id).variant
    if is_fresh(raw, runtime.settings.users_match_ttl_s, variant, dt.datetime.now(dt.UTC)):
        return _spliced(raw)
    body = await current_match(runtime, user_id)
    return json.dumps(body, ensure_ascii=False, default=_iso).encode()


async def _vectors(
    runtime: Runtime, user_id: uuid.UUID, profile: Row[Any]
) -> tuple[Persona | None, Persona]:
    persona = await upstream.fetch_persona(runtime, user_id, dict(profile._mapping))
    if persona is not None:
        return persona, persona
    return None, await upstream.embed_profile(runtime, dict(profile._mapping))


async def _items(
    runtime: Runtime,
    taxonomy: Taxonomy,
    persona: Persona | None,
    vector: Persona,
    profile: Mapping[Any, Any],
    weight: float,
) -> list[dict[str, Any]]:
    candidates = await upstream.nearest(
        runtime, vector.vector, runtime.settings.users_match_candidates
    )
    if not candidates:
        # Trend vectors are (re)built by the trend service in the background; an empty answer
        # must not be stored as "no match".
        raise ApiError(503, "unavailable", "the trend service has no trend vectors yet")
    top = matching.rerank(candidates, weight)
    infos = await asyncio.gather(*(upstream.trend_info(runtime, c.slug) for c in top))
    return [
        matching.build_item(i + 1, c, weight, info, persona, profile, taxonomy, vector.links)
        for i, (c, info) in enumerate(zip(top, infos, strict=True))
    ]


def _persona_meta(persona: Persona | None, vector: Persona) -> dict[str, Any]:
    return {
        "version": vector.version,
        "from_conversation": persona.from_conversation if persona else False,
        "updated_at": persona.updated_at if persona else None,
        "stability_preference": persona.stability_preference if persona else None,
        "growth_orientation": persona.growth_orientation if persona else None,
    }


def _previous(latest: Row[Any]) -> dict[str, Any] | None:
    if latest.id is None:
        return None
    items = latest.payload.get("items", [])
    return {
        "match_id": latest.id,
        "created_at": _iso(latest.created_at),
        "items": [{k: i[k] for k in ("rank", "slug", "name_ko", "similarity")} for i in items],
    }


async def recompute(runtime: Runtime, user_id: uuid.UUID, latest: Row[Any]) -> dict[str, Any]:
    """Recompute the match now; store it when it differs from ``latest``."""
    settings = runtime.settings
    taxonomy = load_taxonomy(settings.data_dir)
    db = runtime.db
    profile = await run_in_threadpool(read_main, runtime, lambda s: store.get_profile(s, user_id))
    if profile is None:
        raise _profile_required()
    chosen = abtest.assignment(settings, user_id)
    persona, vector = await _vectors(runtime, user_id, profile)
    items = await _items(
        runtime, taxonomy, persona, vector, profile._mapping, chosen.momentum_weight
    )
    kind = "persona" if persona is not None else "preliminary"
    fp = matching.fingerprint(kind, chosen.variant, chosen.momentum_weight, vector.version, items)
    if latest.id is not None and latest.fingerprint == fp:
        row = await run_in_threadpool(_touch, db, user_id, latest.id, profile.revision)
        return served(row)
    dropped = matching.compare(items, latest.payload if latest.id is not None else None)
    payload = {
        "kind": kind,
        "preliminary": persona is None,
        "label_ko": matching.PRELIMINARY_LABEL if persona is None else matching.PERSONA_LABEL,
        "experiment": chosen.experiment,
        "variant": chosen.variant,
        "momentum_weight": chosen.momentum_weight,
        "persona": _persona_meta(persona, vector),
        "items": items,
        "previous": _previous(latest),
        "dropped": dropped,
    }
    row = await run_in_threadpool(
        _store_new, db, user_id, payload, fp, chosen.experiment, profile.revision
    )
    return served(row)


def _reloaded(session: Session, user_id: uuid.UUID) -> Row[Any]:
    row = store.latest_match(session, user_id)
    assert row is not None
    return row


def _touch(db: Database, user_id: uuid.UUID, match_id: int, revision: int) -> Row[Any]:
    with db.session_scope() as session:
        store.touch_match(session, match_id, revision)
        return _reloaded(session, user_id)


def _store_new(
    db: Database,
    user_id: uuid.UUID,
    payload: dict[str, Any],
    fp: str,
    experiment: str | None,
    revision: int,
) -> Row[Any]:
    with db.session_scope() as session:
        _insert_unless_same(session, user_id, payload, fp, experiment, revision)
        return _reloaded(session, user_id)


def _insert_unless_same(
    session: Session,
    user_id: uuid.UUID,
    payload: dict[str, Any],
    fp: str,
    experiment: str | None,
    revision: int,
) -> None:
    # Serialise concurrent recomputations of one user: the second one finds the first's match.
    store.get_profile(session, user_id, lock=True)
    latest = store.latest_match(session, user_id)
    if latest is not None and latest.id is not None and latest.fingerprint == fp:
        store.touch_match(session, latest.id, revision)
        return
    match_id = store.next_match_id(session)
    created = dt.datetime.now(dt.UTC)
    payload = {"match_id": match_id, "created_at": created.isoformat(), **payload}
    store.insert_match(
        session,
        match_id,
        user_id,
        kind=payload["kind"],
        variant=payload["variant"],
        fingerprint=fp,
        profile_revision=revision,
        payload=json.loads(json.dumps(payload, default=_iso)),
        created_at=created,
    )
    if experiment is not None:
        store.record_event(
            session,
            {
                "event_id": abtest.derived_event_id("exposure", match_id),
                "user_id": user_id,
                "experiment": experiment,
                "variant": payload["variant"],
                "kind": "exposure",
                "match_id": match_id,
                "occurred_at": created,
            },
        )
