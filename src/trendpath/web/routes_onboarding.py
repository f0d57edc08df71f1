"""Onboarding wizard: interest chips, 1–5 skill sliders and the basic profile, saved to users.

The form works without JavaScript (one page, three numbered steps, one submit). What the user
chose is sent to the users service's ``PUT /v1/profile``; a 422 there re-renders the form with the
user's choices kept and the problems listed in Korean.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from trendpath.web import session as websession
from trendpath.web.pages import (
    UNAVAILABLE_KO,
    call,
    checked_session,
    first,
    form_of,
    message,
    render,
    to_login,
)

router = APIRouter(include_in_schema=False)

OPEN_SKILL_GROUPS = ("foundation", "software", "data_ai")


def _skill_groups(taxonomy: dict[str, Any]) -> list[dict[str, Any]]:
    """Skills grouped by their group, in taxonomy order."""
    groups: dict[str, dict[str, Any]] = {}
    for skill in taxonomy.get("skills", []):
        group = groups.setdefault(
            skill["group"],
            {"slug": skill["group"], "ko": skill["group_ko"], "skills": []},
        )
        group["skills"].append(skill)
    for group in groups.values():
        group["open"] = group["slug"] in OPEN_SKILL_GROUPS
    return list(groups.values())


def _chosen_from_profile(profile: dict[str, Any] | None) -> dict[str, Any]:
    if not profile:
        return {"interests": [], "skills": {}, "extras": {}}
    return {
        **profile,
        "interests": [t["slug"] for t in profile.get("interests", [])],
        "skills": dict(profile.get("skills", {})),
    }


def _problems(body: Any) -> list[str]:
    """Korean lines for a 422 from the users service."""
    error = body.get("error", {}) if isinstance(body, dict) else {}
    details = error.get("details") or []
    lines = []
    for d in details if isinstance(details, list) else []:
        field = d.get("field") or ".".join(str(p) for p in d.get("loc", [])[1:])
        lines.append(f"{field}: {d.get('message') or d.get('msg') or '값을 확인해 주세요'}")
    return lines or ["입력값을 확인해 주세요."]


async def _page(
    request: Request,
    session: websession.WebSession,
    chosen: dict[str, Any],
    errors: list[str],
    status: int = 200,
) -> Response:
    taxonomy = await call(request, session, "users", "GET", "/v1/taxonomy")
    context = {
        "taxonomy": taxonomy.body if taxonomy.ok else None,
        "unavailable": None if taxonomy.ok else UNAVAILABLE_KO,
        "skill_groups": _skill_groups(taxonomy.body) if taxonomy.ok else [],
        "chosen": chosen,
        "errors": errors,
        "csrf": session.csrf,
    }
    return render(request, "onboarding.html", context, status)


@router.get("/onboarding")
async def onboarding(request: Request) -> Response:
    """The wizard, prefilled from the saved profile when there is one."""
    session = await websession.current(request)
    if session is None:
        return to_login(request)
    profile = await call(request, session, "users", "GET", "/v1/profile")
    return await _page(
        request, session, _chosen_from_profile(profile.body if profile.ok else None), []
    )


def _profile_from_form(form: dict[str, Any]) -> dict[str, Any]:
    skills: dict[str, int] = {}
    for key, values in form.items():
        if key.startswith("skill__") and values and values[0].isdigit():
            level = int(values[0])
            if 1 <= level <= 5:
                skills[key.removeprefix("skill__")] = level
    hours = first(form, "weekly_hours", "5")
    extras: dict[str, Any] = {}
    role = first(form, "target_role")
    if role:
        extras["target_role"] = role
    return {
        "status": first(form, "status"),
        "field": first(form, "field"),
        "education": first(form, "education"),
        "weekly_hours": float(hours) if hours.replace(".", "", 1).isdigit() else 0,
        "region": first(form, "region"),
        "interests": list(dict.fromkeys(form.get("interests", []))),
        "skills": skills,
        "extras": extras,
    }


@router.post("/onboarding")
async def save_onboarding(request: Request) -> Response:
    """Save the profile through the users service, then go on to the coach."""
    form = await form_of(request)
    session = await checked_session(request, form)
    if session is None:
        return message(
            request,
            "요청 만료",
            "요청이 만료되었습니다. 페이지를 새로 고친 뒤 다시 시도해 주세요.",
            403,
        )
    profile = _profile_from_form(form)
    if not profile["interests"]:
        return await _page(request, session, profile, ["관심 분야를 하나 이상 골라 주세요."], 400)
    saved = await call(request, session, "users", "PUT", "/v1/profile", json=profile)
    if saved.down:
        return await _page(request, session, profile, [UNAVAILABLE_KO], 503)
    if not saved.ok:
        return await _page(request, session, profile, _problems(saved.body), 400)
    response = RedirectResponse("/coach", status_code=303)
    websession.persist(request, response)
    return response
