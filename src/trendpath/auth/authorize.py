"""The authorization endpoint's work (RFC 6749 §4.1.1, RFC 7636 §4.3): validate a request,
decide about consent, issue a code. HTTP-free: routes turn ``AuthorizeError`` into a redirect to
the client (§4.1.2.1) when its redirect URI is verified, else into an error page.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from authlib.oauth2.rfc7636.challenge import CODE_CHALLENGE_PATTERN
from sqlalchemy.orm import Session

from trendpath.auth import clients, grants, store, tokens
from trendpath.auth import scopes as sc
from trendpath.auth.clients import Client
from trendpath.kit.auth import issuer_url
from trendpath.kit.settings import Settings


class AuthorizeError(Exception):
    """A refused authorization request; redirected to the client when its redirect URI is known."""

    def __init__(
        self,
        error: str,
        description: str,
        redirect_uri: str | None = None,
        state: str | None = None,
    ) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.redirect_uri = redirect_uri
        self.state = state


def add_query(uri: str, params: Mapping[str, str | None]) -> str:
    """``uri`` with ``params`` appended to its query (keeping what it had)."""
    parts = urlsplit(uri)
    extra = urlencode({k: v for k, v in params.items() if v is not None})
    query = f"{parts.query}&{extra}" if parts.query else extra
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))


@dataclass(frozen=True)
class AuthorizationRequest:
    """A validated authorization request."""

    client: Client
    redirect_uri: str
    scope: tuple[str, ...]
    state: str | None
    nonce: str | None
    code_challenge: str
    prompt: frozenset[str]

    def params(self) -> dict[str, str]:
        """The request as query parameters (to carry it through sign-in and consent)."""
        out = {
            "response_type": "code",
            "client_id": self.client.client_id,
            "redirect_uri": self.redirect_uri,
            "scope": " ".join(self.scope),
            "code_challenge": self.code_challenge,
            "code_challenge_method": "S256",
        }
        for key, value in (("state", self.state), ("nonce", self.nonce)):
            if value is not None:
                out[key] = value
        if self.prompt:
            out["prompt"] = " ".join(sorted(self.prompt))
        return out


def validate_authorization(
    session: Session, settings: Settings, params: Mapping[str, str]
) -> AuthorizationRequest:
    """Check an authorization request (RFC 6749 §4.1.1, RFC 7636 §4.3); raises AuthorizeError."""
    client = clients.find(session, settings, params.get("client_id", ""))
    if client is None or "authorization_code" not in client.grant_types:
        raise AuthorizeError("invalid_client", "등록되지 않은 클라이언트입니다.")
    redirect_uri = params.get("redirect_uri", "")
    if not redirect_uri or not clients.redirect_uri_matches(client.redirect_uris, redirect_uri):
        raise AuthorizeError("invalid_request", "등록된 리디렉션 주소와 일치하지 않아요.")
    state = params.get("state")

    def refuse(error: str, description: str) -> AuthorizeError:
        return AuthorizeError(error, description, redirect_uri, state)

    if params.get("response_type") != "code":
        raise refuse("unsupported_response_type", "only response_type=code is supported")
    challenge = params.get("code_challenge")
    if not challenge:
        raise refuse("invalid_request", "code_challenge is required (PKCE)")
    if params.get("code_challenge_method") != "S256":
        raise refuse("invalid_request", "code_challenge_method must be S256")
    if not CODE_CHALLENGE_PATTERN.match(challenge) or len(challenge) != 43:
        raise refuse("invalid_request", "code_challenge is not a base64url SHA-256 digest")
    requested = sc.parse(params.get("scope"))
    if not requested:
        raise refuse("invalid_scope", "scope is required")
    if sc.unknown(requested) or not set(requested) <= client.scopes:
        raise refuse("invalid_scope", "scope not allowed for this client")
    prompt = frozenset(sc.parse(params.get("prompt")))
    if not prompt <= {"none", "login", "consent"} or ("none" in prompt and len(prompt) > 1):
        raise refuse("invalid_request", "unsupported prompt value")
    return AuthorizationRequest(
        client=client,
        redirect_uri=redirect_uri,
        scope=tuple(requested),
        state=state,
        nonce=params.get("nonce"),
        code_challenge=challenge,
        prompt=prompt,
    )


def needs_consent(session: Session, req: AuthorizationRequest, account: store.Account) -> bool:
    """Third-party clients need the user's consent for scopes not granted before."""
    if req.client.first_party:
        return False
    if "consent" in req.prompt:
        return True
    granted = store.consented_scopes(session, account.id, req.client.client_id)
    return not set(req.scope) <= granted


def issue_code(
    session: Session,
    settings: Settings,
    req: AuthorizationRequest,
    account: store.Account,
    auth_time: Any,
) -> str:
    """Store a new code for ``account`` and return the redirect carrying it (with RFC 9207 iss)."""
    code, code_hash = tokens.new_opaque()
    granted = sc.for_role(req.scope, account.role)
    grants.insert_code(
        session,
        code_hash,
        {
            "client_id": req.client.client_id,
            "account_id": account.id,
            "redirect_uri": req.redirect_uri,
            "scope": sc.join(granted),
            "code_challenge": req.code_challenge,
            "nonce": req.nonce,
            "auth_time": auth_time,
        },
        settings.auth_code_ttl_s,
    )
    return add_query(
        req.redirect_uri, {"code": code, "state": req.state, "iss": issuer_url(settings)}
    )


def error_redirect(settings: Settings, err: AuthorizeError) -> str:
    """The client redirect carrying an authorization error (RFC 6749 §4.1.2.1)."""
    assert err.redirect_uri is not None
    return add_query(
        err.redirect_uri,
        {
            "error": err.error,
            "error_description": err.description,
            "state": err.state,
            "iss": issuer_url(settings),
        },
    )
