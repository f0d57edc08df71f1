"""Crash-test harness: real ``trendpath`` processes, killed with SIGKILL, and the database's view.

A :class:`Proc` is the real command line (``python -m trendpath ...``) against the test session's
database, its output collected by reader threads so a test can wait for a line without blocking
the child. :class:`Blocker` holds a row or table lock from the test process: a deterministic
point at which the process under test is provably mid-way (it is waiting inside its own open
transaction), instead of a sleep that hopes to land there. The ``pg_*`` helpers read
``pg_stat_activity`` and ``pg_locks``: which backends a process still has, whether one waits on
a lock, and whether all of them (and so their locks) are gone after the kill.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Connection, text
from sqlalchemy.exc import OperationalError

from trendpath.kit.db import Database

BIN = [sys.executable, "-m", "trendpath"]
Spawn = Callable[..., "Proc"]
"""The ``spawn`` fixture: ``spawn("trends", "import", FILE, TRENDPATH_X="1")`` -> a running Proc."""

TEST_APP = "tests"
"""``application_name`` of the test process's own connections (conftest's ``database``)."""


def cli_env(database_url: str, state_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a ``trendpath`` child: the test database, its own state folder.

    The database is the session's (so the test sees what the child commits); the state folder
    (model registry, keys) is per test, so one test's models never leak into another's.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRENDPATH_")}
    env.update(
        TRENDPATH_ENV="test",
        TRENDPATH_DATABASE_URL=database_url,
        TRENDPATH_STATE_DIR=str(state_dir),
        TRENDPATH_LOG_JSON="false",
        TRENDPATH_LOG_LEVEL="INFO",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


class Proc:
    """A ``trendpath`` child process whose stdout and stderr are read as they come."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.args = args
        self.popen = subprocess.Popen(
            [*BIN, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        self.pid = self.popen.pid
        self._out = bytearray()
        self._lock = threading.Lock()
        self._readers = [
            threading.Thread(target=self._drain, args=(s,), daemon=True)
            for s in (self.popen.stdout, self.popen.stderr)
        ]
        for reader in self._readers:
            reader.start()

    def _drain(self, stream: IO[bytes] | None) -> None:
        assert stream is not None
        while chunk := os.read(stream.fileno(), 65536):
            with self._lock:
                self._out += chunk

    @property
    def output(self) -> str:
        """Everything the process wrote so far (stdout and stderr interleaved)."""
        with self._lock:
            return self._out.decode("utf-8", "replace")

    def alive(self) -> bool:
        """True while the process runs."""
        return self.popen.poll() is None

    def wait_output(self, pattern: str, timeout: float = 60) -> re.Match[str]:
        """Wait until the output matches ``pattern``; fail if the process exits first."""
        regex = re.compile(pattern)
        found: list[re.Match[str]] = []

        def seen() -> bool:
            match = regex.search(self.output)
            if match:
                found.append(match)
            return match is not None

        wait_until(seen, timeout, f"output matching {pattern!r}", self)
        return found[0]

    def kill9(self) -> None:
        """SIGKILL: no handler, no clean-up, no flush - the crash under test."""
        os.kill(self.pid, signal.SIGKILL)
        self.popen.wait(timeout=30)
        assert self.popen.returncode == -signal.SIGKILL

    def finish(self, timeout: float = 120) -> int:
        """Wait for the process to exit by itself; its exit code."""
        code = self.popen.wait(timeout=timeout)
        self._join()
        return code

    def stop(self, timeout: float = 60) -> int:
        """SIGTERM (a graceful stop) and wait; the exit code."""
        self.popen.send_signal(signal.SIGTERM)
        return self.finish(timeout)

    def cleanup(self) -> None:
        """Kill the process if it still runs (teardown)."""
        if self.alive():
            os.kill(self.pid, signal.SIGKILL)
        self.popen.wait(timeout=30)
        self._join()

    def _join(self) -> None:
        for reader in self._readers:
            reader.join(timeout=5)

    def __repr__(self) -> str:
        return f"<Proc {self.pid} trendpath {' '.join(self.args)}>"


def wait_until(
    check: Callable[[], bool], timeout: float, what: str, proc: Proc | None = None
) -> None:
    """Poll ``check`` until true; fail on timeout or when ``proc`` exits early."""
    deadline = time.monotonic() + timeout
    while not check():
        if proc is not None and not proc.alive():
            raise AssertionError(
                f"{proc!r} exited ({proc.popen.returncode}) before {what}:\n{proc.output[-3000:]}"
            )
        if time.monotonic() > deadline:
            tail = proc.output[-3000:] if proc is not None else ""
            raise AssertionError(f"timed out waiting for {what}\n{tail}")
        time.sleep(0.05)


# --- the database's view -----------------------------------------------------------------------


def scalar(db: Database, sql: str, **params: Any) -> Any:
    """One value from the database."""
    with db.engine.connect() as conn:
        return conn.execute(text(sql), params).scalar()


def rows(db: Database, sql: str, **params: Any) -> list[Any]:
    """Every row of a query."""
    with db.engine.connect() as conn:
        return list(conn.execute(text(sql), params))


_BACKENDS = """
    SELECT pid, application_name, state, wait_event_type, left(query, 200) AS query
    FROM pg_stat_activity
    WHERE datname = current_database() AND backend_type = 'client backend'
      AND pid <> pg_backend_pid() AND application_name = :app
"""


def backends(db: Database, app: str) -> list[Any]:
    """The live backends of the process(es) connected as ``app`` (its ``application_name``)."""
    return rows(db, _BACKENDS, app=app)


def waiting_on_lock(db: Database, app: str, statement: str) -> bool:
    """True when a backend of ``app`` waits on a lock while running ``statement...``."""
    return any(
        b.wait_event_type == "Lock" and b.query.lstrip().upper().startswith(statement.upper())
        for b in backends(db, app)
    )


def locks_of(db: Database, app: str) -> int:
    """Locks held or awaited by backends of ``app``."""
    sql = """
        SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
        WHERE a.application_name = :app AND a.datname = current_database()
    """
    return int(scalar(db, sql, app=app))


def tables_written(db: Database, app: str) -> set[str]:
    """Tables into which an open transaction of ``app`` has written (granted row-exclusive)."""
    sql = """
        SELECT DISTINCT c.relname FROM pg_locks l
        JOIN pg_class c ON c.oid = l.relation
        JOIN pg_stat_activity a ON a.pid = l.pid
        WHERE a.application_name = :app AND a.datname = current_database()
          AND l.granted AND l.mode = 'RowExclusiveLock' AND c.relkind = 'r'
    """
    return {r.relname for r in rows(db, sql, app=app)}


def wait_backends_gone(db: Database, app: str, timeout: float = 30) -> None:
    """Wait until the killed process's backends noticed and rolled back (locks released)."""
    wait_until(lambda: not backends(db, app), timeout, f"the backends of {app!r} to end")
    assert locks_of(db, app) == 0


def terminate_strays(db: Database) -> None:
    """End backends left by killed children (teardown, so truncation never waits on them)."""
    sql = """
        SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE datname = current_database() AND backend_type = 'client backend'
          AND pid <> pg_backend_pid() AND application_name <> :app
    """
    deadline = time.monotonic() + 10
    while rows(db, sql, app=TEST_APP) and time.monotonic() < deadline:
        time.sleep(0.1)


class Blocker:
    """A transaction of the test's own that holds a lock until released.

    ``Blocker(db, "SELECT 1 FROM t WHERE id = 1 FOR UPDATE")`` makes the process under test wait
    at its first statement that needs that row, inside its own open transaction.
    """

    def __init__(self, db: Database, sql: str, **params: Any) -> None:
        self.conn: Connection = db.engine.connect()
        self.trans = self.conn.begin()
        self.conn.execute(text(sql), params)

    def release(self) -> None:
        """Roll back (the test's transaction never commits anything)."""
        if self.conn.closed:
            return
        self.trans.rollback()
        self.conn.close()

    def __enter__(self) -> Blocker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def table_lock_free(db: Database, table: str) -> bool:
    """True when nobody holds any lock on ``table`` (an exclusive lock is granted at once)."""
    with db.engine.connect() as conn:
        trans = conn.begin()
        try:
            conn.execute(text("SET LOCAL lock_timeout = '200ms'"))
            conn.execute(text(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE"))
            return True
        except OperationalError:  # lock_timeout: somebody still holds a lock on it
            return False
        finally:
            trans.rollback()
