"""Persona space API: embeddings for sibling services, and each user's own persona."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import numpy as np
from fastapi import APIRouter, Depends, Query
from sqlalchemy import Row
from starlette.concurrency import run_in_threadpool

from trendpath.ai import personas, sessions, space, store
from trendpath.ai.links import Said, find_links, signals
from trendpath.ai.persona import PersonaInputs, TrendInputs
from trendpath.ai.schemas import (
    AxisOut,
    ConfirmedValueOut,
    EncoderOut,
    LinkOut,
    PersonaOut,
    ProfileIn,
    ProfileSnapshotIn,
    SimilarOut,
    SpaceOut,
    TextsIn,
    TextsOut,
    TrendsIn,
    TrendsOut,
    TrendVectorOut,
    VectorOut,
)
from trendpath.ai.values_method import values_method, values_method_of
from trendpath.kit.auth import CurrentUser, Principal, require_scopes
from trendpath.kit.db import SessionDep
from trendpath.kit.deps import RuntimeDep
from trendpath.kit.errors import ApiError, error_responses

router = APIRouter(prefix="/v1", tags=["persona"])

EmbedCaller = Annotated[Principal, require_scopes("ai:embed")]
ChatUser = Annotated[Principal, require_scopes("ai:chat")]


def _floats(vector: np.ndarray) -> list[float]:
    return [round(float(x), 7) for x in vector]


async def _version(runtime: RuntimeDep) -> str:
    """The space version: construction, encoder and the configured values method."""
    return space.version((await values_method(runtime)).name)


SpaceVersion = Annotated[str, Depends(_version)]


@router.get("/persona/space", response_model=SpaceOut, summary="The persona space layout")
async def persona_space(version: SpaceVersion) -> SpaceOut:
    """Version, dimension and block layout shared by user and trend vectors."""
    blocks = space.layout()
    return SpaceOut(
        version=version,
        dim=max(b[1] for b in blocks.values()),
        blocks=blocks,
        encoder=EncoderOut(**space.state().details()),
    )


@router.post("/embed/profile", response_model=VectorOut, summary="Embed a profile (service)")
async def embed_profile(body: ProfileIn, version: SpaceVersion, _: EmbedCaller) -> VectorOut:
    """A persona vector from interests, skills, the profile's free text and optional values/text.

    Nothing is stored; the answer carries the links found in ``field`` / ``target_role`` / ``text``.
    """
    said = personas.profile_said({"field": body.field, "target_role": body.target_role})
    if body.text:
        said.append(Said(body.text))
    enc = space.encoder()
    links = await run_in_threadpool(lambda: find_links(said, encoder=enc)) if said else []
    sig = signals(links)
    inputs = PersonaInputs(
        conversation=body.text or "",
        interests=body.interests,
        skills=body.skills,
        values=body.values or {},
        linked_interests=sig.interests,
        linked_skills=sig.skills,
        goals=sig.goals,
    )
    built = await space.persona(inputs)
    return VectorOut(
        vector=_floats(built.vector),
        version=version,
        blocks=space.layout(),
        links=[LinkOut(**link.model_dump()) for link in links],
    )


@router.post("/embed/trends", response_model=TrendsOut, summary="Embed trends (service)")
async def embed_trends(body: TrendsIn, version: SpaceVersion, _: EmbedCaller) -> TrendsOut:
    """Trend vectors in the same space as personas."""
    inputs = [TrendInputs.model_validate(t.model_dump()) for t in body.trends]
    built = await space.trends(inputs)
    items = [
        TrendVectorOut(slug=t.slug, vector=_floats(v.vector))
        for t, v in zip(inputs, built, strict=True)
    ]
    return TrendsOut(version=version, items=items)


@router.post("/embed/texts", response_model=TextsOut, summary="Embed texts (service)")
async def embed_texts(body: TextsIn, _: EmbedCaller) -> TextsOut:
    """Raw text embeddings from the offline Korean encoder (for news articles and search)."""
    vectors = await space.texts(body.texts)
    enc = space.encoder()
    return TextsOut(
        encoder=f"{enc.name}:{enc.version}",
        dim=space.NEWS_DIM,
        vectors=[_floats(v) for v in vectors],
    )


def _persona_out(row: Row[Any]) -> PersonaOut:
    scores = row.scores
    values = (
        {a: AxisOut(score=s["score"], confidence=s["confidence"]) for a, s in scores.items()}
        if scores
        else None
    )
    return PersonaOut(
        user_id=row.user_id,
        vector=_floats(np.asarray(row.embedding)),
        version=row.version,
        from_conversation=row.from_conversation,
        values=values,
        growth_orientation=row.growth_orientation,
        stability_preference=row.stability_preference,
        updated_at=row.updated_at,
        profile_revision=((row.inputs or {}).get("profile") or {}).get("revision"),
        links=[LinkOut(**link) for link in (row.inputs or {}).get("links", [])],
        confirmed_values=[ConfirmedValueOut(**c) for c in personas.confirmed_values(row)],
    )


@router.get(
    "/personas/me",
    response_model=PersonaOut,
    responses=error_responses(404),
    summary="My persona",
)
def my_persona(session: SessionDep, user: CurrentUser) -> PersonaOut:
    """The signed-in user's persona vector and value scores."""
    row = store.get_persona(session, user.user_id)
    if row is None:
        raise ApiError(404, "not_found", "no persona yet: talk with the coach first")
    return _persona_out(row)


