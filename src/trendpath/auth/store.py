"""SQL for accounts, linked identities, consents, browser sessions and account events.

Functions take a Session and never commit. OAuth artefacts (codes, grant families, refresh
tokens) live in ``grants.py``, signing keys in ``keys.py``, rate-limit buckets in ``ratelimit.py``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, delete, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from trendpath.auth import models as m


@dataclass(frozen=True)
class Account:
    """One account row."""

    id: uuid.UUID
    email: str
    email_verified: bool
    password_hash: str | None
    display_name: str
    locale: str
    role: str
    created_at: datetime
    last_login_at: datetime | None


def _account(row: Row[Any] | None) -> Account | None:
    if row is None:
        return None
    return Account(
        id=row.id,
        email=row.email,
        email_verified=row.email_verified,
        password_hash=row.password_hash,
        display_name=row.display_name,
        locale=row.locale,
        role=row.role,
        created_at=row.created_at,
        last_login_at=row.last_login_at,
    )


def account_by_id(session: Session, account_id: uuid.UUID) -> Account | None:
    """The account with this id."""
    return _account(session.execute(select(m.account).where(m.account.c.id == account_id)).first())


def account_by_email(session: Session, email: str) -> Account | None:
    """The account with this (already normalised) email."""
    return _account(session.execute(select(m.account).where(m.account.c.email == email)).first())


def create_account(
    session: Session,
    *,
    email: str,
    display_name: str,
    password_hash: str | None,
    locale: str = "ko",
    email_verified: bool = False,
    extras: dict[str, Any] | None = None,
) -> Account | None:
    """Insert an account; None when the email is already taken."""
    stmt = (
        pg_insert(m.account)
        .values(
            id=uuid.uuid4(),
            email=email,
            display_name=display_name,
            password_hash=password_hash,
            locale=locale,
            email_verified=email_verified,
            extras=extras or {},
            password_changed_at=func.now() if password_hash else None,
        )
        .on_conflict_do_nothing(index_elements=["email"])
        .returning(*m.account.c)
    )
    return _account(session.execute(stmt).first())


def update_profile(session: Session, account_id: uuid.UUID, changes: dict[str, Any]) -> Account:
    """Apply profile changes (display name, locale); returns the updated account."""
    stmt = (
        update(m.account)
        .where(m.account.c.id == account_id)
        .values(**changes, updated_at=func.now())
        .returning(*m.account.c)
    )
    account = _account(session.execute(stmt).first())
    assert account is not None
    return account


def set_password_hash(session: Session, account_id: uuid.UUID, password_hash: str) -> None:
    """Store a new password hash."""
    session.execute(
        update(m.account)
        .where(m.account.c.id == account_id)
        .values(password_hash=password_hash, password_changed_at=func.now(), updated_at=func.now())
    )


def touch_login(session: Session, account_id: uuid.UUID) -> None:
    """Record a successful sign-in."""
    session.execute(
        update(m.account).where(m.account.c.id == account_id).values(last_login_at=func.now())
    )


def set_role(session: Session, email: str, role: str) -> bool:
    """Give the account with ``email`` a role (``user`` or ``admin``); False if no such account."""
    result = session.execute(update(m.account).where(m.account.c.email == email).values(role=role))
    return bool(result.rowcount)  # type: ignore[attr-defined]


def delete_account(session: Session, account_id: uuid.UUID) -> None:
    """Delete the account (cascading to its tokens, sessions, identities) and log the event."""
    session.execute(delete(m.account).where(m.account.c.id == account_id))
    session.execute(insert(m.account_event).values(kind="account.deleted", account_id=account_id))


def events_after(session: Session, after: int, limit: int) -> list[Any]:
    """Account events with id > ``after``, oldest first."""
    stmt = (
        select(m.account_event)
        .where(m.account_event.c.id > after)
        .order_by(m.account_event.c.id)
        .limit(limit)
    )
    return list(session.execute(stmt).all())


def prune_events(session: Session, keep_days: int) -> int:
    """Drop account events older than ``keep_days``."""
    cutoff = func.now() - func.make_interval(0, 0, 0, keep_days)
    result = session.execute(delete(m.account_event).where(m.account_event.c.occurred_at < cutoff))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


# --- linked identities ---


def identity_owner(session: Session, provider: str, subject: str) -> uuid.UUID | None:
    """The account linked to this provider identity."""
    stmt = select(m.identity.c.account_id).where(
        m.identity.c.provider == provider, m.identity.c.subject == subject
    )
    return session.execute(stmt).scalar()


def link_identity(
    session: Session, account_id: uuid.UUID, provider: str, subject: str, email: str | None
) -> bool:
    """Link a provider identity; False if the account already has one for this provider."""
    stmt = (
        pg_insert(m.identity)
        .values(provider=provider, subject=subject, account_id=account_id, email=email)
        .on_conflict_do_nothing()
    )
    return bool(session.execute(stmt).rowcount)  # type: ignore[attr-defined]


def identities(session: Session, account_id: uuid.UUID) -> list[Any]:
    """The account's linked identities."""
    stmt = (
        select(m.identity.c.provider, m.identity.c.linked_at)
        .where(m.identity.c.account_id == account_id)
        .order_by(m.identity.c.provider)
    )
    return list(session.execute(stmt).all())


