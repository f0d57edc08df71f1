"""The authorization endpoint and its Korean pages: sign-in, sign-up, consent, sign-out.

Every form carries a CSRF token (``browser.csrf_ok``); pages may not be framed; ``next`` may only
point back into this service's authorization endpoint, so the login form is no open redirect.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from trendpath.auth import accounts, authorize, browser, clients, oauth, ratelimit, social, store
from trendpath.auth import scopes as sc
from trendpath.auth.authorize import AuthorizationRequest, AuthorizeError
from trendpath.auth.oauth import OAuthError
from trendpath.auth.passwords import PasswordLane
from trendpath.auth.routes_oauth import FormItems, client_ip
from trendpath.kit.auth import PRIVACY_NOTICE_VERSION, WEB_CLIENT_ID, dashboard_url, logout_hint_ok
from trendpath.kit.db import SessionDep
from trendpath.kit.deps import settings_of
from trendpath.kit.settings import Settings
from trendpath.kit.wording import duration_ko

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
router = APIRouter(include_in_schema=False)

PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
    "frame-ancestors 'none'; base-uri 'none'",
    "Referrer-Policy": "no-referrer",
}
AUTH_PARAMS = (
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "nonce",
    "code_challenge",
    "code_challenge_method",
    "prompt",
)
LOGOUT_PARAMS = ("client_id", "post_logout_redirect_uri", "state")


def root_of(request: Request) -> str:
    """The public path prefix of this service (``/api/auth`` in ``trendpath run``)."""
    return browser.public_root(request, settings_of(request))


def render(request: Request, name: str, context: dict[str, Any], status: int = 200) -> HTMLResponse:
    """Render a page with the CSRF token and the protective headers."""
    settings = settings_of(request)
    token, new_seed = browser.csrf_token(request, settings)
    response = templates.TemplateResponse(
        request,
        name,
        {"root": root_of(request), "csrf": token, **context},
        status_code=status,
        headers=PAGE_HEADERS,
    )
    if new_seed:
        browser.set_cookie(response, request, settings, browser.CSRF_COOKIE, new_seed, 86400)
    return response


def message(
    request: Request, title: str, text: str, status: int = 400, error: bool = True
) -> HTMLResponse:
    """A page with one message (errors and confirmations)."""
    return render(
        request, "message.html", {"title": title, "message": text, "error": error}, status
    )


def safe_next(request: Request, value: str | None) -> str:
    """``value`` if it points at this service's authorization endpoint, else the landing page."""
    root = root_of(request)
    if value and value.startswith(f"{root}/authorize?") and "\\" not in value:
        return value
    return f"{root}/"


def resume_url(request: Request, req: AuthorizationRequest) -> str:
    """The authorization request to come back to after sign-in (without ``prompt=login``)."""
    params = req.params()
    params.pop("prompt", None)
    return f"{root_of(request)}/authorize?{urlencode(params)}"


def _refused(request: Request, err: AuthorizeError) -> Response:
    if err.redirect_uri is None:
        return message(request, "잘못된 요청", err.description)
    return RedirectResponse(authorize.error_redirect(settings_of(request), err), status_code=303)


def _continue(request: Request, session: SessionDep, req: AuthorizationRequest) -> Response:
    settings = settings_of(request)
    signed = browser.current(session, request)
    if signed is None or "login" in req.prompt:
        if "none" in req.prompt:
            return _refused(request, _err(req, "login_required", "sign-in required"))
        target = quote(resume_url(request, req), safe="")
        return RedirectResponse(f"{root_of(request)}/login?next={target}", status_code=303)
    account, auth_time = signed
    if authorize.needs_consent(session, req, account):
        if "none" in req.prompt:
            return _refused(request, _err(req, "consent_required", "consent required"))
        context = {
            "client_name": req.client.name,
            "account_name": account.display_name,
            "scopes": sc.describe(sc.for_role(req.scope, account.role)),
            "params": {k: v for k, v in req.params().items() if k != "prompt"},
        }
        return render(request, "consent.html", context)
    url = authorize.issue_code(session, settings, req, account, auth_time)
    session.commit()
    return RedirectResponse(url, status_code=303)


def _err(req: AuthorizationRequest, error: str, description: str) -> AuthorizeError:
    return AuthorizeError(error, description, req.redirect_uri, req.state)


