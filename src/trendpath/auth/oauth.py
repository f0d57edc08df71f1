"""The token endpoint's work: client authentication, code exchange, refresh, client credentials
and revocation. HTTP-free: routes turn ``OAuthError`` into RFC 6749 §5.2 responses.

PKCE checks reuse authlib's RFC 7636 helpers; the flow itself is ours because the promises it
keeps (S256 only, code replay revokes the family, refresh reuse revokes the family, loopback port
freedom, shared rate limits on client secrets) are not hooks authlib's server offers.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import unquote

from authlib.oauth2.rfc7636 import create_s256_code_challenge
from authlib.oauth2.rfc7636.challenge import CODE_VERIFIER_PATTERN
from sqlalchemy.orm import Session

from trendpath.auth import clients, grants, ratelimit, store, tokens
from trendpath.auth import scopes as sc
from trendpath.auth.clients import Client, digest
from trendpath.kit.settings import Settings

MAX_PARAM_CHARS = 2048


class OAuthError(Exception):
    """An RFC 6749 §5.2 error of the token or revocation endpoint."""

    def __init__(
        self,
        error: str,
        description: str,
        status: int = 400,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status
        self.headers = headers or {}

    def body(self) -> dict[str, str]:
        """The JSON body: ``error`` and ``error_description``."""
        return {"error": self.error, "error_description": self.description}


def single_values(items: Sequence[tuple[str, str]]) -> dict[str, str]:
    """Parameters as a dict; a repeated or oversized parameter is refused (RFC 6749 §3.1)."""
    out: dict[str, str] = {}
    for key, value in items:
        if key in out:
            raise OAuthError("invalid_request", f"parameter {key!r} repeated")
        if len(value) > MAX_PARAM_CHARS:
            raise OAuthError("invalid_request", f"parameter {key!r} too long")
        out[key] = value
    return out


# --- client authentication ---


def _basic(header: str | None) -> tuple[str, str] | None:
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        raw = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise OAuthError("invalid_client", "malformed Basic credentials", 401) from exc
    client_id, sep, secret = raw.partition(":")
    if not sep:
        raise OAuthError("invalid_client", "malformed Basic credentials", 401)
    # RFC 6749 §2.3.1: both parts are form-urlencoded before base64.
    return unquote(client_id.replace("+", " ")), unquote(secret.replace("+", " "))


def authenticate_client(
    session: Session,
    settings: Settings,
    form: Mapping[str, str],
    authorization: str | None,
    ip: str,
) -> Client:
    """The calling client (RFC 6749 §2.3), with shared back-off against secret guessing."""
    basic = _basic(authorization)
    if basic and ("client_secret" in form or form.get("client_id", basic[0]) != basic[0]):
        raise OAuthError("invalid_request", "use one client authentication method")
    client_id, secret = basic if basic else (form.get("client_id", ""), form.get("client_secret"))
    if not client_id:
        raise OAuthError("invalid_client", "client authentication required", 401)
    lim = ratelimit.limits(settings)
    b_client = ratelimit.bucket("token:client", client_id)
    b_ip = ratelimit.bucket("token:ip", ip)
    wait = ratelimit.retry_after(session, [b_client, b_ip])
    if wait:
        raise OAuthError(
            "rate_limited", "too many failed attempts", 429, {"Retry-After": str(wait)}
        )
    client = clients.find(session, settings, client_id)
    ok = client is not None and (
        (client.public and not secret) or clients.secret_matches(client, secret or "")
    )
    if not ok or client is None:
        ratelimit.record_failure(session, b_client, lim["token:client"])
        ratelimit.record_failure(session, b_ip, lim["token:ip"])
        headers = {"WWW-Authenticate": 'Basic realm="trendpath"'} if basic else None
        raise OAuthError("invalid_client", "client authentication failed", 401, headers)
    return client


# --- token endpoint grants ---


def _token_response(
    session: Session,
    settings: Settings,
    *,
    client: Client,
    account: store.Account,
    scope: str,
    family_id: Any,
    auth_time: Any,
    nonce: str | None = None,
) -> dict[str, Any]:
    access, ttl = tokens.mint_access_token(
        session,
        settings,
        subject=str(account.id),
        client_id=client.client_id,
        scope=scope,
        family_id=family_id,
    )
    out: dict[str, Any] = {
        "access_token": access,
        "token_type": "Bearer",
        "expires_in": ttl,
        "scope": scope,
    }
    if "refresh_token" in client.grant_types:
        refresh, refresh_hash = tokens.new_opaque()
        grants.insert_refresh(session, refresh_hash, family_id, settings.auth_refresh_token_ttl_s)
        out["refresh_token"] = refresh
    names = set(scope.split())
    if "openid" in names:
        out["id_token"] = tokens.mint_id_token(
            session,
            settings,
            account=account,
            client_id=client.client_id,
            scope=names,
            auth_time=auth_time,
            nonce=nonce,
            access_token=access,
        )
    return out


def _check_code(row: Any, form: Mapping[str, str]) -> None:
    """Expiry, redirect URI and PKCE (RFC 7636 §4.6) of a code being exchanged."""
    if row.expired:
        raise OAuthError("invalid_grant", "authorization code expired")
    if form.get("redirect_uri") != row.redirect_uri:
        raise OAuthError("invalid_grant", "redirect_uri does not match the authorization request")
    verifier = form.get("code_verifier")
    if not verifier:
        raise OAuthError("invalid_request", "code_verifier is required (PKCE)")
    if not CODE_VERIFIER_PATTERN.match(verifier):
        raise OAuthError("invalid_request", "code_verifier is malformed")
    if not hmac.compare_digest(create_s256_code_challenge(verifier), row.code_challenge):
        raise OAuthError("invalid_grant", "code_verifier does not match the code_challenge")


def exchange_code(
    session: Session, settings: Settings, client: Client, form: Mapping[str, str]
) -> dict[str, Any]:
    """authorization_code grant (RFC 6749 §4.1.3 + RFC 7636 §4.6); codes are single-use."""
    if "authorization_code" not in client.grant_types:
        raise OAuthError("unauthorized_client", "client may not use this grant")
    code = form.get("code")
    if not code:
        raise OAuthError("invalid_request", "code is required")
    code_hash = digest(code)
    row = grants.lock_code(session, code_hash)
    if row is None or row.client_id != client.client_id:
        raise OAuthError("invalid_grant", "unknown authorization code")
    if row.used_at is not None:
        # RFC 6749 §4.1.2 / RFC 9700 §4.5: a replayed code revokes what it produced.
        if row.family_id is not None:
            grants.revoke_family(session, row.family_id, "code_replay")
        raise OAuthError("invalid_grant", "authorization code already used")
    grants.burn_code(session, code_hash, None)
    _check_code(row, form)
    account = store.account_by_id(session, row.account_id)
    if account is None:
        raise OAuthError("invalid_grant", "account no longer exists")
    family_id = grants.new_family(
        session,
        client_id=client.client_id,
        account_id=account.id,
        scope=row.scope,
        auth_time=row.auth_time,
        ttl_s=settings.auth_session_ttl_s,
    )
    grants.burn_code(session, code_hash, family_id)
    return _token_response(
        session,
        settings,
        client=client,
        account=account,
        scope=row.scope,
        family_id=family_id,
        auth_time=row.auth_time,
        nonce=row.nonce,
    )


def refresh(
    session: Session, settings: Settings, client: Client, form: Mapping[str, str]
) -> dict[str, Any]:
    """refresh_token grant with rotation; presenting a rotated token revokes the whole family."""
    if "refresh_token" not in client.grant_types:
        raise OAuthError("unauthorized_client", "client may not use this grant")
    token = form.get("refresh_token")
    if not token:
        raise OAuthError("invalid_request", "refresh_token is required")
    row = grants.lock_refresh(session, digest(token))
    if row is None:
        raise OAuthError("invalid_grant", "unknown refresh token")
    if row.client_id != client.client_id or row.used_at is not None:
        # Reuse of a rotated token (RFC 9700 §4.14.2): someone holds a copy. Stop them all.
        grants.revoke_family(session, row.family_id, "refresh_reuse")
        raise OAuthError("invalid_grant", "refresh token already used; session revoked")
    if row.revoked or row.expired:
        raise OAuthError("invalid_grant", "refresh token revoked or expired")
    granted = sc.parse(row.scope)
    requested = sc.parse(form.get("scope")) or granted
    if not set(requested) <= set(granted):
        raise OAuthError("invalid_scope", "scope exceeds the original grant")
    grants.mark_refresh_used(session, row.token_hash)
    account = store.account_by_id(session, row.account_id)
    if account is None:
        raise OAuthError("invalid_grant", "account no longer exists")
    return _token_response(
        session,
        settings,
        client=client,
        account=account,
        # The role is checked again: an admin whose role was revoked loses ``admin`` here.
        scope=sc.join(sc.for_role(requested, account.role)),
        family_id=row.family_id,
        auth_time=row.auth_time,
    )


def client_credentials(
    session: Session, settings: Settings, client: Client, form: Mapping[str, str]
) -> dict[str, Any]:
    """client_credentials grant (RFC 6749 §4.4) for confidential service clients."""
    if client.public or "client_credentials" not in client.grant_types:
        raise OAuthError("unauthorized_client", "client may not use this grant")
    requested = sc.parse(form.get("scope"))
    if sc.unknown(requested) or not set(requested) <= client.scopes:
        raise OAuthError("invalid_scope", "scope not allowed for this client")
    scope = sc.join(requested)
    access, ttl = tokens.mint_access_token(
        session, settings, subject=client.client_id, client_id=client.client_id, scope=scope
    )
    return {"access_token": access, "token_type": "Bearer", "expires_in": ttl, "scope": scope}


GRANTS = {
    "authorization_code": exchange_code,
    "refresh_token": refresh,
    "client_credentials": client_credentials,
}


def revoke(session: Session, settings: Settings, client: Client, form: Mapping[str, str]) -> None:
    """RFC 7009: revoke a refresh token (its family) or an access token (its jti).

    Unknown, foreign or malformed tokens are ignored (§2.2: the response is 200 either way).
    """
    token = form.get("token")
    if not token:
        raise OAuthError("invalid_request", "token is required")
    row = grants.lock_refresh(session, digest(token))
    if row is not None:
        if row.client_id == client.client_id:
            grants.revoke_family(session, row.family_id, "revoked")
        return
    claims = tokens.decode_own(session, settings, token)
    if claims and claims.get("client_id") == client.client_id and "jti" in claims:
        grants.revoke_jti(session, str(claims["jti"]), int(claims.get("exp", 0)))
