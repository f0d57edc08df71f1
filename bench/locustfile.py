"""The trendpath user journey as a locust scenario (used by ``bench.load``; runnable by hand).

Each simulated person signs up and signs in through the OAuth server (login form, code + PKCE,
token exchange), fills in the onboarding profile, talks with the coach to the end (free text and
forced-choice answers), reads the three matched trends, starts the roadmap of the first and
then keeps using the product: re-reads the match, browses and searches trends, reads a trend's
detail and news, records progress on roadmap resources, and now and then recomputes the match.
Think time between steps is 0.5–2 s, so a "user" here is a fast human, not a request loop.
locust's FastHttpUser (geventhttpclient) keeps the load generator's own CPU use low: on a
2-core machine it shares the CPU with the server.

Requests are grouped by route template (``name=``) so the per-endpoint table has one row per
endpoint, not per id. Run by hand against a running server::

    .venv/bin/locust -f bench/locustfile.py --host http://127.0.0.1:8000 --headless -u 16 -r 4

The token exchange needs the web client's secret, derived from ``TRENDPATH_SECRET_KEY`` exactly
like the server does (the default development key unless that variable is set).
"""

from __future__ import annotations

import itertools
import os
import random
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

from locust import between, task
from locust.contrib.fasthttp import FastHttpUser

from bench.server import CSRF, CodeFlow, profile
from trendpath.kit.auth import WEB_CLIENT_ID, builtin_client_secret
from trendpath.kit.settings import Settings

PASSWORD = "load test password 1234"
SCOPE = "openid profile email users:read users:write trends:read news:read ai:chat"
USERS = "/api/users/v1"
AI = "/api/ai/v1"
TRENDS = "/api/trends/v1"
NEWS = "/api/news/v1"
SAYINGS = [
    "요즘 진로 때문에 고민이 많아요. 안정적인 곳도 좋지만 성장하고 싶어요.",
    "새로운 걸 배우는 게 재미있고, 사람들과 함께 일하는 게 좋아요.",
    "돈도 중요하지만 제 일이 사회에 도움이 됐으면 해요.",
    "제가 주도해서 뭔가를 만들어 보고 싶어요.",
    "워라밸이 무너지는 건 싫어요. 꾸준히 오래 일하고 싶어요.",
]
# Derived from TRENDPATH_SECRET_KEY exactly as the server derives it.
CLIENT_SECRET = builtin_client_secret(Settings(env="test"), WEB_CLIENT_ID)
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
SEARCHES = ["AI", "반도체", "배터리", "헬스케어", "로봇", "핀테크", "콘텐츠"]
_serial = itertools.count()


def _think_time() -> tuple[float, float]:
    """Seconds between steps: ``TRENDPATH_LOAD_THINK=MIN,MAX`` (default 0.5,2.0)."""
    low, high = os.environ.get("TRENDPATH_LOAD_THINK", "0.5,2.0").split(",")
    return float(low), float(high)


