"""A throwaway trendpath stack for benchmarks: embedded PostgreSQL + ``trendpath run`` in its own
process, plus the sign-in flow a real client goes through (sign-up, login, code + PKCE).

Benchmarks that measure the server over HTTP share this so that they measure the same thing.
"""

from __future__ import annotations

import base64
import hashlib
import os
import random
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx

from trendpath.kit.auth import WEB_CLIENT_ID, builtin_client_secret
from trendpath.kit.db import Database
from trendpath.kit.embedded import EmbeddedPostgres
from trendpath.kit.settings import Settings

PASSWORD = "bench password 1234"
INTERESTS = [
    ["ai", "data", "software_development"],
    ["semiconductor", "robotics", "smart_manufacturing"],
    ["finance", "blockchain", "data"],
    ["content", "game", "design"],
    ["healthcare", "biotech", "aging_society"],
    ["renewable_energy", "climate", "battery"],
]
SKILLS = ["python", "math_statistics", "communication", "marketing", "electronics", "visual_design"]


def profile(i: int, rng: random.Random | None = None) -> dict[str, Any]:
    """A varied but valid onboarding profile (interest set ``i``; the rest from ``rng``)."""
    rng = rng or random.Random(i)
    return {
        "status": rng.choice(["student", "job_seeker", "employed", "career_changer"]),
        "field": rng.choice(["컴퓨터공학", "경영학", "디자인", "화학공학", "간호학"]),
        "education": rng.choice(["bachelor", "master", "associate"]),
        "weekly_hours": rng.choice([4, 6, 8, 10, 15]),
        "region": rng.choice(["seoul", "gyeonggi", "busan", "daejeon"]),
        "interests": INTERESTS[i % len(INTERESTS)],
        "skills": {s: rng.randint(1, 5) for s in rng.sample(SKILLS, 4)},
    }


SIGN_IN_SCOPE = "openid users:read users:write trends:read"


