"""The `trendpath` command as a user runs it: a real subprocess, a real port, a real database."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest

from support import free_port
from trendpath.kit.db import Database
from trendpath.kit.embedded import embedded_running
from trendpath.kit.settings import SERVICES

BIN = [sys.executable, "-m", "trendpath"]


def _env(state: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRENDPATH_")}
    env.update({"TRENDPATH_STATE_DIR": str(state), "TRENDPATH_LOG_JSON": "false"}, **extra)
    return env


def _cli(*args: str, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*BIN, *args], env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def _wait_healthy(url: str, proc: subprocess.Popen[str], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"exited early: {(proc.communicate()[1] or '')[-2000:]}")
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError("server did not become healthy")


def _stop(proc: subprocess.Popen[str]) -> tuple[int, str, str]:
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=60)
    return proc.returncode, out, err


@pytest.fixture
def state(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path / "state"
    # Never leave a server behind, whatever the test did.
    pg = tmp_path / "state" / "pg"
    if embedded_running(tmp_path / "state"):
        from trendpath.kit.embedded import pg_binary

        subprocess.run(
            ["su", "embedded_postgres", "-c", f"{pg_binary('pg_ctl')} -D {pg} stop -m fast"],
            check=False,
            capture_output=True,
        )


def _a_dead_worker_is_replaced(proc: subprocess.Popen[str], url: str) -> None:
    """`run` serves from worker processes; only worker 0 runs the background jobs; the
    supervisor replaces a worker that dies."""
    first = _workers(proc.pid)
    assert len(first) == 2
    background = [p for p in first if "--index 0" in " ".join(p.cmdline())]
    assert len(background) == 1
    victim = next(p for p in first if p not in background)
    victim.kill()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        now = _workers(proc.pid)
        if len(now) == 2 and victim.pid not in {p.pid for p in now}:
            break
        time.sleep(0.2)
    else:
        raise AssertionError("the dead worker was not replaced")
    for _ in range(10):  # whichever process accepts, every answer is right
        assert httpx.get(f"{url}/api/trends/readyz", timeout=60).status_code == 200


def _connections_even_out(proc: subprocess.Popen[str], port: int) -> None:
    """64 keep-alive clients end up split evenly over the two workers: a worker holding more
    than its share answers with `Connection: close` and the client reconnects."""
    request = b"GET /api/users/healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"

    def ask(conn: socket.socket) -> bool:
        """One request; False when the server closes the connection after it."""
        conn.sendall(request)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                return False  # closed before answering (idle keep-alive): ask again elsewhere
            data += chunk
        head, body = data.split(b"\r\n\r\n", 1)
        length = int(next(v for k, v in _headers(head) if k == b"content-length"))
        while len(body) < length:
            body += conn.recv(65536)
        return (b"connection", b"close") not in _headers(head)

    def connect() -> socket.socket:
        return socket.create_connection(("127.0.0.1", port), timeout=30)

    clients = [connect() for _ in range(64)]
    try:
        for _ in range(30):
            for i, conn in enumerate(clients):
                if not ask(conn):
                    conn.close()
                    clients[i] = connect()
        per_worker = []
        for w in _workers(proc.pid):
            held = [c for c in w.net_connections("tcp") if c.laddr.port == port]
            per_worker.append(sum(c.status == psutil.CONN_ESTABLISHED for c in held))
        assert sum(per_worker) == 64 and max(per_worker) - min(per_worker) <= 4, per_worker
    finally:
        for conn in clients:
            conn.close()


def _headers(head: bytes) -> list[tuple[bytes, bytes]]:
    lines = head.split(b"\r\n")[1:]
    return [
        (k.strip().lower(), v.strip().lower()) for k, _, v in (x.partition(b":") for x in lines)
    ]


@pytest.mark.slow
def test_run_serves_everything_on_one_port_and_reattaches(state: Path) -> None:
    port, port2 = free_port(), free_port()
    env = _env(state)
    # The log goes to a file: 64 clients' requests log more than a pipe holds unread.
    err_path = state.parent / "run-stderr.log"
    with err_path.open("w") as err_file:
        first = subprocess.Popen(
            [*BIN, "run", "--port", str(port), "--workers", "2"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=err_file,
            text=True,
        )
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_healthy(url, first)
        for service in SERVICES:
            ready = httpx.get(f"{url}/api/{service}/readyz", timeout=60)
            assert ready.status_code == 200, service
        assert "모두 정상" in httpx.get(f"{url}/").text
        assert httpx.get(f"{url}/api/trends/v1/trends").status_code == 401  # token required
        discovery = httpx.get(f"{url}/api/auth/.well-known/openid-configuration").json()
        assert discovery["issuer"].endswith("/api/auth")
        _connections_even_out(first, port)
        _a_dead_worker_is_replaced(first, url)

        # A second `run` on the same state folder attaches to the running database.
        second = subprocess.Popen(
            [*BIN, "run", "--port", str(port2), "--workers", "1"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        _wait_healthy(f"http://127.0.0.1:{port2}", second)
        second_ready = httpx.get(f"http://127.0.0.1:{port2}/api/trends/readyz", timeout=60)
        assert second_ready.status_code == 200
        code2, _, _ = _stop(second)
        assert code2 == 0
        assert embedded_running(state), "the first run still uses the database"
        assert httpx.get(f"{url}/api/users/readyz", timeout=60).status_code == 200
    finally:
        code, out, _ = _stop(first)
    err = err_path.read_text()
    assert code == 0, err[-2000:]
    assert f"running at http://127.0.0.1:{port}" in out
    assert "demo trends: 70 trends" in out
    assert "Traceback" not in err
    assert "· 2 processes" in out and "starting a new one" in err
    assert not embedded_running(state), "the last process out stops the embedded server"


def _workers(parent: int) -> list[psutil.Process]:
    found = []
    for child in psutil.Process(parent).children():
        try:
            if child.status() != psutil.STATUS_ZOMBIE and "_worker" in " ".join(child.cmdline()):
                found.append(child)
        except psutil.Error:  # exited (or a zombie not reaped yet) between listing and reading
            continue
    return found


def test_unreachable_database_url_is_one_line_exit_2(tmp_path: Path) -> None:
    env = _env(tmp_path, TRENDPATH_DATABASE_URL="postgresql://u:hunter2@127.0.0.1:1/x")
    result = _cli("migrate", env=env)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "cannot reach PostgreSQL at" in lines[0]
    assert "TRENDPATH_DATABASE_URL" in lines[0]
    assert "hunter2" not in lines[0]


def test_malformed_database_url(tmp_path: Path) -> None:
    result = _cli("migrate", env=_env(tmp_path, TRENDPATH_DATABASE_URL="mysql://x@y/z"))
    assert result.returncode == 2
    assert "must point to PostgreSQL" in result.stderr
    assert "Traceback" not in result.stderr


def test_unknown_service_and_bad_port(tmp_path: Path) -> None:
    unknown = _cli("serve", "payments", env=_env(tmp_path))
    assert unknown.returncode == 2
    assert "payments" in unknown.stderr
    bad_port = _cli("serve", "auth", "--port", "70000", env=_env(tmp_path))
    assert bad_port.returncode == 2
    assert "65535" in bad_port.stderr


def test_unwritable_state_folder(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = _cli("run", "--port", "0", env=_env(blocker / "state"))
    assert result.returncode == 2
    assert "not writable" in result.stderr
    assert "TRENDPATH_STATE_DIR" in result.stderr
    assert "Traceback" not in result.stderr


def test_port_in_use(tmp_path: Path) -> None:
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        result = _cli("serve", "web", "--port", str(port), env=_env(tmp_path))
    assert result.returncode == 2
    assert f"port {port}" in result.stderr and "already in use" in result.stderr


def test_invalid_setting_names_the_variable(tmp_path: Path) -> None:
    result = _cli("doctor", env=_env(tmp_path, TRENDPATH_DB_POOL_SIZE="many"))
    assert result.returncode == 2
    assert "TRENDPATH_DB_POOL_SIZE" in result.stderr


def test_prod_refuses_the_default_secret(tmp_path: Path) -> None:
    result = _cli("doctor", env=_env(tmp_path, TRENDPATH_ENV="prod"))
    assert result.returncode == 2
    assert "TRENDPATH_SECRET_KEY" in result.stderr


def test_doctor_reports_each_part(tmp_path: Path) -> None:
    result = _cli("doctor", env=_env(tmp_path / "state"))
    for name in ("database", "state", "data", "torch", "kiwipiepy", "fonts", "chromium"):
        assert name in result.stdout
    assert "values       lexicon (serving: lexicon)" in result.stdout
    assert "TRENDPATH_AI_ENCODER=hash: korean-hash:1-d1024" in result.stdout
    assert result.returncode == 0, result.stdout


def test_doctor_names_a_values_method_without_a_model(tmp_path: Path) -> None:
    result = _cli("doctor", env=_env(tmp_path / "state", TRENDPATH_AI_VALUES_METHOD="llm"))
    assert "values       llm (serving: unavailable) — no language model is configured" in (
        result.stdout
    )
    assert result.returncode == 1


def test_doctor_names_a_misconfigured_encoder(tmp_path: Path) -> None:
    env = _env(tmp_path / "state", TRENDPATH_AI_ENCODER="llama",
               TRENDPATH_AI_ENCODER_PATH=str(tmp_path / "missing"))  # fmt: skip
    result = _cli("doctor", env=env)
    assert result.returncode == 1
    assert (
        "TRENDPATH_AI_ENCODER=llama unavailable" in result.stdout
        and "does not exist" in result.stdout
    )


def test_admin_command_grants_the_role(tmp_path: Path, pg_url: str, database: Database) -> None:
    from sqlalchemy import text

    engine = database.engine
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO auth.account (id, email, display_name, password_hash) "
                "VALUES (gen_random_uuid(), 'boss@example.com', '관리자', 'x')"
            )
        )
    env = _env(tmp_path, TRENDPATH_DATABASE_URL=pg_url)
    try:
        granted = _cli("admin", "Boss@Example.com", env=env)
        assert granted.returncode == 0, granted.stderr
        with engine.connect() as conn:
            role = conn.execute(
                text("SELECT role FROM auth.account WHERE email='boss@example.com'")
            )
            assert role.scalar() == "admin"
        missing = _cli("admin", "nobody@example.com", env=env)
        assert missing.returncode == 2 and "no account" in missing.stderr
    finally:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM auth.account WHERE email='boss@example.com'"))


def test_listening_socket_is_tcp_so_nagle_gets_disabled() -> None:
    from trendpath.cli import bind_socket

    sock = bind_socket("127.0.0.1", 0)
    try:
        assert sock.proto == socket.IPPROTO_TCP
    finally:
        sock.close()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="SO_REUSEPORT balances on Linux")
def test_one_listening_socket_per_worker_and_the_port_stays_exclusive() -> None:
    from trendpath.cli import bind_socket, bind_sockets
    from trendpath.kit.errors import ConfigError

    socks = bind_sockets("127.0.0.1", 0, 2)
    port = socks[0].getsockname()[1]
    try:
        assert len(socks) == 2 and {s.getsockname()[1] for s in socks} == {port}
        # Another run on the same port is refused, though these sockets allow SO_REUSEPORT.
        with pytest.raises(ConfigError, match=f"port {port} .*already in use"):
            bind_sockets("127.0.0.1", port, 2)
        with pytest.raises(ConfigError, match="already in use"):
            bind_socket("127.0.0.1", port)
        for s in socks:
            s.settimeout(0.05)
        clients = [socket.create_connection(("127.0.0.1", port)) for _ in range(64)]
        accepted = [0, 0]
        for _ in range(3):
            for i, s in enumerate(socks):
                while True:
                    try:
                        conn, _ = s.accept()
                    except TimeoutError:
                        break
                    conn.close()
                    accepted[i] += 1
        # Every connection reached a worker's socket, and the kernel spread them over both.
        assert sum(accepted) == 64 and min(accepted) >= 12, accepted
        for c in clients:
            c.close()
    finally:
        for s in socks:
            s.close()
    single = bind_sockets("127.0.0.1", 0, 1)  # one process: one plain socket
    assert len(single) == 1
    single[0].close()


def test_no_service_imports_the_launcher() -> None:
    """Sub-commands take their helpers from kit.commands; only __main__ imports trendpath.cli."""
    import ast

    src = Path(__file__).resolve().parents[1] / "src" / "trendpath"
    offenders = []
    for path in src.rglob("*.py"):
        if path.name in ("cli.py", "__main__.py") and path.parent == src:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module == "trendpath.cli":
                offenders.append(str(path.relative_to(src)))
    assert offenders == []


SERVE = """
import asyncio, socket, sys, time
from trendpath.cli import serve_asgi

