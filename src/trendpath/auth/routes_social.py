"""Social sign-in round trip: ``/login/{provider}`` → provider → ``/login/{provider}/callback``.

The state, PKCE verifier, where to go next and whether to link to the signed-in account travel in
a sealed (AES-GCM), HttpOnly cookie that lives ten minutes; the callback checks ``state`` against
it in constant time before it spends the code.
"""

from __future__ import annotations

import hmac

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from trendpath.auth import browser, social
from trendpath.auth.routes_pages import message, safe_next
from trendpath.kit.auth import issuer_url
from trendpath.kit.db import SessionDep
from trendpath.kit.deps import settings_of

router = APIRouter(include_in_schema=False)
STATE_TTL_S = 600
PURPOSE = "social-login"


def _provider(request: Request, name: str) -> social.Provider | None:
    return social.providers(settings_of(request)).get(name)


def callback_uri(request: Request, provider: str) -> str:
    """The redirect URI registered with the provider."""
    return f"{issuer_url(settings_of(request))}/login/{provider}/callback"


@router.get("/login/{provider}")
async def social_start(request: Request, provider: str) -> Response:
    """Send the browser to the provider (``link=1`` links to the signed-in account instead)."""
    found = _provider(request, provider)
    if found is None:
        return message(request, "찾을 수 없음", "지원하지 않는 로그인 방식입니다.", 404)
    try:
        url, state = await social.start(found, callback_uri(request, provider))
    except social.SocialError as exc:
        return message(request, "로그인 실패", str(exc), 502)
    state["next"] = safe_next(request, request.query_params.get("next"))
    state["link"] = "1" if request.query_params.get("link") == "1" else ""
    response = RedirectResponse(url, status_code=302)
    sealed = browser.seal(settings_of(request), PURPOSE, state, STATE_TTL_S)
    browser.set_cookie(
        response, request, settings_of(request), browser.SOCIAL_COOKIE, sealed, STATE_TTL_S
    )
    return response


@router.get("/login/{provider}/callback")
async def social_callback(request: Request, provider: str, session: SessionDep) -> Response:
    """Finish the round trip: check state, spend the code, sign in or link, continue."""
    settings = settings_of(request)
    found = _provider(request, provider)
    saved = browser.unseal(settings, PURPOSE, request.cookies.get(browser.SOCIAL_COOKIE))
    state = request.query_params.get("state", "")
    if (
        found is None
        or saved is None
        or saved.get("provider") != provider
        or not hmac.compare_digest(str(saved.get("state", "")), state)
    ):
        return message(request, "로그인 실패", "로그인 요청이 만료됐어요. 다시 시도해 주세요.")
    if request.query_params.get("error") or not request.query_params.get("code"):
        return message(request, "로그인 취소", "소셜 로그인이 취소됐어요.")
    try:
        profile = await social.finish(
            found, callback_uri(request, provider), request.query_params["code"], saved["verifier"]
        )
    except social.SocialError as exc:
        return message(request, "로그인 실패", str(exc), 502)
    response = RedirectResponse(str(saved.get("next", "/")), status_code=303)
    browser.clear_cookie(response, request, browser.SOCIAL_COOKIE)

    def sign_in() -> str | None:
        signed = browser.current(session, request) if saved.get("link") else None
        try:
            account = social.sign_in(session, provider, profile, signed[0] if signed else None)
        except social.SocialError as exc:
            session.rollback()
            return str(exc)
        browser.start(session, settings, request, response, account.id)
        session.commit()
        return None

    problem = await run_in_threadpool(sign_in)
    if problem:
        return message(request, "로그인 실패", problem, 409)
    return response
