"""Top-3 matching as pure functions: re-ranking, explanation, forecast and stability views,
comparison with the previous match, and the fingerprint that says whether anything changed.

The similarity and its per-block split come from the trend service's nearest-neighbour search in
the AI service's persona space (the blocks occupy disjoint dimensions, so the four block terms add
up to the cosine exactly). Ranking is by similarity unless a momentum weight ``w`` is configured:
``score = (1 − w) · similarity + w · (m + 1) / 2`` with ``m = clip(point / MOMENTUM_SCALE, −1, 1)``
the forecast momentum (``point`` = forecast change of the Velocity Score over 4 weeks).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from trendpath.kit.josa import josa
from trendpath.kit.taxonomy import Taxonomy
from trendpath.kit.wording import forecast_ko, score_100
from trendpath.users import roadmap
from trendpath.users.explain import BLOCK_KO, WhyInputs, why_ko

TOP_K = 3
FLAT_BAND = 1.0
"""A forecast change within ±1 Velocity point counts as flat."""
MOMENTUM_SCALE = 10.0
"""A forecast change of 10 Velocity points (or more) is full momentum."""
BLOCKS = {
    "text": "conversation",
    "interests": "interests",
    "skills": "skills",
    "values": "values",
    "goals": "goals",
}
INTENT_ORDER = {"goal": 0, "current": 1, "mention": 2}
KIND_ORDER = {"trend": 0, "interest": 1, "skill": 2}
MAX_QUOTES = 2
PRELIMINARY_LABEL = "예비 추천 · 코치와 대화하기 전, 관심사와 역량만으로 계산했어요"
PERSONA_LABEL = "맞춤 추천 · 관심사, 역량, 가치관과 대화 내용을 모두 반영했어요"


@dataclass(frozen=True)
class Persona:
    """The AI service's persona of a user (or a profile-only vector for a preliminary match)."""

    vector: tuple[float, ...]
    version: str
    values: Mapping[str, float] = field(default_factory=dict)
    growth_orientation: float | None = None
    stability_preference: float | None = None
    from_conversation: bool = False
    updated_at: str | None = None
    links: tuple[Mapping[str, Any], ...] = ()
    confirmed_values: tuple[Mapping[str, Any], ...] = ()


@dataclass(frozen=True)
class Candidate:
    """One nearest trend as the trend service returned it."""

    slug: str
    name_ko: str
    name_en: str
    similarity: float
    blocks: Mapping[str, float]
    velocity: Mapping[str, Any] | None
    forecast: Mapping[str, Any] | None


@dataclass(frozen=True)
class TrendInfo:
    """What the match needs from a trend's detail: tags, core skills, value profile."""

    slug: str
    name_ko: str
    interest_tags: tuple[str, ...]
    core_skills: tuple[tuple[str, int], ...]
    value_profile: Mapping[str, float]


def momentum(forecast: Mapping[str, Any] | None) -> float:
    """Forecast momentum in −1..1 (0 without a forecast)."""
    if not forecast:
        return 0.0
    return max(-1.0, min(1.0, float(forecast["point"]) / MOMENTUM_SCALE))


def rank_score(candidate: Candidate, weight: float) -> float:
    """The ranking score: similarity, blended with momentum when ``weight`` > 0."""
    if weight <= 0:
        return candidate.similarity
    return (1 - weight) * candidate.similarity + weight * (momentum(candidate.forecast) + 1) / 2


def rerank(candidates: Sequence[Candidate], weight: float, k: int = TOP_K) -> list[Candidate]:
    """The top ``k`` by :func:`rank_score` (ties: higher similarity, then slug)."""
    return sorted(candidates, key=lambda c: (-rank_score(c, weight), -c.similarity, c.slug))[:k]


def explanation(blocks: Mapping[str, float]) -> dict[str, Any]:
    """Block contributions renamed for users, with each one's share of the positive total."""
    contrib = {BLOCKS[k]: round(float(v), 4) for k, v in blocks.items() if k in BLOCKS}
    positive = sum(v for v in contrib.values() if v > 0) or 1.0
    shares = {k: round(100 * max(v, 0.0) / positive, 1) for k, v in contrib.items()}
    top = max(contrib, key=lambda k: contrib[k]) if contrib else "interests"
    return {"blocks": contrib, "shares": shares, "top_block": top, "top_block_ko": BLOCK_KO[top]}


