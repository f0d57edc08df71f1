"""The persona space: layout, norms, exact explanations, and sensible neighbours."""

from __future__ import annotations

import numpy as np
import pytest

from trendpath.ai.dialogue import Turn
from trendpath.ai.embed import KoreanHashEncoder
from trendpath.ai.persona import (
    CONSTRUCTION_VERSION,
    DEFAULT_CONFIG,
    PersonaInputs,
    TrendInputs,
    TrendSkill,
    build_persona_vector,
    build_trend_vector,
    cosine,
    explain_similarity,
)
from trendpath.ai.values import extract_values
from trendpath.trends.catalog import catalog_by_slug

AI_TALK = "AI 모델을 직접 만들어 보고 싶어요. 머신러닝 공부를 계속하면서 성장하고 싶어요."


@pytest.fixture(scope="module")
def trends() -> dict[str, object]:
    catalog = catalog_by_slug()
    wanted = ["generative-ai", "mlops", "silver-industry", "k-food", "smart-farm"]
    return {slug: build_trend_vector(catalog[slug]) for slug in wanted}


def ai_person() -> PersonaInputs:
    values = extract_values(
        [Turn(role="user", text=AI_TALK + " 새로운 기술에 도전하는 게 좋아요.")]
    )
    return PersonaInputs(
        conversation=AI_TALK,
        interests=["ai", "data"],
        skills={"python": 5, "machine_learning": 3, "care_counseling": 1},
        values=values.scores(),
    )


def test_layout_dims_norm_and_version() -> None:
    ranges = DEFAULT_CONFIG.ranges()
    assert ranges["text"] == (0, 1024) and ranges["values"] == (1376, 1408)
    assert ranges["goals"] == (1408, 1536)
    pv = build_persona_vector(ai_person())
    assert pv.vector.shape == (1536,) and pv.vector.dtype == np.float32
    assert np.linalg.norm(pv.vector) == pytest.approx(1.0, abs=1e-5)
    assert {k: v.shape[0] for k, v in pv.blocks.items()} == {
        "text": 1024,
        "interests": 192,
        "skills": 160,
        "values": 32,
        "goals": 128,
    }
    assert pv.version.startswith(CONSTRUCTION_VERSION + "/korean-hash:")
    assert not pv.vector.flags.writeable


def test_deterministic_across_calls() -> None:
    a, b = build_persona_vector(ai_person()), build_persona_vector(ai_person())
    assert np.array_equal(a.vector, b.vector)


def test_explanation_sums_to_cosine(trends: dict[str, object]) -> None:
    user = build_persona_vector(ai_person())
    for trend in trends.values():
        parts = explain_similarity(user, trend)  # type: ignore[arg-type]
        assert set(parts) == {"text", "interests", "skills", "values", "goals"}
        assert sum(parts.values()) == pytest.approx(cosine(user, trend), abs=1e-5)  # type: ignore[arg-type]


def test_ai_lover_is_near_ai_trends_and_far_from_silver(trends: dict[str, object]) -> None:
    user = build_persona_vector(ai_person())
    sims = {slug: cosine(user, t) for slug, t in trends.items()}  # type: ignore[arg-type]
    assert sims["generative-ai"] > sims["silver-industry"] + 0.2
    assert sims["mlops"] > sims["silver-industry"] + 0.2
    assert min(sims["generative-ai"], sims["mlops"]) > max(sims["k-food"], sims["smart-farm"])
    parts = explain_similarity(user, trends["mlops"])  # type: ignore[arg-type]
    assert all(parts[b] > 0 for b in ("interests", "skills", "values"))


def test_carer_is_nearest_to_silver_industry(trends: dict[str, object]) -> None:
    carer = PersonaInputs(
        conversation="어르신들을 가까이에서 돌보는 일을 하고 싶어요.",
        interests=["aging_society", "welfare"],
        skills={"care_counseling": 4, "python": 1},
        values={"social_contribution": 0.9, "job_security": 0.7, "change_orientation": 0.3},
    )
    user = build_persona_vector(carer)
    sims = {slug: cosine(user, t) for slug, t in trends.items()}  # type: ignore[arg-type]
    assert max(sims, key=sims.__getitem__) == "silver-industry"


def test_having_a_skill_matches_needing_it() -> None:
    needs_python = build_trend_vector(
        TrendInputs(slug="t", core_skills=[TrendSkill(skill="python", level=4)])
    )
    strong = build_persona_vector(PersonaInputs(skills={"python": 5}))
    weak = build_persona_vector(PersonaInputs(skills={"python": 1}))
    other = build_persona_vector(PersonaInputs(skills={"marketing": 5}))
    s = {k: explain_similarity(v, needs_python)["skills"] for k, v in
         {"strong": strong, "weak": weak, "other": other}.items()}  # fmt: skip
    assert s["strong"] > 0.5 > s["other"] and s["weak"] < 0
    # A trend needing machine learning implicitly needs its prerequisites (python) too.
    needs_ml = build_trend_vector(
        TrendInputs(slug="t2", core_skills=[TrendSkill(skill="machine_learning", level=4)])
    )
    assert explain_similarity(strong, needs_ml)["skills"] > 0.1


def test_empty_inputs_give_zero_vector_and_other_encoder_dims_are_projected() -> None:
    empty = build_persona_vector(PersonaInputs())
    assert not empty.vector.any()
    small = KoreanHashEncoder(dim=256)
    pv = build_persona_vector(PersonaInputs(conversation=AI_TALK), encoder=small)
    assert pv.vector.shape == (1536,) and np.linalg.norm(pv.blocks["text"]) > 0.99
    assert pv.version.endswith("korean-hash:1-d256")
    with pytest.raises(ValueError, match="versions differ"):
        explain_similarity(pv, build_persona_vector(PersonaInputs(conversation=AI_TALK)))


def test_catalog_trend_converts_from_attributes() -> None:
    trend = catalog_by_slug()["generative-ai"]
    converted = TrendInputs.model_validate(trend)
    assert converted.core_skills[0].skill == trend.core_skills[0].skill
    assert np.array_equal(build_trend_vector(trend).vector, build_trend_vector(converted).vector)
