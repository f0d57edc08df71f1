"""Failure counting with exponential back-off, kept in PostgreSQL so every replica shares it.

A bucket (``login:ip:…``, ``login:acct:…``, ``token:client:…``) counts failures. Once it reaches
its limit it is blocked for ``base * 2^(failures - limit)`` seconds, capped at ``max``. A bucket
that sees no failure for ``window`` seconds starts over. So a block never lasts longer than the
cap, and it ends for good once the attacker stops; for logins, the account-wide bucket is also
skipped for a device that has signed in to that account before (see ``accounts.login``), so an
attacker hammering someone's account from elsewhere cannot keep its owner out.

Bucket keys are hashed: the table holds no emails or IP addresses.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session

from trendpath.auth import models as m
from trendpath.kit.settings import Settings


@dataclass(frozen=True)
class Limit:
    """How many failures a bucket tolerates, and how its back-off grows."""

    max_failures: int
    window_s: int
    base_s: int
    max_s: int


def limits(settings: Settings) -> dict[str, Limit]:
    """The configured limits by bucket kind."""

    def mk(n: int) -> Limit:
        return Limit(
            n,
            settings.auth_failure_window_s,
            settings.auth_backoff_base_s,
            settings.auth_backoff_max_s,
        )

    return {
        "login:acct-ip": mk(settings.auth_login_max_failures),
        "login:acct": mk(settings.auth_account_max_failures),
        "login:ip": mk(settings.auth_ip_max_failures),
        "token:client": mk(settings.auth_client_max_failures),
        "token:ip": mk(settings.auth_ip_max_failures),
        "signup:ip": Limit(settings.auth_signup_per_ip, 3600, 3600, 3600),
        "reset:ip": Limit(settings.auth_reset_per_ip, 3600, 3600, 3600),
    }


def bucket(kind: str, *parts: str) -> str:
    """A bucket key: the kind in clear, the identifying parts hashed."""
    joined = "\x1f".join(p.lower() for p in parts)
    return f"{kind}:{hashlib.sha256(joined.encode()).hexdigest()[:32]}"


def retry_after(session: Session, buckets: list[str]) -> int:
    """Seconds until every bucket in ``buckets`` accepts attempts again (0 = now)."""
    if not buckets:
        return 0
    remaining = session.execute(
        select(
            func.max(func.ceil(func.extract("epoch", m.rate_limit.c.blocked_until - func.now())))
        ).where(m.rate_limit.c.bucket.in_(buckets), m.rate_limit.c.blocked_until > func.now())
    ).scalar()
    return int(remaining or 0)


_RECORD = text(
    """
    INSERT INTO auth.rate_limit AS r (bucket, failures, window_start, blocked_until, updated_at)
    VALUES (:bucket, 1, now(), NULL, now())
    ON CONFLICT (bucket) DO UPDATE SET
        failures = CASE WHEN r.updated_at < now() - make_interval(secs => :window)
                        THEN 1 ELSE r.failures + 1 END,
        window_start = CASE WHEN r.updated_at < now() - make_interval(secs => :window)
                            THEN now() ELSE r.window_start END,
        updated_at = now()
    RETURNING failures
    """
)

_BLOCK = text(
    """
    UPDATE auth.rate_limit
    SET blocked_until = now() + make_interval(secs => least(
            CAST(:cap AS double precision),
            :base * power(2, least(failures - :max, 30))))
    WHERE bucket = :bucket
    """
)


def record_failure(session: Session, key: str, limit: Limit) -> int:
    """Count one failure; returns the block in seconds it caused (0 if none)."""
    failures = session.execute(
        _RECORD,
        {"bucket": key, "window": limit.window_s},
    ).scalar_one()
    if failures < limit.max_failures:
        return 0
    session.execute(
        _BLOCK,
        {"bucket": key, "cap": limit.max_s, "base": limit.base_s, "max": limit.max_failures},
    )
    return min(limit.max_s, limit.base_s * 2 ** min(failures - limit.max_failures, 30))


def clear(session: Session, key: str) -> None:
    """Forget a bucket's failures (after a success)."""
    session.execute(delete(m.rate_limit).where(m.rate_limit.c.bucket == key))


def prune(session: Session, settings: Settings) -> int:
    """Drop buckets that are neither blocked nor inside their window; returns how many."""
    horizon = max(settings.auth_failure_window_s, 3600)
    result = session.execute(
        delete(m.rate_limit).where(
            m.rate_limit.c.updated_at < func.now() - func.make_interval(0, 0, 0, 0, 0, 0, horizon),
            (m.rate_limit.c.blocked_until.is_(None)) | (m.rate_limit.c.blocked_until < func.now()),
        )
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
