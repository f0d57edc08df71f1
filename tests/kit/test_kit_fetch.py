"""trendpath.kit.fetch against a real HTTP server on 127.0.0.1 serving the abuse cases."""

from __future__ import annotations

import asyncio
import datetime as dt
import gzip
import ipaddress
import ssl
import threading
import time
import zlib
from collections.abc import Callable, Iterator, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from trendpath.kit.fetch import (
    BlockedAddressError,
    ConnectionFailedError,
    ContentDecodingError,
    FetchLimits,
    FetchResponse,
    FetchTimeoutError,
    ResponseTooLargeError,
    TooManyRedirectsError,
    UnsafeURLError,
    fetch,
    is_public_address,
    parse_cache_hints,
    resolve_checked,
)

LOCAL = frozenset({"127.0.0.1"})
Route = Callable[[BaseHTTPRequestHandler], None]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        server: Any = self.server
        server.hits.append((self.path, dict(self.headers.items())))
        route = server.routes.get(urlsplit(self.path).path)
        if route is None:
            send(self, 404, b"missing")
        else:
            route(self)

    def log_message(self, *args: object) -> None:
        pass


def send(h: BaseHTTPRequestHandler, status: int, body: bytes = b"", **headers: str) -> None:
    h.send_response(status)
    for name, value in headers.items():
        h.send_header(name.replace("_", "-"), value)
    h.send_header("Content-Length", str(len(body)))
    h.end_headers()
    h.wfile.write(body)


class LocalServer:
    """A threaded HTTP server with a path -> handler table and a log of requests."""

    def __init__(self, host: str = "127.0.0.1", context: ssl.SSLContext | None = None) -> None:
        self.httpd = ThreadingHTTPServer((host, 0), _Handler)
        self.httpd.daemon_threads = True
        if context is not None:
            self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
        self.routes: dict[str, Route] = {}
        self.hits: list[tuple[str, dict[str, str]]] = []
        self.httpd.routes = self.routes  # type: ignore[attr-defined]
        self.httpd.hits = self.hits  # type: ignore[attr-defined]
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str, scheme: str = "http", host: str = "127.0.0.1") -> str:
        return f"{scheme}://{host}:{self.port}{path}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def server() -> Iterator[LocalServer]:
    srv = LocalServer()
    yield srv
    srv.close()


def run(url: str, **kwargs: Any) -> FetchResponse:
    kwargs.setdefault("limits", FetchLimits(allow_hosts=LOCAL))
    return asyncio.run(fetch(url, **kwargs))


# --- ordinary exchanges -------------------------------------------------------------------------


def test_fetch_returns_status_headers_body_and_caching_hints(server: LocalServer) -> None:
    server.routes["/ok"] = lambda h: send(
        h, 200, "한글 본문".encode(), content_type="text/plain; charset=utf-8",
        cache_control="public, max-age=600", age="100", etag='"v1"',
        last_modified="Tue, 30 Apr 2024 00:00:00 GMT", expires="Wed, 01 May 2024 00:00:00 GMT",
    )  # fmt: skip
    resp = run(server.url("/ok"))
    assert resp.status == 200
    assert resp.body.decode() == "한글 본문"
    assert resp.etag == '"v1"' and resp.last_modified == "Tue, 30 Apr 2024 00:00:00 GMT"
    assert resp.hints.max_age_s == 500.0
    assert resp.hints.expires_at == dt.datetime(2024, 5, 1, tzinfo=dt.UTC)
    assert resp.url == server.url("/ok") and resp.redirects == ()
    _path, headers = server.hits[-1]
    assert headers["Host"] == f"127.0.0.1:{server.port}"
    assert "gzip" in headers["Accept-Encoding"]


def test_conditional_get_sends_validators_and_returns_304(server: LocalServer) -> None:
    def conditional(h: BaseHTTPRequestHandler) -> None:
        if h.headers.get("If-None-Match") == '"v1"':
            send(h, 304, etag='"v1"')
        else:
            send(h, 200, b"full", etag='"v1"')

    server.routes["/cond"] = conditional
    first = run(server.url("/cond"))
    again = run(server.url("/cond"), etag=first.etag, last_modified="Tue, 30 Apr 2024 00:00:00 GMT")
    assert (first.status, first.body) == (200, b"full")
    assert (again.status, again.body) == (304, b"")
    assert server.hits[-1][1]["If-Modified-Since"] == "Tue, 30 Apr 2024 00:00:00 GMT"


