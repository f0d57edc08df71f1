"""Roadmaps: skill gaps to a trend's target levels, ordered prerequisites first, with effort,
linked resources, progress and a timeline — and notices when the match behind them moves.

Rules (documented in docs/users.md):

* **Requirements.** Each core skill of the trend is required at its target level. Every skill on
  its prerequisite path (``Taxonomy.skill_path``) is required at ``max(2, level − 1)`` of the skill
  that needs it (a core skill listed explicitly keeps the higher of the two).
* **Order.** Core skills in the trend's order, each preceded by its not-yet-listed prerequisites,
  so a step never comes before what it builds on.
* **Gap** = required level − the user's current slider (unrated skills count as 1).
* **Effort** of a step = the sum of :data:`HOURS_PER_LEVEL` over the levels still to climb.
* **Progress** on a linked resource counts its study hours (``percent × study_hours``, split
  evenly when the resource serves several steps) toward the step; the remaining gap and hours
  shrink in proportion. A step is done when the slider reaches the required level or the hours
  are covered.
* **Timeline**: steps one after another at the user's weekly study hours.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from trendpath.kit.taxonomy import Taxonomy
from trendpath.users.catalog import Resource, choose

HOURS_PER_LEVEL: dict[int, float] = {2: 10.0, 3: 25.0, 4: 45.0, 5: 70.0}
"""Study hours to reach a level from the one below (1 → 2 is 10 h, 4 → 5 is 70 h)."""


@dataclass(frozen=True)
class Requirement:
    """A skill the roadmap needs, at which level, and why."""

    skill: str
    level: int
    reason: str
    needed_by: tuple[str, ...]


@dataclass(frozen=True)
class Prefs:
    """What the user prefers to learn from."""

    languages: tuple[str, ...] = ("ko",)
    preferred_format: str = "any"


def effort_hours(current: int, target: int) -> float:
    """Hours to climb from ``current`` to ``target`` (0 when already there)."""
    return sum(HOURS_PER_LEVEL.get(level, 0.0) for level in range(current + 1, target + 1))


def requirements(taxonomy: Taxonomy, core_skills: Sequence[tuple[str, int]]) -> list[Requirement]:
    """Every skill the trend needs, prerequisites first, with its required level."""
    order: list[str] = []
    core = {skill: level for skill, level in core_skills if skill in taxonomy.skills}
    for skill in core:
        for s in taxonomy.skill_path(skill):
            if s not in order:
                order.append(s)
    level = dict(core)
    needed_by: dict[str, list[str]] = {s: [] for s in order}
    # Reversed, dependents come before their prerequisites, so levels flow down the path.
    for s in reversed(order):
        for pre in taxonomy.skills[s].prerequisites:
            if pre in needed_by:
                implied = min(level[s], max(2, level[s] - 1))
                level[pre] = max(level.get(pre, 0), implied)
                needed_by[pre].append(s)
    return [
        Requirement(
            skill=s,
            level=level[s],
            reason="core" if s in core else "prerequisite",
            needed_by=tuple(dict.fromkeys(needed_by[s])),
        )
        for s in order
    ]


def current_level(levels: Mapping[str, int], skill: str) -> int:
    """The user's slider for ``skill`` (1 when never rated)."""
    return int(levels.get(skill, 1))


def gap_summary(
    reqs: Sequence[Requirement], levels: Mapping[str, int]
) -> list[tuple[Requirement, int, int]]:
    """(requirement, current level, gap) for the requirements not yet met."""
    out = []
    for req in reqs:
        cur = current_level(levels, req.skill)
        if cur < req.level:
            out.append((req, cur, req.level - cur))
    return out


ResourceLookup = Callable[[str], Sequence[Resource]]


def _links(
    reqs: Sequence[Requirement],
    levels: Mapping[str, int],
    resources_for: ResourceLookup,
    progress: Mapping[str, int],
    prefs: Prefs,
) -> dict[str, list[Resource]]:
    links: dict[str, list[Resource]] = {}
    for req in reqs:
        candidates = resources_for(req.skill)
        cur = current_level(levels, req.skill)
        picked = choose(candidates, cur, req.level, prefs.languages, prefs.preferred_format)
        # Resources the user already works on stay linked even if no longer the best pick.
        picked += [r for r in candidates if progress.get(r.id, 0) > 0 and r not in picked]
        links[req.skill] = picked
    return links


