"""Bearer-token verification for every service, and service-to-service client credentials.

Every service verifies access tokens itself against the auth service's JWKS (fetched through
``runtime.clients`` and cached): signature with an allow-listed algorithm, ``typ`` ``at+jwt``
(RFC 9068), issuer, audience, expiry and scopes. A token signed with a key id the cache does not
know triggers one JWKS refetch (throttled), so key rotation needs no restart.

Route dependencies::

    @router.get("/things")
    async def things(user: CurrentUser) -> ...: ...

    @router.post("/admin/x", dependencies=[require_scopes("admin")])

Service-to-service calls get a token with :class:`ServiceTokens` (client credentials, cached until
shortly before it expires).
"""

from __future__ import annotations

import asyncio
import base64
import hmac
import ipaddress
import json
import re
import time
import uuid
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from trendpath.kit.errors import ApiError
from trendpath.kit.runtime import Runtime
from trendpath.kit.settings import Settings

ALLOWED_ALGS: tuple[str, ...] = ("RS256",)
"""Signature algorithms accepted on access tokens; anything else (``none`` included) is refused."""

ACCESS_TOKEN_TYPES = frozenset({"at+jwt", "application/at+jwt"})
WEB_CLIENT_ID = "trendpath-web"
LEEWAY_S = 30
MAX_TOKEN_CHARS = 8192
_COMPACT = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$")

JwksFetcher = Callable[[], Awaitable[Mapping[str, Any]]]


# --- where things live ---


def _base_url(settings: Settings) -> str:
    if settings.public_url:
        return settings.public_url.rstrip("/")
    host = "127.0.0.1" if settings.host in ("0.0.0.0", "::", "") else settings.host
    return f"http://{host}:{settings.port}"


def issuer_url(settings: Settings) -> str:
    """The OAuth issuer: ``auth_issuer``, else the public base URL + ``/api/auth``."""
    if settings.auth_issuer:
        return settings.auth_issuer.rstrip("/")
    return _base_url(settings) + "/api/auth"


def dashboard_url(settings: Settings) -> str:
    """The dashboard's public base URL (``public_url``, else ``http://host:port``)."""
    return _base_url(settings)


def is_loopback_url(url: str) -> bool:
    """True for ``http(s)://127.x.x.x``, ``[::1]`` and ``localhost`` URLs."""
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def cookie_secure(settings: Settings, url: str) -> bool:
    """Whether cookies for ``url`` get the Secure flag: always, except on loopback HTTP."""
    if settings.auth_cookie_secure is not None:
        return settings.auth_cookie_secure
    return urlsplit(url).scheme == "https" or not is_loopback_url(url)


def service_client_id(service: str) -> str:
    """The built-in OAuth client id of a service (``svc-users``, ...)."""
    return f"svc-{service}"


def builtin_client_secret(settings: Settings, client_id: str) -> str:
    """The secret of a built-in client, derived from the shared secret key (never stored)."""
    mac = hmac.new(
        settings.secret_key.encode(), f"trendpath/oauth-client/{client_id}".encode(), "sha256"
    )
    return base64.urlsafe_b64encode(mac.digest()).rstrip(b"=").decode()


PRIVACY_NOTICE_VERSION = "2026-12-06"
"""The version of the dashboard's privacy notice; sign-up records which one was agreed to."""
LOGOUT_HINT_TTL_S = 120


def logout_hint(settings: Settings, subject: str, now: float | None = None) -> str:
    """A short-lived proof, from the first-party dashboard, that ``subject`` asked to sign out:
    the auth server then ends its own session at once instead of asking again."""
    expires = int((now if now is not None else time.time()) + LOGOUT_HINT_TTL_S)
    return f"{expires}.{_hint_mac(settings, subject, expires)}"


def logout_hint_ok(settings: Settings, hint: str, subject: str) -> bool:
    """Whether ``hint`` is a live :func:`logout_hint` for ``subject``."""
    expires, _, mac = hint.partition(".")
    if not expires.isdigit() or int(expires) < time.time():
        return False
    return hmac.compare_digest(mac, _hint_mac(settings, subject, int(expires)))


def _hint_mac(settings: Settings, subject: str, expires: int) -> str:
    key = builtin_client_secret(settings, WEB_CLIENT_ID).encode()
    msg = f"trendpath/logout/{subject}/{expires}".encode()
    return base64.urlsafe_b64encode(hmac.new(key, msg, "sha256").digest()).rstrip(b"=").decode()


# --- verification ---


