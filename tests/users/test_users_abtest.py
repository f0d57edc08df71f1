"""A/B testing: deterministic assignment, the z-test against a hand computation, the report."""

from __future__ import annotations

import datetime as dt
import math
import uuid
from collections.abc import Callable

import pytest

from trendpath.kit.errors import ConfigError
from trendpath.kit.settings import Settings
from trendpath.users import abtest, store

from .conftest import Served, User

VARIANTS = abtest.parse_variants("similarity=50,momentum=50", 0.3)


def test_assignment_is_deterministic_and_follows_the_weights() -> None:
    user = uuid.UUID("2f1c1c2e-5d55-4a8e-9d43-0f6c3f0f1a11")
    first = abtest.assign("exp-a", VARIANTS, user)
    assert all(abtest.assign("exp-a", VARIANTS, user) == first for _ in range(5))
    # The bucket is a pure function of "<experiment>:<user id>" (SHA-256, first 8 bytes).
    import hashlib

    digest = hashlib.sha256(f"exp-a:{user}".encode()).digest()
    assert abtest.bucket("exp-a", user) == int.from_bytes(digest[:8], "big") % 10_000
    users = [uuid.UUID(int=i * 7919 + 17) for i in range(4000)]
    share = sum(abtest.assign("exp-a", VARIANTS, u).name == "momentum" for u in users) / 4000
    assert 0.46 < share < 0.54
    skewed = abtest.parse_variants("similarity=90,momentum=10", 0.3)
    share = sum(abtest.assign("exp-a", skewed, u).name == "momentum" for u in users) / 4000
    assert 0.07 < share < 0.13
    # Renaming the experiment reshuffles users.
    moved = sum(
        abtest.assign("exp-a", VARIANTS, u) != abtest.assign("exp-b", VARIANTS, u) for u in users
    )
    assert 1600 < moved < 2400


def test_settings_choose_the_ranking() -> None:
    user = uuid.uuid4()
    off = abtest.assignment(Settings(users_rerank_momentum_weight=0.2), user)
    assert (off.experiment, off.variant, off.momentum_weight) == (None, "default", 0.2)
    on = abtest.assignment(Settings(users_ab_variants="similarity=1,momentum=1"), user)
    assert on.experiment == "recommender-v1"
    assert on.momentum_weight == (0.3 if on.variant == "momentum" else 0.0)


@pytest.mark.parametrize(
    "spec",
    [
        "similarity=50",
        "bogus=50,momentum=50",
        "similarity=x,momentum=1",
        "similarity=0,momentum=0",
        "similarity=5,similarity=5",
    ],
)
def test_bad_variant_specs_are_refused(spec: str) -> None:
    with pytest.raises(ConfigError):
        abtest.parse_variants(spec, 0.3)


def test_z_test_matches_a_hand_computation() -> None:
    # 30/200 vs 50/200: pooled p = 0.2, se = sqrt(0.2·0.8·(1/200 + 1/200)) = 0.04,
    # z = (0.25 − 0.15) / 0.04 = 2.5, two-sided p = erfc(2.5/√2) = 0.012419...
    z, p = abtest.two_proportion_z(30, 200, 50, 200)
    assert z == pytest.approx(2.5)
    assert p == pytest.approx(0.0124193, abs=1e-6)
    assert abtest.two_proportion_z(0, 0, 1, 10) == (None, None)
    assert abtest.two_proportion_z(0, 10, 0, 10) == (None, None)  # no variance


def test_report_rates_and_comparisons() -> None:
    exposed = {"similarity": 200, "momentum": 200}
    outcomes = {
        ("similarity", "clicked"): 30,
        ("momentum", "clicked"): 50,
        ("momentum", "viewed"): 1,
    }
    body = abtest.report("exp", ["similarity", "momentum"], exposed, outcomes)
    rows = {r["variant"]: r for r in body["variants"]}
    assert rows["similarity"]["outcomes"]["clicked"] == {"users": 30, "rate": 0.15}
    assert rows["momentum"]["outcomes"]["roadmap_started"] == {"users": 0, "rate": 0.0}
    clicked = next(c for c in body["comparisons"] if c["outcome"] == "clicked")
    assert clicked["control"] == "similarity" and clicked["variant"] == "momentum"
    assert clicked["difference"] == pytest.approx(0.10)
    assert clicked["z"] == pytest.approx(2.5) and clicked["significant"] is True
    assert clicked["p_value"] == pytest.approx(math.erfc(2.5 / math.sqrt(2)), abs=1e-6)
    # 4 outcomes × 1 non-control variant
    assert len(body["comparisons"]) == 4


