"""Calls to the AI and Trend services over their HTTP contracts (through ``runtime.clients``).

* ``PUT  /api/ai/v1/personas/{user_id}/profile`` — the user's persona, built with the stored
  profile sent along (the source of truth); 404 before the first finished coach talk.
* ``POST /api/ai/v1/embed/profile`` — a vector from the profile alone (preliminary).
* ``POST /api/trends/v1/nearest`` — the k nearest trends with per-block similarity, velocity
  and forecast.
* ``GET  /api/trends/v1/trends/{slug}`` — core skills, interest tags and value profile (cached
  for :data:`TREND_TTL_S`).

Every call carries a client-credentials token of the users service. Anything but the documented
answer becomes a 502 (the other service misbehaved) or a 503 (it could not be reached).
"""

from __future__ import annotations

import math
import time
import uuid
from collections.abc import Mapping
from typing import Any

import httpx

from trendpath.kit.auth import service_tokens
from trendpath.kit.errors import ApiError
from trendpath.kit.runtime import Runtime
from trendpath.users.matching import Candidate, Persona, TrendInfo

AI_SCOPES = ("ai:embed",)
TRENDS_SCOPES = ("trends:read",)
VECTOR_DIM = 1536
TREND_TTL_S = 600.0
_CACHE_KEY = "users.trend_info"


def _bad(service: str, what: str) -> ApiError:
    return ApiError(502, "bad_gateway", f"{service} service sent an invalid {what}")


def _json(resp: httpx.Response, service: str, what: str) -> Any:
    if resp.status_code != 200:
        raise ApiError(
            503 if resp.status_code >= 500 else 502,
            "unavailable" if resp.status_code >= 500 else "bad_gateway",
            f"{service} service answered {resp.status_code} to the {what} request",
        )
    try:
        return resp.json()
    except ValueError as exc:
        raise _bad(service, what) from exc


def _vector(raw: Any, service: str) -> tuple[float, ...]:
    if not isinstance(raw, list) or len(raw) != VECTOR_DIM:
        raise _bad(service, "vector")
    try:
        vec = tuple(float(x) for x in raw)
    except (TypeError, ValueError) as exc:
        raise _bad(service, "vector") from exc
    if not all(math.isfinite(x) for x in vec):
        raise _bad(service, "vector")
    return vec


async def _headers(runtime: Runtime, scopes: tuple[str, ...]) -> dict[str, str]:
    return await service_tokens(runtime, "users").headers(scopes)


def _persona(body: Mapping[str, Any]) -> Persona:
    values = body.get("values") or {}
    if not isinstance(values, dict):
        raise _bad("ai", "persona")
    scores = {str(axis): float(v["score"]) for axis, v in values.items() if isinstance(v, dict)}
    return Persona(
        vector=_vector(body.get("vector"), "ai"),
        version=str(body.get("version", "")),
        values=scores,
        growth_orientation=_opt_float(body.get("growth_orientation")),
        stability_preference=_opt_float(body.get("stability_preference")),
        from_conversation=bool(body.get("from_conversation", False)),
        updated_at=str(body["updated_at"]) if body.get("updated_at") else None,
        links=_dicts(body.get("links")),
        confirmed_values=_dicts(body.get("confirmed_values")),
    )


def _dicts(raw: Any) -> tuple[dict[str, Any], ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(x, dict) for x in raw):
        raise ValueError("expected a list of objects")
    return tuple(raw)


def profile_snapshot(profile: Mapping[str, Any]) -> dict[str, Any]:
    """What the AI service builds a persona with: the stored profile, field by field."""
    extras = profile.get("extras") or {}
    return {
        "revision": int(profile["revision"]),
        "interests": list(profile["interests"]),
        "skills": {k: int(v) for k, v in dict(profile["skills"]).items()},
        "status": profile.get("status"),
        "field": profile.get("field"),
        "target_role": extras.get("target_role"),
    }