class TokenError(ApiError):
    """A missing or invalid bearer token: 401 with an RFC 6750 ``WWW-Authenticate`` header."""

    def __init__(self, message: str) -> None:
        super().__init__(
            401,
            "invalid_token",
            message,
            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
        )


@dataclass(frozen=True)
class Principal:
    """Who a verified access token speaks for: a user (via a client) or a service."""

    subject: str
    client_id: str
    scopes: frozenset[str]
    token_id: str
    expires_at: int
    session_id: str | None = None
    claims: Mapping[str, Any] = field(default_factory=dict, repr=False)

    @property
    def is_service(self) -> bool:
        """True for client-credentials tokens (no user behind them)."""
        return self.subject == self.client_id

    @property
    def user_id(self) -> uuid.UUID:
        """The user's id; raises ApiError 403 for service tokens."""
        if self.is_service:
            raise ApiError(403, "forbidden", "this endpoint needs a user token")
        try:
            return uuid.UUID(self.subject)
        except ValueError as exc:
            raise TokenError("token subject is not a user id") from exc

    def has_scopes(self, *scopes: str) -> bool:
        """True when the token carries every scope in ``scopes``."""
        return set(scopes) <= self.scopes


def unverified_header(token: str) -> dict[str, Any]:
    """The JOSE header of a compact JWS, parsed but not trusted; raises TokenError."""
    if len(token) > MAX_TOKEN_CHARS or not _COMPACT.match(token):
        raise TokenError("malformed token")
    head = token.split(".", 1)[0]
    try:
        header = json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))
    except ValueError as exc:
        raise TokenError("malformed token header") from exc
    if not isinstance(header, dict):
        raise TokenError("malformed token header")
    return header


class JwksCache:
    """The auth service's public keys, refreshed when stale or when an unknown ``kid`` shows up.

    An unknown ``kid`` triggers one refetch. If the key is still unknown afterwards, further
    refetches for unknown keys pause for ``refetch_interval_s``, so a flood of tokens with random
    ``kid`` values cannot turn into a flood of JWKS requests, while a real rotation (the refetch
    finds the key) is picked up at once.
    """

    def __init__(
        self, fetch: JwksFetcher, max_age_s: float = 600.0, refetch_interval_s: float = 5.0
    ) -> None:
        self._fetch = fetch
        self.max_age_s = max_age_s
        self.refetch_interval_s = refetch_interval_s
        self._keys: dict[str, dict[str, Any]] = {}
        self._imported: dict[str, KeySet] = {}
        self._fetched_at = float("-inf")
        self._quiet_until = float("-inf")
        self._lock = asyncio.Lock()
        self.fetches = 0
        self.generation = 0
        """Bumped at every refetch: what was verified with an older key set is checked again."""

    async def _refresh(self) -> None:
        doc = await self._fetch()
        keys = doc.get("keys")
        if not isinstance(keys, list):
            raise ApiError(503, "unavailable", "auth service returned an invalid JWKS")
        self._keys = {
            k["kid"]: k
            for k in keys
            if isinstance(k, dict) and isinstance(k.get("kid"), str) and k.get("kty") == "RSA"
        }
        self._imported = {}
        self._fetched_at = time.monotonic()
        self.fetches += 1
        self.generation += 1

    def is_current(self, generation: int) -> bool:
        """True while the key set of ``generation`` is the one in use and not due for a refetch."""
        return (
            generation == self.generation and time.monotonic() - self._fetched_at <= self.max_age_s
        )

    async def key(self, kid: str) -> KeySet:
        """The key set holding ``kid``; raises TokenError when the key is unknown."""
        async with self._lock:
            now = time.monotonic()
            if now - self._fetched_at > self.max_age_s:
                await self._refresh()
            elif kid not in self._keys and now >= self._quiet_until:
                await self._refresh()
                if kid not in self._keys:
                    self._quiet_until = time.monotonic() + self.refetch_interval_s
            jwk = self._keys.get(kid)
            if jwk is None:
                raise TokenError("token signed with an unknown key")
            imported = self._imported.get(kid)
            if imported is None:
                # Importing an RSA key costs more than verifying a signature with it: once per kid.
                try:
                    imported = KeySet.import_key_set({"keys": [jwk]})
                except (JoseError, ValueError) as exc:
                    raise TokenError("token signed with an unusable key") from exc
                self._imported[kid] = imported
            return imported


def check_header(token: str) -> str:
    """Refuse tokens that are not RS256 access JWTs with a key id; returns the ``kid``."""
    header = unverified_header(token)
    if header.get("alg") not in ALLOWED_ALGS:
        raise TokenError("token algorithm not allowed")
    if str(header.get("typ", "")).lower() not in ACCESS_TOKEN_TYPES:
        raise TokenError("not an access token")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise TokenError("token has no key id")
    return kid


