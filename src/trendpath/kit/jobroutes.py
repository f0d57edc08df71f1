"""The admin view of a service's job queue: what waits, what runs, what is parked and why."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel

from trendpath.kit.auth import require_scopes
from trendpath.kit.db import SessionDep
from trendpath.kit.deps import runtime_of
from trendpath.kit.errors import ApiError, error_responses
from trendpath.kit.jobqueue import JobQueue
from trendpath.kit.settings import Settings


class JobView(BaseModel):
    """One job of the queue."""

    id: int
    kind: str
    key: str
    state: str
    attempts: int
    run_after: dt.datetime
    lease_until: dt.datetime | None
    last_error: str | None
    created_at: dt.datetime


class JobsOut(BaseModel):
    """Counts per state and the jobs that are not simply waiting their turn."""

    counts: dict[str, int]
    max_attempts: int
    items: list[JobView]


def job_router(queue_of: Callable[[Settings], JobQueue]) -> APIRouter:
    """``GET /v1/admin/jobs`` and ``POST /v1/admin/jobs/{id}/retry`` for one queue."""
    router = APIRouter(prefix="/v1/admin", tags=["admin"], dependencies=[require_scopes("admin")])

    @router.get("/jobs", response_model=JobsOut, summary="The chain's job queue")
    def jobs(request: Request, session: SessionDep) -> JobsOut:
        """Pending, running and parked jobs (parked ones carry the reason they stopped)."""
        queue = queue_of(runtime_of(request).settings)
        rows = queue.jobs(session, ("pending", "running", "parked"))
        return JobsOut(
            counts=queue.counts(session),
            max_attempts=queue.policy.max_attempts,
            items=[JobView(**r._mapping) for r in rows],
        )

    @router.post(
        "/jobs/{job_id}/retry",
        status_code=204,
        responses=error_responses(404),
        summary="Retry a parked job",
    )
    def retry(
        request: Request,
        session: SessionDep,
        job_id: Annotated[int, Path(ge=1, le=2**62)],
    ) -> None:
        """Put a parked job back in the queue with a fresh attempt count."""
        queue = queue_of(runtime_of(request).settings)
        if not queue.retry(session, job_id):
            raise ApiError(404, "not_found", f"no parked job {job_id}")
        session.commit()

    return router
