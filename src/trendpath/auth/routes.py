"""The account API (JSON, bearer tokens checked here): sign-up, profile, password, deletion,
account events for other services, and admin operations (key rotation, client registration)."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Query, Request, Response
from sqlalchemy.exc import IntegrityError

from trendpath.auth import accounts, clients, grants, keys, ratelimit, store
from trendpath.auth import scopes as sc
from trendpath.auth.passwords import PasswordLane
from trendpath.auth.routes_oauth import LocalPrincipal, client_ip, need_scopes
from trendpath.auth.schemas import (
    AccountOut,
    ClientIn,
    ClientOut,
    DeleteAccount,
    EventOut,
    EventsOut,
    IdentityOut,
    PasswordChange,
    ProfilePatch,
    PublicProfile,
    RotatedKey,
    SignUpIn,
)
from trendpath.auth.store import Account
from trendpath.kit.auth import Principal
from trendpath.kit.db import SessionDep
from trendpath.kit.deps import settings_of
from trendpath.kit.errors import ApiError, error_responses

router = APIRouter(tags=["accounts"])

MAX_EVENT_ID = 2**63 - 1
"""Event ids are PostgreSQL bigints; a larger ``after`` is refused (422), not overflowed."""


def _api_error(exc: accounts.AccountError) -> ApiError:
    details = [{"field": exc.field, "message": exc.message}] if exc.field else None
    return ApiError(exc.status, exc.code, exc.message, details=details)


def _account_of(session: SessionDep, principal: Principal) -> Account:
    account = store.account_by_id(session, principal.user_id)
    if account is None:
        raise ApiError(401, "invalid_token", "account no longer exists")
    return account


def _account_out(session: SessionDep, account: Account) -> AccountOut:
    return AccountOut(
        id=account.id,
        email=account.email,
        email_verified=account.email_verified,
        display_name=account.display_name,
        locale=account.locale,
        role=account.role,
        has_password=account.password_hash is not None,
        created_at=account.created_at,
        last_login_at=account.last_login_at,
        identities=[
            IdentityOut(provider=r.provider, linked_at=r.linked_at)
            for r in store.identities(session, account.id)
        ],
    )


@router.post(
    "/accounts",
    status_code=201,
    responses=error_responses(400, 409, 429),
    summary="Sign up with email and password",
    dependencies=[PasswordLane],
)
def sign_up(body: SignUpIn, request: Request, session: SessionDep) -> AccountOut:
    """Create a password account (rate-limited per IP)."""
    settings = settings_of(request)
    key = ratelimit.bucket("signup:ip", client_ip(request))
    wait = ratelimit.retry_after(session, [key])
    if wait:
        raise ApiError(429, "rate_limited", "too many sign-ups", headers={"Retry-After": str(wait)})
    ratelimit.record_failure(session, key, ratelimit.limits(settings)["signup:ip"])
    session.commit()
    try:
        account = accounts.sign_up(
            session,
            settings,
            email=body.email,
            password=body.password,
            display_name=body.display_name,
            locale=body.locale,
        )
    except accounts.AccountError as exc:
        raise _api_error(exc) from exc
    session.commit()
    return _account_out(session, account)


@router.get("/me", summary="The signed-in user's account")
def me(session: SessionDep, principal: LocalPrincipal) -> AccountOut:
    """Needs scope ``profile``."""
    need_scopes(principal, "profile")
    return _account_out(session, _account_of(session, principal))


@router.patch("/me", responses=error_responses(400), summary="Change display name or locale")
def update_me(body: ProfilePatch, session: SessionDep, principal: LocalPrincipal) -> AccountOut:
    """Needs scope ``account``."""
    need_scopes(principal, "account")
    _account_of(session, principal)
    changes: dict[str, Any] = {}
    try:
        if body.display_name is not None:
            changes["display_name"] = accounts.clean_display_name(body.display_name)
    except accounts.AccountError as exc:
        raise _api_error(exc) from exc
    if body.locale is not None:
        changes["locale"] = body.locale
    account = store.update_profile(session, principal.user_id, changes) if changes else None
    session.commit()
    return _account_out(session, account or _account_of(session, principal))


@router.post(
    "/me/password",
    status_code=204,
    responses=error_responses(400, 429),
    summary="Change the password",
    dependencies=[PasswordLane],
)
def change_password(
    request: Request, body: PasswordChange, session: SessionDep, principal: LocalPrincipal
) -> Response:
    """Needs scope ``account``; every other session and grant of the account is revoked."""
    need_scopes(principal, "account")
    account = _account_of(session, principal)
    try:
        accounts.change_password(
            session, settings_of(request), account, body.current_password, body.new_password
        )
    except accounts.AccountError as exc:
        session.commit()  # failure counts
        raise _api_error(exc) from exc
    keep = uuid.UUID(principal.session_id) if principal.session_id else None
    grants.revoke_account_families(session, account.id, "password_changed", keep=keep)
    store.end_all_browser_sessions(session, account.id)
    session.commit()
    return Response(status_code=204)


@router.delete("/me", status_code=204, summary="Delete the account", dependencies=[PasswordLane])
def delete_me(
    request: Request, body: DeleteAccount, session: SessionDep, principal: LocalPrincipal
) -> Response:
    """Needs scope ``account``; other services learn of it from ``GET /events``."""
    need_scopes(principal, "account")
    account = _account_of(session, principal)
    try:
        accounts.delete(session, settings_of(request), account, body.password)
    except accounts.AccountError as exc:
        raise _api_error(exc) from exc
    session.commit()
    return Response(status_code=204)


@router.get(
    "/users/{user_id}", responses=error_responses(404), summary="A user's profile (self or admin)"
)
def user_profile(
    user_id: uuid.UUID, session: SessionDep, principal: LocalPrincipal
) -> PublicProfile:
    """Needs scope ``profile``; anyone but the owner or an admin gets 404."""
    need_scopes(principal, "profile")
    caller = _account_of(session, principal)
    target = store.account_by_id(session, user_id)
    if target is None or (target.id != caller.id and caller.role != "admin"):
        raise ApiError(404, "not_found", "no such user")
    return PublicProfile(
        id=target.id,
        display_name=target.display_name,
        locale=target.locale,
        created_at=target.created_at,
        last_login_at=target.last_login_at,
    )


@router.get("/events", summary="Account events for other services")
def events(
    session: SessionDep,
    principal: LocalPrincipal,
    after: int = Query(default=0, ge=0, le=MAX_EVENT_ID),
    limit: int = Query(default=100, ge=1, le=1000),
) -> EventsOut:
    """Needs a service token with scope ``events:read``."""
    need_scopes(principal, "events:read")
    if not principal.is_service:
        raise ApiError(403, "forbidden", "service tokens only")
    rows = store.events_after(session, after, limit)
    out = [
        EventOut(id=r.id, kind=r.kind, user_id=r.account_id, occurred_at=r.occurred_at)
        for r in rows
    ]
    return EventsOut(events=out, next_after=out[-1].id if out else after)


def _admin(session: SessionDep, principal: Principal) -> None:
    need_scopes(principal, "admin")
    if _account_of(session, principal).role != "admin":
        raise ApiError(403, "forbidden", "admin role required")


@router.post("/admin/keys/rotate", summary="Rotate the signing key (admin)")
def rotate_key(request: Request, session: SessionDep, principal: LocalPrincipal) -> RotatedKey:
    """Start a new signing key; the old one stays in the JWKS until its tokens expire."""
    _admin(session, principal)
    kid = keys.rotate(session, settings_of(request))
    session.commit()
    return RotatedKey(kid=kid)


@router.post(
    "/admin/clients",
    status_code=201,
    responses=error_responses(409),
    summary="Register an OAuth client (admin)",
)
def register_client(body: ClientIn, session: SessionDep, principal: LocalPrincipal) -> ClientOut:
    """The secret of a confidential client is in this response only."""
    _admin(session, principal)
    if clients.is_reserved(body.client_id):
        raise ApiError(409, "conflict", "client id is reserved")
    problems = [p for u in body.redirect_uris if (p := clients.redirect_uri_problem(u))]
    if problems:
        raise ApiError(422, "validation_error", f"redirect_uris: {problems[0]}")
    if set(body.scopes) - (sc.USER_SCOPES | sc.SERVICE_SCOPES):
        raise ApiError(422, "validation_error", "scopes: unknown scope")
    if "authorization_code" in body.grant_types and not body.redirect_uris:
        raise ApiError(422, "validation_error", "redirect_uris: required for authorization_code")
    if body.public and "client_credentials" in body.grant_types:
        raise ApiError(422, "validation_error", "public clients cannot use client_credentials")
    try:
        secret = clients.register(
            session,
            client_id=body.client_id,
            name=body.name,
            redirect_uris=body.redirect_uris,
            grant_types=list(body.grant_types),
            scopes=body.scopes,
            public=body.public,
            first_party=body.first_party,
            post_logout_redirect_uris=body.post_logout_redirect_uris,
        )
        session.commit()
    except IntegrityError as exc:
        raise ApiError(409, "conflict", "client id already registered") from exc
    return ClientOut(
        client_id=body.client_id,
        client_secret=secret,
        name=body.name,
        redirect_uris=body.redirect_uris,
        grant_types=list(body.grant_types),
        scopes=body.scopes,
        public=body.public,
        first_party=body.first_party,
    )