def free_port() -> int:
    """A TCP port free right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(
    url: str, port: int, workdir: Path, extra_env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """``trendpath run`` on ``url``'s database, logging to a file."""
    env = {
        **os.environ,
        "TRENDPATH_ENV": "test",
        "TRENDPATH_DATABASE_URL": url,
        "TRENDPATH_STATE_DIR": str(workdir / "state"),
        "TRENDPATH_PORT": str(port),
        "TRENDPATH_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "TRENDPATH_LOG_LEVEL": "WARNING",
        "TRENDPATH_DB_POOL_SIZE": "20",
        "TRENDPATH_DB_MAX_OVERFLOW": "20",
        "TRENDPATH_AUTH_ARGON2_TIME_COST": "1",
        "TRENDPATH_AUTH_ARGON2_MEMORY_KIB": "1024",
        "TRENDPATH_AUTH_SIGNUP_PER_IP": "100000",
        "TRENDPATH_AUTH_ACCESS_TOKEN_TTL_S": "3600",
        **(extra_env or {}),
    }
    log = (workdir / "server.log").open("wb")
    return subprocess.Popen(
        [sys.executable, "-m", "trendpath", "run", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def wait_ready(base: str, proc: subprocess.Popen[bytes], timeout_s: float = 300) -> None:
    """Until the users service answers /readyz."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("trendpath run exited; see server.log")
        try:
            if httpx.get(f"{base}/api/users/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError("server not ready in time")


CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass(frozen=True)
class CodeFlow:
    """One authorization request of the dashboard's client: code + PKCE (S256), as it signs in."""

    base: str
    scope: str
    verifier: str = field(default_factory=lambda: secrets.token_urlsafe(48))

    @property
    def redirect(self) -> str:
        """The registered redirect URI."""
        return f"{self.base}/auth/callback"

    def authorize_path(self, state: str = "bench") -> str:
        """The authorization request, relative to ``base``."""
        digest = hashlib.sha256(self.verifier.encode()).digest()
        query = {
            "response_type": "code",
            "client_id": WEB_CLIENT_ID,
            "redirect_uri": self.redirect,
            "scope": self.scope,
            "state": state,
            "code_challenge": base64.urlsafe_b64encode(digest).rstrip(b"=").decode(),
            "code_challenge_method": "S256",
        }
        return f"/api/auth/authorize?{urlencode(query)}"

    def token_form(self, location: str) -> dict[str, str]:
        """The token request for the code in the authorization answer's ``location``."""
        code = parse_qs(urlsplit(location).query).get("code", [""])[0]
        return {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": self.redirect,
            "code_verifier": self.verifier,
        }


def sign_in(base: str, settings: Settings, email: str, scope: str = SIGN_IN_SCOPE) -> str:
    """Sign up and run the code + PKCE flow; the access token."""
    issuer = f"{base}/api/auth"
    with httpx.Client(timeout=30, follow_redirects=False) as b:
        made = b.post(
            f"{issuer}/accounts",
            json={"email": email, "password": PASSWORD, "display_name": "벤치"},
        )
        made.raise_for_status()
        csrf = CSRF.search(b.get(f"{issuer}/login").text)
        assert csrf is not None
        b.post(
            f"{issuer}/login",
            data={"email": email, "password": PASSWORD, "csrf_token": csrf.group(1)},
        )
        flow = CodeFlow(base, scope)
        landed = b.get(f"{base}{flow.authorize_path()}")
        tokens = b.post(
            f"{issuer}/token",
            data=flow.token_form(landed.headers["location"]),
            auth=(WEB_CLIENT_ID, builtin_client_secret(settings, WEB_CLIENT_ID)),
        )
        tokens.raise_for_status()
        return str(tokens.json()["access_token"])


def wait_forecasts(base: str, token: str, timeout_s: float) -> float:
    """Until the trend service has forecasts (its first start trains the model); seconds waited.

    Measuring while the model trains in the server's background would measure the training.
    """
    started = time.monotonic()
    headers = {"Authorization": f"Bearer {token}"}
    while time.monotonic() - started < timeout_s:
        resp = httpx.get(f"{base}/api/trends/v1/forecasts/latest", headers=headers, timeout=30)
        if resp.status_code == 200 and resp.json().get("items"):
            return time.monotonic() - started
        time.sleep(5)
    raise RuntimeError(f"no forecasts after {timeout_s:.0f} s")


@dataclass
class Stack:
    """A running server: its base URL, database, process and working folder."""

    base: str
    url: str
    db: Database
    proc: subprocess.Popen[bytes]
    workdir: Path

    def restart(self, extra_env: dict[str, str] | None = None) -> None:
        """Stop the server and start it again on the same database and port (other settings)."""
        self.proc.terminate()
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        port = int(self.base.rsplit(":", 1)[1])
        self.proc = start_server(self.url, port, self.workdir, extra_env)
        wait_ready(self.base, self.proc)


@contextmanager
def stack(
    prefix: str, extra_env: dict[str, str] | None = None, keep_log: Path | None = None
) -> Iterator[Stack]:
    """Start embedded PostgreSQL and ``trendpath run`` in a temporary folder; tear both down.

    ``keep_log``: copy the server's log there before the folder is removed.
    """
    workdir = Path(tempfile.mkdtemp(prefix=f"trendpath-bench-{prefix}-"))
    embedded = EmbeddedPostgres.for_state_dir(workdir / "pg")
    url = embedded.start()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = start_server(url, port, workdir, extra_env)
    db = Database(url=url, pool_size=2)
    try:
        wait_ready(base, proc)
        yield Stack(base=base, url=url, db=db, proc=proc, workdir=workdir)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        db.dispose()
        embedded.stop()
        if keep_log is not None:
            shutil.copy(workdir / "server.log", keep_log)
        shutil.rmtree(workdir, ignore_errors=True)
