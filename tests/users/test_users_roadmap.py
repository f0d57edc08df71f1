"""Roadmap rules on the shipped taxonomy and catalog: order, levels, effort, progress, notices."""

from __future__ import annotations

import datetime as dt

import pytest

from trendpath.kit.settings import Settings
from trendpath.kit.taxonomy import load_taxonomy
from trendpath.users import roadmap
from trendpath.users.catalog import Resource, load_catalog
from trendpath.users.notices import roadmap_notices

TAX = load_taxonomy()
GEN_AI = [("llm_engineering", 4), ("python", 4), ("deep_learning", 3), ("service_planning", 3)]


def _resource(rid: str, skill: str, level: int, hours: float, kind: str = "course") -> Resource:
    return Resource(
        id=rid,
        kind=kind,
        title=rid,
        provider="p",
        language="ko",
        level=level,
        duration_hours=hours,
        pages=None,
        url="https://example.org/" + rid,
        link_kind="item",
        isbn=None,
        skills=(skill,),
        source="catalog",
    )


def test_prerequisites_always_come_first() -> None:
    reqs = roadmap.requirements(TAX, GEN_AI)
    order = [r.skill for r in reqs]
    for i, skill in enumerate(order):
        for pre in TAX.skills[skill].prerequisites:
            assert pre in order[:i], f"{pre} must come before {skill}"
    # deep learning builds on machine learning, which builds on data analysis, python, maths.
    assert order.index("programming_basics") < order.index("python") < order.index("deep_learning")
    assert order.index("machine_learning") < order.index("deep_learning")
    assert order.index("communication") < order.index("service_planning")


def test_required_levels_flow_down_the_prerequisite_path() -> None:
    reqs = {r.skill: r for r in roadmap.requirements(TAX, [("deep_learning", 4)])}
    assert reqs["deep_learning"].level == 4 and reqs["deep_learning"].reason == "core"
    assert reqs["machine_learning"].level == 3  # max(2, 4 - 1)
    assert reqs["data_analysis"].level == 2  # max(2, 3 - 1)
    assert reqs["python"].level == 2 and reqs["python"].reason == "prerequisite"
    assert "deep_learning" in reqs["machine_learning"].needed_by
    # An explicit core level wins over a lower implied one.
    both = {r.skill: r for r in roadmap.requirements(TAX, [("deep_learning", 4), ("python", 5)])}
    assert both["python"].level == 5 and both["python"].reason == "core"


def test_effort_is_the_sum_of_the_levels_still_to_climb() -> None:
    assert roadmap.effort_hours(1, 3) == 10 + 25
    assert roadmap.effort_hours(2, 5) == 25 + 45 + 70
    assert roadmap.effort_hours(4, 3) == 0


def test_gaps_are_target_minus_slider_and_met_skills_drop_out() -> None:
    reqs = roadmap.requirements(TAX, [("python", 4), ("communication", 2)])
    gaps = {
        req.skill: (cur, gap)
        for req, cur, gap in roadmap.gap_summary(reqs, {"python": 2, "communication": 5})
    }
    assert gaps == {"python": (2, 2), "programming_basics": (1, 2)}


def _plan(
    levels: dict[str, int],
    hours: dict[str, float],
    initial: dict[str, int],
    marks: dict[str, str] | None = None,
) -> list[dict]:
    reqs = roadmap.requirements(TAX, [("python", 3)])
    res = {
        "python": [
            _resource("py-a", "python", 3, 20.0),
            _resource("py-b", "python", 2, 10.0, "book"),
        ],
        "programming_basics": [_resource("pb-a", "programming_basics", 2, 10.0)],
    }
    return roadmap.build_steps(
        TAX, reqs, levels, initial, lambda s: res.get(s, []), hours, roadmap.Prefs(), marks
    )


def test_progress_on_resources_moves_the_gap_and_the_remaining_hours() -> None:
    start = {"python": 1, "programming_basics": 1}
    before = _plan(start, {}, start)
    py = next(s for s in before if s["skill"] == "python")
    assert (py["gap"], py["remaining_gap"], py["remaining_hours"]) == (2, 2.0, 35.0)
    after = _plan(start, {"py-a": 20.0, "py-b": 5.0}, start)
    py2 = next(s for s in after if s["skill"] == "python")
    # 20 h + 5 h studied of 35 h: the step is 5/7 covered.
    assert py2["studied_hours"] == 25.0
    assert py2["remaining_hours"] == pytest.approx(10.0, abs=0.05)
    assert py2["remaining_gap"] == pytest.approx(2 * (1 - 25 / 35), abs=0.01)
    assert py2["progress"] == pytest.approx(25 / 35, abs=0.001)
    assert not py2["done"] and py2["state"] == "in_progress"
    by_id = {r["id"]: r for r in py2["resources"]}
    assert by_id["py-b"]["hours"] == 5.0 and by_id["py-b"]["percent"] == 50


def test_self_rating_up_to_the_target_completes_the_step_but_keeps_it_listed() -> None:
    start = {"python": 1, "programming_basics": 1}
    steps = _plan({"python": 3, "programming_basics": 1}, {}, start)
    py = next(s for s in steps if s["skill"] == "python")
    assert py["done"] and py["gap"] == 0 and py["remaining_hours"] == 0
    assert py["start_level"] == 1 and py["current_level"] == 3
    # Python at 3 implies programming basics at 2 — its target here — so that step is done too.
    basics = next(s for s in steps if s["skill"] == "programming_basics")
    assert basics["done"] and basics["implied_by"] == "python" and basics["order"] < py["order"]


