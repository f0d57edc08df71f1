"""The combined app hands every path under ``/api/<service>`` to that service."""

from __future__ import annotations

import httpx
import pytest

from support import new_user
from trendpath.kit.db import Database
from trendpath.kit.settings import Settings


@pytest.mark.parametrize("raw", ["a%0Ab", "%0A", "x%0D%0Ay"])
def test_a_newline_in_a_service_path_reaches_the_service(
    http: httpx.Client, db: Database, settings: Settings, raw: str
) -> None:
    # Found by the API fuzzer: Starlette's mount pattern stopped at the newline, so these fell
    # through to the dashboard's plain-text 404 instead of the AI service's JSON answer.
    _, token = new_user(db, settings, "mount@example.com", scope="ai:chat")
    resp = http.get(f"/api/ai/v1/sessions/{raw}", headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 422, resp.text
    assert resp.headers["content-type"] == "application/json"
    assert resp.json()["error"]["code"] == "validation_error"
    anonymous = http.get(f"/api/ai/v1/sessions/{raw}")
    assert anonymous.status_code == 401
    assert anonymous.json()["error"]["code"] == "unauthorized"