# --- consents ---


def consented_scopes(session: Session, account_id: uuid.UUID, client_id: str) -> set[str]:
    """Scopes the account already granted this client."""
    stmt = select(m.consent.c.scopes).where(
        m.consent.c.account_id == account_id, m.consent.c.client_id == client_id
    )
    return set(session.execute(stmt).scalar() or [])


def grant_consent(
    session: Session, account_id: uuid.UUID, client_id: str, scopes: list[str]
) -> None:
    """Remember (adding to earlier grants) that the account consented to these scopes."""
    merged = sorted(consented_scopes(session, account_id, client_id) | set(scopes))
    stmt = pg_insert(m.consent).values(account_id=account_id, client_id=client_id, scopes=merged)
    stmt = stmt.on_conflict_do_update(
        index_elements=["account_id", "client_id"],
        set_={"scopes": merged, "granted_at": func.now()},
    )
    session.execute(stmt)


# --- browser sessions at the authorization server ---


def create_browser_session(
    session: Session, id_hash: str, account_id: uuid.UUID, ttl_s: int
) -> None:
    """Start a sign-in session (stored by the hash of its cookie value)."""
    session.execute(
        insert(m.browser_session).values(
            id_hash=id_hash,
            account_id=account_id,
            auth_time=func.now(),
            expires_at=func.now() + func.make_interval(0, 0, 0, 0, 0, 0, ttl_s),
        )
    )


def browser_session(session: Session, id_hash: str) -> tuple[Account, datetime] | None:
    """(account, auth_time) of a live sign-in session."""
    row = session.execute(
        select(m.account, m.browser_session.c.auth_time)
        .join(m.browser_session, m.browser_session.c.account_id == m.account.c.id)
        .where(m.browser_session.c.id_hash == id_hash, m.browser_session.c.expires_at > func.now())
    ).first()
    account = _account(row)
    return (account, row.auth_time) if account is not None and row is not None else None


def end_browser_session(session: Session, id_hash: str) -> None:
    """Sign a session out."""
    session.execute(delete(m.browser_session).where(m.browser_session.c.id_hash == id_hash))


def end_all_browser_sessions(
    session: Session, account_id: uuid.UUID, keep: str | None = None
) -> None:
    """Sign every session of an account out (except ``keep``)."""
    stmt = delete(m.browser_session).where(m.browser_session.c.account_id == account_id)
    if keep is not None:
        stmt = stmt.where(m.browser_session.c.id_hash != keep)
    session.execute(stmt)


def prune_browser_sessions(session: Session) -> int:
    """Drop expired sign-in sessions."""
    result = session.execute(
        delete(m.browser_session).where(m.browser_session.c.expires_at <= func.now())
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
