"""Protocol endpoints: discovery (RFC 8414 / OIDC Discovery), JWKS (RFC 7517), token (RFC 6749
§3.2), revocation (RFC 7009) and userinfo (OIDC Core §5.3).

The token and revocation endpoints answer errors in the RFC 6749 §5.2 shape (``{"error":
"invalid_grant", "error_description": ...}``), which standard OAuth clients parse; every other
endpoint uses the common ``{"error": {"code", "message"}}`` shape.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from trendpath.auth import keys, oauth, store, tokens
from trendpath.auth import scopes as sc
from trendpath.auth.oauth import OAuthError
from trendpath.auth.schemas import OAuthErrorOut, RevokeForm, TokenForm, TokenOut
from trendpath.kit.auth import ALLOWED_ALGS, BearerDoc, Principal, bearer_token, issuer_url
from trendpath.kit.db import SessionDep
from trendpath.kit.deps import settings_of
from trendpath.kit.errors import ApiError
from trendpath.kit.settings import Settings

router = APIRouter(tags=["oauth"])

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
PUBLIC_CACHE = {"Cache-Control": "public, max-age=300"}
FORM_TYPE = "application/x-www-form-urlencoded"


def client_ip(request: Request) -> str:
    """The caller's address (uvicorn resolves trusted proxy headers before us)."""
    return request.client.host if request.client else "unknown"


async def form_items(request: Request) -> list[tuple[str, str]]:
    """The urlencoded form of the request as (name, value) pairs; empty for other bodies."""
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype != FORM_TYPE:
        return []
    form = await request.form()
    return [(k, v) for k, v in form.multi_items() if isinstance(v, str)]


FormItems = Annotated[list[tuple[str, str]], Depends(form_items)]


async def oauth_error_handler(_: Request, exc: Exception) -> JSONResponse:
    """Render an OAuthError in the RFC 6749 §5.2 shape."""
    assert isinstance(exc, OAuthError)
    return JSONResponse(exc.body(), status_code=exc.status, headers={**NO_STORE, **exc.headers})


def metadata(settings: Settings) -> dict[str, Any]:
    """The authorization server metadata (RFC 8414 §2, OIDC Discovery §3)."""
    iss = issuer_url(settings)
    return {
        "issuer": iss,
        "authorization_endpoint": f"{iss}/authorize",
        "token_endpoint": f"{iss}/token",
        "userinfo_endpoint": f"{iss}/userinfo",
        "jwks_uri": f"{iss}/.well-known/jwks.json",
        "revocation_endpoint": f"{iss}/revoke",
        "end_session_endpoint": f"{iss}/logout",
        "scopes_supported": sorted(sc.USER_SCOPES | sc.SERVICE_SCOPES),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": list(ALLOWED_ALGS),
        "token_endpoint_auth_methods_supported": [
            "client_secret_basic",
            "client_secret_post",
            "none",
        ],
        "revocation_endpoint_auth_methods_supported": [
            "client_secret_basic",
            "client_secret_post",
            "none",
        ],
        "code_challenge_methods_supported": ["S256"],
        "claims_supported": [
            "sub",
            "iss",
            "aud",
            "exp",
            "iat",
            "auth_time",
            "nonce",
            "name",
            "locale",
            "email",
            "email_verified",
        ],
        "prompt_values_supported": ["none", "login", "consent"],
        "ui_locales_supported": ["ko"],
        "authorization_response_iss_parameter_supported": True,
        "request_parameter_supported": False,
        "request_uri_parameter_supported": False,
        "claims_parameter_supported": False,
    }


@router.get("/.well-known/openid-configuration", summary="OpenID Connect discovery")
def openid_configuration(request: Request) -> JSONResponse:
    """OIDC Discovery 1.0 §4."""
    return JSONResponse(metadata(settings_of(request)), headers=PUBLIC_CACHE)


@router.get("/.well-known/oauth-authorization-server", summary="OAuth server metadata")
def oauth_metadata(request: Request) -> JSONResponse:
    """RFC 8414 §3 (same document as OIDC discovery)."""
    return JSONResponse(metadata(settings_of(request)), headers=PUBLIC_CACHE)


