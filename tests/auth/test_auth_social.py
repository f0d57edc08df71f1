"""Social sign-in: the Google (OIDC discovery), Kakao and Naver connectors, run against a second
instance of our own auth server on 127.0.0.1 (its own database) acting as the upstream provider."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from trendpath.auth import clients as auth_clients
from trendpath.auth import models as m
from trendpath.auth.app import create_app as create_auth
from trendpath.auth.social import SocialError, profile_from_userinfo
from trendpath.kit.db import Database
from trendpath.kit.migrate import upgrade
from trendpath.kit.settings import Settings

from .conftest import PASSWORD, Browser, Served, csrf_of, next_of, serve

PROVIDERS = ("google", "kakao", "naver")


@pytest.fixture(scope="module")
def upstream_db(database: Database, auth_settings: Settings) -> Iterator[Database]:
    """A second, separate database for the upstream provider."""
    name = f"trendpath_upstream_{uuid.uuid4().hex[:8]}"
    admin = create_engine(database.url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(database.url).set(database=name).render_as_string(hide_password=False)
    up = Database.from_settings(auth_settings, url, name="upstream")
    upgrade(up)
    yield up
    up.dispose()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="module")
def upstream(auth_settings: Settings, upstream_db: Database) -> Iterator[Served]:
    """Our auth server, alone at the root of its own port, playing Google/Kakao/Naver."""
    settings = auth_settings.model_copy(update={"secret_key": "upstream-" + "u" * 40})
    yield from serve(lambda s, r: create_auth(s, r), settings, upstream_db, "")


@pytest.fixture(scope="module")
def downstream(auth_settings: Settings, database: Database, upstream: Served) -> Iterator[Served]:
    """Our auth server with all three connectors pointing at the upstream instance."""
    up = upstream.url
    social = {
        "auth_google_client_id": "google-client",
        "auth_google_client_secret": "google-secret-" + "g" * 30,
        "auth_google_issuer": up,
        "auth_kakao_client_id": "kakao-client",
        "auth_kakao_client_secret": "kakao-secret-" + "k" * 30,
        "auth_kakao_authorize_url": f"{up}/authorize",
        "auth_kakao_token_url": f"{up}/token",
        "auth_kakao_userinfo_url": f"{up}/userinfo",
        "auth_kakao_scope": "openid email profile",
        "auth_naver_client_id": "naver-client",
        "auth_naver_client_secret": "naver-secret-" + "n" * 30,
        "auth_naver_authorize_url": f"{up}/authorize",
        "auth_naver_token_url": f"{up}/token",
        "auth_naver_userinfo_url": f"{up}/userinfo",
        "auth_naver_scope": "openid email profile",
    }
    settings = auth_settings.model_copy(update=social)
    yield from serve(lambda s, r: create_auth(s, r), settings, database, "")


def _clean(up: Database) -> None:
    with up.engine.begin() as conn:
        tables = conn.execute(
            text("SELECT quote_ident(tablename) FROM pg_tables WHERE schemaname = 'auth'")
        ).scalars()
        conn.execute(text(f"TRUNCATE {', '.join('auth.' + t for t in tables)} CASCADE"))


@pytest.fixture
def provider(
    upstream: Served, upstream_db: Database, downstream: Served, db: Database
) -> Iterator[Callable[[str], None]]:
    """Register the downstream's connectors at the upstream; give upstream users."""
    with upstream_db.session_scope() as session:
        for name in PROVIDERS:
            session.execute(
                m.client.insert().values(
                    client_id=f"{name}-client",
                    secret_hash=auth_clients.digest(
                        getattr(downstream.settings, f"auth_{name}_client_secret")
                    ),
                    name=f"트렌드패스 ({name})",
                    redirect_uris=[f"{downstream.issuer}/login/{name}/callback"],
                    post_logout_redirect_uris=[],
                    grant_types=["authorization_code"],
                    scopes=["openid", "email", "profile"],
                    first_party=True,
                )
            )

    def make_user(email: str) -> None:
        import httpx

        resp = httpx.post(
            f"{upstream.issuer}/accounts",
            json={"email": email, "password": PASSWORD, "display_name": "업스트림 사용자"},
        )
        assert resp.status_code == 201, resp.text

    yield make_user
    _clean(upstream_db)