@router.post(
    "/personas/me/rebuild",
    response_model=PersonaOut,
    responses=error_responses(404),
    summary="Rebuild my persona",
)
def rebuild_my_persona(session: SessionDep, runtime: RuntimeDep, user: ChatUser) -> PersonaOut:
    """Recompute values and persona from the latest finished talk, in the current space."""
    if not sessions.rebuild(session, user.user_id, values_method_of(runtime)):
        raise ApiError(404, "not_found", "no finished talk yet: talk with the coach first")
    session.commit()
    row = store.get_persona(session, user.user_id)
    assert row is not None
    return _persona_out(row)


@router.get(
    "/personas/me/similar",
    response_model=SimilarOut,
    responses=error_responses(404),
    summary="How many people are like me",
)
def similar_to_me(
    session: SessionDep,
    user: ChatUser,
    k: Annotated[int, Query(ge=1, le=100)] = 20,
) -> SimilarOut:
    """Similarities of the nearest other personas (numbers only: nobody else is identified)."""
    row = store.get_persona(session, user.user_id)
    if row is None:
        raise ApiError(404, "not_found", "no persona yet: talk with the coach first")
    sims = store.similar_personas(session, user.user_id, np.asarray(row.embedding), row.version, k)
    close = sum(1 for s in sims if s >= 0.8)
    return SimilarOut(k=len(sims), similarities=[round(s, 4) for s in sims], very_similar=close)


@router.put(
    "/personas/{user_id}/profile",
    response_model=PersonaOut,
    responses=error_responses(404),
    summary="Build a user's persona with their stored profile (service)",
)
def persona_with_profile(
    session: SessionDep, user_id: uuid.UUID, body: ProfileSnapshotIn, _: EmbedCaller
) -> PersonaOut:
    """The users service's profile is the source of truth: the persona is rebuilt (and stored)
    from the latest finished talk when it was built with another profile revision or in an older
    space; 404 when there is no persona at all (the match is then a preliminary one)."""
    row = store.get_persona(session, user_id)
    if not personas.is_current(row, body.revision) and personas.rebuild_with_profile(
        session, user_id, body.model_dump(mode="json")
    ):
        session.commit()
        row = store.get_persona(session, user_id)
    if row is None:
        raise ApiError(404, "not_found", "this user has no finished talk yet")
    return _persona_out(row)


@router.get(
    "/personas/{user_id}",
    response_model=PersonaOut,
    responses=error_responses(404),
    summary="A user's persona (service)",
)
def persona_of(session: SessionDep, user_id: uuid.UUID, _: EmbedCaller) -> PersonaOut:
    """A user's persona for sibling services (matching); 404 before the first conversation."""
    row = store.get_persona(session, user_id)
    if row is None:
        raise ApiError(404, "not_found", "this user has no persona yet")
    return _persona_out(row)
