"""``trendpath doctor`` tells the truth about what the numbers rest on: missing source keys and
last successes, demo data per indicator, the scripted coach, the text encoder, the served
forecast model, failing feeds and parked jobs — each with its fix; prod fails on them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from trendpath.demo import ensure_demo
from trendpath.doctor import Check, run_checks
from trendpath.kit.db import Database
from trendpath.kit.jobqueue import JobQueue
from trendpath.kit.runtime import Runtime
from trendpath.kit.settings import Settings
from trendpath.trends import store_chain

SECRET = "s" * 40


def checks(settings: Settings) -> dict[str, Check]:
    return {c.name: c for c in run_checks(settings)}


@pytest.fixture
def demo(db: Database, runtime: Runtime) -> Database:
    list(ensure_demo(runtime))
    return db


def test_a_demo_install_is_reported_as_such_with_fixes(demo: Database, settings: Settings) -> None:
    found = checks(settings)
    naver = found["source naver-datalab"]
    assert naver.level == "warn"
    assert "TRENDPATH_TREND_NAVER_CLIENT_ID" in naver.detail
    assert naver.fix.startswith("set TRENDPATH_TREND_NAVER_CLIENT_ID")
    search = found["demo data search_volume_growth"]
    assert search.level == "warn" and "(100.0%) are demo-synthetic" in search.detail
    assert "drop-demo" in search.fix
    assert found["coach"].level == "warn" and "scripted" in found["coach"].detail
    assert "TRENDPATH_AI_LLM_BASE_URL" in found["coach"].fix
    # the hash encoder is the measured default (docs/ai.md): named, not a warning
    assert found["encoder"].level == "ok" and "korean-hash" in found["encoder"].detail
    assert found["values"].level == "ok" and "lexicon" in found["values"].detail
    assert found["forecast"].level == "warn" and found["forecast"].fix
    assert found["jobs trends"].level == "ok"
    assert found["feeds"].level == "ok"
    assert all(c.level != "fail" for c in found.values()), found


def test_prod_fails_on_what_production_needs(demo: Database, settings: Settings) -> None:
    prod = settings.model_copy(update={"env": "prod", "secret_key": SECRET})
    found = checks(prod)
    for name in ("source naver-datalab", "coach", "forecast"):
        assert found[name].level == "fail", found[name]
    assert found["encoder"].level == "ok"  # the default encoder is no failure in prod
    assert found["demo data funding_volume_growth"].level == "fail"
    assert found["feeds"].level == "ok"  # not required: warned, never failed


def test_configured_sources_show_their_last_success_and_failures(
    demo: Database, settings: Settings
) -> None:
    keyed = settings.model_copy(
        update={
            "trend_lawgo_oc": "me",
            "trend_kipris_service_key": "k",
            "trend_work24_auth_key": "w",
        }
    )
    with demo.session_scope() as session:
        ok = {"values": 12, "changed": 3, "problems": 0, "detail": ""}
        store_chain.record_source_run(session, {"source": "law-go-kr", "status": "ok", **ok})
        store_chain.record_source_run(
            session,
            {"source": "kipris-plus", "status": "failed", "values": 0, "changed": 0,
             "problems": 51, "detail": "HTTP 401 from KIPRIS: unregistered key"},
        )  # fmt: skip
        session.execute(
            text(
                "INSERT INTO news.feed (url, added_by, error_count, parked, last_error) VALUES "
                "('https://feeds.example.com/rss', 'test', 10, true, 'HTTP 404')"
            )
        )
        JobQueue("users").enqueue(session, "rematch", "u1")
        session.execute(
            text("UPDATE users.job SET state = 'parked', last_error = 'ApiError: ai down'")
        )
    found = checks(keyed)
    assert found["source law-go-kr"].level == "ok"
    assert "last success 20" in found["source law-go-kr"].detail
    kipris = found["source kipris-plus"]
    assert kipris.level == "warn" and "HTTP 401" in kipris.detail and "never" in kipris.detail
    assert found["source work24"].detail.endswith("never collected")
    assert found["source work24"].fix == "trendpath trends collect --source work24"
    assert found["feeds"].level == "warn" and "1 parked" in found["feeds"].detail
    jobs = found["jobs users"]
    assert jobs.level == "warn" and "rematch" in jobs.detail and "ai down" in jobs.detail


def test_the_command_prints_fixes_and_exits_nonzero_in_prod(
    demo: Database, settings: Settings, tmp_path: Path
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRENDPATH_")}
    env.update(
        TRENDPATH_ENV="prod",
        TRENDPATH_SECRET_KEY=SECRET,
        TRENDPATH_DATABASE_URL=str(settings.database_url),
        TRENDPATH_STATE_DIR=str(tmp_path),
        TRENDPATH_LOG_JSON="false",
    )
    result = subprocess.run(
        [sys.executable, "-m", "trendpath", "doctor"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "✘ source naver-datalab" in result.stdout
    assert "→ set TRENDPATH_TREND_NAVER_CLIENT_ID" in result.stdout
    assert "Traceback" not in result.stderr
