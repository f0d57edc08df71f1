"""Password hashing cannot take the server from everyone else: a low-priority hashing thread and
a password lane taken before the database session (see ``auth/passwords.py``)."""

from __future__ import annotations

import asyncio
import os
import sys
import threading

import httpx
import pytest
from argon2.exceptions import VerifyMismatchError

from trendpath.auth import passwords
from trendpath.kit.db import Database
from trendpath.kit.errors import ApiError
from trendpath.kit.settings import Settings

from .conftest import PASSWORD, auth_and_dashboard, serve


def _where() -> tuple[str, int]:
    return threading.current_thread().name, os.getpriority(
        os.PRIO_PROCESS, threading.get_native_id()
    )


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread nice is Linux's")
def test_hashes_run_on_their_own_lower_priority_threads() -> None:
    name, nice = passwords._on_hashing_thread(_where)
    own = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    assert name.startswith("argon2") and threading.current_thread().name != name
    assert nice == min(19, own + passwords.HASH_NICE)
    # The request's own thread keeps its priority.
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == own


def test_hash_and_verify_answer_as_before_from_the_hashing_threads() -> None:
    pw = passwords.Passwords(time_cost=1, memory_kib=1024)
    stored = pw.hash("correct horse battery")
    assert stored.startswith("$argon2id$") and pw.verify(stored, "correct horse battery")
    assert not pw.verify(stored, "wrong horse battery")
    assert not pw.verify(None, "correct horse battery")  # unknown account: same work, False
    assert not pw.verify("not-a-hash", "x")
    # An argon2 error raised on the hashing thread reaches the caller unchanged.
    with pytest.raises(VerifyMismatchError):
        passwords._on_hashing_thread(pw.hasher.verify, stored, "wrong")


def test_every_route_that_hashes_waits_for_the_lane_and_no_other_does(
    auth_settings: Settings, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    closed = passwords.Admission(1, 0.05)
    closed.slots = 0  # no slot at all: whoever needs the lane is told to come back
    monkeypatch.setattr(passwords, "PASSWORD_LANE", closed)
    running = serve(auth_and_dashboard, auth_settings, database, "/api/auth")
    served = next(running)
    try:
        with httpx.Client(base_url=served.issuer, timeout=30) as api:
            body = {"email": "lane@example.com", "password": PASSWORD, "display_name": "줄"}
            hashing = [
                api.post("/accounts", json=body),
                api.post("/me/password", json={}),
                api.request("DELETE", "/me", json={}),
                api.post("/login", data={"email": "lane@example.com", "password": PASSWORD}),
                api.post("/signup", data={"email": "lane@example.com", "password": PASSWORD}),
                api.post("/reset", data={"token": "x", "password": PASSWORD}),
            ]
            for answer in hashing:
                assert answer.status_code == 503, (answer.request.url, answer.text)
                assert answer.headers["Retry-After"] == "1"
                assert answer.json()["error"]["code"] == "busy"
            # Everything else passes: the login page, the token endpoint, the sign-up form.
            assert api.get("/login").status_code == 200
            assert api.get("/signup").status_code == 200
            token = api.post("/token", data={"grant_type": "refresh_token"})
            assert token.status_code == 401 and token.json()["error"] == "invalid_client"
    finally:
        running.close()


def test_a_full_lane_answers_503_with_retry_after_instead_of_queueing_forever() -> None:
    lane = passwords.Admission(slots=1, timeout_s=0.05)

    async def scenario() -> ApiError:
        await lane.acquire()
        try:
            with pytest.raises(ApiError) as caught:
                await lane.acquire()
            return caught.value
        finally:
            lane.release()

    err = asyncio.run(scenario())
    assert err.status == 503 and err.headers == {"Retry-After": "1"}
    assert passwords.PASSWORD_LANE.slots == passwords.LANE_SLOTS >= 1


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_child_hashes_on_threads_of_its_own() -> None:
    pw = passwords.Passwords(time_cost=1, memory_kib=1024)
    pw.hash("warm the executor up")  # the parent's hashing threads exist now
    pid = os.fork()
    if pid == 0:  # the child: its inherited executor has no threads; it must still hash
        ok = pw.verify(pw.hash("in the child"), "in the child")
        os._exit(0 if ok else 1)
    deadline = 50
    while deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            assert os.waitstatus_to_exitcode(status) == 0
            return
        deadline -= 1
        threading.Event().wait(0.1)
    os.kill(pid, 9)
    os.waitpid(pid, 0)
    pytest.fail("the forked child never got its hash")
