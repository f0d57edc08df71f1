"""Coach sessions API: start, talk (plain or streamed as SSE), finish, transcript, value scores."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from trendpath.ai import sessions, store
from trendpath.ai.backend import coach_of
from trendpath.ai.coach import CoachReply
from trendpath.ai.coach_planner import CoachState
from trendpath.ai.schemas import (
    AxisEvidenceOut,
    MessageIn,
    MessageOut,
    ReplyOut,
    SessionOut,
    SessionStartIn,
    SessionSummary,
    ValuesOut,
)
from trendpath.ai.values import rank_axes
from trendpath.ai.values_method import values_method, values_method_of
from trendpath.kit.auth import Principal, require_scopes
from trendpath.kit.db import SessionDep
from trendpath.kit.deps import runtime_of
from trendpath.kit.errors import ApiError, error_responses
from trendpath.kit.taxonomy import VALUE_AXES, load_taxonomy

router = APIRouter(prefix="/v1", tags=["coach"])

ChatUser = Annotated[Principal, require_scopes("ai:chat")]


def _reply_out(session_id: uuid.UUID, reply: CoachReply) -> ReplyOut:
    return ReplyOut(session_id=session_id, **reply.model_dump())


@router.post(
    "/sessions",
    response_model=ReplyOut,
    status_code=201,
    responses=error_responses(429),
    summary="Start a talk",
)
async def start_session(body: SessionStartIn, request: Request, user: ChatUser) -> ReplyOut:
    """A new coach session and the coach's opening message."""
    runtime = runtime_of(request)
    uid = user.user_id
    if await run_in_threadpool(_count, runtime, uid) >= runtime.settings.ai_max_sessions_per_user:
        raise ApiError(429, "rate_limited", "too many coach sessions for this account")
    ctx = sessions.context(body.name, body.status, body.interests, body.skills)
    state, reply = await coach_of(runtime).start(ctx)
    sid = uuid.uuid4()

    def save() -> None:
        with runtime.db.session_scope() as s:
            store.create_session(s, sid, uid, state.model_dump(mode="json"))
            store.add_messages(
                s,
                sid,
                [{"role": "assistant", "content": reply.text, "meta": sessions.reply_meta(reply)}],
            )

    await run_in_threadpool(save)
    return _reply_out(sid, reply)


def _count(runtime: Any, uid: uuid.UUID) -> int:
    with runtime.db.sessions() as s:
        return store.count_sessions(s, uid)


@router.get("/sessions", response_model=list[SessionSummary], summary="My sessions")
def list_sessions(session: SessionDep, user: ChatUser) -> list[SessionSummary]:
    """The signed-in user's sessions, newest first."""
    return [SessionSummary(**r._mapping) for r in store.list_sessions(session, user.user_id)]


@router.get(
    "/sessions/{session_id}",
    response_model=SessionOut,
    responses=error_responses(404),
    summary="A session's transcript",
)
def get_session(session: SessionDep, session_id: uuid.UUID, user: ChatUser) -> SessionOut:
    """One of the user's sessions with every message (resume from here)."""
    loaded = sessions.load(session, session_id, user.user_id)
    msgs = [MessageOut(**r._mapping) for r in store.messages(session, session_id)]
    return SessionOut(
        id=loaded.id,
        status=loaded.status,
        stage=loaded.state.stage,
        turns=loaded.state.user_turns,
        max_turns=loaded.state.max_user_turns,
        messages=msgs,
    )


async def _load_open(request: Request, session_id: uuid.UUID, uid: uuid.UUID) -> sessions.Loaded:
    runtime = runtime_of(request)

    def load() -> sessions.Loaded:
        with runtime.db.sessions() as s:
            return sessions.load(s, session_id, uid)

    loaded = await run_in_threadpool(load)
    sessions.require_open(loaded)
    return loaded


async def _save(
    request: Request, loaded: sessions.Loaded, body: MessageIn, state: CoachState, reply: CoachReply
) -> None:
    runtime = runtime_of(request)
    values = await values_method(runtime)
    # A closed talk is scored before the transaction: a language model may take seconds.
    scores = await values.ascore(state.turns) if state.done else None

    def save() -> None:
        with runtime.db.session_scope() as s:
            sessions.save_turn(
                s, loaded, body.text, body.choice, state, reply, values=values, scores=scores
            )

    await run_in_threadpool(save)


@router.post(
    "/sessions/{session_id}/messages",
    response_model=ReplyOut,
    responses=error_responses(404, 409),
    summary="Say something",
)
async def post_message(
    body: MessageIn, request: Request, session_id: uuid.UUID, user: ChatUser
) -> ReplyOut:
    """Answer the coach (text, or ``choice`` for a forced-choice question) and get its reply."""
    loaded = await _load_open(request, session_id, user.user_id)
    state, reply = await coach_of(runtime_of(request)).reply(
        loaded.state, body.text, choice=body.choice
    )
    await _save(request, loaded, body, state, reply)
    return _reply_out(session_id, reply)


