"""HTTP API: the learning catalog, roadmaps and progress."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from trendpath.kit.db import SessionDep
from trendpath.kit.deps import RuntimeDep, SettingsDep
from trendpath.kit.errors import ApiError, error_responses
from trendpath.kit.settings import Settings
from trendpath.kit.taxonomy import SLUG_PATTERN, load_taxonomy
from trendpath.users import matcher, planner, store, store_learning, upstream
from trendpath.users.access import Reader, Writer
from trendpath.users.catalog import load_catalog
from trendpath.users.schemas import (
    ProgressIn,
    ProgressSummaryOut,
    ResourceOut,
    ResourcePage,
)
from trendpath.users.schemas_match import (
    ResourceProgressOut,
    RoadmapList,
    RoadmapOut,
    StartRoadmapIn,
    StepMarkIn,
)

router = APIRouter(prefix="/v1", tags=["learning"])

RoadmapId = Annotated[uuid.UUID, Path(description="Roadmap id")]
ResourcePath = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9._-]{1,127}$")]
SkillPath = Annotated[str, Path(pattern=SLUG_PATTERN, max_length=64)]


@router.get("/catalog", response_model=ResourcePage, summary="Search learning resources")
def catalog(
    settings: SettingsDep,
    session: SessionDep,
    user: Reader,
    skill: Annotated[str | None, Query(pattern=SLUG_PATTERN, max_length=64)] = None,
    q: Annotated[str | None, Query(min_length=1, max_length=80)] = None,
    kind: Annotated[str | None, Query(pattern=r"^(course|book)$")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=10_000)] = 0,
) -> ResourcePage:
    """Shipped resources first, then imported ones; filtered by skill, text and kind."""
    taxonomy = load_taxonomy(settings.data_dir)
    if skill is not None and skill not in taxonomy.skills:
        raise ApiError(422, "validation_error", f"skill: unknown skill {skill!r}")
    shipped = list(load_catalog(settings, taxonomy).resources.values())
    _, imported = store_learning.search_resources(session, q, skill, 1000, 0)
    needle = (q or "").casefold()
    found = [
        r
        for r in [*shipped, *imported]
        if (skill is None or skill in r.skills)
        and (kind is None or r.kind == kind)
        and (not needle or needle in r.title.casefold() or needle in r.provider.casefold())
    ]
    page = found[offset : offset + limit]
    return ResourcePage(
        total=len(found), items=[ResourceOut.model_validate(r.as_dict()) for r in page]
    )


@router.get(
    "/catalog/{resource_id}",
    response_model=ResourceOut,
    summary="One resource",
    responses=error_responses(404),
)
def resource(
    resource_id: ResourcePath, settings: SettingsDep, session: SessionDep, user: Reader
) -> ResourceOut:
    """A shipped or imported resource."""
    found = planner.find_resource(session, settings, resource_id)
    if found is None:
        raise ApiError(404, "not_found", f"no learning resource {resource_id!r}")
    return ResourceOut.model_validate(found.as_dict())


@router.get("/roadmaps", response_model=RoadmapList, summary="The user's roadmaps")
def list_roadmaps(settings: SettingsDep, session: SessionDep, user: Reader) -> RoadmapList:
    """Every started roadmap, live (steps, progress, timeline, notices)."""
    rows = store_learning.roadmaps(session, user.user_id)
    items = [planner.view(session, settings, user.user_id, row) for row in rows]
    return RoadmapList(items=[RoadmapOut.model_validate(i) for i in items])


def _start(
    session: Session, settings: Settings, user_id: uuid.UUID, basis: dict[str, object]
) -> tuple[RoadmapOut, bool]:
    row, created = planner.start(session, settings, user_id, basis)
    session.commit()
    return RoadmapOut.model_validate(planner.view(session, settings, user_id, row)), created


@router.post(
    "/roadmaps",
    response_model=RoadmapOut,
    status_code=201,
    summary="Start a roadmap",
    responses=error_responses(409, 502),
)
async def start_roadmap(
    body: StartRoadmapIn, runtime: RuntimeDep, response: Response, session: SessionDep, user: Writer
) -> RoadmapOut:
    """Start the roadmap towards a trend of the current match (200 when already started)."""
    match = await matcher.current_match(runtime, user.user_id)
    item = next((i for i in match["items"] if i["slug"] == body.trend_slug), None)
    if item is None:
        raise ApiError(
            409, "not_in_match", f"{body.trend_slug!r} is not among your current top 3 trends"
        )
    info = await upstream.trend_info(runtime, body.trend_slug)
    profile = await run_in_threadpool(store.get_profile, session, user.user_id)
    assert profile is not None
    taxonomy = load_taxonomy(runtime.settings.data_dir)
    levels = {k: int(v) for k, v in dict(profile.skills).items()}
    basis = planner.basis_for(taxonomy, match, item, info, levels)
    out, created = await run_in_threadpool(_start, session, runtime.settings, user.user_id, basis)
    if not created:
        response.status_code = 200
    return out


@router.get(
    "/roadmaps/{roadmap_id}",
    response_model=RoadmapOut,
    summary="One roadmap",
    responses=error_responses(404),
)
def get_roadmap(
    roadmap_id: RoadmapId, settings: SettingsDep, session: SessionDep, user: Reader
) -> RoadmapOut:
    """404 for an unknown id and for another user's roadmap alike."""
    row = store_learning.roadmap(session, user.user_id, roadmap_id)
    if row is None:
        raise ApiError(404, "not_found", "no such roadmap")
    view = planner.view(session, settings, user.user_id, row)
    return RoadmapOut.model_validate(view)


