"""Matching as pure functions: re-ranking, explanation shares, forecast and stability views,
comparison with the previous match, and the Korean paragraph."""

from __future__ import annotations

from typing import Any

import pytest

from trendpath.kit.taxonomy import load_taxonomy
from trendpath.users import matching
from trendpath.users.matching import Candidate, Persona, TrendInfo

TAX = load_taxonomy()


def _cand(slug: str, sim: float, point: float | None = None) -> Candidate:
    forecast = None
    if point is not None:
        forecast = {
            "week": "2026-01-05",
            "horizon_weeks": 4,
            "point": point,
            "lo": point - 2,
            "hi": point + 2,
            "model_version": "gru-1",
        }
    return Candidate(
        slug=slug,
        name_ko=slug,
        name_en=slug,
        similarity=sim,
        blocks={"text": 0.1, "interests": sim - 0.1, "skills": 0.0, "values": 0.0},
        velocity={"week": "2026-01-05", "score": 70.0, "stability": 0.4},
        forecast=forecast,
    )


def test_reranking_is_off_by_default_and_blends_momentum_when_configured() -> None:
    cands = [_cand("a", 0.50, -10), _cand("b", 0.48, 10), _cand("c", 0.30, 0), _cand("d", 0.2)]
    assert [c.slug for c in matching.rerank(cands, 0.0)] == ["a", "b", "c"]
    # w = 0.3: a = 0.7·0.50 + 0.3·0 = 0.35; b = 0.7·0.48 + 0.3·1 = 0.636; c = 0.21 + 0.15 = 0.36
    assert [c.slug for c in matching.rerank(cands, 0.3)] == ["b", "c", "a"]
    assert matching.rank_score(cands[1], 0.3) == pytest.approx(0.636)
    assert matching.momentum({"point": 25.0}) == 1.0 and matching.momentum(None) == 0.0


def test_momentum_is_linear_inside_the_clip_and_blends_a_missing_forecast_as_neutral() -> None:
    assert matching.momentum({"point": 4.0}) == pytest.approx(0.4)
    assert matching.momentum({"point": -7.5}) == pytest.approx(-0.75)
    assert matching.momentum({"point": 10.0}) == 1.0 and matching.momentum({"point": -25}) == -1.0
    assert matching.momentum({"point": 0.0}) == 0.0
    # w = 0.2 and no forecast: 0.8 · 0.5 + 0.2 · (0 + 1) / 2 = 0.5
    assert matching.rank_score(_cand("x", 0.5), 0.2) == pytest.approx(0.5)
    # w = 0.2, point −5: 0.8 · 0.5 + 0.2 · (−0.5 + 1) / 2 = 0.45
    assert matching.rank_score(_cand("y", 0.5, -5.0), 0.2) == pytest.approx(0.45)
    assert matching.rank_score(_cand("z", 0.5, -5.0), 0.0) == 0.5


def test_explanation_renames_blocks_and_shares_add_to_100() -> None:
    exp = matching.explanation({"text": 0.05, "interests": 0.20, "skills": -0.05, "values": 0.15})
    assert exp["blocks"] == {
        "conversation": 0.05,
        "interests": 0.2,
        "skills": -0.05,
        "values": 0.15,
    }
    assert sum(exp["shares"].values()) == pytest.approx(100.0)
    assert exp["shares"]["skills"] == 0.0 and exp["top_block"] == "interests"
    assert exp["top_block_ko"] == "관심사"


def test_forecast_direction_and_stability_fit() -> None:
    assert matching.forecast_view(None) is None
    up = matching.forecast_view({"point": 3.2, "lo": -1.0, "hi": 7.5, "week": "w"})
    assert up is not None and up["direction"] == "up"
    # The band spans zero, so the sentence does not claim a direction.
    assert up["label_ko"] == "4주 뒤 방향이 불확실해요(80% 예측 구간 -1.0~+7.5점)."
    sure = matching.forecast_view({"point": 3.0, "lo": 0.5, "hi": 6.0})
    assert sure is not None and sure["label_ko"].startswith("4주 뒤 3.0점쯤 오를 것으로")
    assert matching.forecast_view({"point": -0.5, "lo": -2, "hi": 1})["direction"] == "flat"  # type: ignore[index]
    down = matching.forecast_view({"point": -3.25, "lo": -8, "hi": -0.5, "horizon_weeks": 4})
    assert down is not None and down["direction"] == "down" and down["point"] == -3.25
    directions = [
        matching.forecast_view({"point": p, "lo": p - 1, "hi": p + 1})["direction"]  # type: ignore[index]
        for p in (1.0, 1.01, -1.0, -1.01)
    ]
    assert directions == ["flat", "up", "flat", "down"]  # the flat band is ±1 point, inclusive
    vel = {"stability": 0.3}
    assert matching.stability_view(vel, 0.35)["fit"] == pytest.approx(0.95)
    wary = matching.stability_view(vel, 0.9)
    assert wary["fit"] == pytest.approx(0.4) and "안정을 중시하는 성향" in wary["label_ko"]
    assert matching.stability_view(vel, None)["fit"] is None
    assert "부족" in matching.stability_view({"stability": None}, 0.5)["label_ko"]


