"""The load scenario (``bench/locustfile.py``) in its smoke form: every step of the journey works.

The benchmark's figures are only worth something while its scenario still walks the real journey;
this runs it with a few fast users against ``trendpath run`` (its own process and database) and
requires every request to succeed and every step to be reached.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from bench.load import run_locust
from bench.server import sign_in, stack, wait_forecasts

from trendpath.kit.settings import Settings

JOURNEY = [
    "POST auth/accounts",
    "POST auth/login",
    "GET auth/authorize",
    "POST auth/token",
    "PUT users/profile",
    "POST ai/sessions",
    "POST ai/sessions/{id}/messages",
    "POST ai/sessions/{id}/finish",
    "GET users/match",
    "POST users/roadmaps",
]


@pytest.mark.slow
def test_the_load_journey_runs_without_a_failed_request(tmp_path: Path) -> None:
    with stack("loadsmoke", keep_log=tmp_path / "server.log") as st:
        token = sign_in(st.base, Settings(env="test", public_url=st.base), "warm@example.com")
        wait_forecasts(st.base, token, timeout_s=300)
        stats = run_locust(st.base, 4, 25, tmp_path, env={"TRENDPATH_LOAD_THINK": "0.02,0.05"})
    total = stats["Aggregated"]
    failures = (tmp_path / "u4_failures.csv").read_text(encoding="utf-8")
    assert total["failures"] == 0, failures
    missing = [name for name in JOURNEY if stats.get(name, {}).get("requests", 0) < 1]
    assert not missing, f"journey steps never reached: {missing}"
    everyday = {"GET trends", "GET trends/{slug}", "GET news/trends/{slug}/articles"}
    assert everyday & set(stats), "no browsing after onboarding"
