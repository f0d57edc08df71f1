"""Progress credited by hours as marked: "finished" tops up and undo takes exactly that back;
a week never shows more than was logged; the week's sentence reads right on every side."""

from __future__ import annotations

import datetime as dt

import pytest

from trendpath.users.planner import next_hours, percent_of
from trendpath.users.progress import KST, ProgressEvent, week_message, weekly_summary

MONDAY = dt.date(2026, 1, 5)


def _event(hours: float, status: str = "in_progress") -> ProgressEvent:
    at = dt.datetime.combine(MONDAY, dt.time(12), KST)
    return ProgressEvent("resource", at, status, hours)


def test_hours_are_credited_as_marked_not_by_a_share_for_starting() -> None:
    # A 40-hour book: starting it credits nothing; 2 hours logged are 2 hours (5 %).
    manual, credit, status = next_hours((0.0, 0.0), 40.0, "in_progress", 0, 0.0)
    assert (manual, credit, status) == (0.0, 0.0, "not_started")
    manual, credit, status = next_hours((0.0, 0.0), 40.0, "in_progress", 0, 2.0)
    assert (manual, credit, status, percent_of(manual + credit, 40)) == (
        2.0,
        0.0,
        "in_progress",
        5,
    )
    # Finished tops up to the study time; undo (back to the marked 2 hours) removes the top-up.
    manual, credit, status = next_hours((2.0, 0.0), 40.0, "done", 100, None)
    assert (manual, credit, status) == (2.0, 38.0, "done")
    assert next_hours((2.0, 38.0), 40.0, "in_progress", 0, 2.0) == (2.0, 0.0, "in_progress")
    # Logging the whole study time finishes it; not_started clears everything.
    assert next_hours((0.0, 0.0), 10.0, "in_progress", 0, 10.0)[2] == "done"
    assert next_hours((5.0, 5.0), 10.0, "not_started", 0, None) == (0.0, 0.0, "not_started")


def test_done_undo_done_counts_the_hours_once_in_the_week() -> None:
    # +40 (done), -38 (undo back to 2 marked), +38 (done again): 40 hours, not 116.
    events = [_event(40.0, "done"), _event(-38.0), _event(38.0, "done")]
    week = weekly_summary(events, MONDAY, 10.0)
    assert week["studied_hours"] == 40.0
    assert weekly_summary([_event(-5.0)], MONDAY, 10.0)["studied_hours"] == 0.0


@pytest.mark.parametrize(
    ("studied", "goal", "text"),
    [
        (0.0, 10.0, "이번 주에는 아직 공부한 시간이 없어요. 짧게라도 시작해 볼까요?"),
        (3.5, 10.0, "이번 주 목표 10시간 중 3.5시간 공부했어요. 조금만 더 힘내요."),
        (10.0, 10.0, "이번 주 목표 10시간을 모두 채웠어요. 잘하고 있어요!"),
        (7.2, 5.0, "이번 주 목표 5시간을 넘겨 7.2시간 공부했어요. 잘하고 있어요!"),
    ],
)
def test_week_sentence(studied: float, goal: float, text: str) -> None:
    assert week_message(studied, goal, True) == text
