"""Social sign-in: OAuth 2.0 / OIDC client connectors for Google, Kakao and Naver.

Each provider is configured by settings (client id and secret; endpoints, or for Google the OIDC
issuer whose discovery document names them). The round trip is authorization code + PKCE (S256)
+ state (+ nonce) through authlib's ``AsyncOAuth2Client``; the profile comes from the provider's
userinfo endpoint, reached with the access token straight from its token endpoint.

Linking rules: a known provider identity signs its account in; a signed-in user links a new
identity to their account; otherwise a new account is created from the provider's email. We never
attach a provider identity to an existing account by email alone (that would let whoever controls
an email at a provider take over the matching trendpath account); the user signs in with their
password first and links from there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
from authlib.common.errors import AuthlibBaseError
from authlib.common.security import generate_token
from authlib.integrations.httpx_client import AsyncOAuth2Client
from authlib.integrations.httpx_client._compat import httpx2  # the client's HTTP library
from sqlalchemy.orm import Session

from trendpath.auth import store
from trendpath.auth.accounts import AccountError, clean_display_name, normalise_email
from trendpath.auth.store import Account
from trendpath.kit.settings import Settings

TIMEOUT_S = 10.0
_discovered: dict[str, dict[str, Any]] = {}


class SocialError(Exception):
    """A social sign-in that cannot complete; the message is Korean, for the user."""


@dataclass(frozen=True)
class Provider:
    """One configured identity provider."""

    name: str
    label: str
    client_id: str
    client_secret: str
    scope: str
    authorize_url: str | None = None
    token_url: str | None = None
    userinfo_url: str | None = None
    issuer: str | None = None


@dataclass(frozen=True)
class ExternalProfile:
    """What we keep from a provider's userinfo."""

    subject: str
    email: str | None
    email_verified: bool
    name: str | None


def providers(settings: Settings) -> dict[str, Provider]:
    """The providers that have a client id and secret configured."""
    out: dict[str, Provider] = {}
    s = settings
    if s.auth_google_client_id and s.auth_google_client_secret:
        out["google"] = Provider(
            "google",
            "Google로 계속하기",
            s.auth_google_client_id,
            s.auth_google_client_secret,
            s.auth_google_scope,
            issuer=s.auth_google_issuer.rstrip("/"),
        )
    if s.auth_kakao_client_id and s.auth_kakao_client_secret:
        out["kakao"] = Provider(
            "kakao",
            "카카오로 계속하기",
            s.auth_kakao_client_id,
            s.auth_kakao_client_secret,
            s.auth_kakao_scope,
            s.auth_kakao_authorize_url,
            s.auth_kakao_token_url,
            s.auth_kakao_userinfo_url,
        )
    if s.auth_naver_client_id and s.auth_naver_client_secret:
        out["naver"] = Provider(
            "naver",
            "네이버로 계속하기",
            s.auth_naver_client_id,
            s.auth_naver_client_secret,
            s.auth_naver_scope,
            s.auth_naver_authorize_url,
            s.auth_naver_token_url,
            s.auth_naver_userinfo_url,
        )
    return out


async def endpoints(provider: Provider) -> tuple[str, str, str]:
    """(authorize, token, userinfo) URLs; OIDC providers are looked up once via discovery."""
    if provider.issuer is None:
        assert provider.authorize_url and provider.token_url and provider.userinfo_url
        return provider.authorize_url, provider.token_url, provider.userinfo_url
    doc = _discovered.get(provider.issuer)
    if doc is None:
        url = f"{provider.issuer}/.well-known/openid-configuration"
        try:
            async with httpx.AsyncClient(timeout=TIMEOUT_S) as http:
                resp = await http.get(url)
            resp.raise_for_status()
            doc = resp.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise SocialError(
                "로그인 제공자에 연결할 수 없어요. 잠시 후 다시 시도해 주세요."
            ) from exc
        if not isinstance(doc, dict) or doc.get("issuer", "").rstrip("/") != provider.issuer:
            raise SocialError("로그인 제공자의 설정이 올바르지 않아요.")
        _discovered[provider.issuer] = doc
    try:
        return doc["authorization_endpoint"], doc["token_endpoint"], doc["userinfo_endpoint"]
    except KeyError as exc:
        raise SocialError("로그인 제공자의 설정이 올바르지 않아요.") from exc