@router.get("/authorize")
def authorization_endpoint(request: Request, session: SessionDep) -> Response:
    """Authorization endpoint (RFC 6749 §3.1): sign in, consent, then redirect with a code."""
    try:
        params = oauth.single_values(list(request.query_params.multi_items()))
        req = authorize.validate_authorization(session, settings_of(request), params)
    except OAuthError as exc:
        return message(request, "잘못된 요청", exc.description)
    except AuthorizeError as err:
        return _refused(request, err)
    return _continue(request, session, req)


@router.post("/authorize")
def authorize_decision(request: Request, session: SessionDep, items: FormItems) -> Response:
    """The consent form's answer."""
    settings = settings_of(request)
    form = dict(items)
    if not browser.csrf_ok(request, settings, form.get("csrf_token")):
        return message(request, "요청 만료", "페이지를 새로 고친 뒤 다시 시도해 주세요.", 403)
    try:
        params = {k: form[k] for k in AUTH_PARAMS if k in form}
        req = authorize.validate_authorization(session, settings, params)
    except AuthorizeError as err:
        return _refused(request, err)
    signed = browser.current(session, request)
    if signed is None:
        return _continue(request, session, req)
    account, auth_time = signed
    if form.get("decision") != "allow":
        return _refused(request, _err(req, "access_denied", "the user denied the request"))
    store.grant_consent(
        session, account.id, req.client.client_id, sc.for_role(req.scope, account.role)
    )
    url = authorize.issue_code(session, settings, req, account, auth_time)
    session.commit()
    return RedirectResponse(url, status_code=303)


def _login_page(
    request: Request, next_url: str, email: str = "", error: str | None = None, status: int = 200
) -> HTMLResponse:
    providers = list(social.providers(settings_of(request)).values())
    context = {"next": next_url, "email": email, "error": error, "providers": providers}
    return render(request, "login.html", context, status)


@router.get("/login")
def login_page(request: Request) -> Response:
    """The sign-in form."""
    return _login_page(request, safe_next(request, request.query_params.get("next")))


@router.post("/login", dependencies=[PasswordLane])
def login(request: Request, session: SessionDep, items: FormItems) -> Response:
    """Check the credentials; same answer for unknown emails and wrong passwords."""
    settings = settings_of(request)
    form = dict(items)
    next_url = safe_next(request, form.get("next"))
    email = form.get("email", "")[:254]
    if not browser.csrf_ok(request, settings, form.get("csrf_token")):
        return _login_page(
            request, next_url, email, "페이지를 새로 고친 뒤 다시 시도해 주세요.", 403
        )
    outcome = accounts.login(
        session,
        settings,
        email=email,
        password=form.get("password", "")[:1024],
        ip=client_ip(request),
        known_device_of=browser.device_account(request, settings),
    )
    if outcome.account is None:
        session.commit()  # failure counts
        if outcome.retry_after:
            wait = duration_ko(outcome.retry_after)
            text = f"로그인 시도가 너무 많아요. {wait} 뒤에 다시 시도해 주세요."
            page = _login_page(request, next_url, email, text, 429)
            page.headers["Retry-After"] = str(outcome.retry_after)
            return page
        return _login_page(request, next_url, email, accounts.LOGIN_FAILED, 401)
    response = RedirectResponse(next_url, status_code=303)
    browser.start(session, settings, request, response, outcome.account.id)
    session.commit()
    return response


@router.get("/signup")
def signup_page(request: Request) -> Response:
    """The sign-up form."""
    next_url = safe_next(request, request.query_params.get("next"))
    context = {"next": next_url, "email": "", "display_name": "", "error": None}
    return render(request, "signup.html", _signup_context(request, context))


def _signup_context(request: Request, context: dict[str, Any]) -> dict[str, Any]:
    """What every render of the sign-up form needs besides the typed values."""
    settings = settings_of(request)
    return {
        "privacy_url": dashboard_url(settings) + "/privacy",
        "field_errors": {},
        "consented": False,
        **context,
    }


CONSENT_KO = "개인정보 처리방침을 읽고 동의해 주세요. 동의해야 가입할 수 있어요."


def _signup_limited(session: SessionDep, settings: Settings, ip: str) -> int:
    key = ratelimit.bucket("signup:ip", ip)
    wait = ratelimit.retry_after(session, [key])
    if not wait:
        ratelimit.record_failure(session, key, ratelimit.limits(settings)["signup:ip"])
    return wait