@pytest.mark.parametrize(
    ("coding", "encode"),
    [
        ("gzip", gzip.compress),
        ("deflate", zlib.compress),
        ("deflate", lambda b: zlib.compress(b)[2:-4]),  # raw deflate, as some servers send it
    ],
)
def test_compressed_bodies_are_inflated(
    server: LocalServer, coding: str, encode: Callable[[bytes], bytes]
) -> None:
    payload = "피드 ".encode() * 5000
    server.routes["/z"] = lambda h: send(h, 200, encode(payload), content_encoding=coding)
    assert run(server.url("/z")).body == payload


def test_multi_member_gzip_is_read_whole(server: LocalServer) -> None:
    server.routes["/mm"] = lambda h: send(
        h, 200, gzip.compress(b"first ") + gzip.compress(b"second"), content_encoding="gzip"
    )
    assert run(server.url("/mm")).body == b"first second"


def test_unrequested_content_encoding_is_refused(server: LocalServer) -> None:
    server.routes["/br"] = lambda h: send(h, 200, b"\x0b\x02\x80", content_encoding="br")
    with pytest.raises(ContentDecodingError):
        run(server.url("/br"))


def test_environment_proxies_are_ignored(
    server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://10.255.255.1:3128")
    monkeypatch.setenv("ALL_PROXY", "http://10.255.255.1:3128")
    server.routes["/px"] = lambda h: send(h, 200, b"direct")
    assert run(server.url("/px")).body == b"direct"


# --- size and time limits -----------------------------------------------------------------------


def test_gzip_bomb_stops_at_the_cap(server: LocalServer) -> None:
    bomb = gzip.compress(b"\0" * (64 * 1024 * 1024), compresslevel=9)  # 64 MiB from ~64 KiB
    server.routes["/bomb"] = lambda h: send(h, 200, bomb, content_encoding="gzip")
    limits = FetchLimits(allow_hosts=LOCAL, max_bytes=1024 * 1024)
    with pytest.raises(ResponseTooLargeError):
        run(server.url("/bomb"), limits=limits)


def test_endless_body_stops_at_the_cap(server: LocalServer) -> None:
    def endless(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Connection", "close")
        h.end_headers()
        h.close_connection = True
        try:
            for _ in range(100_000):  # 6 GB if nobody stops reading
                h.wfile.write(b"<item>" * 10_000)
        except OSError:
            pass

    server.routes["/endless"] = endless
    with pytest.raises(ResponseTooLargeError):
        run(server.url("/endless"), limits=FetchLimits(allow_hosts=LOCAL, max_bytes=500_000))


def test_declared_oversize_is_refused_before_reading(server: LocalServer) -> None:
    server.routes["/big"] = lambda h: send(h, 200, b"x" * 300_000)
    with pytest.raises(ResponseTooLargeError, match="content-length"):
        run(server.url("/big"), limits=FetchLimits(allow_hosts=LOCAL, max_bytes=100_000))


def test_slow_drip_hits_the_total_deadline(server: LocalServer) -> None:
    def drip(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Length", "1000")
        h.end_headers()
        try:
            for _ in range(1000):
                h.wfile.write(b"x")
                h.wfile.flush()
                time.sleep(0.05)  # each byte well inside the read timeout
        except OSError:
            pass

    server.routes["/drip"] = drip
    limits = FetchLimits(allow_hosts=LOCAL, read_timeout_s=1.0, total_timeout_s=0.8)
    started = time.monotonic()
    with pytest.raises(FetchTimeoutError):
        run(server.url("/drip"), limits=limits)
    assert time.monotonic() - started < 3.0


def test_silent_server_hits_the_read_timeout(server: LocalServer) -> None:
    server.routes["/silent"] = lambda h: time.sleep(3)
    limits = FetchLimits(allow_hosts=LOCAL, read_timeout_s=0.3, total_timeout_s=10)
    started = time.monotonic()
    with pytest.raises(FetchTimeoutError):
        run(server.url("/silent"), limits=limits)
    assert time.monotonic() - started < 2.0


def test_refused_connection_is_a_connection_error() -> None:
    srv = LocalServer()
    dead = srv.url("/")
    srv.close()
    with pytest.raises(ConnectionFailedError):
        run(dead)


# --- redirects ----------------------------------------------------------------------------------


def test_redirects_are_followed_and_reported(server: LocalServer) -> None:
    server.routes["/r1"] = lambda h: send(h, 301, location="/r2")
    server.routes["/r2"] = lambda h: send(h, 308, location=server.url("/final"))
    server.routes["/final"] = lambda h: send(h, 200, b"here")
    server.routes["/temp"] = lambda h: send(h, 302, location="/final")
    resp = run(server.url("/r1"))
    assert resp.body == b"here" and resp.url == server.url("/final")
    assert resp.redirects == (server.url("/r2"), server.url("/final"))
    assert resp.permanent_url == server.url("/final")
    assert run(server.url("/temp")).permanent_url is None


def test_redirect_loop_is_cut(server: LocalServer) -> None:
    server.routes["/loop"] = lambda h: send(h, 302, location="/loop")
    with pytest.raises(TooManyRedirectsError):
        run(server.url("/loop"), limits=FetchLimits(allow_hosts=LOCAL, max_redirects=3))
    assert sum(1 for path, _ in server.hits if path == "/loop") == 4


@pytest.mark.parametrize(
    "target",
    [
        "http://10.0.0.1/feed",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://0.0.0.0/",
        "http://2852039166/",  # 169.254.169.254 as one decimal integer
    ],
)
def test_redirect_to_private_address_is_refused_without_connecting(
    server: LocalServer, target: str
) -> None:
    server.routes["/to-private"] = lambda h: send(h, 302, location=target)
    started = time.monotonic()
    with pytest.raises(BlockedAddressError) as info:
        run(server.url("/to-private"))
    assert time.monotonic() - started < 1.0  # refused, not timed out connecting
    assert info.value.url != server.url("/to-private")


def test_redirect_to_other_loopback_server_never_reaches_it(server: LocalServer) -> None:
    inner = LocalServer(host="127.0.0.2")
    inner.routes["/secret"] = lambda h: send(h, 200, b"internal")
    try:
        server.routes["/to-inner"] = lambda h: send(
            h, 302, location=inner.url("/s", host="127.0.0.2")
        )
        with pytest.raises(BlockedAddressError):
            run(server.url("/to-inner"))
        assert inner.hits == []
    finally:
        inner.close()


@pytest.mark.parametrize("target", ["file:///etc/passwd", "ftp://example.com/feed", "gopher://x/"])
def test_redirect_to_other_schemes_is_refused(server: LocalServer, target: str) -> None:
    server.routes["/to-scheme"] = lambda h: send(h, 302, location=target)
    with pytest.raises(UnsafeURLError):
        run(server.url("/to-scheme"))


def test_loopback_is_refused_without_an_allow_list(server: LocalServer) -> None:
    with pytest.raises(BlockedAddressError):
        run(server.url("/ok"), limits=FetchLimits())
    with pytest.raises(BlockedAddressError):
        run(server.url("/ok", host="localhost"), limits=FetchLimits())


def test_allow_list_takes_cidrs_and_hostnames(server: LocalServer) -> None:
    server.routes["/allow"] = lambda h: send(h, 200, b"ok")
    for allow in ({"127.0.0.0/8"}, {"localhost"}):
        limits = FetchLimits(allow_hosts=frozenset(allow))
        assert run(server.url("/allow", host="localhost"), limits=limits).body == b"ok"


# --- the address guard and DNS ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("8.8.8.8", True), ("1.1.1.1", True), ("2606:4700:4700::1111", True),
        ("10.1.2.3", False), ("172.16.0.1", False), ("192.168.1.1", False),
        ("127.0.0.1", False), ("169.254.169.254", False), ("100.64.0.1", False),
        ("0.0.0.0", False), ("255.255.255.255", False), ("224.0.0.1", False),
        ("239.255.255.250", False), ("240.0.0.1", False), ("192.0.2.1", False),
        ("198.18.0.1", False), ("192.0.0.8", False), ("::1", False), ("::", False),
        ("fe80::1", False), ("fc00::1", False), ("fd12:3456::1", False), ("ff02::1", False),
        ("::ffff:127.0.0.1", False), ("::ffff:10.0.0.1", False), ("2002:7f00:1::", False),
        ("2002:a00:1::", False), ("64:ff9b::a00:1", False), ("2001::1", False),
        ("2001:db8::1", False), ("fe80::1%eth0", False),
        # global by Python's table but reserved: NAT64 of a public address (we never connect
        # through a translator), unallocated IPv6 space, IPv4-mapped public addresses
        ("64:ff9b::808:808", False), ("4000::1", False), ("::ffff:8.8.8.8", False),
        ("2001:4860:4860::8888", True), ("2002:808:808::1", True),
    ],
)  # fmt: skip
def test_is_public_address(address: str, public: bool) -> None:
    assert is_public_address(ipaddress.ip_address(address)) is public


def _pinned(answers: Sequence[str], calls: list[str] | None = None) -> Any:
    async def resolver(host: str, port: int) -> list[str]:
        if calls is not None:
            calls.append(host)
        return list(answers)

    return resolver


def test_every_resolved_address_must_be_public() -> None:
    with pytest.raises(BlockedAddressError):
        asyncio.run(resolve_checked("mixed.test", 80, (), _pinned(["8.8.8.8", "10.0.0.5"])))
    assert asyncio.run(resolve_checked("pub.test", 80, (), _pinned(["8.8.8.8"]))) == ["8.8.8.8"]


def test_unresolvable_host_is_a_connection_error() -> None:
    with pytest.raises(ConnectionFailedError):
        asyncio.run(resolve_checked("no-such-host.invalid", 80))


def test_connection_goes_to_the_checked_address(server: LocalServer) -> None:
    """A resolver that would answer differently the second time (DNS rebinding) is asked once per
    hop, and the request goes to the address that was checked while Host keeps the name."""
    answers = iter([["127.0.0.1"], ["10.0.0.1"]])
    calls: list[str] = []

    async def rebinding(host: str, port: int) -> list[str]:
        calls.append(host)
        return next(answers)

    server.routes["/rebind"] = lambda h: send(h, 200, b"checked")
    resp = run(server.url("/rebind", host="feeds.rebind.test"), resolver=rebinding)
    assert resp.body == b"checked" and calls == ["feeds.rebind.test"]
    assert server.hits[-1][1]["Host"] == f"feeds.rebind.test:{server.port}"


def _tls_pair(name: str) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """A server context with a self-signed certificate for ``name`` and a client trusting it."""
    import tempfile

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject).issuer_name(subject).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    pem = cert.public_bytes(serialization.Encoding.PEM)
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    with tempfile.NamedTemporaryFile("wb", suffix=".pem") as f:
        f.write(pem + key_pem)
        f.flush()
        server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        server_ctx.load_cert_chain(f.name)
    client_ctx = ssl.create_default_context(cadata=pem.decode())
    return server_ctx, client_ctx


