"""Onboarding in three steps: 1) situation, education and field (nothing preselected), 2) interest
chips, 3) the 8–12 skills the chosen interests need (the rest under "더 보기"), saved to users.

Without JavaScript the three steps are one form with one submit; ``static/app.js`` shows one
step at a time with a progress line, checks each step before moving on, and re-ranks the skills
when the interests change. Going back loses nothing: it is one form. The server checks every
field again and re-renders with each message next to its field and everything typed kept.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from trendpath.web import session as websession
from trendpath.web.messages import ko
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
RELEVANT = 10
MAX_INTERESTS = 15
STEP_OF = {
    "status": 1,
    "education": 1,
    "field": 1,
    "weekly_hours": 1,
    "region": 1,
    "target_role": 1,
    "interests": 2,
    "skills": 3,
}


def skill_weights(trends: list[dict[str, Any]]) -> dict[str, Counter[str]]:
    """skill → how many trends of each interest tag need it (a trend's core skills)."""
    weights: dict[str, Counter[str]] = {}
    for t in trends:
        for s in t.get("core_skills", []):
            weights.setdefault(s["skill"], Counter()).update(t.get("interest_tags", []))
    return weights


def tag_totals(trends: list[dict[str, Any]]) -> Counter[str]:
    """How many trends carry each interest tag."""
    return Counter(tag for t in trends for tag in t.get("interest_tags", []))


def relevant_skills(
    weights: dict[str, Counter[str]],
    totals: Counter[str],
    interests: list[str],
    rated: dict[str, int],
    order: list[str],
) -> list[str]:
    """Skills rated already, then the ones the chosen interests need most (10 in all).

    A skill's pull is, summed over the chosen interests, the share of that interest's trends that
    need it: a narrow interest (마케팅, 4 trends) counts as much as a wide one (데이터, 8).
    """
    score = {s: sum(w[i] / totals[i] for i in interests if totals[i]) for s, w in weights.items()}
    needed = sorted((s for s in order if score.get(s, 0) > 0), key=lambda s: -score[s])
    chosen = [s for s in order if rated.get(s, 0) > 0]
    for s in needed:
        if len(chosen) >= RELEVANT:
            break
        if s not in chosen:
            chosen.append(s)
    return chosen


def _skill_groups(taxonomy: dict[str, Any], relevant: list[str]) -> list[dict[str, Any]]:
    """Skills not shown as relevant, grouped by their group, in taxonomy order."""
    groups: dict[str, dict[str, Any]] = {}
    for skill in taxonomy.get("skills", []):
        group = groups.setdefault(
            skill["group"], {"slug": skill["group"], "ko": skill["group_ko"], "skills": []}
        )
        if skill["slug"] not in relevant:
            group["skills"].append(skill)
    return [g for g in groups.values() if g["skills"]]


def _chosen_from_profile(profile: dict[str, Any] | None) -> dict[str, Any]:
    if not profile:
        return {"interests": [], "skills": {}, "extras": {}}
    return {
        **profile,
        "interests": [t["slug"] for t in profile.get("interests", [])],
        "skills": dict(profile.get("skills", {})),
    }


async def _page(
    request: Request,
    session: websession.WebSession,
    chosen: dict[str, Any],
    errors: dict[str, tuple[str, dict[str, Any]]],
    status: int = 200,
) -> Response:
    taxonomy = await call(request, session, "users", "GET", "/v1/taxonomy")
    trends = await call(request, session, "trends", "GET", "/v1/trends", params={"limit": 100})
    if not taxonomy.ok:
        return render(request, "onboarding.html", {"unavailable": UNAVAILABLE_KO}, 503)
    tax = taxonomy.body
    items = trends.body.get("items", []) if trends.ok else []
    weights, totals = skill_weights(items), tag_totals(items)
    order = [s["slug"] for s in tax.get("skills", [])]
    relevant = relevant_skills(weights, totals, chosen["interests"], chosen["skills"], order)
    by_slug = {s["slug"]: s for s in tax.get("skills", [])}
    context = {
        "taxonomy": tax,
        "relevant": [by_slug[s] for s in relevant if s in by_slug],
        "skill_groups": _skill_groups(tax, relevant),
        "weights": {
            s: " ".join(f"{i}:{n / totals[i]:.3f}" for i, n in w.items())
            for s, w in weights.items()
        },
        "relevant_count": RELEVANT,
        "chosen": chosen,
        "errors": errors,
        "start_step": min((STEP_OF.get(f, 1) for f in errors), default=1),
        "csrf": session.csrf,
        "max_interests": MAX_INTERESTS,
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
        request, session, _chosen_from_profile(profile.body if profile.ok else None), {}
    )


def _profile_from_form(form: dict[str, Any]) -> dict[str, Any]:
    skills: dict[str, int] = {}
    for key, values in form.items():
        if key.startswith("skill__") and values and values[0].isdigit():
            level = int(values[0])
            if 1 <= level <= 5:
                skills[key.removeprefix("skill__")] = level
    extras: dict[str, Any] = {}
    role = first(form, "target_role")
    if role:
        extras["target_role"] = role
    return {
        "status": first(form, "status"),
        "field": first(form, "field"),
        "education": first(form, "education"),
        "weekly_hours": first(form, "weekly_hours"),
        "region": first(form, "region"),
        "interests": list(dict.fromkeys(form.get("interests", []))),
        "skills": skills,
        "extras": extras,
    }


def problems(profile: dict[str, Any], taxonomy: dict[str, Any]) -> dict[str, Any]:
    """Each bad field with the message id (and values) to show next to it."""
    errors: dict[str, tuple[str, dict[str, Any]]] = {}
    for name, offered, key in (
        ("status", "statuses", "msg.choose_status"),
        ("education", "education", "msg.choose_education"),
        ("region", "regions", "msg.choose_region"),
    ):
        if profile[name] not in (taxonomy.get(offered) or {}):
            errors[name] = (key, {})
    if not 1 <= len(profile["field"]) <= 60:
        errors["field"] = ("msg.field_needed", {})
    bounds = taxonomy.get("weekly_hours") or {"min": 1, "max": 60}
    lo, hi = int(bounds["min"]), int(bounds["max"])
    try:
        hours = float(profile["weekly_hours"])
    except ValueError:
        hours = -1.0
    if not lo <= hours <= hi:
        errors["weekly_hours"] = ("msg.hours_range", {"lo": lo, "hi": hi})
    if not profile["interests"]:
        errors["interests"] = ("msg.interests_needed", {})
    elif len(profile["interests"]) > MAX_INTERESTS:
        errors["interests"] = ("msg.too_many_interests", {})
    return errors


def _service_problems(body: Any) -> dict[str, Any]:
    """Field messages for a 422 from the users service (its own words, Korean or not)."""
    error = body.get("error", {}) if isinstance(body, dict) else {}
    details = error.get("details") or []
    out: dict[str, tuple[str, dict[str, Any]]] = {}
    for d in details if isinstance(details, list) else []:
        field = str(d.get("field") or "form").split(".")[0]
        out.setdefault(field if field in STEP_OF else "form", ("msg.check_input", {}))
    return out or {"form": ("msg.check_input", {})}


@router.post("/onboarding")
async def save_onboarding(request: Request) -> Response:
    """Check every field, save the profile through the users service, go on to the coach."""
    form = await form_of(request)
    session = await checked_session(request, form)
    if session is None:
        return message(request, ko("msg.expired_title"), ko("msg.expired"), 403)
    profile = _profile_from_form(form)
    taxonomy = await call(request, session, "users", "GET", "/v1/taxonomy")
    if not taxonomy.ok:
        return await _page(request, session, profile, {"form": ("msg.unavailable", {})}, 503)
    errors = problems(profile, taxonomy.body)
    if errors:
        return await _page(request, session, profile, errors, 400)
    body = {**profile, "weekly_hours": float(profile["weekly_hours"])}
    saved = await call(request, session, "users", "PUT", "/v1/profile", json=body)
    if saved.down:
        return await _page(request, session, profile, {"form": ("msg.unavailable", {})}, 503)
    if not saved.ok:
        return await _page(request, session, profile, _service_problems(saved.body), 400)
    response = RedirectResponse("/coach", status_code=303)
    websession.persist(request, response)
    return response