def _client(provider: Provider, redirect_uri: str) -> AsyncOAuth2Client:
    return AsyncOAuth2Client(
        client_id=provider.client_id,
        client_secret=provider.client_secret,
        token_endpoint_auth_method="client_secret_post",
        scope=provider.scope or None,
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        timeout=TIMEOUT_S,
    )


async def start(provider: Provider, redirect_uri: str) -> tuple[str, dict[str, str]]:
    """The provider's authorization URL and the state to keep until the callback."""
    authorize_url, _, _ = await endpoints(provider)
    verifier = generate_token(64)
    nonce = generate_token(32)
    async with _client(provider, redirect_uri) as client:
        url, state = client.create_authorization_url(
            authorize_url, code_verifier=verifier, nonce=nonce
        )
    return url, {"state": state, "verifier": verifier, "provider": provider.name}


async def finish(
    provider: Provider, redirect_uri: str, code: str, verifier: str
) -> ExternalProfile:
    """Exchange the code (with the PKCE verifier) and read the user's profile."""
    _, token_url, userinfo_url = await endpoints(provider)
    async with _client(provider, redirect_uri) as client:
        try:
            await client.fetch_token(
                token_url, code=code, code_verifier=verifier, redirect_uri=redirect_uri
            )
            resp = await client.get(userinfo_url)
            resp.raise_for_status()
            payload = resp.json()
        except (AuthlibBaseError, httpx2.HTTPError, ValueError) as exc:
            raise SocialError("로그인 제공자가 요청을 거절했어요. 다시 시도해 주세요.") from exc
    return profile_from_userinfo(payload)


def _truthy(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")


def profile_from_userinfo(payload: Any) -> ExternalProfile:
    """Normalise a userinfo payload: OIDC claims, Kakao ``/v2/user/me`` or Naver ``/v1/nid/me``."""
    if not isinstance(payload, dict):
        raise SocialError("로그인 제공자의 응답을 이해할 수 없어요.")
    if isinstance(payload.get("response"), dict):  # Naver wraps the profile
        data = payload["response"]
        subject, email, verified = data.get("id"), data.get("email"), False
        name = data.get("nickname") or data.get("name")
    elif isinstance(payload.get("kakao_account"), dict):
        account = payload["kakao_account"]
        subject, email = payload.get("id"), account.get("email")
        verified = _truthy(account.get("is_email_valid")) and _truthy(
            account.get("is_email_verified")
        )
        profile = account.get("profile")
        name = profile.get("nickname") if isinstance(profile, dict) else None
    else:
        subject, email = payload.get("sub"), payload.get("email")
        verified = _truthy(payload.get("email_verified"))
        name = payload.get("name") or payload.get("nickname") or payload.get("preferred_username")
    if subject is None or str(subject) == "":
        raise SocialError("로그인 제공자가 사용자 식별자를 보내지 않았어요.")
    return ExternalProfile(
        subject=str(subject),
        email=str(email) if email else None,
        email_verified=verified,
        name=str(name) if name else None,
    )


def sign_in(
    session: Session, provider: str, profile: ExternalProfile, current: Account | None
) -> Account:
    """The account this provider identity signs in to (linking or creating as the rules say)."""
    owner = store.identity_owner(session, provider, profile.subject)
    if owner is not None:
        if current is not None and current.id != owner:
            raise SocialError("이 소셜 계정은 이미 다른 트렌드패스 계정에 연결되어 있어요.")
        account = store.account_by_id(session, owner)
        assert account is not None
        store.touch_login(session, account.id)
        return account
    if current is not None:
        if not store.link_identity(session, current.id, provider, profile.subject, profile.email):
            raise SocialError("이 계정에는 이미 같은 제공자의 다른 소셜 계정이 연결되어 있어요.")
        return current
    email = normalise_email(profile.email or "")
    if email is None:
        raise SocialError("가입하려면 이메일 제공에 동의해 주세요.")
    name = profile.name or email.split("@", 1)[0]
    try:
        name = clean_display_name(name[:50])
    except AccountError:
        name = email.split("@", 1)[0][:50]
    account = store.create_account(
        session,
        email=email,
        display_name=name,
        password_hash=None,
        email_verified=profile.email_verified,
    )
    if account is None:
        raise SocialError(
            "이미 가입된 이메일이에요. 비밀번호로 로그인한 뒤 소셜 계정을 연결해 주세요."
        )
    store.link_identity(session, account.id, provider, profile.subject, email)
    store.touch_login(session, account.id)
    return account
