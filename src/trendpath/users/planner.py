"""Roadmaps and progress as the API serves them: store rows + catalog + the pure rules.

Everything here runs in one unit of work on a Session (sync; routes call it from a thread).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Row
from sqlalchemy.orm import Session

from trendpath.kit.errors import ApiError
from trendpath.kit.settings import Settings
from trendpath.kit.taxonomy import Taxonomy, load_taxonomy
from trendpath.users import abtest, notices, progress, roadmap, store, store_learning
from trendpath.users.catalog import Catalog, Resource, load_catalog
from trendpath.users.matching import TrendInfo


def _catalog(settings: Settings) -> tuple[Taxonomy, Catalog]:
    taxonomy = load_taxonomy(settings.data_dir)
    return taxonomy, load_catalog(settings, taxonomy)


def find_resource(session: Session, settings: Settings, resource_id: str) -> Resource | None:
    """A shipped or imported resource by id."""
    _, catalog = _catalog(settings)
    return catalog.resources.get(resource_id) or store_learning.resource_by_id(session, resource_id)


def _lookup(session: Session, catalog: Catalog, skills: Sequence[str]) -> roadmap.ResourceLookup:
    imported = store_learning.resources_for_skills(session, skills)

    def resources_for(skill: str) -> list[Resource]:
        return [*catalog.by_skill.get(skill, ()), *imported.get(skill, [])]

    return resources_for


def _prefs(profile: Row[Any]) -> roadmap.Prefs:
    extras = dict(profile.extras)
    return roadmap.Prefs(
        languages=tuple(extras.get("languages") or ("ko",)),
        preferred_format=str(extras.get("preferred_format") or "any"),
    )


def basis_for(
    taxonomy: Taxonomy,
    match: Mapping[str, Any],
    item: Mapping[str, Any],
    info: TrendInfo,
    levels: Mapping[str, int],
) -> dict[str, Any]:
    """What a roadmap remembers from the match it started from."""
    reqs = roadmap.requirements(taxonomy, info.core_skills)
    return {
        "trend_slug": info.slug,
        "trend_name_ko": item["name_ko"],
        "match_id": match["match_id"],
        "rank": item["rank"],
        "similarity": item["similarity"],
        "forecast": item.get("forecast"),
        "core_skills": [[s, lvl] for s, lvl in info.core_skills],
        # Every rated slider, so levels implied by skills outside this trend count too.
        "initial_levels": {
            **{k: int(v) for k, v in levels.items()},
            **{r.skill: roadmap.current_level(levels, r.skill) for r in reqs},
        },
    }


def _logs(
    session: Session, settings: Settings, user_id: uuid.UUID
) -> tuple[dict[str, float], dict[str, float]]:
    """Hours credited per resource, and the part of them "finished" added."""
    hours: dict[str, float] = {}
    credits: dict[str, float] = {}
    for rid, row in store_learning.progress(session, user_id).items():
        if row.hours == 0 and row.percent > 0:  # stored before hours existed
            resource = find_resource(session, settings, rid)
            hours[rid] = row.percent / 100 * resource.study_hours if resource else 0.0
        else:
            hours[rid] = float(row.hours)
        credits[rid] = float(row.done_credit)
    return hours, credits


def view(session: Session, settings: Settings, user_id: uuid.UUID, row: Row[Any]) -> dict[str, Any]:
    """A roadmap with live steps, progress, timeline and notices."""
    taxonomy, catalog = _catalog(settings)
    profile = store.get_profile(session, user_id)
    if profile is None:
        raise ApiError(409, "profile_required", "create your profile first")
    basis = dict(row.basis)
    core = [(str(s), int(lvl)) for s, lvl in basis["core_skills"]]
    reqs = roadmap.requirements(taxonomy, core)
    levels = {k: int(v) for k, v in dict(profile.skills).items()}
    lookup = _lookup(session, catalog, [r.skill for r in reqs])
    hours, credits = _logs(session, settings, user_id)
    marks = store_learning.step_marks(session, user_id, row.id)
    steps = roadmap.build_steps(
        taxonomy,
        reqs,
        levels,
        basis["initial_levels"],
        lookup,
        hours,
        _prefs(profile),
        marks=marks,
        credits=credits,
    )
    today = dt.datetime.now(progress.KST).date()
    totals = roadmap.timeline(steps, float(profile.weekly_hours), today)
    latest = store.latest_match(session, user_id)
    payload = latest.payload if latest is not None and latest.id is not None else None
    return {
        "id": row.id,
        "trend_slug": row.trend_slug,
        "trend_name_ko": basis["trend_name_ko"],
        "started_at": row.started_at,
        "basis": {k: basis.get(k) for k in ("match_id", "rank", "similarity", "forecast")},
        **totals,
        "steps": steps,
        "notices": notices.roadmap_notices(basis, payload, settings.users_notice_better_margin),
    }


def planned_skills(row: Row[Any], taxonomy: Taxonomy) -> set[str]:
    """Every skill the roadmap may link resources for."""
    core = [(str(s), int(lvl)) for s, lvl in row.basis["core_skills"]]
    return {r.skill for r in roadmap.requirements(taxonomy, core)}


def record_progress(
    session: Session,
    settings: Settings,
    user_id: uuid.UUID,
    roadmap_id: uuid.UUID,
    resource_id: str,
    status: str,
    percent: int,
    hours: float | None = None,
) -> Row[Any]:
    """Store progress on a roadmap's resource; 404 for another user's roadmap or an unknown
    resource, 422 for a resource that does not serve this roadmap. Nothing changes on error."""
    row = store_learning.roadmap(session, user_id, roadmap_id)
    if row is None:
        raise ApiError(404, "not_found", "no such roadmap")
    resource = find_resource(session, settings, resource_id)
    if resource is None:
        raise ApiError(404, "not_found", f"no learning resource {resource_id!r}")
    taxonomy = load_taxonomy(settings.data_dir)
    if not set(resource.skills) & planned_skills(row, taxonomy):
        raise ApiError(
            422,
            "validation_error",
            f"resource {resource_id!r} does not teach a skill of this roadmap",
            details=[{"field": "resource_id", "message": "not part of this roadmap"}],
        )
    before = store_learning.progress_of(session, user_id, resource_id)
    was = logged_hours(before, resource)
    manual, credit, status = next_hours(was, resource.study_hours, status, percent, hours)
    stored = store_learning.set_progress(
        session,
        user_id,
        resource_id,
        status,
        round(manual + credit, 2),
        round(credit, 2),
        percent_of(manual + credit, resource.study_hours),
    )
    store_learning.log_progress_event(
        session,
        user_id,
        kind="resource",
        resource_id=resource_id,
        status=status,
        percent=stored.percent,
        # Signed: undoing "finished" takes its hours back, so a week never shows more than logged.
        hours=round(manual + credit - was[0] - was[1], 2),
    )
    if status == "done":
        _ab_event(session, settings, user_id, "item_completed", row.trend_slug, resource_id)
    return stored


def logged_hours(row: Row[Any] | None, resource: Resource) -> tuple[float, float]:
    """(hours the person marked, hours "finished" added) on a resource so far; rows stored
    before hours existed count their percent of the study time."""
    if row is None:
        return 0.0, 0.0
    total, credit = float(row.hours), float(row.done_credit)
    if total == 0 and row.percent > 0:
        total = row.percent / 100 * resource.study_hours
    return total - credit, credit


def next_hours(
    was: tuple[float, float], study: float, status: str, percent: int, hours: float | None
) -> tuple[float, float, str]:
    """(marked hours, finished credit, status) after a change.

    Hours logged by the person count as they are; "finished" tops them up to the resource's study
    time (the credit), and undoing it (back to in progress) takes exactly that credit away.
    """
    manual = was[0]
    if status == "not_started":
        return 0.0, 0.0, "not_started"
    if hours is not None:
        manual = float(hours)
    elif status == "in_progress":  # the percent form of the API
        manual = percent / 100 * study
    if status == "done":
        return manual, max(0.0, study - manual), "done"
    if manual >= study > 0:
        return manual, 0.0, "done"
    return manual, 0.0, "in_progress" if manual > 0 else "not_started"


def percent_of(hours: float, study: float) -> int:
    """Hours as a whole percentage of the resource's study time (at most 100)."""
    return min(100, round(100 * hours / study)) if study > 0 else 0


