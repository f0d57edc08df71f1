"""The ``trendpath`` command: run, serve, migrate, demo, doctor (and the services' sub-commands)."""

from __future__ import annotations

import errno
import importlib
import os
import signal
import socket
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from trendpath.kit.commands import clear_errors, command_runtime, fail, load_settings
from trendpath.kit.errors import ConfigError
from trendpath.kit.logs import configure_logging
from trendpath.kit.runtime import Runtime
from trendpath.kit.settings import APPS, Settings

app = typer.Typer(
    name="trendpath",
    help="trendpath: AI career coach for Korean users (트렌드패스).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

Service = Enum("Service", {name: name for name in APPS}, type=str)  # type: ignore[misc]


def bind_socket(host: str, port: int, *, reuse_port: bool = False) -> socket.socket:
    """Bind the listening socket ourselves so a busy port is a clear message, not a traceback.

    ``reuse_port``: with ``SO_REUSEPORT``, so that :func:`bind_sockets` can put several
    listening sockets on one port.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY only on sockets that say they are TCP, and
    # without it every keep-alive reply waits ~40 ms for a delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind((host, port))
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise ConfigError(
                f"port {port} on {host} is already in use",
                hint="stop the other program or pass --port with a free port",
            ) from exc
        raise ConfigError(f"cannot listen on {host}:{port} ({exc.strerror})") from exc
    sock.set_inheritable(True)
    return sock


def bind_sockets(host: str, port: int, count: int) -> list[socket.socket]:
    """``count`` listening sockets on one port (``SO_REUSEPORT``), one per worker process: the
    kernel spreads new connections over them by a hash of each connection (kit/workers.py).

    The port is first claimed without ``SO_REUSEPORT``, so a port that any other program
    listens on — another `trendpath run` included — is refused as before; the claim is released
    just before the worker sockets bind. ``count`` 1, or a system where ``SO_REUSEPORT`` does
    not balance: one socket, which the workers then share.
    """
    from trendpath.kit.workers import reuse_port_available

    first = bind_socket(host, port)
    if count == 1 or not reuse_port_available():
        return [first]
    taken = first.getsockname()[1]
    first.close()
    socks: list[socket.socket] = []
    try:
        for _ in range(count):
            socks.append(bind_socket(host, taken, reuse_port=True))
    except ConfigError:
        for sock in socks:
            sock.close()
        raise
    return socks


def serve_asgi(
    asgi: object, sock: socket.socket, share: int | None = None, index: int = 0, of: int = 1
) -> None:
    """Run uvicorn on an already bound socket until SIGINT/SIGTERM, then return normally.

    The stop signals only *ask* the server to exit (``should_exit``), as uvicorn's own handlers
    do; they never raise. A signal lands wherever the main thread happens to be: an exception
    raised inside an asyncio callback is logged as a traceback and swallowed (the worker would
    not stop), and one raised during the clean-up after a first stop escapes it. uvicorn
    re-sends the signals it caught after its graceful shutdown; with the default handlers that
    would kill the process before our clean-up (closing the pool, stopping the embedded server),
    here they find the server already stopping. ``share``: the descriptor of the workers'
    connection counts (worker ``index`` of ``of``): a worker holding more than its share of
    connections closes some (kit.workers.ShedWhenCrowded).
    """
    import uvicorn

    from trendpath.kit.workers import ConnectionShare, ShedWhenCrowded, freeze_heap

    server: uvicorn.Server | None = None  # built below; the handler and the shedder read it
    stop_early = False  # a signal came before the server existed: nothing to serve

    def ask_stop(_signum: int, _frame: object) -> None:
        nonlocal stop_early
        if server is None:
            stop_early = True
        else:
            server.should_exit = True

    previous = {s: signal.signal(s, ask_stop) for s in (signal.SIGINT, signal.SIGTERM)}
    counts = ConnectionShare(share, of) if share is not None else None
    app = asgi
    if counts is not None:
        app = ShedWhenCrowded(
            asgi,  # type: ignore[arg-type]
            counts,
            index,
            lambda: len(server.server_state.connections) if server is not None else 0,
        )
    freeze_heap()  # start-up objects out of every later full collection (tail latency)

    config = uvicorn.Config(
        app,  # type: ignore[arg-type]
        log_config=None,
        access_log=False,
        proxy_headers=True,
        timeout_graceful_shutdown=10,
        lifespan="on",
    )
    try:
        server = uvicorn.Server(config)
        if not stop_early:
            server.run(sockets=[sock])
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if counts is not None:
            counts.close()


def _url(host: str, port: int) -> str:
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    return f"http://{shown}:{port}"


PortOpt = Annotated[int | None, typer.Option(min=0, max=65535, help="TCP port (0 = any free)")]
HostOpt = Annotated[str | None, typer.Option(help="Interface to listen on")]


WorkersOpt = Annotated[
    int | None,
    typer.Option(min=1, max=64, help="Server processes (default: one per core; 1 = one process)"),
]


@app.command()
def run(
    host: HostOpt = None,
    port: PortOpt = None,
    demo: Annotated[bool, typer.Option(help="Load demo data on first run")] = True,
    workers: WorkersOpt = None,
) -> None:
    """Run every service and the dashboard on one port (embedded DB by default).

    Several server processes share the port (one per core by default, see kit/workers.py);
    ``--workers 1`` serves everything from this one process.
    """
    from trendpath.demo import ensure_demo
    from trendpath.kit.migrate import upgrade
    from trendpath.kit.runtime import open_runtime
    from trendpath.kit.workers import ConnectionShare, Supervisor, worker_count

    settings = load_settings(host=host, port=port)
    configure_logging(settings.log_level, settings.log_json)
    count = worker_count(settings, workers)
    with clear_errors():
        socks = bind_sockets(settings.host, settings.port, count)
        actual_port = socks[0].getsockname()[1]
        runtime = open_runtime(settings)
    url = _url(settings.host, actual_port)
    try:
        with clear_errors():
            upgrade(runtime.db)
            if demo and settings.demo_on_first_run:
                for line in ensure_demo(runtime):
                    typer.echo(line)
        if count == 1:
            _serve_here(settings, runtime, socks[0], url)
            return
        # The workers open their own pools; the parent keeps only its hold on the database.
        runtime.db.dispose()
        share = ConnectionShare.create(count) if len(socks) > 1 else None
        supervisor = Supervisor([s.fileno() for s in socks], count, url, runtime.db.url, share)
        supervisor.start()
        try:
            code = supervisor.run()
        finally:
            if share is not None:
                os.close(share)
        if code:
            raise typer.Exit(code)
    finally:
        runtime.close()


def _announce(url: str, workers: int) -> None:
    processes = f" · {workers} processes" if workers > 1 else ""
    typer.secho(f"trendpath is running at {url}  (대시보드: {url}/){processes}", fg="green")
    typer.echo(f"API docs: {url}/api/<auth|users|news|trends|ai>/docs — Ctrl+C to stop")


def _serve_here(settings: Settings, runtime: Runtime, sock: socket.socket, url: str) -> None:
    from trendpath.combined import create_combined_app

    with clear_errors():
        combined = create_combined_app(settings, runtime, on_ready=lambda: _announce(url, 1))
    serve_asgi(combined, sock)


@app.command("_worker", hidden=True)
def worker(
    fd: Annotated[int, typer.Option(help="Inherited listening socket")],
    index: Annotated[int, typer.Option(help="Worker number (0 runs the background jobs)")],
    url: Annotated[str, typer.Option(help="The URL the supervisor listens on")],
    of: Annotated[int, typer.Option(help="How many workers there are")] = 1,
    parent: Annotated[int, typer.Option(help="The supervisor's process id")] = 0,
    share: Annotated[
        int | None, typer.Option(help="Inherited memory file of the connection counts")
    ] = None,
) -> None:
    """One server process of `trendpath run` (started by its supervisor, not by hand)."""
    from trendpath.combined import create_combined_app
    from trendpath.kit.runtime import open_runtime
    from trendpath.kit.workers import die_with_parent

    if parent:
        die_with_parent(parent)
    settings = load_settings()
    configure_logging(settings.log_level, settings.log_json)
    sock = socket.socket(fileno=fd)
    with clear_errors():
        runtime = open_runtime(settings, name="trendpath")  # one name for every process

    def ready() -> None:
        if index == 0:
            _announce(url, of)

    try:
        with clear_errors():
            combined = create_combined_app(settings, runtime, on_ready=ready)
        serve_asgi(combined, sock, share, index, of)
    finally:
        runtime.close()


@app.command()
def serve(
    service: Annotated[Service, typer.Argument(help="auth, users, news, trends, ai or web")],
    host: HostOpt = None,
    port: PortOpt = None,
) -> None:
    """Run one service (Compose/Kubernetes use this, one service per container)."""
    from trendpath.combined import create_service_app
    from trendpath.kit.migrate import upgrade
    from trendpath.kit.runtime import open_runtime

    settings = load_settings(host=host, port=port)
    configure_logging(settings.log_level, settings.log_json)
    with clear_errors():
        sock = bind_socket(settings.host, settings.port)
        runtime = open_runtime(settings, name=service.value)
        if settings.embedded:
            # A lone embedded service has no migrate job in front of it.
            upgrade(runtime.db)
    try:
        with clear_errors():
            asgi = create_service_app(service.value, settings, runtime)
        typer.echo(f"{service.value} listening on {_url(settings.host, sock.getsockname()[1])}")
        serve_asgi(asgi, sock)
    finally:
        runtime.close()


@app.command()
def migrate(
    revision: Annotated[str, typer.Option(help="Target revision")] = "head",
    down: Annotated[bool, typer.Option("--down", help="Downgrade to --revision")] = False,
) -> None:
    """Apply (or revert) database migrations."""
    from trendpath.kit import migrate as mig

    with command_runtime("migrate", at_head=False) as runtime:
        if down:
            mig.downgrade(runtime.db, revision)
        else:
            mig.upgrade(runtime.db, revision)
        with runtime.db.engine.connect() as conn:
            current = ", ".join(mig.current_revisions(conn)) or "base"
    typer.echo(f"database at revision {current}")


@app.command()
def demo(
    reset: Annotated[bool, typer.Option("--reset", help="Delete and reload demo data")] = False,
) -> None:
    """Load the demo data (or reset it)."""
    from trendpath.demo import ensure_demo
    from trendpath.kit.migrate import upgrade

    with command_runtime("demo", at_head=False) as runtime:
        upgrade(runtime.db)
        for line in ensure_demo(runtime, reset=reset, force=True):
            typer.echo(line)


@app.command()
def backup(
    output: Annotated[
        Path | None, typer.Option(help="Folder for backups (default: <state_dir>/backups)")
    ] = None,
    keep: Annotated[int, typer.Option(min=1, help="How many backups to keep in the folder")] = 14,
) -> None:
    """Dump the database (pg_dump custom format) and prune old backups."""
    from trendpath.kit import backup as bk

    with command_runtime("backup", at_head=False) as runtime:
        settings = runtime.settings
        out = output or settings.state_dir / "backups"
        result = bk.backup(runtime.db.url, out, keep=keep, external=not settings.embedded)
    typer.echo(f"backup written: {result.path} ({result.size_bytes / 1e6:.1f} MB)")
    for old in result.removed:
        typer.echo(f"removed old backup: {old}")


@app.command()
def restore(
    archive: Annotated[Path, typer.Argument(help="A file written by `trendpath backup`")],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation")] = False,
) -> None:
    """Replace the database's contents with a backup (in one transaction)."""
    from trendpath.kit import backup as bk

    if not yes and not typer.confirm(f"Replace all data with {archive}?"):
        raise typer.Exit(1)
    with command_runtime("restore", at_head=False) as runtime:
        bk.restore(runtime.db.url, archive, external=not runtime.settings.embedded)
    typer.echo(f"restored {archive}")


@app.command()
def admin(
    email: Annotated[str, typer.Argument(help="The account's email address")],
    revoke: Annotated[bool, typer.Option("--revoke", help="Make it a plain user again")] = False,
) -> None:
    """Grant (or revoke) the admin role; the user signs in again to get admin tokens."""
    from trendpath.auth.accounts import normalise_email
    from trendpath.auth.store import set_role

    normalised = normalise_email(email)
    if normalised is None:
        raise fail(f"{email!r} is not an email address")
    with command_runtime("admin") as runtime, runtime.db.session_scope() as session:
        found = set_role(session, normalised, "user" if revoke else "admin")
    if not found:
        raise fail(f"no account with email {normalised}")
    typer.echo(f"{normalised} is now {'a user' if revoke else 'an admin'}")


@app.command()
def doctor() -> None:
    """Print what is configured and what is missing, each with its fix; exit 1 on a failure
    (with TRENDPATH_ENV=prod, also when sources, coach, encoder or forecasts are not real)."""
    from trendpath.doctor import run_checks

    settings = load_settings()
    ok = True
    for check in run_checks(settings):
        mark = {"ok": "✔", "warn": "!", "fail": "✘"}[check.level]
        colour = {"ok": "green", "warn": "yellow", "fail": "red"}[check.level]
        typer.secho(f"{mark} {check.name:<12} {check.detail}", fg=colour)
        if check.fix and check.level != "ok":
            typer.echo(f"    → {check.fix}")
        ok = ok and check.level != "fail"
    if not ok:
        raise typer.Exit(1)


SUBCOMMANDS = {
    "trends": "trendpath.trends.cli",
    "forecast": "trendpath.trends.forecast.cli",
    "news": "trendpath.news.cli",
    "users": "trendpath.users.cli",
    "llm": "trendpath.ai.finetune.cli",
}


def _mount_subcommands(argv: list[str]) -> None:
    """Mount each area's sub-commands; one `trendpath` entry point for all of them.

    Importing an area's commands can be slow (the forecast commands import torch), so a command
    line that names one of our own top-level commands (``trendpath admin …``) or one area
    (``trendpath trends …``) imports only what it runs; help and anything unknown get them all.
    """
    first = next((a for a in argv[1:2] if not a.startswith("-")), None)
    own = {
        c.name or getattr(c.callback, "__name__", "").replace("_", "-")
        for c in app.registered_commands
    }
    for name, module in SUBCOMMANDS.items():
        if first in own or (first in SUBCOMMANDS and first != name):
            continue
        app.add_typer(importlib.import_module(module).app, name=name)


_mount_subcommands(sys.argv)


def main() -> None:
    """Console entry point."""
    app()


if __name__ == "__main__":
    main()
