"""Password reset by a one-time link.

* **Asking** never reveals whether an account exists: every well-formed request gets the same
  answer, and only an existing password account gets a mail. Requests are limited per IP.
* **The link** carries a random 256-bit token; only its SHA-256 is stored, with an expiry
  (``auth_reset_ttl_s``, 30 minutes by default). A new request replaces the older links.
* **Using it** locks the row, so a link works once even when two tabs race; it sets the new
  password (the usual policy), and signs the account out everywhere (every refresh-token family
  revoked, every sign-in session ended).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import uuid

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from trendpath.auth import grants, mail, ratelimit, store
from trendpath.auth import models as m
from trendpath.auth.accounts import AccountError, normalise_email
from trendpath.auth.passwords import passwords_for, policy_problem
from trendpath.kit.settings import Settings
from trendpath.kit.wording import duration_ko

SENT_KO = (
    "입력한 주소로 가입된 계정이 있으면 비밀번호 재설정 링크를 보냈어요. "
    "메일함을 확인해 주세요. 링크는 {ttl} 동안 한 번만 쓸 수 있어요."
)
INVALID_KO = "링크가 만료됐거나 이미 사용됐어요. 재설정 링크를 다시 요청해 주세요."


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def limited(session: Session, settings: Settings, ip: str) -> int:
    """Seconds to wait before this IP may ask again (0 = now); counts this request."""
    key = ratelimit.bucket("reset:ip", ip)
    wait = ratelimit.retry_after(session, [key])
    if not wait:
        ratelimit.record_failure(session, key, ratelimit.limits(settings)["reset:ip"])
    return wait


def request(session: Session, settings: Settings, email: str, link_base: str) -> str:
    """Mail a reset link if ``email`` has a password account; returns the Korean answer, which is
    the same either way. Raises AccountError only for input that is not an e-mail address."""
    normalised = normalise_email(email)
    if normalised is None:
        raise AccountError("invalid_email", "올바른 이메일 주소를 입력해 주세요.", "email")
    account = store.account_by_email(session, normalised)
    if account is not None and account.password_hash is not None:
        token = secrets.token_urlsafe(32)
        expires = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=settings.auth_reset_ttl_s)
        session.execute(
            delete(m.password_reset).where(
                m.password_reset.c.account_id == account.id, m.password_reset.c.used_at.is_(None)
            )
        )
        session.execute(
            insert(m.password_reset).values(
                token_hash=_hash(token), account_id=account.id, expires_at=expires
            )
        )
        mail.send(session, settings, reset_mail(settings, normalised, f"{link_base}?token={token}"))
    return SENT_KO.format(ttl=duration_ko(settings.auth_reset_ttl_s))


def reset_mail(settings: Settings, to: str, link: str) -> mail.Mail:
    """The reset message."""
    body = (
        "트렌드패스 비밀번호 재설정을 요청하셨어요.\n\n"
        f"아래 링크에서 새 비밀번호를 정해 주세요. 링크는 {duration_ko(settings.auth_reset_ttl_s)} "
        "동안 한 번만 쓸 수 있어요.\n\n"
        f"{link}\n\n"
        "요청하지 않으셨다면 이 메일은 무시해도 돼요. 비밀번호는 바뀌지 않아요.\n"
    )
    return mail.Mail(to=to, subject="[트렌드패스] 비밀번호 재설정 링크", body=body)


def valid(session: Session, token: str) -> uuid.UUID | None:
    """The account a live, unused link belongs to (None otherwise); locks the row."""
    if not token or len(token) > 128:
        return None
    row = session.execute(
        select(m.password_reset.c.account_id)
        .where(
            m.password_reset.c.token_hash == _hash(token),
            m.password_reset.c.used_at.is_(None),
            m.password_reset.c.expires_at > func.now(),
        )
        .with_for_update()
    ).first()
    return row.account_id if row is not None else None


def use(session: Session, settings: Settings, token: str, password: str, again: str) -> None:
    """Set a new password through a link; raises AccountError (bad link, mismatch, weak)."""
    account_id = valid(session, token)
    account = store.account_by_id(session, account_id) if account_id else None
    if account is None:
        raise AccountError("invalid_token", INVALID_KO, "token", status=400)
    if password != again:
        raise AccountError("mismatch", "두 비밀번호가 서로 달라요. 같게 입력해 주세요.", "again")
    problem = policy_problem(password, account.email, settings)
    if problem:
        raise AccountError("weak_password", problem, "password")
    store.set_password_hash(session, account.id, passwords_for(settings).hash(password))
    session.execute(
        update(m.password_reset)
        .where(m.password_reset.c.account_id == account.id, m.password_reset.c.used_at.is_(None))
        .values(used_at=func.now())
    )
    grants.revoke_account_families(session, account.id, "password_reset")
    store.end_all_browser_sessions(session, account.id)
