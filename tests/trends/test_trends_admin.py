"""Admin endpoints of the trend service: add/edit trends, trigger collection and recompute."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import pytest

from support import LiveServer, issue_token
from trendpath.kit.db import Database
from trendpath.kit.runtime import Runtime
from trendpath.kit.settings import Settings
from trendpath.trends.catalog import catalog_by_slug
from trendpath.trends.demo_data import sync_catalog

API = "/api/trends/v1"


def _client(live_server: LiveServer, token: str) -> httpx.Client:
    headers = {"Authorization": f"Bearer {token}"}
    return httpx.Client(base_url=live_server.url, timeout=60, headers=headers)


@pytest.fixture
def admin(
    live_server: LiveServer, db: Database, settings: Settings, runtime: Runtime
) -> Iterator[httpx.Client]:
    with db.session_scope() as s:
        sync_catalog(s, runtime)
    token = issue_token(
        db, settings, subject=str(uuid.uuid4()), client_id="web", scope="admin trends:read"
    )
    with _client(live_server, token) as client:
        yield client


def _new_trend(slug: str = "space-farming") -> dict:
    base = catalog_by_slug()["generative-ai"].model_dump(mode="json")
    return {**base, "slug": slug, "name_ko": "우주 농업", "name_en": "Space farming"}


def test_admin_adds_and_edits_a_trend(admin: httpx.Client) -> None:
    created = admin.post(f"{API}/admin/trends", json=_new_trend())
    assert created.status_code == 201, created.text
    assert created.json() == {"slug": "space-farming", "created": True}
    assert admin.get(f"{API}/trends/space-farming").json()["name_ko"] == "우주 농업"
    again = admin.post(f"{API}/admin/trends", json=_new_trend())
    assert again.status_code == 409
    edited = admin.put(
        f"{API}/admin/trends/space-farming", json={**_new_trend(), "name_ko": "우주 식량 생산"}
    )
    assert edited.json() == {"slug": "space-farming", "created": False}
    assert admin.get(f"{API}/trends/space-farming").json()["name_ko"] == "우주 식량 생산"


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        ({"interest_tags": ["no-such-tag"]}, "interest_tags"),
        ({"core_skills": [{"skill": "python", "level": 9}] * 4}, "core_skills"),
        ({"slug": "Bad Slug"}, "slug"),
        ({"value_profile": {"achievement": 2.0}}, "value_profile"),
    ],
)
def test_bad_trends_are_refused_with_the_field(
    admin: httpx.Client, change: dict, needle: str
) -> None:
    resp = admin.post(f"{API}/admin/trends", json={**_new_trend(), **change})
    assert resp.status_code == 422
    assert needle in resp.json()["error"]["message"]


def test_edit_checks_the_path(admin: httpx.Client) -> None:
    body = _new_trend("not-there")
    assert admin.put(f"{API}/admin/trends/not-there", json=body).status_code == 404
    assert admin.put(f"{API}/admin/trends/other", json=body).status_code == 422


def test_collect_and_recompute_report_what_they_did(admin: httpx.Client) -> None:
    report = admin.post(f"{API}/admin/collect", json={"sources": ["kipris-plus"], "weeks": 2})
    assert report.status_code == 200, report.text
    text = "\n".join(report.json()["lines"])
    assert "kipris-plus" in text and "skipped" in text
    assert admin.post(f"{API}/admin/collect", json={"sources": ["nope"]}).status_code == 422
    recompute = admin.post(f"{API}/admin/recompute").json()["lines"]
    assert recompute[0].endswith("Velocity Scores recomputed")


def test_only_admins(live_server: LiveServer, db: Database, settings: Settings) -> None:
    token = issue_token(
        db, settings, subject=str(uuid.uuid4()), client_id="web", scope="trends:read"
    )
    with _client(live_server, token) as user:
        assert user.post(f"{API}/admin/trends", json=_new_trend()).status_code == 403
        assert user.post(f"{API}/admin/recompute").status_code == 403