class ClaimRules:
    """Signature and claim checks of access tokens for one issuer and audience."""

    def __init__(self, issuer: str, audience: str) -> None:
        self.issuer = issuer
        self.audience = audience
        self._registry = jwt.JWTClaimsRegistry(
            leeway=LEEWAY_S,
            iss={"essential": True, "value": issuer},
            aud={"essential": True, "value": audience},
            exp={"essential": True},
            sub={"essential": True},
            jti={"essential": True},
            client_id={"essential": True},
        )

    def principal(self, token: str, keys: KeySet) -> Principal:
        """Verify ``token`` with ``keys`` (header already checked); raises TokenError."""
        try:
            decoded = jwt.decode(token, keys, algorithms=list(ALLOWED_ALGS))
            self._registry.validate(decoded.claims)
        except JoseError as exc:
            raise TokenError(f"token rejected: {exc.description or exc.error}") from exc
        return principal_from_claims(decoded.claims)


class TokenVerifier:
    """Verifies access tokens for one audience and issuer against a :class:`JwksCache`.

    A token that verified is remembered (at most ``cache_size`` of them, least recently used out)
    so the client's next requests with the same bytes skip the signature and claim checks; an
    entry holds only while its expiry (plus leeway) has not passed, for at most ``cache_ttl_s``,
    and while the key set it was verified with is still the current one.
    """

    def __init__(
        self,
        issuer: str,
        audience: str,
        jwks: JwksCache,
        cache_size: int = 4096,
        cache_ttl_s: float = 60.0,
    ) -> None:
        self.rules = ClaimRules(issuer, audience)
        self.jwks = jwks
        self.cache_size = cache_size
        self.cache_ttl_s = cache_ttl_s
        self._verified: OrderedDict[str, tuple[Principal, int, float]] = OrderedDict()

    @classmethod
    def for_runtime(cls, runtime: Runtime) -> TokenVerifier:
        """A verifier fetching the JWKS from the auth service through ``runtime.clients``."""

        async def fetch() -> Mapping[str, Any]:
            resp = await runtime.clients.request("auth", "GET", "/.well-known/jwks.json")
            if resp.status_code != 200:
                raise ApiError(503, "unavailable", "auth service JWKS is unavailable")
            body: Mapping[str, Any] = resp.json()
            return body

        settings = runtime.settings
        return cls(issuer_url(settings), settings.auth_audience, JwksCache(fetch))

    async def verify(self, token: str) -> Principal:
        """The principal of a valid access token; raises TokenError otherwise."""
        hit = self._cached(token)
        if hit is not None:
            return hit
        kid = check_header(token)
        keys = await self.jwks.key(kid)
        principal = self.rules.principal(token, keys)
        self._remember(token, principal)
        return principal

    def _cached(self, token: str) -> Principal | None:
        entry = self._verified.get(token)
        if entry is None:
            return None
        principal, generation, until = entry
        if time.time() > min(until, principal.expires_at + LEEWAY_S) or not self.jwks.is_current(
            generation
        ):
            del self._verified[token]
            return None
        self._verified.move_to_end(token)
        return principal

    def _remember(self, token: str, principal: Principal) -> None:
        self._verified[token] = (principal, self.jwks.generation, time.time() + self.cache_ttl_s)
        while len(self._verified) > self.cache_size:
            self._verified.popitem(last=False)


def principal_from_claims(claims: Mapping[str, Any]) -> Principal:
    """A Principal from already validated access-token claims."""
    scope = claims.get("scope", "")
    if not isinstance(scope, str):
        raise TokenError("token scope is malformed")
    return Principal(
        subject=str(claims["sub"]),
        client_id=str(claims["client_id"]),
        scopes=frozenset(scope.split()),
        token_id=str(claims["jti"]),
        expires_at=int(claims["exp"]),
        session_id=str(claims["sid"]) if claims.get("sid") else None,
        claims=dict(claims),
    )


BEARER_SCHEME = HTTPBearer(
    auto_error=False,
    scheme_name="bearer",
    bearerFormat="JWT",
    description="An access token issued by the auth service (RFC 9068 JWT)",
)
BearerDoc = Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER_SCHEME)]
"""Declares bearer authentication in the OpenAPI document of a route that depends on it. The
token is read and checked by :func:`bearer_token`, so refusals keep the common error shape."""


