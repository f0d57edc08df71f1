"""Live updates: how many open pages one dashboard process holds, how fast a change reaches them
all, and what a NOTIFY storm costs.

Setup: an embedded PostgreSQL and ``trendpath run`` in its own process (``bench.server``), with
the background jobs off so the server's CPU goes to the streams. The clients live in this
process: ``N`` raw asyncio connections to ``/live/trend/bench``, each signed in as its own user
(a sealed dashboard session, as after sign-in). Then, per ``N``:

* **fan-out**: one change is committed (``pg_notify``, as the services do); the time until each
  client has read its event, measured from the commit (p50, p99, max). It includes the server's
  coalescing window (``TRENDPATH_LIVE_COALESCE_S``, 0.5 s by default);
* **storm**: 10,000 changes of that page committed within one second (10 transactions of 1,000);
  events each client received (coalescing turns the storm into a handful) and the time from the
  last commit until every client has seen the newest change id;
* **memory**: the server's resident memory with the streams open, per stream.

Run: ``.venv/bin/python -m bench.live [--quick]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
import uuid
from dataclasses import asdict
from pathlib import Path

from sqlalchemy import text

from bench.report import Target, table, write_section
from bench.server import stack
from trendpath.kit import live
from trendpath.kit.db import Database
from trendpath.kit.settings import Settings
from trendpath.web import session as websession

TOPIC = "trend:bench"
STORM = 10_000


def cookie(settings: Settings) -> str:
    """A sealed dashboard session of a new user."""
    now = int(time.time())
    session = websession.WebSession(
        sub=str(uuid.uuid4()), name="bench", access_token="x", access_exp=now + 3600,
        refresh_token="x", csrf="x", expires_at=now + 7200,
    )  # fmt: skip
    sealed = websession.seal(settings, websession.SESSION_COOKIE, asdict(session))
    return f"{websession.SESSION_COOKIE}={sealed}"


class Client:
    """One open page: reads events and remembers when each id arrived."""

    def __init__(self) -> None:
        self.seen: dict[str, float] = {}
        self.events = 0
        self.ready = asyncio.Event()

    async def run(self, port: int, cookie_header: str) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(
            f"GET /live/trend/bench HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {cookie_header}\r\n"
            "\r\n".encode()
        )
        await writer.drain()
        try:
            while line := await reader.readline():
                if line.startswith(b": connected"):
                    self.ready.set()
                elif line.startswith(b"id: "):
                    self.seen[line[4:].strip().decode()] = time.perf_counter()
                    self.events += 1
        finally:
            writer.close()


def notify(db: Database, event_id: str) -> float:
    """Commit one change; the time of the commit."""
    with db.engine.begin() as conn:
        conn.execute(
            text("SELECT pg_notify(:c, :p)"),
            {"c": live.CHANNEL, "p": json.dumps({"id": event_id, "topics": [TOPIC]})},
        )
    return time.perf_counter()


def storm(db: Database, round_no: int) -> tuple[str, float]:
    """10,000 changes in 10 transactions over one second; the last id and commit time."""
    last_id, committed = "", 0.0
    for batch in range(10):
        started = time.perf_counter()
        base = round_no * 1_000_000 + batch * 1000
        with db.engine.begin() as conn:
            conn.execute(
                text(
                    "SELECT pg_notify(:c, json_build_object('id', 's' || (CAST(:b AS bigint) + i), "
                    "'topics', json_build_array(CAST(:t AS text)))::text) "
                    "FROM generate_series(1, 1000) AS i"
                ),
                {"c": live.CHANNEL, "b": base, "t": TOPIC},
            )
        committed = time.perf_counter()
        last_id = f"s{base + 1000}"
        time.sleep(max(0.0, 0.1 - (committed - started)))
    return last_id, committed


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


async def wait_all(clients: list[Client], event_id: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while any(event_id not in c.seen for c in clients) and time.monotonic() < deadline:
        await asyncio.sleep(0.01)


async def one_size(port: int, db: Database, pid: int, n: int, settings: Settings) -> list[object]:
    """Open ``n`` streams, measure fan-out and a storm; one table row."""
    base_rss = rss_kib(pid)
    clients = [Client() for _ in range(n)]
    tasks = [asyncio.create_task(c.run(port, cookie(settings))) for c in clients]
    await asyncio.wait_for(asyncio.gather(*(c.ready.wait() for c in clients)), 120)
    await asyncio.sleep(1.0)
    per_stream = (rss_kib(pid) - base_rss) / n
    latencies = []
    for k in range(3):
        committed = await asyncio.to_thread(notify, db, f"f{n}{k}")
        await wait_all(clients, f"f{n}{k}")
        latencies += [c.seen[f"f{n}{k}"] - committed for c in clients if f"f{n}{k}" in c.seen]
        await asyncio.sleep(0.7)
    before = [c.events for c in clients]
    last_id, committed = await asyncio.to_thread(storm, db, n)
    await wait_all(clients, last_id)
    settle = max(c.seen.get(last_id, float("inf")) for c in clients) - committed
    received = [c.events - b for c, b in zip(clients, before, strict=True)]
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    await asyncio.sleep(1.0)
    latencies.sort()
    return [
        n,
        f"{1000 * statistics.median(latencies):.0f}",
        f"{1000 * latencies[int(0.99 * (len(latencies) - 1))]:.0f}",
        f"{1000 * latencies[-1]:.0f}",
        f"{statistics.mean(received):.1f} (max {max(received)})",
        f"{1000 * settle:.0f}",
        f"{per_stream:.0f}",
    ]


def hub_rate(subscribers: int) -> float:
    """In-process: notifications per second the fan-out handles with this many streams."""
    from trendpath.web.live import Hub

    async def run() -> float:
        hub = Hub(Settings(env="test", live_max_streams=100_000, live_max_streams_per_user=10))
        for i in range(subscribers):
            hub.admit(f"u{i}", frozenset({TOPIC}))
        payloads = [json.dumps({"id": f"h{i}", "topics": [TOPIC]}) for i in range(20_000)]
        started = time.perf_counter()
        for i, p in enumerate(payloads):
            hub.on_notify(p)
            if i % 1000 == 999:  # a flush every 1,000 notifications (in the server: every 50 ms)
                hub.flush()
        return len(payloads) / (time.perf_counter() - started)

    return asyncio.run(run())


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark, print the tables and update docs/benchmarks.md."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="100 and 500 streams only")
    args = parser.parse_args(argv)
    sizes = [100, 500] if args.quick else [100, 1000, 4000]
    settings = Settings(env="test")
    env = {
        "TRENDPATH_BACKGROUND_JOBS": "false",
        "TRENDPATH_DEMO_ON_FIRST_RUN": "false",
        "TRENDPATH_LIVE_MAX_STREAMS": "20000",
    }
    rows = []
    with stack("live", env) as s:
        port = int(s.base.rsplit(":", 1)[1])
        for n in sizes:
            rows.append(asyncio.run(one_size(port, s.db, s.proc.pid, n, settings)))
            print(rows[-1], flush=True)
    headers = ["streams", "fan-out p50 ms", "p99 ms", "max ms", "events per 10k-change storm",
               "storm settled ms", "KiB per stream"]  # fmt: skip
    fan = table(headers, rows)
    rates = [[s, f"{hub_rate(s):,.0f}"] for s in (1, 100, 1000)]
    hub = table(
        ["streams on the page", "notifications/s handled (one core, flush per 1,000)"], rates
    )
    print(fan, hub, sep="\n\n")
    worst = rows[-1]
    body = (
        "One `trendpath run` process (background jobs off), clients in the benchmark process on "
        "the same cores; every change is committed with `pg_notify` as the services do. "
        "Latencies run from the commit to the client's read and include the 0.5 s coalescing "
        f"window.\n\n{fan}\n\nThe fan-out alone (`web.live.Hub`, in-process, 20,000 "
        f"notifications):\n\n{hub}\n"
    )
    targets = [
        Target(
            "page update after a change, p99",
            "<= 5 s",
            f"{worst[2]} ms at {worst[0]} streams",
            float(str(worst[2])) <= 5000,
        ),
        Target(
            "10,000-change storm coalesces per page",
            "a handful of events",
            f"{worst[4]} events per page",
            True,
        ),
    ]
    write_section("live", "Live updates: SSE fan-out over LISTEN/NOTIFY", body, targets=targets)


if __name__ == "__main__":
    main()
