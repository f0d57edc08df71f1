"""Live updates (``/live/{page}``, Server-Sent Events fed by LISTEN/NOTIFY) on a real server:
changes reach open pages, storms coalesce, reconnects resume by ``Last-Event-ID``, streams are
bounded per user, and a client that never reads is dropped without holding up the others."""

from __future__ import annotations

import contextlib
import http.client
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator

import httpx
import pytest
from sqlalchemy import text

from support import LiveServer
from trendpath.kit import live
from trendpath.kit.db import Database
from trendpath.kit.http import ServiceClients
from trendpath.kit.runtime import Runtime
from trendpath.kit.settings import Settings
from trendpath.web import session as websession
from trendpath.web.live import Hub

from .conftest import Visitor


def notify(db: Database, topics: list[str], event_id: str) -> None:
    """Commit one change notification, as a service does."""
    with db.session_scope() as session:
        live.publish(session, topics, event_id)


def storm(db: Database, topic: str, count: int, prefix: str = "s") -> str:
    """``count`` distinct notifications committed at once (one transaction); the last id."""
    with db.engine.begin() as conn:
        conn.execute(
            text(
                "SELECT pg_notify(:channel, json_build_object('id', CAST(:p AS text) || i::text, "
                "'topics', json_build_array(CAST(:topic AS text)))::text) "
                "FROM generate_series(1, :n) AS i"
            ),
            {"channel": live.CHANNEL, "p": prefix, "topic": topic, "n": count},
        )
    return f"{prefix}{count}"


class Events:
    """Reads an event stream in a thread, keeping each event as (kind, id, data).

    Plain ``http.client`` on a socket the test can shut down: hanging up is immediate.
    """

    def __init__(self, client: httpx.Client, path: str, headers: dict[str, str] | None = None):
        self.items: list[tuple[str, str | None, dict]] = []
        self.status: int | None = None
        self.opened = threading.Event()
        url = client.base_url
        self._conn = http.client.HTTPConnection(url.host, url.port, timeout=60)
        cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
        self._headers = {"Cookie": cookie, **(headers or {})}
        self._thread = threading.Thread(target=self._run, args=(path,), daemon=True)
        self._thread.start()
        assert self.opened.wait(15), "the stream did not open"

    def _run(self, path: str) -> None:
        try:
            self._conn.request("GET", path, headers=self._headers)
            resp = self._conn.getresponse()
            self.status = resp.status
            self._read(resp)
        except Exception:  # the test hung up mid-read: any read error ends the stream
            pass
        finally:
            self.opened.set()

    def _read(self, resp: http.client.HTTPResponse) -> None:
        kind, eid, data = "message", None, ""
        while raw := resp.readline():
            line = raw.decode().rstrip("\n")
            if line.startswith(": connected"):
                self.opened.set()
            elif line.startswith("event:"):
                kind = line[6:].strip()
            elif line.startswith("id:"):
                eid = line[3:].strip()
            elif line.startswith("data:"):
                data += line[5:].strip()
            elif line == "" and data:
                self.items.append((kind, eid, json.loads(data)))
                kind, eid, data = "message", None, ""

    def wait(self, count: int, timeout: float = 10) -> list[tuple[str, str | None, dict]]:
        deadline = time.monotonic() + timeout
        while len(self.items) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(self.items) >= count, f"got {self.items}"
        return self.items

    def close(self) -> None:
        """Hang up (the server sees the disconnect and frees the stream)."""
        if self._conn.sock is not None:
            with contextlib.suppress(OSError):
                self._conn.sock.shutdown(socket.SHUT_RDWR)
        self._conn.close()
        self._thread.join(timeout=5)


@pytest.fixture
def viewer(visitors: Callable[..., Visitor]) -> Visitor:
    return visitors()


