"""Roadmap notices: the match behind a roadmap moved. A notice informs; it never rewrites steps.

Three notices, each computed from the roadmap's basis (what the match said when the roadmap
started) and the user's latest match:

* ``forecast_down`` — the trend's 4-week forecast now points down (its point forecast is below
  :data:`trendpath.users.matching.FLAT_BAND`), saying whether it had been up or flat at the start.
* ``better_match`` — the latest match ranks another trend first with a similarity at least
  ``margin`` above the similarity the roadmap's trend had at the start.
* ``dropped`` — the roadmap's trend is no longer among the latest top 3.
* ``slowing`` / ``accelerating`` — the trend's Velocity Score has moved the same way for at least
  :data:`NOTICE_WEEKS` weeks in a row; the notice names the indicator that moved it most
  (the trend service's ``velocity.movement``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from trendpath.kit.josa import josa
from trendpath.kit.wording import signed
from trendpath.users.inbox import KINDS, momentum_message

NOTICE_WEEKS = 3
"""Streaks shorter than this are normal noise, not news."""


def momentum_noteworthy(move: Mapping[str, Any] | None) -> bool:
    """A streak long enough to tell the user about."""
    return bool(
        move and move.get("direction") in KINDS and int(move.get("weeks") or 0) >= NOTICE_WEEKS
    )


def _momentum(name: str, item: Mapping[str, Any]) -> dict | None:
    move = (item.get("velocity") or {}).get("movement")
    if move is None or not momentum_noteworthy(move):
        return None
    return {
        "kind": KINDS[move["direction"]],
        "message_ko": momentum_message(name, move) + ". 로드맵은 그대로 두었어요.",
        "data": dict(move),
    }


def _forecast_down(name: str, basis: Mapping[str, Any], item: Mapping[str, Any]) -> dict | None:
    forecast = item.get("forecast")
    if not forecast or forecast.get("direction") != "down":
        return None
    was = (basis.get("forecast") or {}).get("direction")
    turned = was in ("up", "flat")
    change = f"{signed(forecast['point'])}점"
    message = (
        f"{josa(name, '은')} 4주 전망이 하락({change})으로 바뀌었어요. "
        if turned
        else f"{josa(name, '은')} 4주 전망이 여전히 하락({change}) 중이에요. "
    ) + "로드맵은 그대로 두었으니, 다른 추천과 비교해 보고 계속할지 정해 보세요."
    return {
        "kind": "forecast_down",
        "message_ko": message,
        "data": {"point": forecast["point"], "was": was, "week": forecast.get("week")},
    }


def _better(
    name: str, basis: Mapping[str, Any], latest: Mapping[str, Any], margin: float
) -> dict | None:
    items = latest.get("items") or []
    if not items or items[0]["slug"] == basis.get("trend_slug"):
        return None
    top = items[0]
    base = float(basis.get("similarity") or 0.0)
    if top["similarity"] < base + margin:
        return None
    message = (
        f"지금은 {josa(top['name_ko'], '이')} 더 잘 맞는 것으로 나와요 "
        f"(나와의 유사도 {round(100 * top['similarity'])}%, "
        f"로드맵을 시작할 때 {name} {round(100 * base)}%). "
        "지금 로드맵은 그대로 유지되니, 새 추천을 살펴보고 직접 선택해 주세요."
    )
    return {
        "kind": "better_match",
        "message_ko": message,
        "data": {"slug": top["slug"], "similarity": top["similarity"], "basis": base},
    }


def roadmap_notices(
    basis: Mapping[str, Any], latest: Mapping[str, Any] | None, margin: float
) -> list[dict[str, Any]]:
    """The notices a roadmap shows now (empty when nothing moved)."""
    if not latest:
        return []
    name = str(basis.get("trend_name_ko") or basis.get("trend_slug"))
    slug = basis.get("trend_slug")
    item = next((i for i in latest.get("items") or [] if i["slug"] == slug), None)
    out: list[dict[str, Any]] = []
    if item is None:
        out.append(
            {
                "kind": "dropped",
                "message_ko": f"{josa(name, '은')} 최신 추천 상위 3개에서 빠졌어요. "
                "로드맵은 그대로 남아 있으니 계속할지 직접 정해 주세요.",
                "data": {"match_id": latest.get("match_id")},
            }
        )
    else:
        down = _forecast_down(name, basis, item)
        if down:
            out.append(down)
        moving = _momentum(name, item)
        if moving:
            out.append(moving)
    better = _better(name, basis, latest, margin)
    if better:
        out.append(better)
    return out