def test_https_verifies_the_name_while_connecting_to_the_checked_ip() -> None:
    server_ctx, client_ctx = _tls_pair("feeds.tls.test")
    tls = LocalServer(context=server_ctx)
    tls.routes["/feed"] = lambda h: send(h, 200, b"secure")
    try:
        resolver = _pinned(["127.0.0.1"])
        ok = run(tls.url("/feed", "https", "feeds.tls.test"), resolver=resolver, verify=client_ctx)
        assert ok.body == b"secure"
        with pytest.raises(ConnectionFailedError):  # certificate is not for this name
            run(tls.url("/feed", "https", "other.tls.test"), resolver=resolver, verify=client_ctx)
    finally:
        tls.close()


# --- caching hints ------------------------------------------------------------------------------


def test_retry_after_in_seconds_and_as_a_date() -> None:
    now = dt.datetime(2024, 4, 30, 12, 0, tzinfo=dt.UTC)
    secs = parse_cache_hints(httpx.Headers({"Retry-After": "120"}), now)
    date = parse_cache_hints(httpx.Headers({"Retry-After": "Tue, 30 Apr 2024 12:10:00 GMT"}), now)
    past = parse_cache_hints(httpx.Headers({"Retry-After": "Tue, 30 Apr 2024 11:00:00 GMT"}), now)
    junk = parse_cache_hints(httpx.Headers({"Retry-After": "soon", "Expires": "0"}), now)
    assert secs.retry_after_s == 120.0
    assert date.retry_after_s == 600.0
    assert past.retry_after_s == 0.0
    assert junk.retry_after_s is None and junk.expires_at is None


