"""HTTP API for admins: aggregates, the A/B report, and catalog imports through the connectors.

Admins see counts and rates only, never an individual user's data.
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Query
from starlette.concurrency import run_in_threadpool

from trendpath.kit.db import SessionDep
from trendpath.kit.deps import SettingsDep
from trendpath.kit.errors import ApiError, error_responses
from trendpath.kit.taxonomy import load_taxonomy
from trendpath.users import abtest, store, store_learning
from trendpath.users.access import Admin
from trendpath.users.connectors import connector
from trendpath.users.connectors.base import (
    CatalogItem,
    ConnectorNotConfigured,
    ConnectorResponseError,
    ConnectorUnavailable,
)
from trendpath.users.profile import check_against_taxonomy
from trendpath.users.schemas import ResourceOut
from trendpath.users.schemas_match import AggregatesOut, ImportIn, ImportOut, ReportOut

router = APIRouter(prefix="/v1/admin", tags=["admin"])

Experiment = Annotated[str | None, Query(pattern=r"^[a-z0-9][a-z0-9_.-]{0,62}$")]


@router.get("/aggregates", response_model=AggregatesOut, summary="Service-wide counts")
def aggregates(session: SessionDep, admin: Admin) -> AggregatesOut:
    """Profiles by status, users with a match, roadmaps, finished resources, experiments."""
    counts = store.aggregates(session)
    return AggregatesOut(**counts, experiments=store.experiments(session))


@router.get("/abtest/report", response_model=ReportOut, summary="A/B report")
def report(
    settings: SettingsDep, session: SessionDep, admin: Admin, experiment: Experiment = None
) -> ReportOut:
    """Per-variant exposure and outcome rates, each variant tested against the control, with a
    verdict only once both arms reach the minimum sample."""
    name = experiment or settings.users_ab_experiment
    order: list[str] = []
    if name == settings.users_ab_experiment:
        variants = abtest.parse_variants(
            settings.users_ab_variants, settings.users_ab_momentum_weight
        )
        order = [v.name for v in variants]
    exposed, outcomes = store.experiment_counts(session, name)
    body = abtest.report(name, order, exposed, outcomes, settings.users_ab_min_users_per_arm)
    return ReportOut.model_validate(body)


def _resource_id(item: CatalogItem) -> str:
    tail = re.sub(r"[^a-z0-9._-]+", "-", item.external_id.lower()).strip("-")
    return f"{item.source}-{tail}"[:128]


def _row(item: CatalogItem, skills: list[str], level: int) -> dict[str, object]:
    return {
        "id": _resource_id(item),
        "kind": item.kind,
        "title": item.title[:200],
        "provider": item.provider[:100],
        "language": item.language,
        "level": level,
        "duration_hours": item.duration_hours,
        "pages": item.pages,
        "url": item.url,
        "isbn": item.isbn,
        "skills": skills,
        "source": item.source,
        "attrs": {**item.attrs, "link_kind": item.link_kind},
    }


@router.post(
    "/catalog/import",
    response_model=ImportOut,
    summary="Import from a connector",
    responses=error_responses(502),
)
async def import_resources(
    body: ImportIn, settings: SettingsDep, session: SessionDep, admin: Admin
) -> ImportOut:
    """Search K-MOOC, the ISBN registry or Aladin and store the hits, tagged with ``skills``.

    503 ``not_configured`` names the missing key; 502 when the API failed or answered nonsense.
    """
    check_against_taxonomy(load_taxonomy(settings.data_dir), skills=dict.fromkeys(body.skills, 1))
    try:
        items = await connector(body.source, settings).search(body.query, body.limit)
    except ConnectorNotConfigured as exc:
        raise ApiError(503, "not_configured", str(exc)) from exc
    except (ConnectorUnavailable, ConnectorResponseError) as exc:
        raise ApiError(502, "bad_gateway", str(exc)) from exc
    rows = [_row(i, body.skills, body.level) for i in items]

    def save() -> None:
        store_learning.upsert_resources(session, rows)
        session.commit()

    await run_in_threadpool(save)
    found = await run_in_threadpool(
        store_learning.resources_by_ids, session, [str(r["id"]) for r in rows]
    )
    out = [ResourceOut.model_validate(found[str(r["id"])].as_dict()) for r in rows]
    return ImportOut(source=body.source, imported=len(out), items=out)
