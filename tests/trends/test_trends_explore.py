"""The explorer's rules as pure functions: status, search with aliases, related trends."""

from __future__ import annotations

from pathlib import Path

import pytest

from trendpath.trends import explore
from trendpath.trends.explore import Entry


def _entry(slug: str, score: float | None = 60, **kw: object) -> Entry:
    base: dict[str, object] = {
        "name_ko": slug,
        "name_en": slug,
        "category": "ai_data",
        "interest_tags": (),
        "core_skills": (),
        "forecast": None,
        "fields": explore.searchable([slug], [], []),
    }
    base.update(kw)
    return Entry(slug=slug, score=score, **base)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("score", "forecast", "status"),
    [
        (70, None, "surging"),
        (70, {"point": -1, "lo": -3, "hi": 1}, "rising"),
        (58, None, "rising"),
        (48, {"point": 2, "lo": 0.5, "hi": 4}, "rising"),
        (50, None, "steady"),
        (50, {"point": -2, "lo": -4, "hi": -0.5}, "falling"),
        (40, None, "falling"),
        (None, None, None),
    ],
)
def test_status_reads_score_and_forecast_band(
    score: float | None, forecast: dict[str, float] | None, status: str | None
) -> None:
    assert explore.status_of(score, forecast) == status


def test_search_needs_every_word_and_ranks_names_first(tmp_path: Path) -> None:
    aliases_file = tmp_path / "aliases.yaml"
    aliases_file.write_text("groups:\n  - [AI, 인공지능]\n", encoding="utf-8")
    aliases = explore.load_aliases(aliases_file)
    named = _entry("a", fields=explore.searchable(["생성형 AI"], [], []))
    tagged = _entry("b", score=90, fields=explore.searchable(["로봇"], [], ["인공지능"]))
    other = _entry("c", fields=explore.searchable(["배터리"], ["전기차"], []))
    found = explore.select([named, tagged, other], query="ai", aliases=aliases)
    assert [e.slug for e in found] == ["a", "b"]  # the name beats the (alias) label
    assert explore.select([named, tagged], query="생성형AI 배터리", aliases=aliases) == []
    assert [e.slug for e in explore.select([named, other], query="전기 차")] == ["c"]


def test_filters_and_sorts() -> None:
    rows = [
        _entry("slow", 40, core_skills=("python",)),
        _entry("fast", 80, forecast={"point": 1, "lo": 0.2, "hi": 3}),
        _entry("mid", 58, core_skills=("python",), forecast={"point": 5, "lo": 1, "hi": 9}),
    ]
    assert [e.slug for e in explore.select(rows)] == ["fast", "mid", "slow"]
    assert [e.slug for e in explore.select(rows, sort="forecast")] == ["mid", "fast", "slow"]
    assert [e.slug for e in explore.select(rows, skill="python")] == ["mid", "slow"]
    assert [e.slug for e in explore.select(rows, status="falling")] == ["slow"]


def test_related_prefers_shared_interests_then_skills() -> None:
    target = _entry("t", interest_tags=("ai", "data"), core_skills=("python",))
    twin = _entry("twin", interest_tags=("ai", "data"), category="bio_health")
    skill = _entry("skill", core_skills=("python",), category="bio_health")
    stranger = _entry("stranger", category="bio_health")
    near = explore.related(target, [target, stranger, skill, twin])
    assert [e.slug for e in near] == ["twin", "skill"]
