"""Several server processes on one port: how `trendpath run` uses the machine's cores.

Python runs one request's Python code at a time per process, so one process serves from one core.
`trendpath run` binds the port, starts (or attaches to) the database, migrates and loads the demo
data once, then starts ``N`` worker processes (``python -m trendpath _worker``) that each serve
every app. On Linux the port has one listening socket per worker (``SO_REUSEPORT``, the way nginx
does it): the kernel spreads new connections over them by a hash of the connection, and a worker
that is replaced inherits the same socket and its queue. On one shared socket the worker that
woke first accepted a whole burst of connections — 44–48 of ``bench.match``'s 64 keep-alive
clients on one process, 16–20 on the other — and the crowded process's clients made the tail
latency. The hash splits them only roughly (about 36 / 28), so the workers also even out their
keep-alive connections (:class:`ConnectionShare`, :class:`ShedWhenCrowded`). Elsewhere
(``SO_REUSEPORT`` does not balance there) the workers share one socket. Only
worker 0 runs the background jobs (feed worker, refreshers, chain), so no job runs twice. The
supervisor (this module, in the parent) restarts a worker that dies, forwards Ctrl+C / SIGTERM,
and waits for the workers before it leaves the embedded database (the last process out stops
it).

A fresh process is spawned rather than forked: the parent has loaded PyTorch and opened pooled
connections, neither of which survives a fork safely.
"""

from __future__ import annotations

import gc
import logging
import math
import mmap
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from trendpath.kit.settings import Settings

log = logging.getLogger(__name__)

RESTART_WINDOW_S = 60.0
MAX_RESTARTS = 5
STOP_GRACE_S = 20.0