def test_compare_marks_moves_and_drops() -> None:
    previous = {
        "items": [
            {"rank": 1, "slug": "a", "name_ko": "A", "similarity": 0.5},
            {"rank": 2, "slug": "b", "name_ko": "B", "similarity": 0.4},
        ]
    }
    items: list[dict[str, Any]] = [
        {"rank": 1, "slug": "b", "similarity": 0.45},
        {"rank": 2, "slug": "c", "similarity": 0.3},
    ]
    dropped = matching.compare(items, previous)
    assert items[0]["change"] == {"status": "up", "previous_rank": 2, "similarity_delta": 0.05}
    assert items[1]["change"]["status"] == "new"
    assert dropped == [{"slug": "a", "name_ko": "A", "previous_rank": 1}]
    before = {
        "items": [
            {"rank": 1, "slug": "b", "name_ko": "B", "similarity": 0.45},
            {"rank": 2, "slug": "c", "name_ko": "C", "similarity": 0.3},
            {"rank": 3, "slug": "a", "name_ko": "A", "similarity": 0.5},
        ]
    }
    later: list[dict[str, Any]] = [
        {"rank": 1, "slug": "b", "similarity": 0.45},
        {"rank": 2, "slug": "a", "similarity": 0.5},
        {"rank": 3, "slug": "c", "similarity": 0.25},
    ]
    assert matching.compare(later, before) == []
    assert [i["change"]["status"] for i in later] == ["same", "up", "down"]
    assert later[2]["change"] == {"status": "down", "previous_rank": 2, "similarity_delta": -0.05}
    first: list[dict[str, Any]] = [{"rank": 1, "slug": "a", "similarity": 0.5}]
    assert matching.compare(first, None) == []
    assert first[0]["change"]["status"] == "first"


def test_build_item_writes_a_grounded_korean_paragraph() -> None:
    info = TrendInfo(
        slug="generative-ai",
        name_ko="생성형 AI",
        interest_tags=("ai", "data"),
        core_skills=(("python", 4), ("llm_engineering", 4)),
        value_profile={"self_development": 0.95, "job_security": 0.35},
    )
    persona = Persona(
        vector=(),
        version="v",
        values={"self_development": 0.9, "job_security": 0.9},
        stability_preference=0.8,
        confirmed_values=(
            {"axis": "self_development", "label_ko": "자기계발", "quote": "계속 배우고 싶어요"},
            {"axis": "job_security", "label_ko": "직업안정", "quote": "오래 다니고 싶어요"},
        ),
    )
    profile = {"interests": ["ai", "finance"], "skills": {"python": 4}, "weekly_hours": 10}
    cand = _cand("generative-ai", 0.42, 3.0)
    cand = Candidate(**{**cand.__dict__, "name_ko": "생성형 AI"})
    item = matching.build_item(1, cand, 0.0, info, persona, profile, TAX)
    why = item["why_ko"]
    assert why.startswith("생성형 AI는 특히 관심사 면에서 잘 맞아요(추천 근거의 ")
    assert "'인공지능'과 바로 이어져요" in why
    assert "이미 갖춘 파이썬(4/5)을 살릴 수 있고" in why
    assert "LLM 활용·프롬프트 엔지니어링(지금 1 → 목표 4)부터" in why
    # Only confirmed values the trend rewards (its job_security is 0.35: not cited).
    assert "확인해 주신 가치관 '자기계발'과도 잘 맞아요" in why and "직업안정" not in why
    assert item["confirmed_values"] == [
        {"axis": "self_development", "label_ko": "자기계발", "quote": "계속 배우고 싶어요"}
    ]
    assert item["quotes"] == []
    assert "지금 성장 속도 지수는 70점이에요." in why
    assert "4주 뒤 3.0점쯤 오를 것으로 보여요(80% 예측 구간 +1.0~+5.0점)." in why
    assert "예비 추천" not in why
    # llm_engineering 1 → 4 only: programming basics (needed at 3) is implied by python at 4.
    assert item["roadmap"]["total_gap"] == 3
    assert [g["skill"] for g in item["roadmap"]["gaps"]] == ["llm_engineering"]
    prelim = matching.build_item(1, cand, 0.0, info, None, profile, TAX)
    assert "예비 추천" in prelim["why_ko"] and prelim["stability"]["fit"] is None


def test_card_cites_the_persons_own_words_goal_first() -> None:
    info = TrendInfo(
        slug="growth-marketing",
        name_ko="그로스 마케팅·마케팅 데이터 분석",
        interest_tags=("marketing", "data"),
        core_skills=(("digital_marketing", 4), ("data_analysis", 3)),
        value_profile={"work_life_balance": 0.45},
    )
    link = {"kind": "trend", "slug": "growth-marketing", "source": "conversation"}
    links = (
        {**link, "kind": "interest", "slug": "marketing", "quote": "광고", "intent": "mention"},
        {**link, "quote": "마케팅 데이터 분석", "intent": "goal"},
        {**link, "slug": "web-mobile-services", "quote": "개발자", "intent": "goal"},
        {**link, "quote": "그로스", "intent": "avoid"},
    )
    persona = Persona(vector=(), version="v", links=links)
    profile = {"interests": [], "skills": {}, "weekly_hours": 10}
    cand = Candidate(**{**_cand("growth-marketing", 0.4, 1.0).__dict__, "name_ko": info.name_ko})
    item = matching.build_item(1, cand, 0.0, info, persona, profile, TAX, links)
    assert [q["quote"] for q in item["quotes"]] == ["마케팅 데이터 분석", "광고"]
    assert item["why_ko"].startswith(
        "'마케팅 데이터 분석'을 목표로 말씀하셔서 그로스 마케팅·마케팅 데이터 분석을 추천해요."
    )
    # Words naming only a field the trend shares are related, never "the goal that picked it".
    field_only = links[:1] + links[2:]
    other = matching.build_item(1, cand, 0.0, info, persona, profile, TAX, field_only)
    assert "목표로 말씀하셔서" not in other["why_ko"]
    assert "말씀하신 '광고'와도 이어지는 분야예요." in other["why_ko"]
    assert other["why_ko"].startswith("그로스 마케팅·마케팅 데이터 분석은")
