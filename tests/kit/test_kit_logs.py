"""Structured logs: JSON lines carrying the request id and extras."""

from __future__ import annotations

import json
import logging

from trendpath.kit.logs import JsonFormatter, request_id_var


def test_json_lines_carry_request_id_and_extras() -> None:
    record = logging.LogRecord(
        "trendpath.x", logging.INFO, __file__, 1, "hello %s", ("세계",), None
    )
    record.path = "/api/x"
    token = request_id_var.set("rid-7")
    try:
        line = JsonFormatter().format(record)
    finally:
        request_id_var.reset(token)
    data = json.loads(line)
    assert data["msg"] == "hello 세계"
    assert data["request_id"] == "rid-7"
    assert data["path"] == "/api/x"
    assert data["level"] == "info"
    assert data["ts"].endswith("Z")


def test_exceptions_are_logged_as_one_line() -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        import sys

        record = logging.LogRecord("t", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    line = JsonFormatter().format(record)
    assert "\n" not in line
    assert "ValueError: boom" in json.loads(line)["exc"]
