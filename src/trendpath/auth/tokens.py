"""Token minting (JWT access and ID tokens, opaque codes and refresh tokens) and local checks.

Access tokens follow RFC 9068 (``typ: at+jwt``; ``iss``, ``sub``, ``aud``, ``exp``, ``iat``,
``jti``, ``client_id``, ``scope``; ``sid`` names the grant family). ID tokens follow OIDC Core
§2. Opaque values are 256-bit random strings; only their SHA-256 is stored.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
import uuid
from datetime import datetime
from typing import Any

from joserfc import jwt
from joserfc.errors import JoseError
from sqlalchemy.orm import Session

from trendpath.auth import grants, keys
from trendpath.auth.clients import digest
from trendpath.auth.store import Account
from trendpath.kit.auth import ClaimRules, Principal, TokenError, check_header, issuer_url
from trendpath.kit.settings import Settings


def new_opaque() -> tuple[str, str]:
    """A fresh opaque token and the hash to store."""
    value = secrets.token_urlsafe(32)
    return value, digest(value)


def sign(session: Session, settings: Settings, claims: dict[str, Any], typ: str = "JWT") -> str:
    """Sign ``claims`` with the active key (RS256, ``kid`` in the header)."""
    key = keys.active_key(session, settings)
    header = {"alg": keys.ALG, "kid": key.kid, "typ": typ}
    return jwt.encode(header, claims, key.key, algorithms=[keys.ALG])


def mint_access_token(
    session: Session,
    settings: Settings,
    *,
    subject: str,
    client_id: str,
    scope: str,
    family_id: uuid.UUID | None = None,
) -> tuple[str, int]:
    """An access token and its lifetime in seconds."""
    now = int(time.time())
    ttl = settings.auth_access_token_ttl_s
    claims: dict[str, Any] = {
        "iss": issuer_url(settings),
        "sub": subject,
        "aud": settings.auth_audience,
        "client_id": client_id,
        "scope": scope,
        "iat": now,
        "exp": now + ttl,
        "jti": uuid.uuid4().hex,
    }
    if family_id is not None:
        claims["sid"] = str(family_id)
    return sign(session, settings, claims, typ="at+jwt"), ttl


def _half_hash(value: str) -> str:
    # OIDC Core §3.1.3.6 at_hash: left half of SHA-256, base64url.
    full = hashlib.sha256(value.encode("ascii")).digest()
    return base64.urlsafe_b64encode(full[: len(full) // 2]).rstrip(b"=").decode()


def mint_id_token(
    session: Session,
    settings: Settings,
    *,
    account: Account,
    client_id: str,
    scope: set[str],
    auth_time: datetime,
    nonce: str | None,
    access_token: str,
) -> str:
    """An OIDC ID token for ``account`` addressed to ``client_id``."""
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": issuer_url(settings),
        "sub": str(account.id),
        "aud": client_id,
        "iat": now,
        "exp": now + settings.auth_id_token_ttl_s,
        "auth_time": int(auth_time.timestamp()),
        "at_hash": _half_hash(access_token),
    }
    if nonce:
        claims["nonce"] = nonce
    claims.update(user_claims(account, scope))
    return sign(session, settings, claims)


def user_claims(account: Account, scope: set[str]) -> dict[str, Any]:
    """The standard claims the granted scopes release (OIDC Core §5.4)."""
    out: dict[str, Any] = {}
    if "profile" in scope:
        out["name"] = account.display_name
        out["locale"] = account.locale
    if "email" in scope:
        out["email"] = account.email
        out["email_verified"] = account.email_verified
    return out


def verify_local(session: Session, settings: Settings, token: str) -> Principal:
    """Verify an access token at this server: signature, claims, revocation, family, account.

    Other services only check signature and claims (``kit.auth``); here a revoked token or one
    from a revoked grant family is refused at once.
    """
    kid = check_header(token)
    keyset = keys.verification_keys(session, settings)
    if not any(k.kid == kid for k in keyset.keys):
        raise TokenError("token signed with an unknown key")
    principal = ClaimRules(issuer_url(settings), settings.auth_audience).principal(token, keyset)
    if grants.jti_revoked(session, principal.token_id):
        raise TokenError("token revoked")
    if principal.session_id is not None:
        try:
            family = uuid.UUID(principal.session_id)
        except ValueError as exc:
            raise TokenError("token session is malformed") from exc
        if not grants.family_live(session, family):
            raise TokenError("token revoked")
    return principal


def decode_own(session: Session, settings: Settings, token: str) -> dict[str, Any] | None:
    """Claims of a JWT this server signed (any ``typ``), expiry not checked; None if not ours."""
    try:
        keyset = keys.verification_keys(session, settings)
        decoded = jwt.decode(token, keyset, algorithms=[keys.ALG])
    except (JoseError, ValueError):
        return None
    if decoded.claims.get("iss") != issuer_url(settings):
        return None
    return dict(decoded.claims)
