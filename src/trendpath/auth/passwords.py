"""Password hashing (argon2id) and the password policy.

Policy: at least 10 characters (at most 256), not on the bundled list of common passwords, not
one or two characters repeated, and not the account's own email. Hashes are argon2id (p=1) with
parameters from settings; parameters weaker than every configuration OWASP's Password Storage
Cheat Sheet lists are refused outside ``env=test``.

A hash costs tens of milliseconds of a core by design, so a crowd signing up at once could take
every core from everyone else. Two things keep the rest of the product responsive then (measured
with ``bench/load.py``; the OWASP cost stays):

- the computation runs on a few threads of its own at a lower CPU priority (Linux: nice +10 per
  thread), so the scheduler serves every other request first and hashing takes what is left;
- the requests that hash (sign-up, sign-in, password change, reset, account deletion) pass a
  *password lane* first — a few slots per process, waited for on the event loop, holding no
  thread and no database connection — so a queue of them never takes the database slots other
  requests need; one that waits longer than :data:`LANE_TIMEOUT_S` gets 503 with Retry-After.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from fastapi import Depends

from trendpath.kit.db import Admission
from trendpath.kit.errors import ConfigError
from trendpath.kit.settings import Settings

T = TypeVar("T")

MIN_LENGTH = 10
MAX_LENGTH = 256
OWASP_MINIMUMS = ((47104, 1), (19456, 2), (12288, 3), (9216, 4), (7168, 5))
"""(memory KiB, passes) pairs of the OWASP cheat sheet; at least one must be met or exceeded."""


@lru_cache(maxsize=4)
def common_passwords(data_dir: Path) -> frozenset[str]:
    """The bundled common-password list (lower-cased), from ``data/auth/common-passwords.txt``."""
    path = data_dir / "auth" / "common-passwords.txt"
    if not path.is_file():
        raise ConfigError(f"missing {path}", hint="reinstall trendpath or set TRENDPATH_DATA_DIR")
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(s.strip().lower() for s in lines if s.strip() and not s.startswith("#"))


def policy_problem(password: str, email: str, settings: Settings) -> str | None:
    """Why ``password`` is not acceptable (Korean, shown to the user), or None when it is."""
    if len(password) < MIN_LENGTH:
        return f"비밀번호는 {MIN_LENGTH}자 이상이어야 해요."
    if len(password) > MAX_LENGTH:
        return f"비밀번호는 {MAX_LENGTH}자 이하여야 해요."
    lowered = password.strip().lower()
    if len(set(lowered)) <= 2:
        return "같은 문자를 반복한 비밀번호는 쓸 수 없어요."
    if lowered in common_passwords(settings.data_dir):
        return "너무 흔한 비밀번호예요. 다른 비밀번호를 골라 주세요."
    local = email.split("@", 1)[0].lower()
    if lowered in (email.lower(), local):
        return "이메일과 같은 비밀번호는 쓸 수 없어요."
    return None


HASH_NICE = 10
"""How much lower than the server's other threads the hashing threads run (Linux nice)."""
LANE_SLOTS = 2
"""Requests per process that may be hashing or about to (the rest wait on the event loop)."""
LANE_TIMEOUT_S = 10.0


def _lower_priority() -> None:
    """Initializer of a hashing thread: nice +HASH_NICE for this thread only.

    Linux keeps a nice value per thread (``setpriority`` on the thread id); elsewhere the call
    would address a process, so nothing is changed there.
    """
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError):
            tid = threading.get_native_id()
            # Relative to the thread's own nice (a server started under `nice` stays below it).
            own = os.getpriority(os.PRIO_PROCESS, tid)
            os.setpriority(os.PRIO_PROCESS, tid, min(19, own + HASH_NICE))


@lru_cache(maxsize=1)
def _hashing_threads() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(
        max_workers=max(1, os.cpu_count() or 1),
        thread_name_prefix="argon2",
        initializer=_lower_priority,
    )


# A forked child inherits the executor but not its threads: it would queue work nobody runs.
os.register_at_fork(after_in_child=_hashing_threads.cache_clear)


def _on_hashing_thread(fn: Callable[..., T], *args: Any) -> T:
    """Run ``fn(*args)`` on a low-priority hashing thread and wait for it (exceptions too)."""
    return _hashing_threads().submit(fn, *args).result()


PASSWORD_LANE = Admission(LANE_SLOTS, LANE_TIMEOUT_S)


async def _password_lane() -> AsyncIterator[None]:
    async with PASSWORD_LANE:
        yield


PasswordLane = Depends(_password_lane)
"""Route dependency (``dependencies=[PasswordLane]``) of every request that hashes a password:
listed on the decorator, it is taken before the request's database session."""


@dataclass
class Passwords:
    """Hashes and verifies passwords with fixed argon2id parameters."""

    time_cost: int
    memory_kib: int
    hasher: PasswordHasher = field(init=False)
    _dummy: str = field(init=False)

    def __post_init__(self) -> None:
        self.hasher = PasswordHasher(
            time_cost=self.time_cost, memory_cost=self.memory_kib, parallelism=1, type=Type.ID
        )
        # A real hash with the same parameters: verifying against it for unknown accounts costs
        # what a wrong password costs, so response times do not reveal who has an account.
        self._dummy = self.hasher.hash("trendpath-dummy-password-for-timing")

    def hash(self, password: str) -> str:
        """An argon2id hash of ``password`` (random salt), computed on a hashing thread."""
        return _on_hashing_thread(self.hasher.hash, password)

    def verify(self, stored: str | None, password: str) -> bool:
        """True when ``password`` matches ``stored``; with no hash, burn the same time, False."""
        try:
            target = stored if stored is not None else self._dummy
            return _on_hashing_thread(self.hasher.verify, target, password) and stored is not None
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored: str) -> bool:
        """True when ``stored`` was made with other parameters than the current ones."""
        try:
            return self.hasher.check_needs_rehash(stored)
        except InvalidHashError:
            return True


@lru_cache(maxsize=8)
def _passwords(time_cost: int, memory_kib: int) -> Passwords:
    return Passwords(time_cost, memory_kib)


def passwords_for(settings: Settings) -> Passwords:
    """The hasher for these settings; refuses weak parameters outside ``env=test``."""
    t, m = settings.auth_argon2_time_cost, settings.auth_argon2_memory_kib
    strong = any(m >= om and t >= ot for om, ot in OWASP_MINIMUMS)
    if settings.env != "test" and not strong:
        raise ConfigError(
            f"argon2 parameters too weak (memory {m} KiB, time cost {t})",
            hint="use e.g. TRENDPATH_AUTH_ARGON2_MEMORY_KIB=19456 with "
            "TRENDPATH_AUTH_ARGON2_TIME_COST=2 (weaker values are for env=test only)",
        )
    return _passwords(t, m)