def test_report_endpoint_counts_distinct_exposed_users(
    users: Callable[..., User], users_server: Served
) -> None:
    rows = []
    now = dt.datetime.now(dt.UTC)

    def add(user: uuid.UUID, variant: str, kind: str, experiment: str = "recommender-v1") -> None:
        rows.append(
            {
                "event_id": uuid.uuid4(),
                "user_id": user,
                "experiment": experiment,
                "variant": variant,
                "kind": kind,
                "occurred_at": now,
            }
        )

    for variant, clickers in (("similarity", 30), ("momentum", 50)):
        people = [uuid.uuid4() for _ in range(200)]
        for i, person in enumerate(people):
            add(person, variant, "exposure")
            if i < clickers:
                add(person, variant, "clicked")
                add(person, variant, "clicked")  # a second click is the same user
        add(uuid.uuid4(), variant, "clicked")  # never exposed: not counted
        add(people[0], variant, "clicked", experiment="older-test")
    with users_server.db.session_scope() as session:
        for row in rows:
            store.record_event(session, row)
    admin = users(scope="openid users:read admin", admin=True)
    report = admin.api.get("/admin/abtest/report")
    assert report.status_code == 200, report.text
    body = report.json()
    variants = {v["variant"]: v for v in body["variants"]}
    assert [v["variant"] for v in body["variants"]] == ["similarity", "momentum"]
    assert variants["similarity"]["users_exposed"] == 200
    assert variants["momentum"]["outcomes"]["clicked"] == {"users": 50, "rate": 0.25}
    clicked = next(c for c in body["comparisons"] if c["outcome"] == "clicked")
    assert clicked["z"] == pytest.approx(2.5) and clicked["p_value"] == pytest.approx(
        0.012419, abs=1e-6
    )
    assert clicked["significant"] is True
    older = admin.api.get("/admin/abtest/report", params={"experiment": "older-test"}).json()
    assert older["variants"] == [] and older["comparisons"] == []
    assert users().api.get("/admin/abtest/report").status_code == 403
    aggregates = admin.api.get("/admin/aggregates").json()
    assert aggregates["experiments"] == ["older-test", "recommender-v1"]


def test_fisher_exact_matches_the_tea_tasting_table() -> None:
    # Fisher's lady tasting tea: 3/4 vs 1/4, two-sided p = 34/70.
    assert abtest.fisher_exact(3, 4, 1, 4) == pytest.approx(34 / 70)
    assert abtest.fisher_exact(4, 7, 0, 1) == pytest.approx(1.0)
    test, z, p = abtest.compare(3, 4, 1, 4)
    assert (test, z) == ("fisher", None) and p == pytest.approx(34 / 70)
    assert abtest.compare(30, 200, 50, 200)[0] == "z"


def test_holm_adjusts_the_outcomes_of_a_variant() -> None:
    assert abtest.holm([0.01, 0.04, 0.03, None]) == pytest.approx([0.03, 0.06, 0.06, None])


def test_small_samples_get_no_verdict_whatever_the_p_value() -> None:
    # The case from the field: 4 of 7 against 0 of 1 was "tested"; now it cannot be judged.
    body = abtest.report(
        "exp",
        ["similarity", "momentum"],
        {"similarity": 7, "momentum": 1},
        {("similarity", "clicked"): 4},
        min_users=100,
    )
    clicked = next(c for c in body["comparisons"] if c["outcome"] == "clicked")
    assert clicked["verdict"] == "insufficient" and clicked["significant"] is False
    assert clicked["verdict_ko"].startswith("아직 판단할 수 없음")
    assert "similarity 7명, momentum 1명" in clicked["verdict_ko"]
    big = abtest.report(
        "exp",
        ["similarity", "momentum"],
        {"similarity": 200, "momentum": 200},
        {("similarity", "clicked"): 30, ("momentum", "clicked"): 50},
        min_users=100,
    )
    won = next(c for c in big["comparisons"] if c["outcome"] == "clicked")
    assert won["verdict"] == "better" and won["verdict_ko"].startswith("차이 있음 — momentum이")
    same = next(c for c in big["comparisons"] if c["outcome"] == "roadmap_started")
    assert same["verdict"] == "no_difference"
