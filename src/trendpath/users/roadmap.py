"""Roadmaps: skill gaps to a trend's target levels, ordered prerequisites first, with effort,
linked resources, progress and a timeline — and notices when the match behind them moves.

Rules (documented in docs/users.md):

* **Requirements.** Each core skill of the trend is required at its target level. Every skill on
  its prerequisite path (``Taxonomy.skill_path``) is required at ``max(2, level − 1)`` of the skill
  that needs it (a core skill listed explicitly keeps the higher of the two).
* **Order.** Core skills in the trend's order, each preceded by its not-yet-listed prerequisites,
  so a step never comes before what it builds on.
* **Levels a person has.** Their slider for the skill (unrated counts as 1), or — when higher —
  the level implied by a skill that builds on it: a slider at ``L`` implies each prerequisite at
  ``min(L, max(2, L − 1))``, transitively (the same rule as the requirements). Python at 5 says
  programming basics at 4: nobody at Python 5 is told to learn programming basics first.
* **Gap** = required level − the level the person has.
* **Steps and their state.** Every requirement is a step. A step whose level was already met
  when the roadmap started is **have** ("이미 갖춤") and is left out of every time estimate; the
  person may mark a step **skipped** (also left out), **done** or **in progress**. Otherwise a
  step is done when the level reaches the target or the hours are covered, in progress once
  any hours are logged, else to do.
* **Effort** of a step = the sum of :data:`HOURS_PER_LEVEL` over the levels still to climb.
* **Progress** is credited by the hours the person marked on each linked resource (split evenly
  when the resource serves several steps); the remaining gap and hours shrink in proportion.
* **Timeline**: open steps one after another at the user's weekly study hours.
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
MARKS = ("done", "skipped", "in_progress")
"""What a person may mark a step as (``open`` clears the mark)."""
LEFT_OUT = ("have", "skipped")
"""Step states that count in no time estimate."""


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


def implied(level: int) -> int:
    """The level a skill at ``level`` implies on each of its prerequisites."""
    return min(level, max(2, level - 1))


def held_levels(taxonomy: Taxonomy, levels: Mapping[str, int]) -> tuple[dict[str, int], dict]:
    """The levels a person has: their sliders raised by what the skills built on them imply.

    Returns the levels and, for each raised skill, the rated skill that implies it.
    """
    held = {s: int(v) for s, v in levels.items() if s in taxonomy.skills}
    source: dict[str, str] = {}
    for skill in reversed(_prerequisites_first(taxonomy)):  # dependents before prerequisites
        level = held.get(skill, 1)
        for pre in taxonomy.skills[skill].prerequisites:
            if implied(level) > held.get(pre, 1):
                held[pre] = implied(level)
                source[pre] = source.get(skill, skill)
    return held, source


_ORDER: list[tuple[Taxonomy, tuple[str, ...]]] = []


def _prerequisites_first(taxonomy: Taxonomy) -> tuple[str, ...]:
    """Every skill, each after its prerequisites (cached for the last taxonomy seen)."""
    if not _ORDER or _ORDER[0][0] is not taxonomy:
        order: list[str] = []
        for skill in taxonomy.skills:
            order += [s for s in taxonomy.skill_path(skill) if s not in order]
        _ORDER[:] = [(taxonomy, tuple(order))]
    return _ORDER[0][1]


def current_level(levels: Mapping[str, int], skill: str) -> int:
    """The level in ``levels`` for ``skill`` (1 when never rated)."""
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
    hours: Mapping[str, float],
    prefs: Prefs,
) -> dict[str, list[Resource]]:
    links: dict[str, list[Resource]] = {}
    for req in reqs:
        candidates = resources_for(req.skill)
        cur = current_level(levels, req.skill)
        picked = choose(candidates, cur, req.level, prefs.languages, prefs.preferred_format)
        # Resources the user already works on stay linked even if no longer the best pick.
        picked += [r for r in candidates if hours.get(r.id, 0) > 0 and r not in picked]
        links[req.skill] = picked
    return links


def _studied_hours(
    links: Mapping[str, Sequence[Resource]], hours: Mapping[str, float]
) -> dict[str, float]:
    uses: dict[str, int] = {}
    for resources in links.values():
        for r in resources:
            uses[r.id] = uses.get(r.id, 0) + 1
    return {
        skill: sum(hours.get(r.id, 0.0) / uses[r.id] for r in resources)
        for skill, resources in links.items()
    }


def _state(have: bool, mark: str | None, reached: bool, studied: float) -> str:
    if mark == "skipped":
        return "skipped"
    if have:
        return "have"
    if mark == "done" or reached:
        return "done"
    if mark == "in_progress" or studied > 0:
        return "in_progress"
    return "todo"


def _resource_view(
    r: Resource, hours: Mapping[str, float], credits: Mapping[str, float]
) -> dict[str, Any]:
    logged = round(hours.get(r.id, 0.0), 1)
    percent = min(100, round(100 * logged / r.study_hours)) if r.study_hours else 0
    return {
        **r.as_dict(),
        "hours": logged,
        "marked_hours": round(max(0.0, logged - credits.get(r.id, 0.0)), 1),
        "study_hours": r.study_hours,
        "percent": percent,
    }


@dataclass(frozen=True)
class _Held:
    levels: Mapping[str, int]
    initial: Mapping[str, int]
    source: Mapping[str, str]


def _step(
    order: int,
    req: Requirement,
    taxonomy: Taxonomy,
    held: _Held,
    studied: float,
    resources: Sequence[Resource],
    logs: tuple[Mapping[str, float], Mapping[str, float]],
    mark: str | None,
) -> dict[str, Any]:
    cur = current_level(held.levels, req.skill)
    start = min(current_level(held.initial, req.skill), cur)
    have = start >= req.level
    effort = 0.0 if have else effort_hours(start, req.level)
    still = effort_hours(cur, req.level)
    covered = min(1.0, studied / effort) if effort else 1.0
    remaining = round(still * (1 - covered), 1)
    gap = max(0, req.level - cur)
    state = _state(have, mark, gap == 0 or remaining <= 0, studied)
    closed = state in ("have", "skipped", "done")
    return {
        "order": order,
        "skill": req.skill,
        "skill_ko": taxonomy.skills[req.skill].ko,
        "reason": req.reason,
        "needed_by": list(req.needed_by),
        "prerequisites": list(taxonomy.skills[req.skill].prerequisites),
        "start_level": start,
        "current_level": cur,
        "implied_by": held.source.get(req.skill),
        "target_level": req.level,
        "gap": gap,
        "remaining_gap": 0.0 if closed else round(gap * (1 - covered), 2),
        "effort_hours": effort,
        "studied_hours": round(studied, 1),
        "remaining_hours": 0.0 if closed else remaining,
        "progress": 1.0 if closed else round(covered, 3),
        "done": state == "done",
        "state": state,
        "mark": mark,
        "resources": [_resource_view(r, *logs) for r in resources],
    }


def build_steps(
    taxonomy: Taxonomy,
    reqs: Sequence[Requirement],
    levels: Mapping[str, int],
    initial: Mapping[str, int],
    resources_for: ResourceLookup,
    hours: Mapping[str, float],
    prefs: Prefs,
    marks: Mapping[str, str] | None = None,
    credits: Mapping[str, float] | None = None,
) -> list[dict[str, Any]]:
    """Every requirement as a step, in order, with its state, resources and hours.

    ``levels`` are the user's sliders now, ``initial`` the levels they had when the roadmap
    started (both raised by :func:`held_levels` here), ``hours`` the hours credited per resource
    (of which ``credits`` came from marking it finished), ``marks`` the user's step marks.
    """
    held, source = held_levels(taxonomy, levels)
    start, _ = held_levels(taxonomy, initial)
    state = _Held(held, start, source)
    links = _links(reqs, held, resources_for, hours, prefs)
    studied = _studied_hours(links, hours)
    marks = marks or {}
    steps = []
    for i, req in enumerate(reqs):
        have = min(current_level(start, req.skill), current_level(held, req.skill)) >= req.level
        shown = [] if have else links[req.skill]
        steps.append(
            _step(
                i + 1,
                req,
                taxonomy,
                state,
                studied[req.skill],
                shown,
                (hours, credits or {}),
                marks.get(req.skill),
            )
        )
    return steps


def timeline(steps: list[dict[str, Any]], weekly_hours: float, today: dt.date) -> dict[str, Any]:
    """Give every open step its week range and return the roadmap's totals (steps the person
    already has or skipped count nowhere)."""
    elapsed = 0.0
    for step in steps:
        if step["state"] in ("have", "skipped", "done"):
            step["start_week"] = step["end_week"] = None
            continue
        step["start_week"] = int(elapsed // weekly_hours) + 1
        elapsed += step["remaining_hours"]
        step["end_week"] = max(step["start_week"], math.ceil(elapsed / weekly_hours))
    weeks = math.ceil(elapsed / weekly_hours) if elapsed else 0
    counted = [s for s in steps if s["state"] not in LEFT_OUT]
    return {
        "weekly_hours": weekly_hours,
        "total_hours": round(sum(s["effort_hours"] for s in counted), 1),
        "remaining_hours": round(elapsed, 1),
        "weeks_remaining": weeks,
        "estimated_finish": (today + dt.timedelta(weeks=weeks)).isoformat(),
        "completed_steps": sum(1 for s in steps if s["state"] == "done"),
        "already_have": sum(1 for s in steps if s["state"] == "have"),
        "skipped_steps": sum(1 for s in steps if s["state"] == "skipped"),
        "total_gap": sum(s["gap"] for s in counted),
        "remaining_gap": round(sum(s["remaining_gap"] for s in counted), 2),
    }


def summary(
    taxonomy: Taxonomy,
    core_skills: Sequence[tuple[str, int]],
    levels: Mapping[str, int],
    weekly_hours: float,
) -> dict[str, Any]:
    """The short roadmap a match item carries: gaps, effort and weeks before any progress."""
    held, _ = held_levels(taxonomy, levels)
    gaps = gap_summary(requirements(taxonomy, core_skills), held)
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