def bearer_token(request: Request) -> str:
    """The bearer token of the request (RFC 6750 §2.1); raises TokenError when absent."""
    value = request.headers.get("authorization", "")
    scheme, _, token = value.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(
            401,
            "unauthorized",
            "bearer token required",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return token.strip()


def verifier_of(request: Request) -> TokenVerifier:
    """The process-wide verifier of this request's runtime (created on first use)."""
    runtime: Runtime = request.app.state.runtime
    verifier = runtime.extras.get("kit.auth.verifier")
    if not isinstance(verifier, TokenVerifier):
        verifier = TokenVerifier.for_runtime(runtime)
        runtime.extras["kit.auth.verifier"] = verifier
    return verifier


async def current_principal(request: Request, _: BearerDoc) -> Principal:
    """FastAPI dependency: the verified principal (user or service) of the bearer token."""
    return await verifier_of(request).verify(bearer_token(request))


async def current_user(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
    """FastAPI dependency: like ``current_principal`` but refuses service tokens (403)."""
    principal.user_id  # noqa: B018 - raises for service tokens
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
CurrentUser = Annotated[Principal, Depends(current_user)]


def require_scopes(*scopes: str) -> Any:
    """A dependency (``Depends``) granting the principal only if the token has every scope.

    Use as ``Annotated[Principal, require_scopes("trends:read")]`` or in ``dependencies=[...]``.
    """
    needed = frozenset(scopes)

    async def check(principal: CurrentPrincipal) -> Principal:
        if not needed <= principal.scopes:
            wanted = " ".join(sorted(needed))
            raise ApiError(
                403,
                "insufficient_scope",
                f"token lacks scope: {' '.join(sorted(needed - principal.scopes))}",
                headers={
                    "WWW-Authenticate": f'Bearer error="insufficient_scope", scope="{wanted}"'
                },
            )
        return principal

    return Depends(check)


# --- service-to-service ---


class ServiceTokens:
    """Client-credentials access tokens for one service, cached until shortly before expiry."""

    def __init__(self, runtime: Runtime, service: str, margin_s: float = 30.0) -> None:
        self.runtime = runtime
        self.client_id = service_client_id(service)
        self.margin_s = margin_s
        self._cache: dict[str, tuple[str, float]] = {}
        self._lock = asyncio.Lock()

    async def token(self, scopes: Iterable[str]) -> str:
        """An access token carrying ``scopes`` (fetched or reused from the cache)."""
        scope = " ".join(sorted(set(scopes)))
        async with self._lock:
            cached = self._cache.get(scope)
            if cached is not None and cached[1] - self.margin_s > time.monotonic():
                return cached[0]
            secret = builtin_client_secret(self.runtime.settings, self.client_id)
            resp = await self.runtime.clients.request(
                "auth",
                "POST",
                "/token",
                data={"grant_type": "client_credentials", "scope": scope},
                auth=(self.client_id, secret),
            )
            if resp.status_code != 200:
                raise ApiError(503, "unavailable", f"service token refused ({resp.status_code})")
            body = resp.json()
            token = str(body["access_token"])
            self._cache[scope] = (token, time.monotonic() + float(body.get("expires_in", 60)))
            return token

    async def headers(self, scopes: Iterable[str]) -> dict[str, str]:
        """An ``Authorization`` header for a call to a sibling service."""
        return {"Authorization": f"Bearer {await self.token(scopes)}"}


def service_tokens(runtime: Runtime, service: str) -> ServiceTokens:
    """The process-wide :class:`ServiceTokens` of ``service`` in this runtime."""
    key = f"kit.auth.service_tokens.{service}"
    tokens = runtime.extras.get(key)
    if not isinstance(tokens, ServiceTokens):
        tokens = ServiceTokens(runtime, service)
        runtime.extras[key] = tokens
    return tokens


@dataclass(frozen=True)
class AccountEvent:
    """One account event from the auth service (``account.deleted``)."""

    id: int
    kind: str
    user_id: uuid.UUID
    occurred_at: str


async def fetch_account_events(
    runtime: Runtime, service: str, after: int = 0, limit: int = 100
) -> list[AccountEvent]:
    """Account events with id > ``after``, oldest first (see docs/auth.md, "Account deletion")."""
    headers = await service_tokens(runtime, service).headers(["events:read"])
    resp = await runtime.clients.request(
        "auth", "GET", "/events", params={"after": after, "limit": limit}, headers=headers
    )
    if resp.status_code != 200:
        raise ApiError(503, "unavailable", f"account events unavailable ({resp.status_code})")
    return [
        AccountEvent(
            id=int(e["id"]),
            kind=str(e["kind"]),
            user_id=uuid.UUID(e["user_id"]),
            occurred_at=str(e["occurred_at"]),
        )
        for e in resp.json()["events"]
    ]