def test_timeline_follows_weekly_hours_and_skips_done_steps() -> None:
    start = {"python": 1, "programming_basics": 1}
    steps = _plan(start, {}, start)  # basics 10 h, python 35 h
    totals = roadmap.timeline(steps, weekly_hours=10, today=dt.date(2026, 1, 5))
    assert [(s["start_week"], s["end_week"]) for s in steps] == [(1, 1), (2, 5)]
    assert totals["weeks_remaining"] == 5 and totals["remaining_hours"] == 45
    assert totals["estimated_finish"] == "2026-02-09"
    steps = _plan({"python": 1, "programming_basics": 2}, {}, start)
    totals = roadmap.timeline(steps, weekly_hours=10, today=dt.date(2026, 1, 5))
    assert steps[0]["start_week"] is None and totals["completed_steps"] == 1


def test_levels_implied_by_a_skill_built_on_them_count_as_had() -> None:
    held, source = roadmap.held_levels(TAX, {"python": 5})
    assert held["programming_basics"] == 4 and source["programming_basics"] == "python"
    assert roadmap.held_levels(TAX, {"python": 1})[0].get("programming_basics", 1) == 1
    # Python at 5: programming basics is "already have", in no estimate, with no resources.
    steps = _plan({"python": 5}, {}, {"python": 5})
    basics = next(s for s in steps if s["skill"] == "programming_basics")
    py = next(s for s in steps if s["skill"] == "python")
    assert basics["state"] == py["state"] == "have"
    assert basics["effort_hours"] == 0 and basics["resources"] == []
    assert basics["implied_by"] == "python"
    totals = roadmap.timeline(steps, weekly_hours=5, today=dt.date(2026, 1, 5))
    assert totals["total_hours"] == 0 and totals["weeks_remaining"] == 0
    assert totals["already_have"] == 2


def test_marks_skip_or_finish_a_step_and_skipped_steps_cost_no_time() -> None:
    start = {"python": 1, "programming_basics": 1}
    steps = _plan(start, {}, start, {"programming_basics": "skipped", "python": "in_progress"})
    assert [s["state"] for s in steps] == ["skipped", "in_progress"]
    totals = roadmap.timeline(steps, weekly_hours=10, today=dt.date(2026, 1, 5))
    assert totals["total_hours"] == 35 and totals["remaining_hours"] == 35
    assert totals["skipped_steps"] == 1 and steps[0]["start_week"] is None
    done = _plan(start, {}, start, {"python": "done"})
    assert done[1]["state"] == "done" and done[1]["remaining_hours"] == 0


def test_resources_prefer_the_levels_to_climb_and_the_users_language() -> None:
    catalog = load_catalog(Settings(), TAX)
    py = roadmap.build_steps(
        TAX,
        roadmap.requirements(TAX, [("python", 2)]),
        {},
        {},
        lambda s: catalog.by_skill.get(s, ()),
        {},
        roadmap.Prefs(languages=("ko",), preferred_format="any"),
    )
    step = next(s for s in py if s["skill"] == "python")
    assert step["resources"], "every skill has resources"
    first = step["resources"][0]
    assert first["language"] == "ko" and first["level"] == 2 and first["link_kind"] == "item"
    assert {r["kind"] for r in step["resources"]} == {"course", "book"}


def test_notices_say_what_moved_without_touching_the_plan() -> None:
    basis = {
        "trend_slug": "generative-ai",
        "trend_name_ko": "생성형 AI",
        "similarity": 0.40,
        "forecast": {"direction": "up", "point": 2.0},
    }
    same = {
        "match_id": 2,
        "items": [
            {
                "slug": "generative-ai",
                "name_ko": "생성형 AI",
                "similarity": 0.41,
                "forecast": {"direction": "flat", "point": 0.3},
            }
        ],
    }
    assert roadmap_notices(basis, same, 0.03) == []
    down = {
        "match_id": 3,
        "items": [
            {"slug": "ai-agents", "name_ko": "AI 에이전트", "similarity": 0.45, "forecast": None},
            {
                "slug": "generative-ai",
                "name_ko": "생성형 AI",
                "similarity": 0.40,
                "forecast": {"direction": "down", "point": -3.2, "week": "2026-01-05"},
            },
        ],
    }
    kinds = {n["kind"]: n for n in roadmap_notices(basis, down, 0.03)}
    assert set(kinds) == {"forecast_down", "better_match"}
    assert "하락(-3.2점)으로 바뀌었어요" in kinds["forecast_down"]["message_ko"]
    assert kinds["better_match"]["data"]["slug"] == "ai-agents"
    assert "AI 에이전트가" in kinds["better_match"]["message_ko"]
    gone = {"match_id": 4, "items": [{"slug": "mlops", "name_ko": "MLOps", "similarity": 0.41}]}
    assert [n["kind"] for n in roadmap_notices(basis, gone, 0.03)] == ["dropped"]
    assert roadmap_notices(basis, None, 0.03) == []
