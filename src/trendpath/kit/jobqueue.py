"""A job queue in PostgreSQL, one table per service schema (``<schema>.job``).

A writer enqueues in its own transaction (the job exists exactly when the change it reacts to
is committed); workers claim with ``FOR UPDATE SKIP LOCKED`` so any number of them, in any
number of processes, drain one queue without blocking each other. A claim is a lease: the worker
holds it by heartbeat while the handler runs, and a worker killed with SIGKILL simply stops
renewing it, so another worker picks the job up when the lease runs out. Handlers are
idempotent, so running a job twice (killed after its effect, before its completion) is safe.

* **Coalescing**: one *pending* job per ``(kind, key)``; enqueueing again merges the payload
  (top-level JSON keys) into it. A job that is running does not absorb new work: the change
  that arrives meanwhile gets a pending job of its own and runs again afterwards.
* **Retries**: a failed attempt goes back to pending after an exponential back-off with jitter;
  after ``max_attempts`` attempts (failures, or leases that ran out because the worker died)
  the job is **parked** with the reason in ``last_error``, visible to operators
  (``/v1/admin/jobs`` of the service, ``trendpath doctor``) until retried.
* **Wake-up**: enqueueing sends ``NOTIFY trendpath_jobs_<schema>`` (delivered at commit), so an
  idle worker starts at once; it also polls, in case a notification was missed.
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, text
from sqlalchemy.orm import Session

from trendpath.kit.settings import Settings

QUEUE_SCHEMAS = ("trends", "users")
ERROR_CHARS = 500


@dataclass(frozen=True)
class Job:
    """A claimed job: what to do and how many attempts it has had (this one included)."""

    id: int
    kind: str
    key: str
    payload: dict[str, Any]
    attempts: int


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how fast failed jobs are retried, and how long a claim lasts."""

    max_attempts: int = 5
    backoff_base_s: float = 5.0
    backoff_max_s: float = 900.0
    lease_s: float = 60.0

    @classmethod
    def from_settings(cls, settings: Settings) -> RetryPolicy:
        """The policy every service's queue uses (``TRENDPATH_JOBS_*``)."""
        return cls(
            max_attempts=settings.jobs_max_attempts,
            backoff_base_s=settings.jobs_backoff_base_s,
            backoff_max_s=settings.jobs_backoff_max_s,
            lease_s=settings.jobs_lease_s,
        )

    def delay_s(self, attempts: int) -> float:
        """Back-off before attempt ``attempts + 1``: doubling from the base, capped; the second
        half of it is random, so jobs that failed together do not retry in lock-step."""
        full = min(self.backoff_max_s, self.backoff_base_s * 2 ** max(0, attempts - 1))
        return full / 2 + random.uniform(0, full / 2)