@router.post("/signup", dependencies=[PasswordLane])
def signup(request: Request, session: SessionDep, items: FormItems) -> Response:
    """Create a password account (the privacy notice agreed to) and sign it in."""
    settings = settings_of(request)
    form = dict(items)
    next_url = safe_next(request, form.get("next"))
    context = _signup_context(
        request,
        {
            "next": next_url,
            "email": form.get("email", "")[:254],
            "display_name": form.get("display_name", "")[:100],
            "locale": form.get("locale", "ko"),
            "consented": form.get("privacy_consent") == "yes",
        },
    )
    if not browser.csrf_ok(request, settings, form.get("csrf_token")):
        context["error"] = "페이지를 새로 고친 뒤 다시 시도해 주세요."
        return render(request, "signup.html", context, 403)
    if not context["consented"]:
        context["field_errors"] = {"privacy_consent": CONSENT_KO}
        return render(request, "signup.html", context, 400)
    wait = _signup_limited(session, settings, client_ip(request))
    session.commit()
    if wait:
        context["error"] = f"가입 요청이 너무 많아요. {duration_ko(wait)} 뒤에 다시 시도해 주세요."
        return render(request, "signup.html", context, 429)
    try:
        account = accounts.sign_up(
            session,
            settings,
            email=context["email"],
            password=form.get("password", "")[:1024],
            display_name=context["display_name"],
            locale=form.get("locale", "ko"),
            consent={"privacy_notice": PRIVACY_NOTICE_VERSION},
        )
    except accounts.AccountError as exc:
        context["field_errors"] = {exc.field or "form": exc.message}
        return render(request, "signup.html", context, exc.status)
    response = RedirectResponse(next_url, status_code=303)
    browser.start(session, settings, request, response, account.id)
    session.commit()
    return response


@router.get("/")
def landing(request: Request, session: SessionDep) -> Response:
    """Who is signed in here (visited directly, or after signing in without a client)."""
    signed = browser.current(session, request)
    if signed is None:
        return RedirectResponse(f"{root_of(request)}/login", status_code=303)
    context = {
        "title": "트렌드패스 계정",
        "message": "로그인되어 있어요.",
        "error": False,
        "account_name": signed[0].display_name,
    }
    return render(request, "message.html", context)


def _logout_target(
    request: Request, session: SessionDep, params: dict[str, str]
) -> tuple[str | None, str | None]:
    """(validated post-logout redirect, error message)."""
    uri = params.get("post_logout_redirect_uri")
    if not uri:
        return None, None
    client = clients.find(session, settings_of(request), params.get("client_id", ""))
    if client is None or not clients.redirect_uri_matches(client.post_logout_redirect_uris, uri):
        return None, "등록되지 않은 로그아웃 후 이동 주소예요."
    return authorize.add_query(uri, {"state": params.get("state")}), None


@router.get("/logout")
def logout_page(request: Request, session: SessionDep) -> Response:
    """RP-initiated logout: ask the user to confirm (a GET must not sign anyone out)."""
    params = {k: v for k, v in request.query_params.items() if k in LOGOUT_PARAMS}
    target, problem = _logout_target(request, session, params)
    if problem:
        return message(request, "잘못된 요청", problem)
    if _hinted(request, session, params):
        response: Response = RedirectResponse(target or f"{root_of(request)}/", status_code=303)
        browser.end(session, request, response)
        session.commit()
        return response
    return render(request, "logout.html", {"params": params})


def _hinted(request: Request, session: SessionDep, params: dict[str, str]) -> bool:
    """The first-party dashboard proved the signed-in person asked to sign out (one click)."""
    hint = request.query_params.get("logout_hint", "")
    if params.get("client_id") != WEB_CLIENT_ID or not hint:
        return False
    signed = browser.current(session, request)
    if signed is None:
        return True  # nothing to end here; go straight back
    return logout_hint_ok(settings_of(request), hint, str(signed[0].id))


@router.post("/logout")
def logout(request: Request, session: SessionDep, items: FormItems) -> Response:
    """Sign the browser out, then go back to the client if it asked so."""
    settings = settings_of(request)
    form = dict(items)
    if not browser.csrf_ok(request, settings, form.get("csrf_token")):
        return message(request, "요청 만료", "페이지를 새로 고친 뒤 다시 시도해 주세요.", 403)
    params = {k: v for k, v in form.items() if k in LOGOUT_PARAMS}
    target, problem = _logout_target(request, session, params)
    if problem:
        return message(request, "잘못된 요청", problem)
    response: Response = (
        RedirectResponse(target, status_code=303)
        if target
        else message(request, "로그아웃", "로그아웃했어요.", 200, error=False)
    )
    browser.end(session, request, response)
    session.commit()
    return response
