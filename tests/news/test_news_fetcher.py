"""One feed fetch end to end against a real HTTP server on 127.0.0.1: outcome and state change."""

from __future__ import annotations

import asyncio
import datetime as dt
import gzip
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from trendpath.kit.fetch import FetchLimits
from trendpath.news.fetcher import DEFAULT_LIMITS, FetchOutcome, HostThrottle, fetch_feed
from trendpath.news.policy import FeedState, Outcome, SchedulePolicy

FIXTURES = Path(__file__).parent / "fixtures"
NOW = dt.datetime(2024, 5, 1, 3, 0, tzinfo=dt.UTC)
LIMITS = FetchLimits(
    allow_hosts=frozenset({"127.0.0.1"}),
    max_bytes=1_000_000,
    read_timeout_s=1.0,
    total_timeout_s=1.5,
    accept=DEFAULT_LIMITS.accept,
)
POLICY = SchedulePolicy(jitter=0.0)
Route = Callable[[BaseHTTPRequestHandler], None]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        server: Any = self.server
        server.hits.append((self.path, dict(self.headers.items())))
        route = server.routes.get(urlsplit(self.path).path)
        (route or (lambda h: send(h, 404, b"missing")))(self)

    def log_message(self, *args: object) -> None:
        pass


def send(h: BaseHTTPRequestHandler, status: int, body: bytes = b"", **headers: str) -> None:
    h.send_response(status)
    for name, value in headers.items():
        h.send_header(name.replace("_", "-"), value)
    h.send_header("Content-Length", str(len(body)))
    h.end_headers()
    h.wfile.write(body)


def fixture_route(name: str, content_type: str = "application/rss+xml", **headers: str) -> Route:
    body = (FIXTURES / name).read_bytes()
    return lambda h: send(h, 200, body, content_type=content_type, **headers)


class FeedServer:
    def __init__(self) -> None:
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.daemon_threads = True
        self.routes: dict[str, Route] = {}
        self.hits: list[tuple[str, dict[str, str]]] = []
        self.httpd.routes = self.routes  # type: ignore[attr-defined]
        self.httpd.hits = self.hits  # type: ignore[attr-defined]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"


@pytest.fixture(scope="module")
def srv() -> Iterator[FeedServer]:
    server = FeedServer()
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


def check(state: FeedState, **kwargs: Any) -> FetchOutcome:
    kwargs.setdefault("limits", LIMITS)
    kwargs.setdefault("policy", POLICY)
    return asyncio.run(fetch_feed(state, now=NOW, **kwargs))


def test_feed_is_parsed_and_scheduled_then_a_304_pass_skips_parsing(srv: FeedServer) -> None:
    def conditional(h: BaseHTTPRequestHandler) -> None:
        if h.headers.get("If-None-Match") == '"v1"':
            send(h, 304, etag='"v1"')
        else:
            body = (FIXTURES / "rss20_ko.xml").read_bytes()
            send(h, 200, body, content_type="application/rss+xml", etag='"v1"')

    srv.routes["/cond"] = conditional
    first = check(FeedState(srv.url("/cond")))
    assert first.outcome is Outcome.UPDATED and len(first.articles) == 3
    assert first.state.etag == '"v1"' and first.state.error_count == 0
    assert first.state.next_check_at == NOW + dt.timedelta(minutes=90)  # the feed's <ttl>
    assert first.articles[1].entry.link == srv.url("/articles/1002")
    second = check(first.state)
    assert second.outcome is Outcome.NOT_MODIFIED and second.feed is None and second.articles == ()
    assert second.state.etag == '"v1"' and second.state.last_success_at == NOW


def test_refetching_the_same_feed_yields_the_same_hashes(srv: FeedServer) -> None:
    srv.routes["/same"] = fixture_route("rss20_ko.xml")
    a = check(FeedState(srv.url("/same")))
    b = check(a.state)
    assert [x.hash for x in a.articles] == [x.hash for x in b.articles]


