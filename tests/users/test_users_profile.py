"""The onboarding profile through the live server: strict validation, history, scopes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from .conftest import API, PROFILE, Served, User


def _put(user: User, **changes: Any) -> httpx.Response:
    return user.api.put("/profile", json={**PROFILE, **changes})


def test_profile_round_trip_with_labels_and_history(users: Callable[..., User]) -> None:
    alice = users()
    assert alice.api.get("/profile").status_code == 404
    made = _put(alice)
    assert made.status_code == 200, made.text
    body = made.json()
    assert body["status_ko"] == "커리어 전환 준비" and body["region_ko"] == "서울특별시"
    assert body["interests"][0] == {"slug": "ai", "ko": "인공지능"}
    assert body["revision"] == 1 and body["extras"]["preferred_format"] == "any"
    patched = alice.api.patch("/profile", json={"weekly_hours": 12.5, "skills": {"python": 3}})
    assert patched.status_code == 200, patched.text
    assert patched.json()["skills"] == {"python": 3, "math_statistics": 3, "communication": 4}
    assert patched.json()["revision"] == 2
    same = alice.api.patch("/profile", json={"weekly_hours": 12.5})
    assert same.json()["revision"] == 2, "no change, no new revision"
    rated = alice.api.put("/skills/deep_learning", json={"level": 2})
    assert rated.json()["skills"]["deep_learning"] == 2 and rated.json()["revision"] == 3
    history = alice.api.get("/profile/history").json()["items"]
    assert [h["revision"] for h in history] == [3, 2, 1]
    assert history[0]["source"] == "skill_rating" and history[0]["changed"] == ["skills"]
    assert history[1]["changed"] == ["weekly_hours", "skills"]
    assert history[2]["snapshot"]["weekly_hours"] == 8.0


BAD: list[tuple[dict[str, Any], str]] = [
    ({"skills": {"python": 6}}, "skills.python"),
    ({"skills": {"python": 0}}, "skills.python"),
    ({"skills": {"python": "3"}}, "skills.python"),
    ({"skills": {"python": 3.5}}, "skills.python"),
    ({"skills": {"python": True}}, "skills.python"),
    ({"skills": {"basket_weaving": 3}}, "skills.basket_weaving"),
    ({"interests": ["ai", "crypto_gambling"]}, "interests.1"),
    ({"interests": ["ai", "ai"]}, "interests"),
    ({"interests": []}, "interests"),
    ({"weekly_hours": 0}, "weekly_hours"),
    ({"weekly_hours": 61}, "weekly_hours"),
    ({"weekly_hours": 1e9}, "weekly_hours"),
    ({"weekly_hours": -3}, "weekly_hours"),
    ({"status": "retired"}, "status"),
    ({"region": "mars"}, "region"),
    ({"field": ""}, "field"),
    ({"field": "a\x00b"}, "field"),
    ({"extras": {"graduation_year": 3000}}, "extras.graduation_year"),
    ({"extras": {"favourite_colour": "blue"}}, "extras.favourite_colour"),
    ({"hobby": "chess"}, "hobby"),
]


def test_bad_profiles_are_precise_422s_and_change_nothing(users: Callable[..., User]) -> None:
    bob = users()
    assert _put(bob).status_code == 200
    before = bob.api.get("/profile").json()
    for changes, field in BAD:
        for resp in (_put(bob, **changes), bob.api.patch("/profile", json=changes)):
            assert resp.status_code == 422, (changes, resp.text)
            err = resp.json()["error"]
            assert err["code"] == "validation_error"
            assert field in {d["field"] for d in err["details"]}, (changes, err)
    assert bob.api.put("/skills/python", json={"level": 7}).status_code == 422
    unknown = bob.api.put("/skills/basket_weaving", json={"level": 3})
    assert unknown.status_code == 422 and "unknown skill" in unknown.json()["error"]["message"]
    assert bob.api.patch("/profile", json={}).status_code == 422
    assert bob.api.patch("/profile", json={"status": None}).status_code == 422
    assert bob.api.get("/profile").json() == before
    assert len(bob.api.get("/profile/history").json()["items"]) == 1


def test_profiles_are_private_and_scoped(users: Callable[..., User], users_server: Served) -> None:
    reader = users(scope="openid users:read")
    assert reader.api.get("/taxonomy").status_code == 200
    denied = reader.api.put("/profile", json=PROFILE)
    assert denied.status_code == 403 and denied.json()["error"]["code"] == "insufficient_scope"
    writer = users()
    assert _put(writer).status_code == 200
    assert reader.api.get("/profile").status_code == 404, "each user sees only their own"
    anonymous = httpx.get(f"{users_server.url}{API}/profile")
    assert anonymous.status_code == 401
    forged = httpx.get(
        f"{users_server.url}{API}/profile", headers={"Authorization": "Bearer abc.def.ghi"}
    )
    assert forged.status_code == 401


def test_taxonomy_offers_the_shared_vocabulary(users: Callable[..., User]) -> None:
    tax = users().api.get("/taxonomy").json()
    assert len(tax["skills"]) >= 50 and tax["skill_levels"]["1"] == "처음 접함"
    assert tax["weekly_hours"] == {"min": 1.0, "max": 60.0}
    assert any(t["slug"] == "ai" for g in tax["interest_groups"] for t in g["tags"])


def test_weekly_hours_bounds_are_inclusive(users: Callable[..., User]) -> None:
    carol = users()
    for hours in (1, 60, 37.5):
        assert _put(carol, weekly_hours=hours).json()["weekly_hours"] == hours


def test_nul_in_a_catalog_search_is_a_422(users: Callable[..., User]) -> None:
    # Found by the API fuzzer: PostgreSQL cannot take U+0000 in a query parameter, so a search
    # for it was a 500 (and sometimes a dropped connection).
    alice = users()
    resp = alice.api.get("/catalog", params={"q": "파이\x00썬"})
    assert resp.status_code == 422, resp.text
    assert resp.json()["error"]["code"] == "validation_error"
    assert alice.api.get("/catalog", params={"q": "파이썬"}).status_code == 200