@router.get("/.well-known/jwks.json", summary="Public signing keys (JWKS)")
def jwks(request: Request, session: SessionDep) -> JSONResponse:
    """RFC 7517 §5: the active key and retired keys whose tokens may still be valid."""
    doc = keys.jwks(session, settings_of(request))
    session.commit()  # the first call creates the first key
    return JSONResponse(doc, headers={"Cache-Control": "public, max-age=60"})


def _form_body(model: type[BaseModel]) -> dict[str, Any]:
    """``openapi_extra`` declaring a form body read by hand (to keep RFC 6749 errors)."""
    schema = model.model_json_schema()
    return {"requestBody": {"required": True, "content": {FORM_TYPE: {"schema": schema}}}}


def _oauth_errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {s: {"model": OAuthErrorOut, "description": "RFC 6749 §5.2 error"} for s in statuses}


def _form(request: Request, items: list[tuple[str, str]]) -> dict[str, str]:
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype != FORM_TYPE:
        raise OAuthError("invalid_request", f"content type must be {FORM_TYPE}")
    return oauth.single_values(items)


@router.post(
    "/token",
    summary="Token endpoint",
    responses={200: {"model": TokenOut}, **_oauth_errors(400, 401, 429)},
    openapi_extra=_form_body(TokenForm),
)
def token(request: Request, session: SessionDep, items: FormItems) -> JSONResponse:
    """authorization_code (+PKCE), refresh_token (rotating) and client_credentials grants."""
    settings = settings_of(request)
    try:
        form = _form(request, items)
        grant = form.get("grant_type")
        if not grant:
            raise OAuthError("invalid_request", "grant_type is required")
        client = oauth.authenticate_client(
            session, settings, form, request.headers.get("authorization"), client_ip(request)
        )
        handler = oauth.GRANTS.get(grant)
        if handler is None:
            raise OAuthError("unsupported_grant_type", f"grant_type {grant!r} is not supported")
        body = handler(session, settings, client, form)
    except OAuthError:
        # Failure counts, burnt codes and revoked families must survive the error response.
        session.commit()
        raise
    session.commit()
    return JSONResponse(body, headers=NO_STORE)


@router.post(
    "/revoke",
    summary="Token revocation (RFC 7009)",
    response_class=Response,  # an empty 200, documented without a body
    responses=_oauth_errors(400, 401, 429),
    openapi_extra=_form_body(RevokeForm),
)
def revoke(request: Request, session: SessionDep, items: FormItems) -> Response:
    """Revoke a refresh token (and its grant family) or an access token; always 200."""
    settings = settings_of(request)
    try:
        form = _form(request, items)
        client = oauth.authenticate_client(
            session, settings, form, request.headers.get("authorization"), client_ip(request)
        )
        oauth.revoke(session, settings, client, form)
    except OAuthError:
        session.commit()
        raise
    session.commit()
    return Response(status_code=200, headers=NO_STORE)


def local_principal(request: Request, session: SessionDep, _: BearerDoc) -> Principal:
    """The principal of the bearer token, checked here (revocations take effect at once)."""
    return tokens.verify_local(session, settings_of(request), bearer_token(request))


LocalPrincipal = Annotated[Principal, Depends(local_principal)]


def need_scopes(principal: Principal, *names: str) -> None:
    """Refuse with 403 ``insufficient_scope`` unless the token has every scope in ``names``."""
    missing = set(names) - principal.scopes
    if missing:
        wanted = " ".join(sorted(names))
        raise ApiError(
            403,
            "insufficient_scope",
            f"token lacks scope: {' '.join(sorted(missing))}",
            headers={"WWW-Authenticate": f'Bearer error="insufficient_scope", scope="{wanted}"'},
        )


@router.get("/userinfo", summary="OIDC userinfo", operation_id="userinfo_get")
@router.post("/userinfo", summary="OIDC userinfo (POST)", operation_id="userinfo_post")
def userinfo(request: Request, session: SessionDep, principal: LocalPrincipal) -> JSONResponse:
    """Claims about the token's user, as far as its scopes release them."""
    need_scopes(principal, "openid")
    account = store.account_by_id(session, principal.user_id)
    if account is None:
        raise ApiError(401, "invalid_token", "account no longer exists")
    claims = {"sub": str(account.id), **tokens.user_claims(account, set(principal.scopes))}
    return JSONResponse(claims, headers=NO_STORE)