def _social_login(
    visitor: Browser,
    upstream: Served,
    downstream: Served,
    name: str,
    email: str,
    link: bool = False,
) -> object:
    start = visitor.get(f"{downstream.issuer}/login/{name}", params={"link": "1"} if link else None)
    assert start.status_code == 302 and start.headers["location"].startswith(upstream.issuer)
    assert "code_challenge_method=S256" in start.headers["location"]
    page = visitor.follow(start, "never")
    assert not isinstance(page, str) and page.status_code == 200, page
    if "csrf_token" in page.text and "/login" in str(page.url):
        posted = visitor.post(
            f"{upstream.issuer}/login",
            data={
                "email": email,
                "password": PASSWORD,
                "next": next_of(page.text),
                "csrf_token": csrf_of(page.text),
            },
        )
        return visitor.follow(posted, "never")
    return page


@pytest.mark.parametrize("name", PROVIDERS)
def test_connector_signs_up_then_signs_in_through_the_upstream(
    name: str,
    provider: Callable[[str], None],
    upstream: Served,
    downstream: Served,
    visitor: Browser,
    db: Database,
) -> None:
    provider(f"{name}-user@example.com")
    landed = _social_login(visitor, upstream, downstream, name, f"{name}-user@example.com")
    assert getattr(landed, "status_code", None) == 200 and "업스트림 사용자" in landed.text  # type: ignore[attr-defined]
    with db.engine.connect() as conn:
        rows = conn.execute(
            select(m.identity.c.provider, m.account.c.email).join(
                m.account, m.account.c.id == m.identity.c.account_id
            )
        ).all()
    assert [tuple(r) for r in rows] == [(name, f"{name}-user@example.com")]
    # A second round trip signs in to the same account (no duplicate).
    again = Browser()
    try:
        _social_login(again, upstream, downstream, name, f"{name}-user@example.com")
    finally:
        again.close()
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM auth.account")).scalar_one() == 1


def test_existing_email_is_not_taken_over_by_a_social_login(
    provider: Callable[[str], None],
    upstream: Served,
    downstream: Served,
    visitor: Browser,
    browsers: Callable[[], Browser],
) -> None:
    import httpx

    provider("shared@example.com")
    made = httpx.post(
        f"{downstream.issuer}/accounts",
        json={"email": "shared@example.com", "password": PASSWORD, "display_name": "원래 주인"},
    )
    assert made.status_code == 201
    refused = _social_login(visitor, upstream, downstream, "google", "shared@example.com")
    assert getattr(refused, "status_code", None) == 409
    assert "비밀번호로 로그인한 뒤" in refused.text  # type: ignore[attr-defined]
    # Signed in with the password first, the owner links the identity explicitly.
    owner = browsers()
    page = owner.get(f"{downstream.issuer}/login")
    owner.post(
        f"{downstream.issuer}/login",
        data={
            "email": "shared@example.com",
            "password": PASSWORD,
            "csrf_token": csrf_of(page.text),
        },
    )
    linked = _social_login(owner, upstream, downstream, "google", "shared@example.com", link=True)
    assert getattr(linked, "status_code", None) == 200 and "원래 주인" in linked.text  # type: ignore[attr-defined]


def test_forged_state_is_refused(downstream: Served, visitor: Browser, provider: object) -> None:
    visitor.get(f"{downstream.issuer}/login/google")
    resp = visitor.get(f"{downstream.issuer}/login/google/callback?code=x&state=forged")
    assert resp.status_code == 400 and "만료" in resp.text
    unknown = visitor.get(f"{downstream.issuer}/login/facebook")
    assert unknown.status_code == 404


def test_provider_payloads_are_normalised() -> None:
    kakao = profile_from_userinfo(
        {
            "id": 123456789,
            "kakao_account": {
                "email": "kim@kakao.example",
                "is_email_valid": True,
                "is_email_verified": True,
                "profile": {"nickname": "김카카오"},
            },
        }
    )
    assert (kakao.subject, kakao.email, kakao.email_verified, kakao.name) == (
        "123456789",
        "kim@kakao.example",
        True,
        "김카카오",
    )
    naver = profile_from_userinfo(
        {
            "resultcode": "00",
            "message": "success",
            "response": {"id": "abcDEF", "email": "lee@naver.example", "nickname": "이네이버"},
        }
    )
    assert (naver.subject, naver.email, naver.email_verified, naver.name) == (
        "abcDEF",
        "lee@naver.example",
        False,
        "이네이버",
    )
    google = profile_from_userinfo({"sub": "1", "email": "a@b.example", "email_verified": "true"})
    assert google.email_verified and google.name is None
    with pytest.raises(SocialError):
        profile_from_userinfo({"email": "no-subject@example.com"})