def _opt_float(value: Any) -> float | None:
    return None if value is None else float(value)


async def fetch_persona(
    runtime: Runtime, user_id: uuid.UUID, profile: Mapping[str, Any]
) -> Persona | None:
    """The user's persona built with ``profile``, or None before their first coach talk."""
    headers = await _headers(runtime, AI_SCOPES)
    resp = await runtime.clients.request(
        "ai",
        "PUT",
        f"/v1/personas/{user_id}/profile",
        json=profile_snapshot(profile),
        headers=headers,
    )
    if resp.status_code == 404:
        return None
    body = _json(resp, "ai", "persona")
    try:
        return _persona(body)
    except (KeyError, TypeError, ValueError) as exc:
        raise _bad("ai", "persona") from exc


async def embed_profile(runtime: Runtime, profile: Mapping[str, Any]) -> Persona:
    """A profile-only vector (no values, no conversation) for a preliminary match."""
    headers = await _headers(runtime, AI_SCOPES)
    snap = profile_snapshot(profile)
    payload = {
        "interests": snap["interests"],
        "skills": snap["skills"],
        "field": snap["field"],
        "target_role": snap["target_role"],
    }
    resp = await runtime.clients.request(
        "ai", "POST", "/v1/embed/profile", json=payload, headers=headers
    )
    body = _json(resp, "ai", "profile embedding")
    try:
        links = _dicts(body.get("links"))
    except ValueError as exc:
        raise _bad("ai", "profile embedding") from exc
    return Persona(
        vector=_vector(body.get("vector"), "ai"), version=str(body.get("version", "")), links=links
    )


def _candidate(item: Mapping[str, Any]) -> Candidate:
    blocks = item["blocks"]
    return Candidate(
        slug=str(item["slug"]),
        name_ko=str(item["name_ko"]),
        name_en=str(item.get("name_en", "")),
        similarity=float(item["similarity"]),
        blocks={str(k): float(v) for k, v in blocks.items()},
        velocity=item.get("velocity"),
        forecast=item.get("forecast"),
    )


async def nearest(runtime: Runtime, vector: tuple[float, ...], k: int) -> list[Candidate]:
    """The ``k`` trends nearest to ``vector``, best first."""
    headers = await _headers(runtime, TRENDS_SCOPES)
    resp = await runtime.clients.request(
        "trends", "POST", "/v1/nearest", json={"vector": list(vector), "k": k}, headers=headers
    )
    body = _json(resp, "trends", "nearest")
    try:
        return [_candidate(item) for item in body["items"]]
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise _bad("trends", "nearest answer") from exc


def _trend_info(body: Mapping[str, Any]) -> TrendInfo:
    return TrendInfo(
        slug=str(body["slug"]),
        name_ko=str(body["name_ko"]),
        interest_tags=tuple(str(t) for t in body.get("interest_tags", [])),
        core_skills=tuple((str(s["skill"]), int(s["level"])) for s in body["core_skills"]),
        value_profile={str(k): float(v) for k, v in (body.get("value_profile") or {}).items()},
    )


async def trend_info(runtime: Runtime, slug: str) -> TrendInfo:
    """A trend's tags, core skills and value profile (cached per process)."""
    cache: dict[str, tuple[float, TrendInfo]] = runtime.extras.setdefault(_CACHE_KEY, {})  # type: ignore[assignment]
    hit = cache.get(slug)
    now = time.monotonic()
    if hit is not None and hit[0] > now:
        return hit[1]
    headers = await _headers(runtime, TRENDS_SCOPES)
    resp = await runtime.clients.request("trends", "GET", f"/v1/trends/{slug}", headers=headers)
    body = _json(resp, "trends", "trend detail")
    try:
        info = _trend_info(body)
    except (KeyError, TypeError, ValueError) as exc:
        raise _bad("trends", "trend detail") from exc
    cache[slug] = (now + TREND_TTL_S, info)
    return info
