"""The value profile (``/values``): the nine work values the coach found, with the person's own
words as evidence, the summary they confirmed, and how the values shape their trends.

Data comes from the AI service as it is today: ``GET /v1/values/me`` (scores 0..1, the
sentences behind each axis, the growth and stability summaries) and the latest finished coach
session's transcript (``GET /v1/sessions``, ``GET /v1/sessions/{id}``), whose last ``summary``
message is the summary the person confirmed or corrected.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from trendpath.kit.wording import score_100
from trendpath.web import session as websession
from trendpath.web.pages import UNAVAILABLE_KO, call, render, to_login

router = APIRouter(include_in_schema=False)
WORK24_URL = "https://www.work24.go.kr/"
"""고용24 (Korea's public employment portal); its 직업심리검사 menu has the 직업가치관검사."""
MAX_QUOTES = 3


def rows(values: dict[str, Any]) -> list[dict[str, Any]]:
    """The nine axes: those the talk spoke to strongest first (0–100 points, up to three quotes
    each), then those it never touched, shown as not yet known rather than as a neutral 50."""
    axes = values.get("axes", {})
    ranked = list(values.get("ranked") or [])
    unknown = set(values.get("unknown") or [])
    order = ranked + [a for a in axes if a not in ranked]
    out = []
    for slug in order:
        axis = axes.get(slug)
        if axis is None:
            continue
        # Very short replies ("네, 맞아요") confirm a summary; they are no evidence on their own.
        quotes = [q.strip() for q in axis.get("evidence", []) if len("".join(str(q).split())) >= 8]
        out.append(
            {
                "slug": slug,
                "label": axis.get("label_ko", slug),
                "known": slug not in unknown,
                "score": score_100(axis.get("score")) or 0,
                "confidence": score_100(axis.get("confidence")),
                "quotes": list(dict.fromkeys(quotes))[:MAX_QUOTES],
            }
        )
    return out


async def confirmed_summary(request: Request, session: websession.WebSession) -> str | None:
    """The coach's last summary in the newest finished talk, if there is one."""
    listed = await call(request, session, "ai", "GET", "/v1/sessions")
    if not listed.ok or not isinstance(listed.body, list):
        return None
    finished = next((s for s in listed.body if s.get("status") == "finished"), None)
    if finished is None:
        return None
    talk = await call(request, session, "ai", "GET", f"/v1/sessions/{finished['id']}")
    if not talk.ok:
        return None
    summaries = [
        m["content"]
        for m in talk.body.get("messages", [])
        if m.get("role") == "assistant" and (m.get("meta") or {}).get("stage") == "summary"
    ]
    return summaries[-1] if summaries else None


@router.get("/values")
async def values(request: Request) -> Response:
    """The value profile, or what to do to get one."""
    session = await websession.current(request)
    if session is None:
        return to_login(request)
    found = await call(request, session, "ai", "GET", "/v1/values/me")
    context: dict[str, Any] = {"work24_url": WORK24_URL}
    if found.status == 404:
        return render(request, "values.html", {**context, "no_values": True})
    if not found.ok:
        return render(request, "values.html", {**context, "error": UNAVAILABLE_KO}, 503)
    body = found.body
    context.update(
        rows=rows(body),
        confirmed=bool(body.get("confirmed")),
        summary=await confirmed_summary(request, session),
        stability=score_100(body.get("stability_preference")),
        growth=score_100(body.get("growth_orientation")),
    )
    return render(request, "values.html", context)