def test_cache_control_directives() -> None:
    now = dt.datetime(2024, 4, 30, tzinfo=dt.UTC)
    hints = parse_cache_hints(httpx.Headers({"Cache-Control": 'no-cache, max-age="300"'}), now)
    assert hints.max_age_s == 300.0 and hints.no_store
    assert parse_cache_hints(httpx.Headers({}), now).max_age_s is None


def test_a_blocked_answer_names_the_host_and_the_address() -> None:
    with pytest.raises(
        BlockedAddressError, match=r"'inner\.test' resolves to non-public address 10\.0\.0\.5"
    ) as err:
        asyncio.run(resolve_checked("inner.test", 80, (), _pinned(["8.8.8.8", "10.0.0.5"])))
    assert err.value.url == "inner.test"


def test_an_ip_literal_is_checked_without_asking_dns() -> None:
    calls: list[str] = []
    got = asyncio.run(resolve_checked("8.8.8.8", 443, (), _pinned(["10.0.0.1"], calls)))
    assert got == ["8.8.8.8"] and calls == []
    with pytest.raises(BlockedAddressError, match=r"non-public address 10\.0\.0\.9"):
        asyncio.run(resolve_checked("10.0.0.9", 443, (), _pinned(["8.8.8.8"], calls)))
    assert calls == []