def freeze_heap() -> None:
    """Collect once, then move every object alive now into the permanent generation.

    A server process holds some 300,000 long-lived objects after start-up (FastAPI apps, pydantic
    models, Kiwi, NumPy, PyTorch modules). Python's full collection walks all of them: 100–300 ms
    on this 2-core machine, during which every request of the process waits — a pause that lands
    straight in the tail latency. After the freeze a full collection walks only what was created
    since (``gc.freeze``); the frozen objects are never collected, which is what they are for.
    The youngest generation is then collected every 10,000 net allocations instead of 700: a
    request allocates hundreds of short-lived containers, and the default ran a collection every
    request or two (``python -m bench.match``: throughput +4–11 %, p99 within run-to-run noise).
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 10, 10)


def reuse_port_available() -> bool:
    """Whether worker sockets can share a port with the kernel balancing connections over them
    (Linux; elsewhere ``SO_REUSEPORT`` does not balance, or does not exist)."""
    return sys.platform.startswith("linux") and hasattr(socket, "SO_REUSEPORT")


def die_with_parent(parent: int) -> None:
    """Have the kernel kill this worker when the supervisor dies, even by ``kill -9`` (Linux).

    A worker left behind would hold the port and the database and go on running background jobs
    that a restarted `trendpath run` starts again. SIGKILL, because a supervisor that vanished
    without stopping its workers crashed, and the workers should end with it.
    """
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    pr_set_pdeathsig = 1
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # it died before the request took effect
        os._exit(1)


def worker_count(settings: Settings, requested: int | None) -> int:
    """How many processes serve: the option, else the setting, else one per core.

    Local LLM weights (``AI_LLM_BACKEND=transformers``) are loaded by every process that serves
    the AI service, so with them `run` stays at one process unless told otherwise.
    """
    if requested:
        return requested
    if settings.workers:
        return settings.workers
    if settings.ai_llm_backend == "transformers" or (
        settings.ai_llm_backend == "auto"
        and settings.ai_llm_model_path is not None
        and not settings.ai_llm_base_url
    ):
        return 1
    return max(1, min(os.cpu_count() or 1, 8))


class ConnectionShare:
    """How many connections each worker holds, in a small memory file every worker maps (8 bytes
    each; the supervisor creates it and the workers inherit its descriptor).

    The kernel's hash spreads connections over the workers' sockets only roughly (64 keep-alive
    clients split about 36 / 28), and a crowded worker's clients wait longer. So each worker
    publishes its own count on every request, and a worker holding more than its fair share
    (the total over the workers, rounded up, plus ``slack``) closes the connection after the
    response it is sending (``Connection: close``); the client reconnects and lands on a worker
    by the hash again, so the split evens out within moments — the userspace balancing that
    proxies such as Envoy do at accept time. A count that is stale (a worker with no requests
    for a while) only makes the others shed less.
    """

    def __init__(self, fd: int, workers: int) -> None:
        """Map the counts of ``workers`` workers from the memory file ``fd`` (:meth:`create`)."""
        self.workers = workers
        self._map = mmap.mmap(fd, 8 * workers)
        self._view = memoryview(self._map).cast("q")

    @staticmethod
    def create(workers: int) -> int:
        """A fresh, zeroed anonymous memory file for ``workers`` counts; its descriptor.

        Anonymous (``memfd_create``): nothing is left on disk however the processes end, even
        after ``kill -9``. The workers inherit the descriptor as they inherit their sockets.
        """
        fd = os.memfd_create("trendpath-connections", 0)
        os.ftruncate(fd, 8 * workers)
        return fd

    def publish(self, index: int, count: int) -> None:
        """Worker ``index`` now holds ``count`` connections."""
        self._view[index] = count

    def crowded(self, index: int, count: int, slack: int = 1) -> bool:
        """Whether worker ``index``, holding ``count``, holds more than its share."""
        others = sum(self._view[i] for i in range(self.workers) if i != index)
        fair = math.ceil((others + count) / self.workers)
        return count > fair + slack

    def close(self) -> None:
        """Unmap (the memory goes when the last process holding the descriptor closes it)."""
        self._view.release()
        self._map.close()


class ShedWhenCrowded:
    """ASGI wrapper of one worker: publish the worker's connection count and, while it holds
    more than its share (:class:`ConnectionShare`), answer with ``Connection: close``.

    ``connections`` returns how many connections the worker holds now (uvicorn's server state).
    One connection at most every ``interval`` seconds: a connection being closed still counts
    until it is gone, and every request queued meanwhile would otherwise shed one too — a burst
    that lands on the other worker and makes it shed back (measured: p99 79 ms instead of 46).
    """

    def __init__(
        self,
        app: ASGIApp,
        share: ConnectionShare,
        index: int,
        connections: Callable[[], int],
        interval: float = 0.05,
    ) -> None:
        self.app = app
        self.share = share
        self.index = index
        self.connections = connections
        self.interval = interval
        self._last = 0.0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        count = self.connections()
        self.share.publish(self.index, count)
        now = time.monotonic()
        if now - self._last < self.interval or not self.share.crowded(self.index, count):
            await self.app(scope, receive, send)
            return
        self._last = now

        async def closing(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [*message.get("headers", ()), (b"connection", b"close")]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, closing)


@dataclass
class _Worker:
    index: int
    proc: subprocess.Popen[bytes]
    restarts: list[float] = field(default_factory=list)


class Supervisor:
    """Starts the worker processes and keeps them running until stopped.

    ``fds``: the listening sockets; worker ``i`` serves ``fds[i % len(fds)]`` (one socket per
    worker, or one that they all share). The supervisor keeps them open, so a replaced worker
    takes over the same socket.
    """

    def __init__(
        self,
        fds: list[int],
        count: int,
        url: str,
        database_url: str | None = None,
        share: int | None = None,
    ) -> None:
        self.fds = fds
        self.share = share
        """The :class:`ConnectionShare` memory file's descriptor (with one socket per worker)."""
        self.count = count
        self.url = url
        self.database_url = database_url
        self.workers: list[_Worker] = []
        self._stopping = False
        self._signalled: set[int] = set()

    def _spawn(self, index: int) -> subprocess.Popen[bytes]:
        fd = self.fds[index % len(self.fds)]
        cmd = [sys.executable, "-m", "trendpath", "_worker", "--fd", str(fd)]
        cmd += ["--index", str(index), "--url", self.url, "--of", str(self.count)]
        cmd += ["--parent", str(os.getpid())]
        inherited: tuple[int, ...] = (fd,)
        if self.share is not None:
            cmd += ["--share", str(self.share)]
            inherited = (fd, self.share)
        env = dict(os.environ)
        if index > 0:
            env["TRENDPATH_BACKGROUND_JOBS"] = "false"
        env["TRENDPATH_DEMO_ON_FIRST_RUN"] = "false"  # the parent loaded it
        if self.database_url:
            # The workers connect to the database the supervisor resolved; only the supervisor
            # attaches to the embedded server. (The wheel's list of attached processes is a
            # plain JSON file rewritten without a lock: workers attaching and leaving together
            # raced on it, and a torn read made the supervisor's exit fail.)
            env["TRENDPATH_DATABASE_URL"] = self.database_url
        return subprocess.Popen(cmd, env=env, pass_fds=inherited)

    def start(self) -> None:
        """Start every worker."""
        self.workers = [_Worker(i, self._spawn(i)) for i in range(self.count)]

    def stop(self, *_: object) -> None:
        """Ask every worker to finish its requests and exit (SIGTERM), once per worker process:
        a stop signal and the clean-up both call this, and a worker's second SIGTERM would
        only land in the middle of its own shutdown."""
        self._stopping = True
        for w in self.workers:
            if w.proc.poll() is None and w.proc.pid not in self._signalled:
                self._signalled.add(w.proc.pid)
                w.proc.send_signal(signal.SIGTERM)

    def _restart(self, w: _Worker) -> bool:
        now = time.monotonic()
        w.restarts = [t for t in w.restarts if now - t < RESTART_WINDOW_S] + [now]
        if len(w.restarts) > MAX_RESTARTS:
            log.error(
                "worker keeps dying; stopping trendpath",
                extra={"worker": w.index, "exit_code": w.proc.returncode},
            )
            return False
        log.warning(
            "worker exited; starting a new one",
            extra={"worker": w.index, "exit_code": w.proc.returncode},
        )
        w.proc = self._spawn(w.index)
        return True

    def run(self) -> int:
        """Supervise until SIGINT/SIGTERM (or a worker that keeps crashing); returns exit code."""
        previous = {s: signal.signal(s, self.stop) for s in (signal.SIGINT, signal.SIGTERM)}
        code = 0
        try:
            while not self._stopping:
                time.sleep(0.2)
                for w in self.workers:
                    if w.proc.poll() is not None and not self._stopping and not self._restart(w):
                        code = 1
                        self.stop()
        finally:
            self.stop()
            self._wait()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        return code

    def _wait(self) -> None:
        deadline = time.monotonic() + STOP_GRACE_S
        for w in self.workers:
            try:
                w.proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log.warning("worker did not stop in time; killing it", extra={"worker": w.index})
                w.proc.kill()
                w.proc.wait()