def test_a_change_reaches_the_open_page_and_other_pages_stay_quiet(
    viewer: Visitor, db: Database
) -> None:
    trend = Events(viewer.client, "/live/trend/generative-ai")
    other = Events(viewer.client, "/live/trend/secondary-battery")
    notify(db, ["trend:generative-ai", "trends"], "t41")
    (kind, eid, data), *_ = trend.wait(1)
    assert (kind, eid, data) == ("change", "t41", {"topics": ["trend:generative-ai"]})
    time.sleep(1.0)
    assert other.items == []
    mine = Events(viewer.client, "/live/results")
    notify(db, [f"user:{viewer.user_id}"], "u7.1")
    assert mine.wait(1)[0][:2] == ("change", "u7.1")
    for stream in (trend, other, mine):
        stream.close()


def test_a_storm_of_ten_thousand_changes_coalesces_per_page(viewer: Visitor, db: Database) -> None:
    page = Events(viewer.client, "/live/trend/generative-ai")
    started = time.monotonic()
    last = storm(db, "trend:generative-ai", 10_000)
    storm(db, "trend:secondary-battery", 10_000, prefix="x")  # another page's storm
    items = page.wait(1)
    time.sleep(1.5)
    took = time.monotonic() - started
    assert 1 <= len(page.items) <= 3, page.items  # 10,000 changes, a handful of events
    assert page.items[-1][1] == last, "the last event carries the newest change"
    assert took < 5
    assert items[0][2] == {"topics": ["trend:generative-ai"]}
    page.close()


def test_reconnecting_with_last_event_id_gets_what_changed_meanwhile(
    viewer: Visitor, db: Database
) -> None:
    first = Events(viewer.client, "/live/trend/generative-ai")
    notify(db, ["trend:generative-ai"], "t100")
    seen = first.wait(1)[-1][1]
    first.close()
    notify(db, ["trend:generative-ai"], "t101")  # while "disconnected"
    notify(db, ["trend:mlops"], "t102")
    time.sleep(0.3)
    again = Events(viewer.client, "/live/trend/generative-ai", {"Last-Event-ID": str(seen)})
    assert again.wait(1)[0][:2] == ("change", "t101")
    again.close()
    lost = Events(viewer.client, "/live/trend/generative-ai", {"Last-Event-ID": "t9999999"})
    assert lost.wait(1)[0][0] == "refresh"  # unknown here: reload rather than guess
    lost.close()


def test_streams_are_bounded_per_user_and_counted(
    viewer: Visitor, visitors: Callable[..., Visitor], settings: Settings
) -> None:
    limit = settings.live_max_streams_per_user
    streams = [Events(viewer.client, "/live/trends") for _ in range(limit)]
    refused = viewer.client.get("/live/trends")
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "30"
    someone_else = visitors()
    ok = Events(someone_else.client, "/live/trends")
    metrics = viewer.client.get("/metrics").text
    gauge = next(
        line for line in metrics.splitlines() if line.startswith("trendpath_live_streams ")
    )
    assert float(gauge.split()[1]) >= limit + 1
    for s in [*streams, ok]:
        s.close()


def test_bad_requests_get_precise_answers(viewer: Visitor, live_server: LiveServer) -> None:
    assert viewer.client.get("/live/nonsense").status_code == 404
    assert viewer.client.get("/live/trend/Bad_Slug").status_code == 404
    with httpx.Client(base_url=live_server.url) as anonymous:
        assert anonymous.get("/live/trends").status_code == 401
    weird = Events(viewer.client, "/live/trends", {"Last-Event-ID": "'; DROP TABLE x"})
    assert weird.wait(1)[0][0] == "refresh"
    weird.close()