def forecast_view(forecast: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The forecast with its direction and a Korean one-liner."""
    if not forecast:
        return None
    point = float(forecast["point"])
    direction = "up" if point > FLAT_BAND else "down" if point < -FLAT_BAND else "flat"
    lo, hi = float(forecast["lo"]), float(forecast["hi"])
    horizon = int(forecast.get("horizon_weeks", 4))
    return {
        "week": forecast.get("week"),
        "horizon_weeks": horizon,
        "point": round(point, 2),
        "lo": round(lo, 2),
        "hi": round(hi, 2),
        "model_version": forecast.get("model_version"),
        # Which model made it (a baseline fallback must be labelled as such on the page).
        "model": forecast.get("model"),
        "kind": forecast.get("kind"),
        "reason": forecast.get("reason"),
        "direction": direction,
        "label_ko": forecast_ko(point, lo, hi, horizon),
        "synthetic_share": forecast.get("synthetic_share"),
    }


def stability_view(velocity: Mapping[str, Any] | None, preference: float | None) -> dict[str, Any]:
    """The trend's stability index set against the user's stability preference."""
    index = velocity.get("stability") if velocity else None
    out: dict[str, Any] = {"index": index, "preference": preference, "fit": None}
    if index is None:
        out["label_ko"] = "정책 변화 데이터가 부족해 안정성 지수는 아직 계산하지 못했어요."
        return out
    if preference is None:
        out["label_ko"] = (
            f"이 분야의 안정성 지수는 {josa(f'{score_100(index)}점', '이에요')}. "
            "나의 안정 선호도는 코치와 대화한 뒤에 비교해 드릴게요."
        )
        return out
    fit = round(1 - abs(float(preference) - float(index)), 3)
    out["fit"] = fit
    if fit >= 0.75:
        label = "안정성 면에서도 원하시는 정도와 잘 맞아요."
    elif fit >= 0.5:
        label = "안정성 면에서는 무난한 편이에요."
    elif index < preference:
        label = "다만 안정을 중시하는 성향에 비해 정책·시장 변화가 잦은 분야예요."
    else:
        label = "다만 꽤 안정적인 분야라 변화를 즐기는 성향에는 다소 단조로울 수 있어요."
    numbers = f"안정성 지수 {score_100(index)}점, 나의 안정 선호도 {score_100(preference)}점"
    out["label_ko"] = f"{label.removesuffix('.')}({numbers})."
    return out


def quotes_for(links: Sequence[Mapping[str, Any]], info: TrendInfo) -> list[dict[str, Any]]:
    """The person's words behind this trend: links to it, its interest tags or core skills.

    Words naming the trend itself first, then goals, what the person does, mere mentions;
    aversions never count.
    """
    skills = {s for s, _ in info.core_skills}
    relevant = [
        link
        for link in links
        if link.get("intent") in INTENT_ORDER
        and (
            (link.get("kind") == "trend" and link.get("slug") == info.slug)
            or (link.get("kind") == "interest" and link.get("slug") in info.interest_tags)
            or (link.get("kind") == "skill" and link.get("slug") in skills)
        )
    ]
    # Words that name this very trend first (most specific), then by intent, then by kind.
    relevant.sort(
        key=lambda k: (k["kind"] != "trend", INTENT_ORDER[k["intent"]], KIND_ORDER[k["kind"]])
    )
    out: list[dict[str, Any]] = []
    for link in relevant:
        if all(q["quote"] != link["quote"] for q in out):
            out.append({k: link[k] for k in ("quote", "intent", "kind", "slug", "source")})
        if len(out) == MAX_QUOTES:
            break
    return out


def confirmed_for(persona: Persona | None, info: TrendInfo) -> list[dict[str, Any]]:
    """The values the person confirmed that this trend rewards (its profile >= 0.6)."""
    if persona is None:
        return []
    return [
        {"axis": v["axis"], "label_ko": v["label_ko"], "quote": v.get("quote")}
        for v in persona.confirmed_values
        if info.value_profile.get(str(v["axis"]), 0.0) >= 0.6
    ]


def _why(
    taxonomy: Taxonomy,
    cand: Candidate,
    info: TrendInfo,
    persona: Persona | None,
    profile: Mapping[Any, Any],
    views: Mapping[str, Any],
) -> str:
    levels: Mapping[str, int] = profile["skills"]
    strong = sorted(
        ((taxonomy.skills[s].ko, levels[s]) for s, _ in info.core_skills if levels.get(s, 1) >= 3),
        key=lambda x: -x[1],
    )
    gaps = sorted(
        (
            (taxonomy.skills[s].ko, levels.get(s, 1), t)
            for s, t in info.core_skills
            if levels.get(s, 1) < t
        ),
        key=lambda x: x[1] - x[2],
    )
    tags = [taxonomy.interests[t].ko for t in profile["interests"] if t in info.interest_tags]
    return why_ko(
        WhyInputs(
            trend_name=cand.name_ko,
            shares=views["explanation"]["shares"],
            interest_labels=tags,
            strong_skills=strong,
            gap_skills=gaps,
            value_labels=[v["label_ko"] for v in views["confirmed_values"]],
            quotes=[(q["quote"], q["intent"], q["kind"]) for q in views["quotes"]],
            velocity=cand.velocity,
            forecast=views["forecast"],
            stability_label=views["stability"]["label_ko"],
            preliminary=persona is None,
        )
    )


def build_item(
    rank: int,
    cand: Candidate,
    weight: float,
    info: TrendInfo,
    persona: Persona | None,
    profile: Mapping[Any, Any],
    taxonomy: Taxonomy,
    links: Sequence[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """One match item in the API shape (``MatchItem``)."""
    preference = persona.stability_preference if persona else None
    views = {
        "explanation": explanation(cand.blocks),
        "forecast": forecast_view(cand.forecast),
        "stability": stability_view(cand.velocity, preference),
        "quotes": quotes_for(links, info),
        "confirmed_values": confirmed_for(persona, info),
    }
    return {
        "rank": rank,
        "slug": cand.slug,
        "name_ko": cand.name_ko,
        "name_en": cand.name_en,
        "similarity": round(cand.similarity, 4),
        "score": round(rank_score(cand, weight), 4),
        **views,
        "velocity": dict(cand.velocity) if cand.velocity else None,
        "why_ko": _why(taxonomy, cand, info, persona, profile, views),
        "roadmap": roadmap.summary(
            taxonomy, info.core_skills, profile["skills"], float(profile["weekly_hours"])
        ),
    }


def compare(items: list[dict[str, Any]], previous: Mapping[str, Any] | None) -> list[dict]:
    """Mark each item against the previous match; return the trends that dropped out."""
    before = {i["slug"]: i for i in (previous or {}).get("items", [])}
    for item in items:
        old = before.get(item["slug"])
        if previous is None:
            item["change"] = {"status": "first", "previous_rank": None, "similarity_delta": None}
        elif old is None:
            item["change"] = {"status": "new", "previous_rank": None, "similarity_delta": None}
        else:
            status = (
                "same"
                if old["rank"] == item["rank"]
                else ("up" if item["rank"] < old["rank"] else "down")
            )
            delta = round(item["similarity"] - old["similarity"], 4)
            item["change"] = {
                "status": status,
                "previous_rank": old["rank"],
                "similarity_delta": delta,
            }
    now = {i["slug"] for i in items}
    return [
        {"slug": s, "name_ko": o["name_ko"], "previous_rank": o["rank"]}
        for s, o in before.items()
        if s not in now
    ]


def fingerprint(
    kind: str, variant: str, weight: float, persona_version: str, items: Sequence[Mapping]
) -> str:
    """A digest of everything the user would see: the items (ranking, numbers, texts, roadmap
    preview) and what they were computed with; the comparison with the previous match is not
    part of it (it is added after)."""
    shown = [{k: v for k, v in i.items() if k != "change"} for i in items]
    doc = json.dumps([kind, variant, weight, persona_version, shown], sort_keys=True, default=str)
    return hashlib.sha256(doc.encode()).hexdigest()
