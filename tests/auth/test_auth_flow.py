"""A standard OAuth client completes code + PKCE against `trendpath run`, following discovery."""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx
from authlib.integrations.httpx_client import OAuth2Client
from authlib.oidc.discovery import OpenIDProviderMetadata
from joserfc import jwt
from joserfc.jwk import KeySet

from .conftest import LOOPBACK_CB, PASSWORD, Browser, Flow, Served, csrf_of


def test_discovery_document_is_valid_oidc_metadata(api: httpx.Client, flow: Flow) -> None:
    doc = api.get("/.well-known/openid-configuration").json()
    OpenIDProviderMetadata(doc).validate()
    assert doc["issuer"] == flow.server.issuer
    assert doc["code_challenge_methods_supported"] == ["S256"]
    assert api.get("/.well-known/oauth-authorization-server").json() == doc
    keys = api.get("/.well-known/jwks.json").json()["keys"]
    assert keys and all(k["kty"] == "RSA" and k["kid"] and "d" not in k for k in keys)


def test_authlib_client_completes_code_flow_with_pkce_against_trendpath_run(
    flow: Flow, visitor: Browser, run_server: Served
) -> None:
    flow.signup("flow@example.com", name="김흐름")
    issuer = run_server.issuer
    doc = httpx.get(f"{issuer}/.well-known/openid-configuration").json()
    assert doc["issuer"] == issuer
    client = OAuth2Client(
        client_id="test-app",
        client_secret=flow.secrets["test-app"],
        scope="openid profile email",
        redirect_uri="http://127.0.0.1:54321/cb",  # loopback: any port may be used
        code_challenge_method="S256",
    )
    verifier = "v" * 20 + "erifier-with-enough-length-to-pass-43-chars"
    url, state = client.create_authorization_url(
        doc["authorization_endpoint"], code_verifier=verifier, nonce="n-0S6"
    )
    page = visitor.get(f"{issuer}/login")
    visitor.post(
        f"{issuer}/login",
        data={"email": "flow@example.com", "password": PASSWORD, "csrf_token": csrf_of(page.text)},
    )
    landed = visitor.follow(visitor.get(url), "http://127.0.0.1:54321/cb")
    assert isinstance(landed, str)
    token = client.fetch_token(
        doc["token_endpoint"], authorization_response=landed, code_verifier=verifier, state=state
    )
    assert token["token_type"] == "Bearer" and token["refresh_token"]
    info = client.get(doc["userinfo_endpoint"]).json()
    assert info["email"] == "flow@example.com" and info["name"] == "김흐름"
    keys = KeySet.import_key_set(httpx.get(doc["jwks_uri"]).json())
    id_token = jwt.decode(token["id_token"], keys, algorithms=["RS256"])
    assert id_token.claims["aud"] == "test-app"
    assert id_token.claims["nonce"] == "n-0S6"
    assert id_token.claims["iss"] == doc["issuer"]
    assert id_token.claims["sub"] == info["sub"]
    query = dict(p.split("=", 1) for p in urlsplit(landed).query.split("&"))
    assert "iss" in query  # RFC 9207 mix-up defence


def test_refresh_rotates_and_client_credentials_work(flow: Flow, visitor: Browser) -> None:
    flow.signup("rot@example.com")
    first = flow.code_tokens(visitor, "rot@example.com")
    second = flow.token(grant_type="refresh_token", refresh_token=first["refresh_token"])
    assert second.status_code == 200, second.text
    assert second.json()["refresh_token"] != first["refresh_token"]
    assert second.headers["cache-control"] == "no-store"
    # RFC 6749 §6: a refresh may narrow the scope, never widen it beyond the original grant
    wider = flow.token(
        grant_type="refresh_token",
        refresh_token=second.json()["refresh_token"],
        scope="openid profile email account admin",
    )
    assert wider.status_code == 400 and wider.json() == {
        "error": "invalid_scope",
        "error_description": "scope exceeds the original grant",
    }
    narrower = flow.token(
        grant_type="refresh_token", refresh_token=second.json()["refresh_token"], scope="openid"
    )
    assert narrower.status_code == 200, narrower.text
    assert narrower.json()["scope"] == "openid"
    svc = flow.token("test-service", grant_type="client_credentials", scope="trends:read")
    assert svc.status_code == 200, svc.text
    assert svc.json()["scope"] == "trends:read" and "refresh_token" not in svc.json()
    too_much = flow.token("test-service", grant_type="client_credentials", scope="admin")
    assert too_much.status_code == 400 and too_much.json()["error"] == "invalid_scope"


def test_public_client_uses_pkce_without_secret(flow: Flow, visitor: Browser) -> None:
    from .conftest import pkce

    flow.signup("spa@example.com")
    flow.login(visitor, "spa@example.com")
    verifier, challenge = pkce()
    got = flow.authorize(visitor, client_id="test-spa", challenge=challenge)
    resp = flow.token(
        "test-spa",
        grant_type="authorization_code",
        code=got["code"],
        redirect_uri=LOOPBACK_CB,
        code_verifier=verifier,
    )
    assert resp.status_code == 200, resp.text
