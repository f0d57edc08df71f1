"""Edges of the account API's input that the API fuzzer (tests/fuzz) found."""

from __future__ import annotations

import httpx

from support import service_token
from trendpath.kit.db import Database
from trendpath.kit.settings import Settings


def test_event_cursor_beyond_bigint_is_refused_not_overflowed(
    http: httpx.Client, db: Database, settings: Settings
) -> None:
    # ``after`` went straight into a bigint comparison: 2**63 and above were a 500.
    token = service_token(db, settings, "users", "events:read")
    headers = {"Authorization": f"Bearer {token}"}
    for after in (2**63, 2507363592620576604160):
        resp = http.get("/api/auth/events", params={"after": after}, headers=headers)
        assert resp.status_code == 422, resp.text
        assert resp.json()["error"]["details"][0]["field"] == "query.after"
    last = http.get("/api/auth/events", params={"after": 2**63 - 1}, headers=headers)
    assert last.status_code == 200
    assert last.json() == {"events": [], "next_after": 2**63 - 1}