async def app(scope, receive, send):
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                print("starting", flush=True)
                await asyncio.sleep(float(sys.argv[2]))  # a slow start-up, as a real service has
                await send({"type": "lifespan.startup.complete"})
            else:
                await send({"type": "lifespan.shutdown.complete"})
                return
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})

sock = socket.socket()
sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
sock.bind(("127.0.0.1", int(sys.argv[1])))
serve_asgi(app, sock)
time.sleep(0.3)  # the caller's clean-up; a late signal must not cut it short
print("cleaned up", flush=True)
"""


@pytest.mark.parametrize("phase", ["serving", "starting"])
def test_a_burst_of_stop_signals_stops_the_server_cleanly(phase: str) -> None:
    # The supervisor and the user may both signal a worker; whenever the signals land (start-up,
    # serving, the server's own shutdown), the process finishes its clean-up, exits 0 and
    # prints no traceback.
    port = free_port()
    start_s = "3" if phase == "starting" else "0"
    proc = subprocess.Popen(
        [sys.executable, "-c", SERVE, str(port), start_s],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "starting"
    if phase == "serving":
        _wait_healthy(f"http://127.0.0.1:{port}", proc)  # the test app answers every path
    began = time.monotonic()
    for _ in range(3):  # all within the server's own shutdown (its loop ticks every 0.1 s)
        proc.send_signal(signal.SIGTERM)
        time.sleep(0.01)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err[-2000:]
    assert "Traceback" not in err, err[-2000:]
    assert "cleaned up" in out
    assert time.monotonic() - began < 15, "it stops within its graceful shutdown"


FREEZE = """
import gc, json
from trendpath.kit.workers import freeze_heap
kept = [{"n": i} for i in range(20_000)]  # long-lived start-up objects
before = gc.get_freeze_count()
freeze_heap()
after = gc.get_freeze_count()
gc.collect()
print(json.dumps({"before": before, "after": after, "still": gc.get_freeze_count(),
                  "young": gc.get_threshold()[0]}))
"""


def test_server_processes_freeze_their_start_up_heap() -> None:
    # Every later full collection skips what was alive at start-up (serve_asgi calls this).
    run = subprocess.run([sys.executable, "-c", FREEZE], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout.splitlines()[-1])
    assert out["before"] == 0
    assert out["after"] >= 20_000
    assert out["still"] == out["after"]  # a collection leaves the frozen objects alone
    assert out["young"] == 10_000  # the youngest generation is collected less often