def _ab_event(
    session: Session,
    settings: Settings,
    user_id: uuid.UUID,
    kind: str,
    slug: str,
    key: str,
) -> None:
    chosen = abtest.assignment(settings, user_id)
    if chosen.experiment is None:
        return
    store.record_event(
        session,
        {
            "event_id": abtest.derived_event_id(kind, user_id, key),
            "user_id": user_id,
            "experiment": chosen.experiment,
            "variant": chosen.variant,
            "kind": kind,
            "trend_slug": slug,
            "occurred_at": dt.datetime.now(dt.UTC),
        },
    )


def start(
    session: Session,
    settings: Settings,
    user_id: uuid.UUID,
    basis: Mapping[str, Any],
) -> tuple[Row[Any], bool]:
    """Start (or find) the roadmap towards the basis' trend and log the A/B event."""
    row, created = store_learning.start_roadmap(
        session, user_id, str(basis["trend_slug"]), int(basis["match_id"]), basis
    )
    if created:
        _ab_event(session, settings, user_id, "roadmap_started", row.trend_slug, str(row.id))
    return row, created


def summary(session: Session, settings: Settings, user_id: uuid.UUID) -> dict[str, Any]:
    """Streak, this week and last week, and every progress row."""
    profile = store.get_profile(session, user_id)
    goal = float(profile.weekly_hours) if profile is not None else 0.0
    today = dt.datetime.now(progress.KST).date()
    this_monday = progress.week_start(today)
    last_monday = this_monday - dt.timedelta(days=7)
    since = dt.datetime.combine(last_monday, dt.time(), progress.KST)
    events = [
        progress.ProgressEvent(e.kind, e.occurred_at, e.status, float(e.hours))
        for e in store_learning.progress_events(session, user_id, since)
    ]
    rows = store_learning.progress(session, user_id)
    return {
        "streak": progress.streak(store_learning.active_days(session, user_id), today),
        "this_week": progress.weekly_summary(events, this_monday, goal),
        "last_week": progress.weekly_summary(events, last_monday, goal),
        "items": [dict(r._mapping) for r in rows.values()],
    }