class JourneyUser(FastHttpUser):
    """One person: onboarding once, then the everyday mix of reading and progress."""

    wait_time = between(*_think_time())

    def on_start(self) -> None:
        """Nothing yet: the journey's first steps run as tasks so think time applies to them."""
        self.rng = random.Random(os.getpid() * 100_003 + next(_serial))
        self.steps: Iterator[None] = self._onboarding()
        self.onboarded = False
        self.headers: dict[str, str] = {}
        self.trends: list[str] = []
        self.roadmap: dict[str, Any] | None = None

    @task
    def step(self) -> None:
        """The next onboarding step, or one everyday action once onboarded."""
        if not self.onboarded:
            if next(self.steps, "done") is not None:
                self.onboarded = True
            return
        self._everyday()

    # -- onboarding -------------------------------------------------------------------------

    def _onboarding(self) -> Iterator[None]:
        # A person whose sign-up or sign-in failed (e.g. a 503 under load) tries again after a
        # pause rather than using the product signed out.
        email = f"load-{uuid.uuid4().hex[:16]}@example.com"
        while not self._sign_up(email):
            yield None
        while not self._sign_in(email):
            yield None
        yield None
        self.client.get(f"{USERS}/taxonomy", headers=self.headers, name="GET users/taxonomy")
        yield None
        self.client.put(
            f"{USERS}/profile",
            json=profile(self.rng.randrange(1_000_000), self.rng),
            headers=self.headers,
            name="PUT users/profile",
        )
        yield None
        yield from self._coach_talk()
        self._read_match()
        yield None
        if self.trends:
            made = self.client.post(
                f"{USERS}/roadmaps",
                json={"trend_slug": self.trends[0]},
                headers=self.headers,
                name="POST users/roadmaps",
            )
            if made.status_code == 201:
                self.roadmap = made.json()

    def _sign_up(self, email: str) -> bool:
        made = self.client.post(
            "/api/auth/accounts",
            json={"email": email, "password": PASSWORD, "display_name": "부하시험"},
            name="POST auth/accounts",
        )
        return made.status_code in (201, 409)  # 409: an earlier try went through after all

    def _sign_in(self, email: str) -> bool:
        """Login form, authorize (code + PKCE), token exchange: as the dashboard does."""
        auth = "/api/auth"
        form = self.client.get(f"{auth}/login", name="GET auth/login")
        csrf = CSRF.search(form.text)
        self.client.post(
            f"{auth}/login",
            data=urlencode(
                {"email": email, "password": PASSWORD, "csrf_token": csrf.group(1) if csrf else ""}
            ),
            headers=FORM,
            allow_redirects=False,
            name="POST auth/login",
        )
        flow = CodeFlow(self.host or "", SCOPE)
        landed = self.client.get(
            flow.authorize_path("load"), allow_redirects=False, name="GET auth/authorize"
        )
        tokens = self.client.post(
            f"{auth}/token",
            data=urlencode(flow.token_form(landed.headers.get("location", ""))),
            headers=FORM,
            auth=(WEB_CLIENT_ID, CLIENT_SECRET),
            name="POST auth/token",
        )
        if tokens.status_code != 200:
            return False
        self.headers = {"Authorization": f"Bearer {tokens.json()['access_token']}"}
        return True

    def _coach_talk(self) -> Iterator[None]:
        """Start a talk and answer until the coach is done (forced choices answered by click)."""
        started = self.client.post(
            f"{AI}/sessions",
            json={"status": "student"},
            headers=self.headers,
            name="POST ai/sessions",
        )
        if started.status_code != 201:
            return
        reply = started.json()
        sid = reply["session_id"]
        for _ in range(24):
            yield None
            if reply.get("done"):
                break
            body: dict[str, Any] = (
                {"choice": self.rng.randint(0, 1)}
                if reply.get("options")
                else {"text": self.rng.choice(SAYINGS)}
            )
            said = self.client.post(
                f"{AI}/sessions/{sid}/messages",
                json=body,
                headers=self.headers,
                name="POST ai/sessions/{id}/messages",
            )
            if said.status_code != 200:
                return
            reply = said.json()
        self.client.post(
            f"{AI}/sessions/{sid}/finish", headers=self.headers, name="POST ai/sessions/{id}/finish"
        )
        yield None

    # -- everyday use -----------------------------------------------------------------------

    def _read_match(self) -> None:
        got = self.client.get(f"{USERS}/match", headers=self.headers, name="GET users/match")
        if got.status_code == 200:
            self.trends = [item["slug"] for item in got.json().get("items", [])]

    def _everyday(self) -> None:
        actions = [
            (self._read_match, 4),
            (self._browse, 3),
            (self._trend_detail, 3),
            (self._news, 2),
            (self._progress, 3),
            (self._roadmap, 2),
            (self._refresh, 1),
        ]
        choice = self.rng.choices([a for a, _ in actions], weights=[w for _, w in actions])[0]
        choice()

    def _browse(self) -> None:
        params: dict[str, Any] = {"limit": 20}
        if self.rng.random() < 0.5:
            params["q"] = self.rng.choice(SEARCHES)
        self.client.get(
            f"{TRENDS}/trends?{urlencode(params)}", headers=self.headers, name="GET trends"
        )

    def _slug(self) -> str:
        return self.rng.choice(self.trends) if self.trends else "generative-ai"

    def _trend_detail(self) -> None:
        self.client.get(
            f"{TRENDS}/trends/{self._slug()}", headers=self.headers, name="GET trends/{slug}"
        )

    def _news(self) -> None:
        self.client.get(
            f"{NEWS}/trends/{self._slug()}/articles",
            headers=self.headers,
            name="GET news/trends/{slug}/articles",
        )

    def _roadmap(self) -> None:
        if self.roadmap is None:
            return self._read_match()
        got = self.client.get(
            f"{USERS}/roadmaps/{self.roadmap['id']}",
            headers=self.headers,
            name="GET users/roadmaps/{id}",
        )
        if got.status_code == 200:
            self.roadmap = got.json()

    def _progress(self) -> None:
        if self.roadmap is None:
            return self._browse()
        resources = [r for step in self.roadmap["steps"] for r in step["resources"]]
        if not resources:
            return self._browse()
        resource = self.rng.choice(resources)
        percent = min(100, resource["percent"] + self.rng.choice([10, 20, 30]))
        body = (
            {"status": "done"} if percent >= 100 else {"status": "in_progress", "percent": percent}
        )
        saved = self.client.put(
            f"{USERS}/roadmaps/{self.roadmap['id']}/resources/{resource['id']}/progress",
            json=body,
            headers=self.headers,
            name="PUT users/roadmaps/{id}/resources/{id}/progress",
        )
        if saved.status_code == 200:
            resource["percent"] = saved.json()["percent"]

    def _refresh(self) -> None:
        self.client.post(
            f"{USERS}/match/refresh", headers=self.headers, name="POST users/match/refresh"
        )
