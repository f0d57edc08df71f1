"""HTTP API: the top-3 match, its history, the A/B assignment and outcome events."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Query, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from trendpath.kit.db import SessionDep
from trendpath.kit.deps import RuntimeDep, SettingsDep
from trendpath.kit.errors import ApiError, error_responses
from trendpath.users import abtest, matcher, store
from trendpath.users.access import Reader, Writer
from trendpath.users.schemas_match import (
    AssignmentOut,
    EventIn,
    EventOut,
    MatchHistoryOut,
    MatchOut,
    MatchSummary,
)

router = APIRouter(prefix="/v1", tags=["match"])

_MATCH_DOC: dict[int | str, dict[str, Any]] = {
    200: {"model": MatchOut, "description": "The match"},
    **error_responses(409, 502),  # 409: no profile yet; 502: a sibling answered nonsense
}


def _json(body: dict[str, Any]) -> JSONResponse:
    # The stored payload is already in API shape: no response-model validation on this path.
    return JSONResponse(body)


@router.get("/match", response_model=None, responses=_MATCH_DOC, summary="The user's top-3 trends")
async def get_match(runtime: RuntimeDep, user: Reader) -> Response:
    """Stored while fresh (sent as stored: one query, no JSON round trip), recomputed when the
    profile, persona or forecasts changed.

    ``preliminary: true`` (with ``label_ko``) marks a match computed from the profile alone,
    before the first coach conversation.
    """
    body = await matcher.current_match_json(runtime, user.user_id)
    return Response(body, media_type="application/json")


@router.post(
    "/match/refresh", response_model=None, responses=_MATCH_DOC, summary="Recompute the match now"
)
async def refresh_match(runtime: RuntimeDep, user: Writer) -> JSONResponse:
    """Recompute now (a new match row only when the result changed)."""
    body = await matcher.current_match(runtime, user.user_id, force=True)
    return _json(body)


@router.get("/match/history", response_model=MatchHistoryOut, summary="Past matches")
def match_history(
    session: SessionDep, user: Reader, limit: int = Query(default=20, ge=1, le=100)
) -> MatchHistoryOut:
    """The user's matches, newest first, with the trends each ranked."""
    rows = store.match_history(session, user.user_id, limit)
    return MatchHistoryOut(
        items=[
            MatchSummary(
                match_id=r.id,
                kind=r.kind,
                variant=r.variant,
                created_at=r.created_at,
                checked_at=r.checked_at,
                trends=[i["slug"] for i in (r[-1] or [])],
            )
            for r in rows
        ]
    )


@router.get("/abtest/assignment", response_model=AssignmentOut, summary="The user's variant")
def assignment(settings: SettingsDep, user: Reader) -> AssignmentOut:
    """Deterministic by user id; the same answer on every call and every server."""
    chosen = abtest.assignment(settings, user.user_id)
    return AssignmentOut(
        active=chosen.experiment is not None,
        experiment=chosen.experiment,
        variant=chosen.variant,
        momentum_weight=chosen.momentum_weight,
    )


def _same(stored: Any, row: dict[str, Any]) -> bool:
    return bool(
        stored.user_id == row["user_id"]
        and stored.kind == row["kind"]
        and stored.trend_slug == row["trend_slug"]
        and stored.match_id == row["match_id"]
    )


def _record(session: Any, row: dict[str, Any]) -> bool:
    inserted = store.record_event(session, row)
    if not inserted:
        stored = store.event_by_id(session, row["event_id"])
        if stored is None or not _same(stored, row):
            raise ApiError(
                409, "conflict", "event_id was already used for a different event; nothing stored"
            )
    session.commit()
    return inserted


@router.post(
    "/events",
    response_model=EventOut,
    summary="Record an outcome event",
    responses=error_responses(404, 409),
)
async def post_event(
    body: EventIn, settings: SettingsDep, session: SessionDep, user: Writer
) -> EventOut:
    """Idempotent by ``event_id``: a replay is acknowledged (``duplicate: true``) and ignored;
    reusing an id for a different event is a 409. Needs a running experiment (else 409)."""
    chosen = abtest.assignment(settings, user.user_id)
    if chosen.experiment is None:
        raise ApiError(409, "no_experiment", "no A/B experiment is running")
    if body.match_id is not None:
        owned = await run_in_threadpool(store.match_by_id, session, user.user_id, body.match_id)
        if owned is None:
            raise ApiError(404, "not_found", "no such match")
    row = {
        "event_id": body.event_id,
        "user_id": user.user_id,
        "experiment": chosen.experiment,
        "variant": chosen.variant,
        "kind": body.kind,
        "trend_slug": body.trend_slug,
        "match_id": body.match_id,
        "occurred_at": body.occurred_at or dt.datetime.now(dt.UTC),
    }
    inserted = await run_in_threadpool(_record, session, row)
    return EventOut(
        event_id=body.event_id,
        recorded=inserted,
        duplicate=not inserted,
        experiment=chosen.experiment,
        variant=chosen.variant,
    )
