"""What the admin pages show, shaped from the services' admin answers (pure functions).

Feeds come from the news service (``/v1/feeds``), data freshness and forecast models from the
trends service (``/v1/admin/freshness``, ``/v1/admin/models``), the A/B report from the users
service (``/v1/admin/abtest/report``). Labels are message ids of :mod:`trendpath.web.messages`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

KST = dt.timezone(dt.timedelta(hours=9), "KST")
FEED_STATUSES = ("new", "ok", "failing", "parked", "disabled")
AB_OUTCOMES = ("viewed", "clicked", "roadmap_started", "item_completed")


def kst(value: str | None) -> str:
    """An ISO timestamp as Korean local time (``2025-03-01 14:05``); "–" when missing."""
    if not value:
        return "–"
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(KST).strftime("%Y-%m-%d %H:%M")


def feed_rows(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Feeds as table rows: parked and failing first (they need an admin), then by id."""
    order = {"parked": 0, "failing": 1, "new": 2, "ok": 3, "disabled": 4}
    rows = [
        {
            **f,
            "status_key": f"feed.status.{f['status']}",
            "needs_care": f["status"] in ("parked", "failing"),
            "last_fetched": kst(f.get("last_fetched_at")),
            "last_success": kst(f.get("last_success_at")),
            "next_check": kst(f.get("next_check_at")),
        }
        for f in items
    ]
    return sorted(rows, key=lambda r: (order.get(r["status"], 9), r["id"]))


def freshness_rows(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Trends with stale data first (the oldest indicator first), then the rest by slug."""

    def oldest(item: dict[str, Any]) -> int:
        ages = [i["age_weeks"] for i in item["indicators"]]
        return 10_000 if any(a is None for a in ages) else max(ages, default=0)

    return sorted(items, key=lambda i: (not i["stale"], -oldest(i), i["slug"]))


def metric_names(models: list[dict[str, Any]], gate: str) -> list[str]:
    """The metric columns of the models table: the gate metric first, then the rest sorted."""
    names = {name for m in models for name in m.get("metrics", {})}
    return ([gate] if gate in names else []) + sorted(names - {gate})


def percent(rate: float | None) -> str:
    """A 0..1 rate as a percentage with one decimal ("12.5%")."""
    return "–" if rate is None else f"{100 * float(rate):.1f}%"


def ab_view(report: dict[str, Any]) -> dict[str, Any]:
    """The A/B report with rates as percentages and outcomes as message ids."""
    variants = [
        {
            "variant": v["variant"],
            "users_exposed": v["users_exposed"],
            "cells": [
                {
                    "users": v["outcomes"].get(kind, {}).get("users", 0),
                    "rate": percent(v["outcomes"].get(kind, {}).get("rate")),
                }
                for kind in AB_OUTCOMES
            ],
        }
        for v in report.get("variants", [])
    ]
    comparisons = [
        {
            **c,
            "outcome_key": f"ab.outcome.{c['outcome']}",
            "rate_control_pct": percent(c["rate_control"]),
            "rate_variant_pct": percent(c["rate_variant"]),
            "difference_pct": f"{100 * float(c['difference']):+.1f}%p",
            "p": "–" if c.get("p_value") is None else f"{float(c['p_value']):.3f}",
            "p_adjusted": "–" if c.get("p_adjusted") is None else f"{float(c['p_adjusted']):.3f}",
            "test_key": f"ab.test.{c.get('test', 'z')}",
        }
        for c in report.get("comparisons", [])
    ]
    return {
        "experiment": report.get("experiment", ""),
        "alpha": report.get("alpha"),
        "min_users": report.get("min_users_per_arm"),
        "outcome_keys": [f"ab.outcome.{k}" for k in AB_OUTCOMES],
        "variants": variants,
        "comparisons": comparisons,
    }