class JobQueue:
    """The queue of one service schema."""

    def __init__(self, schema: str, policy: RetryPolicy | None = None) -> None:
        if schema not in QUEUE_SCHEMAS:
            raise ValueError(f"no job queue in schema {schema!r}")
        self.schema = schema
        self.table = f"{schema}.job"
        self.channel = f"trendpath_jobs_{schema}"
        self.policy = policy or RetryPolicy()

    # --- writers -------------------------------------------------------------------------------

    def enqueue(
        self, session: Session, kind: str, key: str = "", payload: dict[str, Any] | None = None
    ) -> None:
        """Add a job, or merge ``payload`` into the pending job of the same kind and key."""
        self._lock_key(session, kind, key)
        session.execute(
            text(
                f"INSERT INTO {self.table} AS j (kind, key, payload) "
                "VALUES (:kind, :key, CAST(:payload AS jsonb)) "
                "ON CONFLICT (kind, key) WHERE state = 'pending' "
                "DO UPDATE SET payload = j.payload || excluded.payload, updated_at = now()"
            ),
            {"kind": kind, "key": key, "payload": json.dumps(payload or {}, default=str)},
        )
        session.execute(
            text("SELECT pg_notify(:channel, :kind)"), {"channel": self.channel, "kind": kind}
        )

    def discard_pending(self, session: Session, kind: str, key: str = "") -> int:
        """Drop the pending job of ``(kind, key)``: for a step that has just done its work in
        the caller's transaction. Only committed jobs are visible, and the writes behind them
        are visible to the same transaction, so no work is lost."""
        result = session.execute(
            text(
                f"DELETE FROM {self.table} WHERE kind = :kind AND key = :key AND state = 'pending'"
            ),
            {"kind": kind, "key": key},
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    def _lock_key(self, session: Session, kind: str, key: str) -> None:
        # Serialises enqueue with a failed attempt returning to pending (both touch the one
        # pending row the unique index allows), held until the transaction ends.
        session.execute(
            text("SELECT pg_advisory_xact_lock(hashtext(:k))"),
            {"k": f"{self.table}|{kind}|{key}"},
        )

    # --- workers -------------------------------------------------------------------------------

    def claim(self, session: Session, kinds: Sequence[str] | None = None) -> Job | None:
        """Lease the next due job (the caller commits at once), or None when none is due."""
        self._park_dead(session)
        where_kind = "AND kind = ANY(:kinds)" if kinds else ""
        row = session.execute(
            text(
                f"UPDATE {self.table} SET state = 'running', attempts = attempts + 1, "
                "lease_until = now() + make_interval(secs => :lease), updated_at = now() "
                f"WHERE id = (SELECT id FROM {self.table} "
                "  WHERE ((state = 'pending' AND run_after <= now()) "
                "     OR (state = 'running' AND lease_until < now())) "
                f"  {where_kind} ORDER BY run_after, id FOR UPDATE SKIP LOCKED LIMIT 1) "
                "RETURNING id, kind, key, payload, attempts"
            ),
            {"lease": self.policy.lease_s, "kinds": list(kinds or [])},
        ).first()
        if row is None:
            return None
        return Job(row.id, row.kind, row.key, dict(row.payload), row.attempts)

    def _park_dead(self, session: Session) -> None:
        # A lease that ran out means the worker died or hung mid-job; one that did so on every
        # attempt (a job that kills its worker) is parked instead of killing the next one.
        session.execute(
            text(
                f"UPDATE {self.table} SET state = 'parked', lease_until = NULL, "
                "updated_at = now(), "
                "last_error = 'the worker stopped during each of ' || attempts || ' attempts "
                "(killed, crashed or hung past its lease)' "
                "WHERE id IN (SELECT id FROM "
                f"{self.table} WHERE state = 'running' AND lease_until < now() "
                "AND attempts >= :max FOR UPDATE SKIP LOCKED)"
            ),
            {"max": self.policy.max_attempts},
        )

    def heartbeat(self, session: Session, job: Job) -> bool:
        """Extend the lease; False when the job is no longer this worker's."""
        result = session.execute(
            text(
                f"UPDATE {self.table} SET lease_until = now() + make_interval(secs => :lease) "
                "WHERE id = :id AND attempts = :attempts AND state = 'running'"
            ),
            {"lease": self.policy.lease_s, "id": job.id, "attempts": job.attempts},
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def complete(self, session: Session, job: Job) -> bool:
        """Remove a finished job; False when its lease was lost (another worker re-ran it)."""
        result = session.execute(
            text(
                f"DELETE FROM {self.table} "
                "WHERE id = :id AND attempts = :attempts AND state = 'running'"
            ),
            {"id": job.id, "attempts": job.attempts},
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def fail(self, session: Session, job: Job, error: str) -> str:
        """Record a failed attempt: back to pending after a back-off, or parked; the new state."""
        error = error[:ERROR_CHARS]
        self._lock_key(session, job.kind, job.key)
        params = {"id": job.id, "attempts": job.attempts, "error": error}
        if job.attempts >= self.policy.max_attempts:
            session.execute(
                text(
                    f"UPDATE {self.table} SET state = 'parked', lease_until = NULL, "
                    "last_error = :error, updated_at = now() "
                    "WHERE id = :id AND attempts = :attempts AND state = 'running'"
                ),
                params,
            )
            return "parked"
        delay = self.policy.delay_s(job.attempts)
        pending = self._pending_twin(session, job)
        if pending is not None:
            # New work arrived while this attempt ran: fold this job into the pending one,
            # keeping the attempt count so a job that always fails still parks.
            session.execute(
                text(
                    f"UPDATE {self.table} SET attempts = greatest(attempts, :attempts), "
                    "payload = CAST(:payload AS jsonb) || payload, last_error = :error, "
                    "run_after = greatest(run_after, now() + make_interval(secs => :delay)) "
                    "WHERE id = :pending"
                ),
                {**params, "payload": json.dumps(job.payload), "delay": delay, "pending": pending},
            )
            self.complete(session, job)
            return "pending"
        session.execute(
            text(
                f"UPDATE {self.table} SET state = 'pending', lease_until = NULL, "
                "run_after = now() + make_interval(secs => :delay), last_error = :error, "
                "updated_at = now() WHERE id = :id AND attempts = :attempts AND state = 'running'"
            ),
            {**params, "delay": delay},
        )
        return "pending"

    def _pending_twin(self, session: Session, job: Job) -> int | None:
        found = session.execute(
            text(
                f"SELECT id FROM {self.table} "
                "WHERE kind = :kind AND key = :key AND state = 'pending'"
            ),
            {"kind": job.kind, "key": job.key},
        ).scalar()
        return int(found) if found is not None else None

    # --- operators -----------------------------------------------------------------------------

    def jobs(self, session: Session, states: Sequence[str], limit: int = 100) -> list[Row[Any]]:
        """Jobs in the given states, oldest first, with their attempts and last error."""
        return list(
            session.execute(
                text(
                    "SELECT id, kind, key, state, attempts, run_after, lease_until, last_error, "
                    f"created_at, updated_at FROM {self.table} WHERE state = ANY(:states) "
                    "ORDER BY id LIMIT :limit"
                ),
                {"states": list(states), "limit": limit},
            )
        )

    def counts(self, session: Session) -> dict[str, int]:
        """How many jobs are pending, running and parked."""
        rows = session.execute(text(f"SELECT state, count(*) FROM {self.table} GROUP BY state"))
        found = {str(state): int(n) for state, n in rows.tuples()}
        return {s: found.get(s, 0) for s in ("pending", "running", "parked")}

    def retry(self, session: Session, job_id: int) -> bool:
        """Give a parked job a fresh start (attempts reset); False when no such parked job."""
        row = session.execute(
            text(
                f"SELECT kind, key, payload FROM {self.table} WHERE id = :id AND state = 'parked'"
            ),
            {"id": job_id},
        ).first()
        if row is None:
            return False
        session.execute(text(f"DELETE FROM {self.table} WHERE id = :id"), {"id": job_id})
        self.enqueue(session, row.kind, row.key, dict(row.payload))
        return True
