"""SQL for OAuth artefacts: authorization codes, grant families, refresh tokens, revoked jtis.

A *grant family* is everything one authorization produced: the refresh tokens of its rotation
chain and (through the ``sid`` claim) its access tokens. Revoking the family is how code replay,
refresh-token reuse and RFC 7009 revocation take effect. Codes and refresh tokens are stored as
SHA-256 hashes only. Functions take a Session and never commit.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Row, and_, delete, func, insert, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from trendpath.auth import models as m


def _after(seconds: int) -> Any:
    return func.now() + func.make_interval(0, 0, 0, 0, 0, 0, seconds)


def insert_code(session: Session, code_hash: str, values: dict[str, Any], ttl_s: int) -> None:
    """Store a new authorization code (by hash) that expires after ``ttl_s``."""
    session.execute(
        insert(m.auth_code).values(code_hash=code_hash, expires_at=_after(ttl_s), **values)
    )


def lock_code(session: Session, code_hash: str) -> Row[Any] | None:
    """The code row, locked for this transaction, with ``expired`` computed by the database."""
    stmt = (
        select(m.auth_code, (m.auth_code.c.expires_at <= func.now()).label("expired"))
        .where(m.auth_code.c.code_hash == code_hash)
        .with_for_update()
    )
    return session.execute(stmt).first()


def burn_code(session: Session, code_hash: str, family_id: uuid.UUID | None) -> None:
    """Mark a code used (and remember which family it produced)."""
    session.execute(
        update(m.auth_code)
        .where(m.auth_code.c.code_hash == code_hash)
        .values(used_at=func.now(), family_id=family_id)
    )


def new_family(
    session: Session,
    *,
    client_id: str,
    account_id: uuid.UUID,
    scope: str,
    auth_time: datetime,
    ttl_s: int,
) -> uuid.UUID:
    """Start a grant family that lives at most ``ttl_s``."""
    family_id = uuid.uuid4()
    session.execute(
        insert(m.grant_family).values(
            id=family_id,
            client_id=client_id,
            account_id=account_id,
            scope=scope,
            auth_time=auth_time,
            expires_at=_after(ttl_s),
        )
    )
    return family_id


def revoke_family(session: Session, family_id: uuid.UUID, reason: str) -> None:
    """Revoke a family: its refresh tokens stop working, its access tokens fail at this server."""
    session.execute(
        update(m.grant_family)
        .where(m.grant_family.c.id == family_id, m.grant_family.c.revoked_at.is_(None))
        .values(revoked_at=func.now(), revoked_reason=reason)
    )


def revoke_account_families(
    session: Session, account_id: uuid.UUID, reason: str, keep: uuid.UUID | None = None
) -> None:
    """Revoke every family of an account (except ``keep``)."""
    stmt = update(m.grant_family).where(
        m.grant_family.c.account_id == account_id, m.grant_family.c.revoked_at.is_(None)
    )
    if keep is not None:
        stmt = stmt.where(m.grant_family.c.id != keep)
    session.execute(stmt.values(revoked_at=func.now(), revoked_reason=reason))


def family_live(session: Session, family_id: uuid.UUID) -> bool:
    """True when the family exists, is not revoked and has not expired."""
    stmt = select(m.grant_family.c.id).where(
        m.grant_family.c.id == family_id,
        m.grant_family.c.revoked_at.is_(None),
        m.grant_family.c.expires_at > func.now(),
    )
    return session.execute(stmt).first() is not None


def insert_refresh(session: Session, token_hash: str, family_id: uuid.UUID, ttl_s: int) -> None:
    """Store a refresh token of the family; it never outlives the family."""
    family_end = (
        select(m.grant_family.c.expires_at)
        .where(m.grant_family.c.id == family_id)
        .scalar_subquery()
    )
    session.execute(
        insert(m.refresh_token).values(
            token_hash=token_hash,
            family_id=family_id,
            expires_at=func.least(_after(ttl_s), family_end),
        )
    )


def lock_refresh(session: Session, token_hash: str) -> Row[Any] | None:
    """A refresh token joined with its family, both locked, with ``expired`` and ``revoked``."""
    rt, fam = m.refresh_token, m.grant_family
    stmt = (
        select(
            rt.c.token_hash,
            rt.c.used_at,
            rt.c.family_id,
            fam.c.client_id,
            fam.c.account_id,
            fam.c.scope,
            fam.c.auth_time,
            (rt.c.expires_at <= func.now()).label("expired"),
            fam.c.revoked_at.is_not(None).label("revoked"),
        )
        .join(fam, fam.c.id == rt.c.family_id)
        .where(rt.c.token_hash == token_hash)
        .with_for_update()
    )
    return session.execute(stmt).first()


def mark_refresh_used(session: Session, token_hash: str) -> None:
    """Mark a refresh token rotated; presenting it again is reuse."""
    session.execute(
        update(m.refresh_token)
        .where(m.refresh_token.c.token_hash == token_hash)
        .values(used_at=func.now())
    )


def revoke_jti(session: Session, jti: str, expires_at: int) -> None:
    """Deny an access token (by ``jti``) until it would have expired anyway."""
    stmt = pg_insert(m.revoked_token).values(jti=jti, expires_at=func.to_timestamp(expires_at))
    session.execute(stmt.on_conflict_do_nothing())


def jti_revoked(session: Session, jti: str) -> bool:
    """True when this access token was revoked."""
    stmt = select(m.revoked_token.c.jti).where(m.revoked_token.c.jti == jti)
    return session.execute(stmt).first() is not None


def prune(session: Session) -> int:
    """Delete codes, refresh tokens, families and denials nothing can use any more."""
    day_ago = func.now() - func.make_interval(0, 0, 0, 1)
    total = 0
    for stmt in (
        delete(m.auth_code).where(m.auth_code.c.expires_at < day_ago),
        delete(m.refresh_token).where(m.refresh_token.c.expires_at < func.now()),
        delete(m.grant_family).where(
            or_(
                m.grant_family.c.expires_at < func.now(),
                and_(
                    m.grant_family.c.revoked_at.is_not(None), m.grant_family.c.revoked_at < day_ago
                ),
            )
        ),
        delete(m.revoked_token).where(m.revoked_token.c.expires_at < func.now()),
    ):
        total += int(session.execute(stmt).rowcount or 0)  # type: ignore[attr-defined]
    return total