@pytest.mark.parametrize(
    ("name", "outcome"),
    [
        ("malformed_garbage.xml", Outcome.MALFORMED),
        ("malformed_versioned_empty.xml", Outcome.MALFORMED),
        ("billion_laughs.xml", Outcome.UNSAFE_CONTENT),
        ("xxe_file.xml", Outcome.UNSAFE_CONTENT),
        ("html_page.html", Outcome.NOT_A_FEED),
    ],
)
def test_bad_documents_count_as_parse_errors(srv: FeedServer, name: str, outcome: Outcome) -> None:
    srv.routes[f"/{name}"] = fixture_route(name)
    result = check(FeedState(srv.url(f"/{name}"), parse_error_count=1))
    assert result.outcome is outcome and result.articles == ()
    assert result.state.parse_error_count == 2 and not result.state.parked
    assert result.state.next_check_at == NOW + POLICY.backoff_base
    parked = check(result.state)
    assert parked.state.parked and parked.state.next_check_at is None


def test_external_dtd_is_never_fetched(srv: FeedServer) -> None:
    dtd = srv.url("/evil.dtd")
    body = (
        f'<?xml version="1.0"?><!DOCTYPE rss SYSTEM "{dtd}">'
        '<rss version="2.0"><channel><title>t</title><item><title>DTD</title>'
        "<link>https://dtd.example.kr/1</link></item></channel></rss>"
    ).encode()
    srv.routes["/dtd-feed"] = lambda h: send(h, 200, body, content_type="application/rss+xml")
    srv.routes["/evil.dtd"] = lambda h: send(h, 200, b'<!ENTITY leak "x">')
    result = check(FeedState(srv.url("/dtd-feed")))
    assert result.outcome is Outcome.UPDATED and result.articles[0].entry.title == "DTD"
    assert not any(path == "/evil.dtd" for path, _ in srv.hits)


def test_malformed_but_recoverable_feed_is_an_update(srv: FeedServer) -> None:
    srv.routes["/broken"] = fixture_route("malformed_recoverable.xml")
    result = check(FeedState(srv.url("/broken")))
    assert result.outcome is Outcome.UPDATED and result.feed is not None and result.feed.malformed
    assert len(result.articles) == 2


def test_gzip_bomb_is_too_large(srv: FeedServer) -> None:
    bomb = gzip.compress(b"<rss>" + b" " * (32 * 1024 * 1024), compresslevel=9)
    srv.routes["/bomb"] = lambda h: send(h, 200, bomb, content_encoding="gzip")
    result = check(FeedState(srv.url("/bomb")))
    assert result.outcome is Outcome.TOO_LARGE and result.state.parse_error_count == 1