def test_dns_failures_are_connection_errors_naming_the_host() -> None:
    async def broken(host: str, port: int) -> list[str]:
        raise OSError("server failure")

    with pytest.raises(
        ConnectionFailedError, match=r"cannot resolve 'down\.test': server failure"
    ) as err:
        asyncio.run(resolve_checked("down.test", 80, (), broken))
    assert err.value.url == "down.test"
    with pytest.raises(ConnectionFailedError, match=r"'empty\.test' has no addresses") as err:
        asyncio.run(resolve_checked("empty.test", 80, (), _pinned([])))
    assert err.value.url == "empty.test"


@pytest.mark.parametrize(
    ("host", "allow", "allowed"),
    [
        ("Feeds.Example.COM.", [" feeds.example.com. "], True),  # case, dots and spaces ignored
        ("feeds.example.com", ["FEEDS.example.com"], True),
        ("feeds.example.com", ["other.example.com"], False),
        ("feeds.example.com", ["10.0.0.0/8"], True),
        ("feeds.example.com", [" 10.0.0.7 "], True),
        ("feeds.example.com", ["10.0.0.1/8"], True),  # host bits set: still the /8
        ("feeds.example.com", ["10.0.0.8/30"], False),
        ("feeds.example.com", ["nonsense", "10.0.0.7/32"], True),  # later entries still count
        ("feeds.example.com", [], False),
    ],
)
def test_the_allow_list_matches_hosts_and_networks(
    host: str, allow: list[str], allowed: bool
) -> None:
    check = resolve_checked(host, 80, allow, _pinned(["10.0.0.7"]))
    if allowed:
        assert asyncio.run(check) == ["10.0.0.7"]
    else:
        with pytest.raises(BlockedAddressError):
            asyncio.run(check)


def test_scoped_ipv6_answers_are_judged_without_their_scope() -> None:
    got = asyncio.run(resolve_checked("v6.test", 80, (), _pinned(["2001:4860:4860::8888%1"])))
    assert got == ["2001:4860:4860::8888%1"]
    with pytest.raises(BlockedAddressError, match="fe80::1"):
        asyncio.run(resolve_checked("v6.test", 80, (), _pinned(["fe80::1%eth0"])))


def test_the_system_resolver_answers_each_address_once() -> None:
    from trendpath.kit.netguard import system_resolver

    found = asyncio.run(system_resolver("localhost", 80))
    assert "127.0.0.1" in found and len(found) == len(set(found))
