"""The doctor's checks of what the product's numbers and answers rest on: source keys and their
last successful collection, failing news feeds, the coach backend, the text encoder and value
method, the served forecast model, demo data per indicator, and parked chain jobs.

Each check names the command or setting that fixes it. ``REQUIRED_IN_PROD`` marks the checks
whose warning becomes a failure with ``TRENDPATH_ENV=prod``: a production deployment must not
answer from demo data or a scripted coach, and needs its sources configured. (The hash text encoder
is the measured default, see docs/ai.md, so it is no failure; a configured encoder that cannot serve
fails on its own.)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any, Literal

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from trendpath.kit.jobqueue import QUEUE_SCHEMAS, JobQueue
from trendpath.kit.settings import Settings

Level = Literal["ok", "warn", "fail"]

TREND_SOURCES: dict[str, tuple[tuple[str, ...], str]] = {
    "naver-datalab": (("trend_naver_client_id", "trend_naver_client_secret"), "search"),
    "kipris-plus": (("trend_kipris_service_key",), "patents"),
    "work24": (("trend_work24_auth_key",), "learning demand"),
    "law-go-kr": (("trend_lawgo_oc",), "policy changes"),
}
"""Trend sources with the settings they need (the funding source reads the news service)."""

CATALOG_SOURCES: dict[str, tuple[str, str]] = {
    "K-MOOC": ("users_kmooc_service_key", "courses"),
    "국립중앙도서관 ISBN": ("users_seoji_cert_key", "books"),
    "Aladin": ("users_aladin_ttb_key", "books"),
}
REQUIRED_IN_PROD = ("source ", "coach", "demo data", "forecast", "schema", "data")
"""Checks (by name prefix) whose warning is a failure in ``prod``."""


def env_name(field: str) -> str:
    """The environment variable of a settings field."""
    return f"TRENDPATH_{field.upper()}"


def source_checks(
    settings: Settings, runs: dict[str, dict[str, Any]]
) -> Iterator[tuple[str, Level, str, str]]:
    """(name, level, detail, fix) per source: key configured or missing, last success."""
    for name, (fields, what) in TREND_SOURCES.items():
        missing = [env_name(f) for f in fields if not getattr(settings, f, None)]
        run = runs.get(name)
        last = _when(run.get("last_success")) if run else None
        if missing:
            yield (
                f"source {name}",
                "warn",
                f"{what}: key missing ({', '.join(missing)})",
                f"set {', '.join(missing)} (see docs/sources.md)",
            )
        elif run is None:
            yield (
                f"source {name}",
                "warn",
                f"{what}: key set, never collected",
                f"trendpath trends collect --source {name}",
            )
        elif run["status"] != "ok":
            yield (
                f"source {name}",
                "warn",
                f"{what}: last run {run['status']}: {run['detail'][:120]}; last success {last}",
                f"fix the cause, then trendpath trends collect --source {name}",
            )
        else:
            yield (f"source {name}", "ok", f"{what}: key set, last success {last}", "")
    for label, (field, what) in CATALOG_SOURCES.items():
        if getattr(settings, field, None):
            yield (f"catalog {label}", "ok", f"{what}: key set", "")
        else:
            yield (f"catalog {label}", "warn", f"{what}: key missing", f"set {env_name(field)}")


def _when(value: Any) -> str:
    if not isinstance(value, dt.datetime):
        return "never"
    return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def ai_checks(settings: Settings) -> Iterator[tuple[str, Level, str, str]]:
    """The coach backend actually in use."""
    from trendpath.ai.backend import backend_kind

    kind = backend_kind(settings)
    if kind == "scripted":
        yield (
            "coach",
            "warn",
            "scripted interviewer (no language model)",
            "set TRENDPATH_AI_LLM_BASE_URL (vLLM, transformers serve) or "
            "TRENDPATH_AI_LLM_MODEL_PATH (docs/llm.md)",
        )
    else:
        where = settings.ai_llm_base_url or settings.ai_llm_model_path
        yield ("coach", "ok", f"{kind} backend ({where})", "")
    # The text encoder and the values method are checked (and probed) by doctor.py itself.


def forecast_check(settings: Settings, session: Session) -> tuple[str, Level, str, str]:
    """The model behind the newest stored forecasts and its validation figure."""
    from trendpath.trends import store
    from trendpath.trends.forecast.registry import GATE_METRIC, list_models, passes_gate
    from trendpath.trends.forecasting import registry_dir

    versions = store.forecast_versions(session)
    if not versions:
        return (
            "forecast",
            "warn",
            "no stored forecasts",
            "trendpath trends forecast (after collecting or importing data)",
        )
    serving = versions[0]
    records = {r.version: r for r in list_models(registry_dir(settings))}
    record = records.get(serving.model_version)
    detail = f"{serving.model_version} serves {serving.trends} trends (week {serving.latest_week})"
    if record is None:
        return (
            "forecast",
            "warn",
            detail + "; not in this state folder's registry",
            "trendpath trends forecast",
        )
    value = record.metrics.get(GATE_METRIC)
    figure = f"{GATE_METRIC} {value:.3f}" if value is not None else f"no {GATE_METRIC}"
    if not passes_gate(record.metrics):
        return (
            "forecast",
            "warn",
            f"{detail}; {figure} (does not beat the naive forecast)",
            "trendpath forecast train, then trendpath trends forecast",
        )
    share = _forecast_share(session, serving.model_version, serving.latest_week)
    if share:
        return (
            "forecast",
            "warn",
            f"{detail}; validation {figure}, but its inputs are {100 * share:.0f}% demo data",
            "collect or import real indicators; the chain refreshes the forecasts",
        )
    return ("forecast", "ok", f"{detail}; validation {figure} (naive = 1.0)", "")


def _forecast_share(session: Session, version: str, week: dt.date) -> float:
    """Mean synthetic share behind the served forecasts (their origin week's scores)."""
    found = session.execute(
        text(
            "SELECT avg(v.synthetic_share) FROM trends.forecast f JOIN trends.velocity v "
            "ON v.trend_id = f.trend_id AND v.week = f.week "
            "WHERE f.model_version = :version AND f.week = :week"
        ),
        {"version": version, "week": week},
    ).scalar()
    return float(found or 0.0)


def demo_checks(session: Session) -> Iterator[tuple[str, Level, str, str]]:
    """The share of demo-synthetic values per indicator."""
    from trendpath.trends.store_chain import demo_share_by_indicator

    shares = demo_share_by_indicator(session)
    if not shares:
        yield (
            "demo data",
            "warn",
            "no indicator values at all",
            "trendpath trends collect, trendpath trends import FILE or trendpath demo",
        )
        return
    for indicator, (demo, total) in sorted(shares.items()):
        pct = 100.0 * demo / total if total else 0.0
        if demo:
            yield (
                f"demo data {indicator}",
                "warn",
                f"{demo:,} of {total:,} values ({pct:.1f}%) are demo-synthetic, not statistics",
                "collect or import real values (they replace demo weeks); "
                "trendpath trends drop-demo removes the rest",
            )
        else:
            yield (f"demo data {indicator}", "ok", f"{total} values, none synthetic", "")


def feed_checks(session: Session) -> Iterator[tuple[str, Level, str, str]]:
    """News feeds that fail or are parked."""
    rows = session.execute(
        text(
            "SELECT url, parked, error_count, last_error, last_success_at FROM news.feed "
            "WHERE enabled AND (parked OR error_count > 0) ORDER BY parked DESC, error_count DESC"
        )
    ).all()
    total, unfetched = session.execute(
        text(
            "SELECT count(*), count(*) FILTER (WHERE last_success_at IS NULL) "
            "FROM news.feed WHERE enabled"
        )
    ).one()
    if not rows:
        waiting = f" ({unfetched} not fetched successfully yet)" if unfetched else ""
        yield ("feeds", "ok", f"{total} enabled feeds, none failing{waiting}", "")
        return
    parked = sum(1 for r in rows if r.parked)
    worst = "; ".join(f"{r.url} ({(r.last_error or '')[:60]})" for r in rows[:3])
    yield (
        "feeds",
        "warn",
        f"{len(rows)} of {total} feeds failing ({parked} parked): {worst}",
        "see /admin/feeds; trendpath news list-feeds",
    )


def job_checks(session: Session) -> Iterator[tuple[str, Level, str, str]]:
    """Parked jobs of the chain, with their reasons."""
    for schema in QUEUE_SCHEMAS:
        queue = JobQueue(schema)
        counts = queue.counts(session)
        parked = queue.jobs(session, ("parked",), limit=3)
        if parked:
            why = "; ".join(f"{j.kind} #{j.id}: {(j.last_error or '')[:80]}" for j in parked)
            yield (
                f"jobs {schema}",
                "warn",
                f"{counts['parked']} parked: {why}",
                f"fix the cause, then POST /api/{schema}/v1/admin/jobs/ID/retry",
            )
        else:
            yield (f"jobs {schema}", "ok", f"{counts['pending']} pending, none parked", "")


def database_checks(settings: Settings, session: Session) -> Iterator[tuple[str, Level, str, str]]:
    """Every check that reads the database (each one failing alone when its tables are absent)."""
    from trendpath.trends.store_chain import source_runs

    steps: list[Any] = [
        lambda: source_checks(settings, source_runs(session)),
        lambda: [forecast_check(settings, session)],
        lambda: demo_checks(session),
        lambda: feed_checks(session),
        lambda: job_checks(session),
    ]
    for step in steps:
        try:
            yield from list(step())
        except SQLAlchemyError as exc:
            session.rollback()
            reason = str(exc).splitlines()[0][:120]
            yield ("schema", "fail", f"cannot read: {reason}", "trendpath migrate")