def test_endless_body_is_too_large(srv: FeedServer) -> None:
    def endless(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Connection", "close")
        h.end_headers()
        h.close_connection = True
        try:
            while True:
                h.wfile.write(b"<item><title>x</title></item>" * 1000)
        except OSError:
            pass

    srv.routes["/endless"] = endless
    assert check(FeedState(srv.url("/endless"))).outcome is Outcome.TOO_LARGE


def test_slow_server_times_out_without_hanging(srv: FeedServer) -> None:
    def slow(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Length", "100000")
        h.end_headers()
        try:
            for _ in range(2000):
                h.wfile.write(b"<")
                h.wfile.flush()
                time.sleep(0.1)
        except OSError:
            pass

    srv.routes["/slow"] = slow
    started = time.monotonic()
    result = check(FeedState(srv.url("/slow")))
    assert result.outcome is Outcome.TIMEOUT and result.state.error_count == 1
    assert time.monotonic() - started < 4.0


@pytest.mark.parametrize("target", ["http://10.0.0.1/rss", "http://169.254.169.254/latest/"])
def test_redirect_to_private_address_parks_the_feed(srv: FeedServer, target: str) -> None:
    srv.routes["/moved"] = lambda h: send(h, 301, location=target)
    result = check(FeedState(srv.url("/moved")))
    assert result.outcome is Outcome.BLOCKED and result.state.parked
    assert result.error is not None and "non-public" in result.error


def test_permanent_redirect_is_reported(srv: FeedServer) -> None:
    srv.routes["/old"] = lambda h: send(h, 301, location="/new")
    srv.routes["/new"] = fixture_route("empty_feed.xml")
    result = check(FeedState(srv.url("/old")))
    assert result.outcome is Outcome.UPDATED and result.moved_to == srv.url("/new")


@pytest.mark.parametrize(
    ("status", "outcome", "parked", "wait"),
    [
        (404, Outcome.NOT_FOUND, False, dt.timedelta(minutes=15)),
        (410, Outcome.GONE, True, None),
        (429, Outcome.RATE_LIMITED, False, dt.timedelta(hours=2)),
        (500, Outcome.SERVER_ERROR, False, dt.timedelta(minutes=15)),
    ],
)
def test_http_errors_change_state(
    srv: FeedServer, status: int, outcome: Outcome, parked: bool, wait: dt.timedelta | None
) -> None:
    headers = {"retry_after": "7200"} if status == 429 else {}
    srv.routes[f"/status{status}"] = lambda h: send(h, status, b"error", **headers)
    result = check(FeedState(srv.url(f"/status{status}"), etag='"keep"'))
    assert result.outcome is outcome and result.status == status
    assert result.state.parked is parked and result.state.error_count == 1
    assert result.state.etag == '"keep"'  # validators survive failures
    expected = None if wait is None else NOW + wait
    assert result.state.next_check_at == expected


@pytest.mark.parametrize("content_type", ["text/html; charset=utf-8", "application/octet-stream"])
def test_wrong_content_type_still_parses_a_real_feed(srv: FeedServer, content_type: str) -> None:
    srv.routes["/ctype"] = fixture_route("atom_ko.xml", content_type=content_type)
    result = check(FeedState(srv.url("/ctype")))
    assert result.outcome is Outcome.UPDATED and len(result.articles) == 1


def test_empty_feed_is_an_update_with_no_articles(srv: FeedServer) -> None:
    srv.routes["/empty"] = fixture_route("empty_feed.xml")
    result = check(FeedState(srv.url("/empty")))
    assert result.outcome is Outcome.UPDATED and result.articles == ()


def test_empty_body_is_not_a_feed(srv: FeedServer) -> None:
    srv.routes["/nobody"] = lambda h: send(h, 200, b"", content_type="application/rss+xml")
    assert check(FeedState(srv.url("/nobody"))).outcome is Outcome.NOT_A_FEED


def test_duplicate_guids_are_stored_once(srv: FeedServer) -> None:
    srv.routes["/dups"] = fixture_route("duplicate_guids.xml")
    result = check(FeedState(srv.url("/dups")))
    assert len(result.articles) == 2 and len({a.hash for a in result.articles}) == 2


def test_missing_and_future_dates(srv: FeedServer) -> None:
    srv.routes["/dates"] = fixture_route("dates_missing_future.xml")
    result = check(FeedState(srv.url("/dates")))
    dates = {a.entry.title: a.entry.published for a in result.articles}
    assert dates["날짜 없음"] == NOW and dates["미래 날짜"] == NOW


def test_euc_kr_feed_with_wrong_header_charset(srv: FeedServer) -> None:
    srv.routes["/euckr"] = fixture_route("euckr_prolog.xml", content_type="text/xml; charset=utf-8")
    result = check(FeedState(srv.url("/euckr")))
    assert result.outcome is Outcome.UPDATED and result.feed is not None
    assert result.feed.encoding == "cp949"
    assert result.articles[0].entry.title == "핀테크 기업, 프리A 투자 유치… 똠방각하 서비스 출시"


def test_utf8_bom_feed(srv: FeedServer) -> None:
    srv.routes["/bom"] = fixture_route("utf8_bom.xml", content_type="text/xml; charset=euc-kr")
    result = check(FeedState(srv.url("/bom")))
    assert result.outcome is Outcome.UPDATED and result.articles[0].entry.title.startswith("생성형")


def test_connection_refused_is_a_network_error() -> None:
    dead = FeedServer()
    url = dead.url("/rss")
    dead.httpd.shutdown()
    dead.httpd.server_close()
    result = check(FeedState(url))
    assert result.outcome is Outcome.NETWORK_ERROR and result.state.error_count == 1


def test_host_throttle_spaces_requests_to_one_host(srv: FeedServer) -> None:
    srv.routes["/t"] = fixture_route("empty_feed.xml")
    throttle = HostThrottle(min_gap_s=0.2)

    async def three() -> list[FetchOutcome]:
        states = [FeedState(srv.url(f"/t?n={i}")) for i in range(3)]
        return await asyncio.gather(
            *(fetch_feed(s, now=NOW, limits=LIMITS, throttle=throttle) for s in states)
        )

    started = time.monotonic()
    results = asyncio.run(three())
    assert all(r.outcome is Outcome.UPDATED for r in results)
    assert time.monotonic() - started >= 0.4
