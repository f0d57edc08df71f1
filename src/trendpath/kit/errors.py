"""One error shape for every service: ``{"error": {"code", "message", "details"?}}``.

Handlers here turn every failure into that shape with a precise 4xx where the client is at fault,
and a bare 500 (no stack trace, only the request id) where we are.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from psycopg.errors import UntranslatableCharacter
from pydantic import BaseModel, Field
from sqlalchemy.exc import DataError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger(__name__)

_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    410: "gone",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    503: "unavailable",
}


class ConfigError(Exception):
    """A configuration or environment problem for the operator; the CLI prints it as one line."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} — {self.hint}" if self.hint else self.message


class ApiError(Exception):
    """An error a route raises on purpose; rendered in the common shape."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        details: Any = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.headers = headers


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    """The JSON body of an error response."""
    err: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        err["details"] = details
    return {"error": err}


def error_response(
    status: int,
    code: str,
    message: str,
    details: Any = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """A JSONResponse in the common error shape."""
    return JSONResponse(error_body(code, message, details), status_code=status, headers=headers)


def _validation_details(exc: RequestValidationError) -> list[dict[str, Any]]:
    details = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ()) if p != "body"]
        details.append({"field": ".".join(loc) or "body", "message": err.get("msg", "invalid")})
    return details


async def _api_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return error_response(exc.status, exc.code, exc.message, exc.details, exc.headers)


async def _http_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = _CODES.get(exc.status_code, "error" if exc.status_code >= 500 else "bad_request")
    message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
    return error_response(exc.status_code, code, message, headers=getattr(exc, "headers", None))


async def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    details = _validation_details(exc)
    first = details[0] if details else {"field": "body", "message": "invalid"}
    message = f"{first['field']}: {first['message']}"
    return error_response(422, "validation_error", message, details)


async def _pool_timeout(_: Request, exc: Exception) -> JSONResponse:
    # Every pooled connection stayed busy for the whole pool timeout: overload, not a bug.
    log.warning("database pool exhausted: %s", exc)
    return error_response(
        503, "busy", "the server is busy; retry shortly", headers={"Retry-After": "1"}
    )


def _is_nul_refusal(exc: DataError) -> bool:
    # psycopg refuses NUL in text parameters before sending them; PostgreSQL refuses \u0000 in
    # JSONB (and characters the database encoding cannot hold) as "untranslatable".
    orig = exc.orig
    return isinstance(orig, UntranslatableCharacter) or "NUL (0x00)" in str(orig)


async def _data_error(request: Request, exc: Exception) -> JSONResponse:
    # No text we store may hold U+0000, and we never make one ourselves: whichever field carried
    # it, the client sent it. Any other data error is ours.
    assert isinstance(exc, DataError)
    if _is_nul_refusal(exc):
        return error_response(422, "validation_error", "text must not contain NUL (U+0000)")
    return await _unhandled(request, exc)


async def _unhandled(request: Request, exc: Exception) -> JSONResponse:
    rid = request.scope.get("state", {}).get("request_id", "-")
    log.exception("unhandled error", extra={"path": request.url.path})
    return error_response(500, "internal_error", f"internal error (request id {rid})")


# --- the error shape in the OpenAPI documents ---


class ErrorInfo(BaseModel):
    """What went wrong: a stable machine-readable code and a human message."""

    code: str = Field(description="Stable error code, e.g. not_found, validation_error")
    message: str
    details: Any = Field(default=None, description="Per-field problems, when there are any")


class ErrorOut(BaseModel):
    """The one error shape of every service."""

    error: ErrorInfo


_DESCRIPTIONS = {
    400: "Bad request (e.g. a body that is not UTF-8 JSON)",
    401: "Missing, invalid or expired bearer token",
    403: "The token lacks a scope or role this operation needs",
    404: "No such resource (or not yours)",
    409: "Conflicts with the current state",
    413: "Request body larger than the server accepts",
    422: "Invalid input",
    429: "Too many requests; retry after the Retry-After header",
    502: "A service or API this one depends on answered something unusable",
    503: "Temporarily unavailable: the database or a service this one needs is busy or down",
}
ALWAYS_UP = frozenset({"/healthz"})
"""Paths that answer without the database or any other service (liveness)."""


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` entries declaring that an operation may answer ``statuses`` with ErrorOut."""
    return {s: {"model": ErrorOut, "description": _DESCRIPTIONS.get(s, "Error")} for s in statuses}


def document_common_errors(schema: dict[str, Any]) -> dict[str, Any]:
    """Declare, in a generated OpenAPI document, the errors our own handlers and middleware give.

    FastAPI documents 422 with its ``{"detail": [...]}`` shape, which our handler never sends, and
    omits 400 (an undecodable body) and 413 (the body cap) on operations that take a body, 401
    and 403 on operations that need a bearer token, and 503 (database pool exhausted, the auth
    service's JWKS or a sibling unreachable). This rewrites 422 to ErrorOut and adds the others,
    wherever a route has not declared its own, so clients and fuzzers see the truth.
    """
    ref = {"$ref": "#/components/schemas/ErrorOut"}
    schemas = schema.setdefault("components", {}).setdefault("schemas", {})
    body = ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(body.pop("$defs", {}))
    schemas["ErrorOut"] = body
    for path, operations in schema.get("paths", {}).items():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            if "HTTPValidationError" in str(responses.get("422")):
                del responses["422"]  # FastAPI's shape; ours is declared below
            statuses = [400, 413] if "requestBody" in operation else []
            if operation.get("parameters") or "requestBody" in operation:
                statuses.append(422)
            if operation.get("security"):
                statuses += [401, 403]
            if path not in ALWAYS_UP:
                statuses.append(503)
            for status in statuses:
                # What a route declares itself (e.g. OAuth's own error shape) stays.
                responses.setdefault(
                    str(status),
                    {
                        "description": _DESCRIPTIONS[status],
                        "content": {"application/json": {"schema": ref}},
                    },
                )
    # Only the 422 responses rewritten above referred to FastAPI's validation error shape.
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    return schema


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers that give every error the common shape."""
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(PoolTimeout, _pool_timeout)
    app.add_exception_handler(DataError, _data_error)
    app.add_exception_handler(Exception, _unhandled)