def _sse_kind(event: str, data: dict[str, Any]) -> dict[str, Any]:
    json_data = {"type": "string", "contentMediaType": "application/json", "contentSchema": data}
    return {"properties": {"event": {"const": event}, "data": json_data}}


_TEXT = {"type": "object", "required": ["text"], "properties": {"text": {"type": "string"}}}
_SSE_EVENT: dict[str, Any] = {
    "description": "One event (OpenAPI 3.1: this schema describes each event of the stream)",
    "type": "object",
    "required": ["event", "data"],
    "oneOf": [
        _sse_kind("delta", _TEXT),
        _sse_kind("replace", _TEXT),
        _sse_kind("done", {"$ref": "#/components/schemas/ReplyOut"}),
        _sse_kind("error", {"$ref": "#/components/schemas/ErrorInfo"}),
    ],
}


def _sse(event: str, data: dict[str, Any]) -> bytes:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n".encode()


@router.post(
    "/sessions/{session_id}/messages/stream",
    summary="Say something; the reply streams back as server-sent events",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "Server-sent events: delta and replace, then done (or error)",
            "content": {"text/event-stream": {"schema": _SSE_EVENT}},
        },
        **error_responses(404, 409),
    },
)
async def stream_message(
    body: MessageIn, request: Request, session_id: uuid.UUID, user: ChatUser
) -> StreamingResponse:
    """SSE events: ``delta`` (text chunks), ``replace`` (full text), ``done`` (the reply)."""
    loaded = await _load_open(request, session_id, user.user_id)
    coach = coach_of(runtime_of(request))

    async def events() -> AsyncIterator[bytes]:
        async for ev in coach.stream(loaded.state, body.text, choice=body.choice):
            if ev.type in ("delta", "replace"):
                yield _sse(ev.type, {"text": ev.text})
                continue
            assert ev.reply is not None and ev.state is not None
            try:
                await _save(request, loaded, body, ev.state, ev.reply)
            except ApiError as exc:
                yield _sse("error", {"code": exc.code, "message": exc.message})
                return
            yield _sse("done", _reply_out(session_id, ev.reply).model_dump(mode="json"))

    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(events(), media_type="text/event-stream", headers=headers)


@router.post(
    "/sessions/{session_id}/finish",
    response_model=ValuesOut,
    responses=error_responses(404, 409),
    summary="End the talk",
)
def finish_session(
    session: SessionDep, request: Request, session_id: uuid.UUID, user: ChatUser
) -> ValuesOut:
    """Close the session now and store value scores and persona from what was said."""
    loaded = sessions.load(session, session_id, user.user_id)
    values = values_method_of(runtime_of(request))
    state = loaded.state.model_copy(update={"done": True})
    scores = values.score(state.turns)
    if loaded.status != "finished" and not store.advance_session(
        session, loaded.id, loaded.turns, state.model_dump(mode="json"), "finished"
    ):
        raise ApiError(409, "conflict", "the session moved on meanwhile; reload and retry")
    scores = sessions.finalise(
        session, user.user_id, loaded.id, state, confirmed=False, values=values, scores=scores
    )
    session.commit()
    return _values_out(
        {a: s.model_dump() for a, s in scores.axes.items()},
        scores.growth_orientation,
        scores.stability_preference,
        scores.method,
        confirmed=False,
    )


def _values_out(
    axes: dict[str, dict[str, Any]],
    growth: float,
    stability: float,
    method: str,
    *,
    confirmed: bool,
    updated_at: Any = None,
) -> ValuesOut:
    tax = load_taxonomy()
    labels = {a.slug: a.ko for a in tax.value_axes}
    out = {
        a: AxisEvidenceOut(
            score=round(axes[a]["score"], 4),
            confidence=round(axes[a]["confidence"], 4),
            label_ko=labels[a],
            evidence=axes[a].get("evidence", []),
        )
        for a in VALUE_AXES
    }
    ranked = rank_axes(
        {a: out[a].score for a in VALUE_AXES}, {a: out[a].confidence for a in VALUE_AXES}
    )
    return ValuesOut(
        axes=out,
        ranked=ranked,
        unknown=[a for a in VALUE_AXES if a not in ranked],
        growth_orientation=round(growth, 4),
        stability_preference=round(stability, 4),
        method=method,
        confirmed=confirmed,
        updated_at=updated_at,
    )


@router.get(
    "/values/me",
    response_model=ValuesOut,
    responses=error_responses(404),
    summary="My value scores with evidence",
)
def my_values(session: SessionDep, user: ChatUser) -> ValuesOut:
    """The nine work-value scores from the user's latest talk, each with the sentences behind it."""
    row = store.get_values(session, user.user_id)
    if row is None:
        raise ApiError(404, "not_found", "no value scores yet: talk with the coach first")
    return _values_out(
        row.scores,
        row.growth_orientation,
        row.stability_preference,
        row.method,
        confirmed=row.confirmed,
        updated_at=row.updated_at,
    )