@router.delete(
    "/roadmaps/{roadmap_id}",
    status_code=204,
    summary="Stop following a roadmap",
    responses=error_responses(404),
)
def delete_roadmap(roadmap_id: RoadmapId, session: SessionDep, user: Writer) -> Response:
    """Progress on its resources is kept."""
    if not store_learning.delete_roadmap(session, user.user_id, roadmap_id):
        raise ApiError(404, "not_found", "no such roadmap")
    session.commit()
    return Response(status_code=204)


@router.put(
    "/roadmaps/{roadmap_id}/resources/{resource_id}/progress",
    response_model=ResourceProgressOut,
    responses=error_responses(404),
    summary="Record progress on a roadmap resource",
)
def put_progress(
    roadmap_id: RoadmapId,
    resource_id: ResourcePath,
    body: ProgressIn,
    settings: SettingsDep,
    session: SessionDep,
    user: Writer,
) -> ResourceProgressOut:
    """not_started / in_progress with the hours studied (or a percent) / done. Moves the
    roadmap's gaps and timeline; "done" tops the hours up to the study time, and going back to
    in progress takes exactly that top-up away."""
    row = planner.record_progress(
        session,
        settings,
        user.user_id,
        roadmap_id,
        resource_id,
        body.status,
        body.percent or 0,
        body.hours,
    )
    session.commit()
    return ResourceProgressOut(
        roadmap_id=roadmap_id,
        resource_id=row.resource_id,
        status=row.status,
        percent=row.percent,
        updated_at=row.updated_at,
    )


@router.put(
    "/roadmaps/{roadmap_id}/steps/{skill}",
    response_model=RoadmapOut,
    responses=error_responses(404),
    summary="Mark a roadmap step done, skipped or in progress",
)
def put_step(
    roadmap_id: RoadmapId,
    skill: SkillPath,
    body: StepMarkIn,
    settings: SettingsDep,
    session: SessionDep,
    user: Writer,
) -> RoadmapOut:
    """``open`` clears the mark. 404 for another user's roadmap; 422 for a skill that is no
    step of it. Skipped steps count in no time estimate."""
    row = store_learning.roadmap(session, user.user_id, roadmap_id)
    if row is None:
        raise ApiError(404, "not_found", "no such roadmap")
    if skill not in planner.planned_skills(row, load_taxonomy(settings.data_dir)):
        raise ApiError(
            422,
            "validation_error",
            f"skill {skill!r} is not a step of this roadmap",
            details=[{"field": "skill", "message": "not a step of this roadmap"}],
        )
    state = None if body.state == "open" else body.state
    store_learning.set_step_mark(session, user.user_id, roadmap_id, skill, state)
    session.commit()
    return RoadmapOut.model_validate(planner.view(session, settings, user.user_id, row))


@router.get("/progress", response_model=ProgressSummaryOut, summary="Streak and weekly summary")
def progress_summary(
    settings: SettingsDep, session: SessionDep, user: Reader
) -> ProgressSummaryOut:
    """Consecutive study days, this week and last week against the weekly goal."""
    body = planner.summary(session, settings, user.user_id)
    return ProgressSummaryOut.model_validate(body)
