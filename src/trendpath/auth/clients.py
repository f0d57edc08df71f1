"""OAuth clients: the built-in ones (dashboard, services) and those registered in the database.

Built-in clients need no registration: the dashboard (``trendpath-web``, authorization code +
refresh) and one client-credentials client per service (``svc-<service>``). Their secrets are
derived from the shared secret key (``kit.auth.builtin_client_secret``) and never stored. Registered
clients keep only a SHA-256 hash of their secret. Secrets are compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from trendpath.auth import models as m
from trendpath.auth import scopes as sc
from trendpath.kit.auth import (
    WEB_CLIENT_ID,
    builtin_client_secret,
    dashboard_url,
    service_client_id,
)
from trendpath.kit.settings import SERVICES, Settings

GRANT_TYPES = frozenset({"authorization_code", "refresh_token", "client_credentials"})


@dataclass(frozen=True)
class Client:
    """An OAuth client as the server sees it."""

    client_id: str
    name: str
    redirect_uris: tuple[str, ...]
    post_logout_redirect_uris: tuple[str, ...]
    grant_types: frozenset[str]
    scopes: frozenset[str]
    first_party: bool
    secret_digest: str | None

    @property
    def public(self) -> bool:
        """True for clients without a secret (they must use PKCE)."""
        return self.secret_digest is None


def digest(value: str) -> str:
    """Hex SHA-256 of a string (how secrets, tokens and codes are stored)."""
    return hashlib.sha256(value.encode()).hexdigest()


def builtin_clients(settings: Settings) -> dict[str, Client]:
    """The dashboard and service clients every installation has."""
    base = dashboard_url(settings)
    web = Client(
        client_id=WEB_CLIENT_ID,
        name="트렌드패스 대시보드",
        redirect_uris=(f"{base}/auth/callback",),
        post_logout_redirect_uris=(f"{base}/",),
        grant_types=frozenset({"authorization_code", "refresh_token"}),
        scopes=sc.USER_SCOPES,
        first_party=True,
        secret_digest=digest(builtin_client_secret(settings, WEB_CLIENT_ID)),
    )
    out = {web.client_id: web}
    for service in SERVICES:
        cid = service_client_id(service)
        out[cid] = Client(
            client_id=cid,
            name=f"{service} service",
            redirect_uris=(),
            post_logout_redirect_uris=(),
            grant_types=frozenset({"client_credentials"}),
            scopes=sc.SERVICE_SCOPES,
            first_party=True,
            secret_digest=digest(builtin_client_secret(settings, cid)),
        )
    # The dashboard's own service client: public pages (the trend explorer) read trends and news
    # for visitors who are not signed in, and nothing else.
    dash = service_client_id("web")
    out[dash] = Client(
        client_id=dash,
        name="dashboard public pages",
        redirect_uris=(),
        post_logout_redirect_uris=(),
        grant_types=frozenset({"client_credentials"}),
        scopes=sc.PUBLIC_READ_SCOPES,
        first_party=True,
        secret_digest=digest(builtin_client_secret(settings, dash)),
    )
    return out


def is_reserved(client_id: str) -> bool:
    """Ids that registered clients may not take."""
    return client_id == WEB_CLIENT_ID or client_id.startswith("svc-")


def find(session: Session, settings: Settings, client_id: str) -> Client | None:
    """The client with this id, built-in or registered."""
    builtin = builtin_clients(settings).get(client_id)
    if builtin is not None:
        return builtin
    row = session.execute(select(m.client).where(m.client.c.client_id == client_id)).first()
    if row is None:
        return None
    return Client(
        client_id=row.client_id,
        name=row.name,
        redirect_uris=tuple(row.redirect_uris),
        post_logout_redirect_uris=tuple(row.post_logout_redirect_uris),
        grant_types=frozenset(row.grant_types),
        scopes=frozenset(row.scopes),
        first_party=row.first_party,
        secret_digest=row.secret_hash,
    )


def secret_matches(client: Client, secret: str) -> bool:
    """Constant-time check of a presented secret against the stored digest."""
    if client.secret_digest is None:
        return False
    return hmac.compare_digest(digest(secret), client.secret_digest)


def _loopback_ip(host: str | None) -> bool:
    try:
        return ipaddress.ip_address(host or "").is_loopback
    except ValueError:
        return False


def redirect_uri_matches(registered: Iterable[str], given: str) -> bool:
    """Exact string match, except that a loopback IP redirect may use any port (RFC 8252 §7.3)."""
    if given in registered:
        return True
    try:
        g = urlsplit(given)
        g_port = g.port
    except ValueError:
        return False
    if g.scheme != "http" or not _loopback_ip(g.hostname) or g.fragment:
        return False
    for uri in registered:
        r = urlsplit(uri)
        if (r.scheme, r.hostname, r.path, r.query) == (g.scheme, g.hostname, g.path, g.query):
            return g_port is not None or r.port is None
    return False


def redirect_uri_problem(uri: str) -> str | None:
    """Why ``uri`` cannot be registered as a redirect URI, or None."""
    try:
        parts = urlsplit(uri)
    except ValueError:
        return "not a URL"
    if parts.fragment or "#" in uri:
        return "must not contain a fragment"
    if parts.scheme == "https" and parts.hostname:
        return None
    if parts.scheme == "http" and (_loopback_ip(parts.hostname) or parts.hostname == "localhost"):
        return None
    return "must be https, or http on a loopback address"


def register(
    session: Session,
    *,
    client_id: str,
    name: str,
    redirect_uris: list[str],
    grant_types: list[str],
    scopes: list[str],
    public: bool,
    first_party: bool = False,
    post_logout_redirect_uris: list[str] | None = None,
) -> str | None:
    """Register a client; returns its secret (shown once) or None for a public client."""
    secret = None if public else secrets.token_urlsafe(32)
    session.execute(
        m.client.insert().values(
            client_id=client_id,
            secret_hash=digest(secret) if secret else None,
            name=name,
            redirect_uris=redirect_uris,
            post_logout_redirect_uris=post_logout_redirect_uris or [],
            grant_types=grant_types,
            scopes=scopes,
            first_party=first_party,
        )
    )
    return secret
