"""Account rules: email normalisation, sign-up, sign-in with back-off, password change, deletion.

Sign-in gives the same answer, in about the same time, for an unknown email and a wrong password:
an unknown email is checked against a dummy argon2 hash and counts against the same rate-limit
buckets. User-facing messages are Korean.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
import uuid
from dataclasses import dataclass

from sqlalchemy.orm import Session

from trendpath.auth import mail, ratelimit, store
from trendpath.auth.passwords import passwords_for, policy_problem
from trendpath.auth.store import Account
from trendpath.kit.settings import Settings

_EMAIL = re.compile(r"^[^@\s\x00-\x1f]{1,64}@[^@\s\x00-\x1f]+\.[^@\s\x00-\x1f.]{2,}$")
LOGIN_FAILED = "이메일 또는 비밀번호가 맞지 않아요."
LOCALES = ("ko", "en")


class AccountError(Exception):
    """A refused account operation, with a Korean message for the user."""

    def __init__(self, code: str, message: str, field: str | None = None, status: int = 400):
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
        self.status = status


def normalise_email(raw: str) -> str | None:
    """Lower-cased NFKC email with an IDNA (punycode) domain, or None if it is not an email."""
    email = unicodedata.normalize("NFKC", raw).strip().lower()
    if len(email) > 254 or not _EMAIL.match(email):
        return None
    local, _, domain = email.rpartition("@")
    try:
        domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        return None
    return f"{local}@{domain}"


def clean_display_name(raw: str) -> str:
    """A display name without control characters, 1–50 characters; raises AccountError."""
    name = " ".join(unicodedata.normalize("NFC", raw).split())
    if not 1 <= len(name) <= 50 or any(unicodedata.category(c).startswith("C") for c in name):
        raise AccountError("invalid_display_name", "이름은 1~50자로 입력해 주세요.", "display_name")
    return name


def sign_up(
    session: Session,
    settings: Settings,
    *,
    email: str,
    password: str,
    display_name: str,
    locale: str = "ko",
    consent: dict[str, str] | None = None,
) -> Account:
    """Create a password account; raises AccountError (bad input or email taken).

    ``consent`` records what the person agreed to at sign-up (the privacy notice's version);
    it is kept in the account's ``extras`` with the time it was given.
    """
    normalised = normalise_email(email)
    if normalised is None:
        raise AccountError("invalid_email", "올바른 이메일 주소를 입력해 주세요.", "email")
    name = clean_display_name(display_name)
    if locale not in LOCALES:
        raise AccountError("invalid_locale", "언어는 ko 또는 en이어야 해요.", "locale")
    problem = policy_problem(password, normalised, settings)
    if problem:
        raise AccountError("weak_password", problem, "password")
    hashed = passwords_for(settings).hash(password)
    extras = {"consent": {**consent, "at": dt.datetime.now(dt.UTC).isoformat()}} if consent else {}
    account = store.create_account(
        session,
        email=normalised,
        display_name=name,
        password_hash=hashed,
        locale=locale,
        extras=extras,
    )
    if account is None:
        raise AccountError("email_taken", "이미 가입된 이메일이에요.", "email", status=409)
    return account


@dataclass(frozen=True)
class LoginOutcome:
    """The account on success; otherwise how long to wait (0 = wrong credentials)."""

    account: Account | None
    retry_after: int = 0


def login(
    session: Session,
    settings: Settings,
    *,
    email: str,
    password: str,
    ip: str,
    known_device_of: uuid.UUID | None = None,
) -> LoginOutcome:
    """Check credentials with per-IP, per-account+IP and per-account back-off.

    ``known_device_of`` is the account a valid device cookie vouches for: that account's own
    device skips the account-wide bucket, so attacks from elsewhere cannot lock its owner out.
    """
    key = normalise_email(email) or email.strip().lower()[:254]
    lim = ratelimit.limits(settings)
    b_ip = ratelimit.bucket("login:ip", ip)
    b_pair = ratelimit.bucket("login:acct-ip", key, ip)
    b_acct = ratelimit.bucket("login:acct", key)
    account = store.account_by_email(session, key) if normalise_email(email) else None
    trusted = account is not None and known_device_of == account.id
    watched = [b_ip, b_pair] if trusted else [b_ip, b_pair, b_acct]
    wait = ratelimit.retry_after(session, watched)
    if wait:
        return LoginOutcome(None, wait)
    pw = passwords_for(settings)
    if not pw.verify(account.password_hash if account else None, password) or account is None:
        blocks = [
            ratelimit.record_failure(session, b_ip, lim["login:ip"]),
            ratelimit.record_failure(session, b_pair, lim["login:acct-ip"]),
            ratelimit.record_failure(session, b_acct, lim["login:acct"]),
        ]
        return LoginOutcome(None, max(blocks[:2]) if trusted else max(blocks))
    ratelimit.clear(session, b_pair)
    store.touch_login(session, account.id)
    if account.password_hash and pw.needs_rehash(account.password_hash):
        store.set_password_hash(session, account.id, pw.hash(password))
    return LoginOutcome(account)


def change_password(
    session: Session, settings: Settings, account: Account, current: str, new: str
) -> None:
    """Replace the password after checking the current one; raises AccountError."""
    pw = passwords_for(settings)
    b_acct = ratelimit.bucket("login:acct", account.email)
    if ratelimit.retry_after(session, [b_acct]):
        raise AccountError("rate_limited", "잠시 후 다시 시도해 주세요.", status=429)
    if account.password_hash is not None and not pw.verify(account.password_hash, current):
        ratelimit.record_failure(session, b_acct, ratelimit.limits(settings)["login:acct"])
        raise AccountError("wrong_password", "현재 비밀번호가 맞지 않아요.", "current_password")
    problem = policy_problem(new, account.email, settings)
    if problem:
        raise AccountError("weak_password", problem, "new_password")
    store.set_password_hash(session, account.id, pw.hash(new))


def delete(session: Session, settings: Settings, account: Account, password: str | None) -> None:
    """Delete the account (password accounts must confirm with the password)."""
    if account.password_hash is not None and not passwords_for(settings).verify(
        account.password_hash, password or ""
    ):
        raise AccountError("wrong_password", "비밀번호가 맞지 않아요.", "password", status=403)
    mail.forget(session, account.email)
    store.delete_account(session, account.id)
