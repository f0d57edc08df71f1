"""Progress bookkeeping as pure functions: hours studied, streaks and weekly summaries.

Days and weeks are Korean calendar days (KST, UTC+9) and ISO weeks starting on Monday. A day is
active when the user logged any progress or self-rating on it. The streak is the run of active
days ending today — or yesterday, so a streak is not lost before the day is over.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

KST = dt.timezone(dt.timedelta(hours=9), "KST")


@dataclass(frozen=True)
class ProgressEvent:
    """One logged change: a resource's progress (with the hours it stood for) or a rating."""

    kind: str
    occurred_at: dt.datetime
    status: str | None = None
    hours: float = 0.0


def kst_day(moment: dt.datetime) -> dt.date:
    """The Korean calendar day of an aware datetime."""
    return moment.astimezone(KST).date()


def streak(days: Iterable[dt.date], today: dt.date) -> dict[str, object]:
    """Current and longest run of consecutive active days, and the last active day."""
    active = sorted(set(days))
    if not active:
        return {"current_days": 0, "longest_days": 0, "last_active": None}
    longest = run = 1
    for prev, day in itertools.pairwise(active):
        run = run + 1 if (day - prev).days == 1 else 1
        longest = max(longest, run)
    current = 0
    last = active[-1]
    if (today - last).days <= 1:
        current = 1
        for prev, day in zip(reversed(active[:-1]), reversed(active[1:]), strict=False):
            if (day - prev).days != 1:
                break
            current += 1
    return {"current_days": current, "longest_days": longest, "last_active": last}


def week_start(day: dt.date) -> dt.date:
    """Monday of ``day``'s ISO week."""
    return day - dt.timedelta(days=day.weekday())


def weekly_summary(
    events: Sequence[ProgressEvent], start: dt.date, goal_hours: float
) -> dict[str, object]:
    """What happened in the week starting on Monday ``start``, against the weekly goal."""
    end = start + dt.timedelta(days=6)
    inside = [e for e in events if start <= kst_day(e.occurred_at) <= end]
    # Logged changes are signed (undoing "finished" takes its hours back): never below zero.
    studied = round(max(0.0, sum(e.hours for e in inside if e.kind == "resource")), 1)
    completed = sum(1 for e in inside if e.kind == "resource" and e.status == "done")
    progressed = sum(1 for e in inside if e.kind == "resource")
    rated = sum(1 for e in inside if e.kind == "skill")
    days = len({kst_day(e.occurred_at) for e in inside})
    on_track = studied >= goal_hours
    return {
        "week_start": start,
        "week_end": end,
        "goal_hours": goal_hours,
        "studied_hours": studied,
        "resources_completed": completed,
        "resources_progressed": progressed,
        "skills_rated": rated,
        "active_days": days,
        "on_track": on_track,
        "message_ko": week_message(studied, goal_hours, bool(inside)),
    }


def week_message(studied: float, goal: float, any_log: bool) -> str:
    """The week in one Korean sentence, against the weekly goal."""
    if not any_log or studied <= 0:
        return "이번 주에는 아직 공부한 시간이 없어요. 짧게라도 시작해 볼까요?"
    if studied > goal:
        return f"이번 주 목표 {goal:g}시간을 넘겨 {studied:g}시간 공부했어요. 잘하고 있어요!"
    if studied == goal:
        return f"이번 주 목표 {goal:g}시간을 모두 채웠어요. 잘하고 있어요!"
    return f"이번 주 목표 {goal:g}시간 중 {studied:g}시간 공부했어요. 조금만 더 힘내요."