def _studied_hours(
    links: Mapping[str, Sequence[Resource]], progress: Mapping[str, int]
) -> dict[str, float]:
    uses: dict[str, int] = {}
    for resources in links.values():
        for r in resources:
            uses[r.id] = uses.get(r.id, 0) + 1
    return {
        skill: sum(r.study_hours * progress.get(r.id, 0) / 100 / uses[r.id] for r in resources)
        for skill, resources in links.items()
    }


def _step(
    order: int,
    req: Requirement,
    taxonomy: Taxonomy,
    levels: Mapping[str, int],
    initial: Mapping[str, int],
    studied: float,
    resources: Sequence[Resource],
    progress: Mapping[str, int],
) -> dict[str, Any]:
    cur = current_level(levels, req.skill)
    start = min(current_level(initial, req.skill), cur)
    effort = effort_hours(start, req.level)
    still = effort_hours(cur, req.level)
    covered = min(1.0, studied / effort) if effort else 1.0
    remaining = round(still * (1 - covered), 1)
    gap = max(0, req.level - cur)
    done = gap == 0 or remaining <= 0
    return {
        "order": order,
        "skill": req.skill,
        "skill_ko": taxonomy.skills[req.skill].ko,
        "reason": req.reason,
        "needed_by": list(req.needed_by),
        "start_level": start,
        "current_level": cur,
        "target_level": req.level,
        "gap": gap,
        "remaining_gap": 0.0 if done else round(gap * (1 - covered), 2),
        "effort_hours": effort,
        "studied_hours": round(studied, 1),
        "remaining_hours": 0.0 if done else remaining,
        "progress": 1.0 if done else round(covered, 3),
        "done": done,
        "resources": [{**r.as_dict(), "percent": int(progress.get(r.id, 0))} for r in resources],
    }


def build_steps(
    taxonomy: Taxonomy,
    reqs: Sequence[Requirement],
    levels: Mapping[str, int],
    initial: Mapping[str, int],
    resources_for: ResourceLookup,
    progress: Mapping[str, int],
    prefs: Prefs,
) -> list[dict[str, Any]]:
    """The roadmap's steps: requirements that had a gap at the start or have one now."""
    planned = [
        r
        for r in reqs
        if current_level(initial, r.skill) < r.level or current_level(levels, r.skill) < r.level
    ]
    links = _links(planned, levels, resources_for, progress, prefs)
    studied = _studied_hours(links, progress)
    return [
        _step(i + 1, req, taxonomy, levels, initial, studied[req.skill], links[req.skill], progress)
        for i, req in enumerate(planned)
    ]


def timeline(steps: list[dict[str, Any]], weekly_hours: float, today: dt.date) -> dict[str, Any]:
    """Give every open step its week range and return the roadmap's totals."""
    elapsed = 0.0
    for step in steps:
        if step["done"]:
            step["start_week"] = step["end_week"] = None
            continue
        step["start_week"] = int(elapsed // weekly_hours) + 1
        elapsed += step["remaining_hours"]
        step["end_week"] = max(step["start_week"], math.ceil(elapsed / weekly_hours))
    weeks = math.ceil(elapsed / weekly_hours) if elapsed else 0
    return {
        "weekly_hours": weekly_hours,
        "total_hours": round(sum(s["effort_hours"] for s in steps), 1),
        "remaining_hours": round(elapsed, 1),
        "weeks_remaining": weeks,
        "estimated_finish": (today + dt.timedelta(weeks=weeks)).isoformat(),
        "completed_steps": sum(1 for s in steps if s["done"]),
        "total_gap": sum(s["gap"] for s in steps),
        "remaining_gap": round(sum(s["remaining_gap"] for s in steps), 2),
    }


def summary(
    taxonomy: Taxonomy,
    core_skills: Sequence[tuple[str, int]],
    levels: Mapping[str, int],
    weekly_hours: float,
) -> dict[str, Any]:
    """The short roadmap a match item carries: gaps, effort and weeks before any progress."""
    gaps = gap_summary(requirements(taxonomy, core_skills), levels)
    hours = sum(effort_hours(cur, req.level) for req, cur, _ in gaps)
    return {
        "gaps": [
            {
                "skill": req.skill,
                "skill_ko": taxonomy.skills[req.skill].ko,
                "reason": req.reason,
                "current": cur,
                "target": req.level,
                "gap": gap,
            }
            for req, cur, gap in gaps
        ],
        "total_gap": sum(gap for _, _, gap in gaps),
        "effort_hours": hours,
        "weeks": math.ceil(hours / weekly_hours) if hours else 0,
    }
