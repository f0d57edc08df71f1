"""Draining a :class:`~trendpath.kit.jobqueue.JobQueue`: claim, run the handler under a
heartbeat, complete or record the failure; wake on NOTIFY, poll as a fallback.

A handler is ``async (runtime, job) -> None``. It may complete the job itself inside the
transaction that writes its effect (``queue.complete(session, job)``), which makes effect and
completion one atomic step; otherwise the worker completes it after the handler returns, and a
crash in between re-runs the (idempotent) handler.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import text
from starlette.concurrency import run_in_threadpool

from trendpath.kit.jobqueue import Job, JobQueue
from trendpath.kit.listen import listener
from trendpath.kit.runtime import Runtime

log = logging.getLogger(__name__)

Handler = Callable[[Runtime, Job], Awaitable[None]]


@dataclass(frozen=True)
class Worker:
    """Runs the handlers of one queue."""

    queue: JobQueue
    handlers: Mapping[str, Handler]
    poll_s: float = 30.0
    concurrency: int = 1

    async def drain(
        self, runtime: Runtime, kinds: Sequence[str] | None = None, limit: int | None = None
    ) -> int:
        """Run due jobs (of ``kinds``) until none is due or ``limit`` ran; how many ran."""
        done = 0
        while limit is None or done < limit:
            job = await run_in_threadpool(self._claim, runtime, kinds)
            if job is None:
                return done
            await self.attempt(runtime, job)
            done += 1
        return done

    def _claim(self, runtime: Runtime, kinds: Sequence[str] | None) -> Job | None:
        with runtime.db.session_scope() as session:
            return self.queue.claim(session, kinds)

    async def attempt(self, runtime: Runtime, job: Job) -> bool:
        """Run one claimed job; True when it succeeded."""
        handler = self.handlers.get(job.kind)
        beat = asyncio.create_task(self._beat(runtime, job))
        try:
            if handler is None:
                raise LookupError(f"no handler for job kind {job.kind!r}")
            await handler(runtime, job)
        except Exception as exc:
            reason = f"{type(exc).__name__}: {exc}"
            state = await run_in_threadpool(self._fail, runtime, job, reason)
            log.warning(
                "job failed",
                extra={"queue": self.queue.schema, "job": job.id, "kind": job.kind,
                       "attempts": job.attempts, "state": state, "error": reason[:200]},
            )  # fmt: skip
            return False
        finally:
            beat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await beat
        await run_in_threadpool(self._complete, runtime, job)
        return True

    def _fail(self, runtime: Runtime, job: Job, reason: str) -> str:
        with runtime.db.session_scope() as session:
            return self.queue.fail(session, job, reason)

    def _complete(self, runtime: Runtime, job: Job) -> None:
        with runtime.db.session_scope() as session:
            self.queue.complete(session, job)

    async def _beat(self, runtime: Runtime, job: Job) -> None:
        interval = max(0.5, self.queue.policy.lease_s / 3)
        while True:
            await asyncio.sleep(interval)
            try:
                await run_in_threadpool(self._heartbeat, runtime, job)
            except Exception:  # the database blinked: the next beat (or the lease) decides
                log.warning("job heartbeat failed", extra={"job": job.id}, exc_info=True)

    def _heartbeat(self, runtime: Runtime, job: Job) -> None:
        with runtime.db.session_scope() as session:
            self.queue.heartbeat(session, job)

    def _next_due_s(self, runtime: Runtime) -> float:
        with runtime.db.session_scope() as session:
            found = session.execute(
                text(
                    "SELECT EXTRACT(EPOCH FROM min(coalesce(CASE WHEN state = 'pending' "
                    "THEN run_after END, lease_until)) - now()) "
                    f"FROM {self.queue.table} WHERE state IN ('pending', 'running')"
                )
            ).scalar()
        return self.poll_s if found is None else max(0.05, min(self.poll_s, float(found)))

    async def run(self, runtime: Runtime) -> None:
        """Background job: drain whenever woken (NOTIFY), at the next due time, or on poll."""
        wake = asyncio.Event()
        listener(runtime).subscribe(self.queue.channel, lambda _p: wake.set(), wake.set)
        await asyncio.gather(*(self._loop(runtime, wake) for _ in range(self.concurrency)))

    async def _loop(self, runtime: Runtime, wake: asyncio.Event) -> None:
        while True:
            wake.clear()
            wait_s = self.poll_s
            try:
                await self.drain(runtime)
                wait_s = await run_in_threadpool(self._next_due_s, runtime)
            except Exception:  # database unreachable: try again after the poll interval
                log.warning("job queue drain failed", extra={"queue": self.queue.schema},
                            exc_info=True)  # fmt: skip
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), wait_s)
