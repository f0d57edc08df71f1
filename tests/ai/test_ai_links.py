"""The person's words linked to the taxonomy: quotes, intents, the lexicon, the persona signals."""

from __future__ import annotations

import numpy as np

from trendpath.ai.aliases import load_aliases
from trendpath.ai.embed import KoreanHashEncoder
from trendpath.ai.links import LinkConfig, Said, find_links, signals
from trendpath.ai.persona import PersonaInputs, build_persona_vector, build_trend_vector
from trendpath.kit.taxonomy import load_taxonomy
from trendpath.trends.catalog import load_catalog


def _links(text: str, **kw: object) -> list[tuple[str, str, str, str]]:
    return [(k.kind, k.slug, k.quote, k.intent) for k in find_links([Said(text, **kw)])]  # type: ignore[arg-type]


def test_every_trend_tag_and_skill_has_words() -> None:
    lex = load_aliases()
    assert set(lex.trend_docs) == {t.slug for t in load_catalog()}
    named = {e for pats in lex.by_first.values() for p in pats for e in p.entries}
    tax = load_taxonomy()
    assert {("interest", s) for s in tax.interests} <= named
    assert {("skill", s) for s in tax.skills} <= named


def test_a_goal_keeps_its_quote_longest_alias_first() -> None:
    found = _links("저는 마케팅 데이터 분석을 하는 사람이 되고 싶어요.")
    assert ("trend", "growth-marketing", "마케팅 데이터 분석", "goal") in found
    assert not any(slug == "data_analysis" for _, slug, _, _ in found), "the longer alias wins"
    # Particles and endings do not matter: "데이터를 분석하는" is "데이터 분석".
    assert ("skill", "data_analysis", "데이터를 분석", "goal") in _links(
        "데이터를 분석하는 일을 하고 싶어요"
    )


def test_intents_current_avoid_mention_and_the_goals_stage() -> None:
    nursing = _links("간호학과 4학년이에요.")
    assert any(
        s == "smart-nursing" and i == "current" and q.startswith("간호") for _, s, q, i in nursing
    )
    avoid = _links("개발자는 저랑 안 맞는 것 같아요.")
    assert avoid and all(intent == "avoid" for *_, intent in avoid)
    boda = _links("코딩보다 회로 설계가 좋아요")
    assert {i for _, s, _, i in boda if s == "it_general"} == {"avoid"}
    assert ("skill", "circuit_design", "회로 설계", "mention") in boda
    # A bare answer to the coach's goals question is a goal.
    assert ("trend", "legal-tech", "변호사", "goal") in _links("변호사요", stage="goals")
    # Contrast: each side of -지만 has its own intent.
    split = _links("영업은 싫지만 마케팅은 해 보고 싶어요")
    assert ("interest", "sales", "영업", "avoid") in split
    assert ("interest", "marketing", "마케팅", "goal") in split


def test_encoder_links_a_goal_that_names_no_trend_by_alias() -> None:
    said = [Said("몸이 불편한 분들 곁에서 하루를 함께 보내 드리는 일을 하고 싶어요")]
    plain = find_links(said)
    assert not any(k.kind == "trend" for k in plain)
    loose = LinkConfig(encoder_threshold=0.05)
    found = find_links(said, encoder=KoreanHashEncoder(), config=loose)
    by_encoder = [k for k in found if k.method == "encoder"]
    assert len(by_encoder) == 1 and by_encoder[0].intent == "goal"
    assert by_encoder[0].weight == 0.6


def test_signals_move_the_persona_toward_the_named_goal() -> None:
    links = find_links([Said("공공기관에서 행정 업무를 하는 공무원이 되고 싶어요")])
    sig = signals(links)
    assert sig.goals["digital-government"] >= 1.0
    trends = {t.slug: build_trend_vector(t) for t in load_catalog()}
    bare = build_persona_vector(PersonaInputs(interests=["startup"]))
    told = build_persona_vector(
        PersonaInputs(
            interests=["startup"],
            linked_interests=sig.interests,
            linked_skills=sig.skills,
            goals=sig.goals,
        )
    )

    def rank(v: object) -> int:
        order = sorted(trends, key=lambda s: -float(np.dot(v.vector, trends[s].vector)))  # type: ignore[attr-defined]
        return order.index("digital-government")

    assert rank(told) == 0 and rank(bare) > 5