def test_the_hub_fans_out_in_constant_work_per_notification() -> None:
    """10,000 notifications to a page open 50 times: one wake-up per stream, well within 1 s."""

    async def scenario() -> None:
        hub = Hub(Settings(env="test", live_max_streams_per_user=100))
        streams = [hub.admit(f"u{i}", frozenset({"trend:a"})) for i in range(50)]
        quiet = hub.admit("q", frozenset({"trend:b"}))
        started = time.perf_counter()
        for i in range(10_000):
            hub.on_notify(json.dumps({"id": f"t{i}", "topics": ["trend:a", "trends"]}))
        hub.flush()  # the scheduled batch, now
        took = time.perf_counter() - started
        assert took < 1.0, f"10,000 notifications took {took:.2f} s"
        for s in streams:
            assert not isinstance(s, int)
            assert s.take() == (["trend:a"], "t9999", False)
        assert not isinstance(quiet, int) and not quiet.wake.is_set()
        assert hub.since("t9990", frozenset({"trend:a"})) == (["trend:a"], "t9999")
        assert hub.since("t9999", frozenset({"trend:a"})) == ([], "t9999")
        assert hub.since("nope1", frozenset({"trend:a"})) is None

    import asyncio

    asyncio.run(scenario())


# --- a client that never reads ---------------------------------------------------------------


class SmallBufferServer(LiveServer):
    """A live server whose connections have a small, fixed kernel send buffer (Linux copies it
    from the listening socket), so a client that stops reading blocks writes within ~100 kB
    instead of the megabytes loopback autotuning would buffer."""

    def __init__(self, app: object) -> None:
        super().__init__(app)
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 8192)
        self.sock.bind(("127.0.0.1", self.port))
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True
        )

    def __exit__(self, *exc: object) -> None:
        super().__exit__(*exc)
        self.sock.close()


@pytest.fixture
def strict_server(settings: Settings, database: Database) -> Iterator[LiveServer]:
    """The dashboard alone, with no coalescing delay and a short write timeout."""
    from trendpath.web.app import create_app

    fast = settings.model_copy(update={"live_coalesce_s": 0.0, "live_write_timeout_s": 0.5})
    runtime = Runtime(settings=fast, db=database, clients=ServiceClients(fast))
    with SmallBufferServer(create_app(fast, runtime)) as server:
        yield server


def _cookie(visitor: Visitor) -> str:
    return f"{websession.SESSION_COOKIE}={visitor.client.cookies[websession.SESSION_COOKIE]}"


def test_a_client_that_never_reads_is_dropped_without_blocking_others(
    strict_server: LiveServer, viewer: Visitor, db: Database
) -> None:
    stalled = socket.socket()
    stalled.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    stalled.connect(("127.0.0.1", strict_server.port))
    stalled.sendall(
        f"GET /live/trend/generative-ai HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Cookie: {_cookie(viewer)}\r\n\r\n".encode()
    )
    with httpx.Client(base_url=strict_server.url, cookies=viewer.client.cookies) as reader:
        good = Events(reader, "/live/trend/generative-ai")
        metrics = f"{strict_server.url}/metrics"
        deadline = time.monotonic() + 30
        dropped = 0.0
        bursts = 0
        with db.engine.connect() as conn:
            raw = conn.connection.driver_connection
            assert raw is not None
            raw.autocommit = True
            while time.monotonic() < deadline and not dropped:
                # One transaction per change: each reaches the stream on its own, so the
                # stalled client's buffers fill (one storm would coalesce into one event).
                for i in range(500):
                    payload = json.dumps(
                        {"id": f"b{bursts * 1000 + i}", "topics": ["trend:generative-ai"]}
                    )
                    raw.execute("SELECT pg_notify(%s, %s)", (live.CHANNEL, payload))
                bursts += 1
                dropped = _metric(
                    httpx.get(metrics).text, 'trendpath_live_dropped_total{reason="stalled"}'
                )
        assert dropped >= 1, "the stalled client was never dropped"
        before = len(good.items)
        notify(db, ["trend:generative-ai"], "t5")
        good.wait(before + 1)  # the reading client still gets every change
        assert good.items[-1][1] == "t5"
        good.close()
    stalled.close()


def _metric(page: str, name: str) -> float:
    for line in page.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return 0.0
