"""Every service's OpenAPI document declares the errors kit itself answers, in the one shape."""

from __future__ import annotations

import copy
import importlib
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from pydantic import BaseModel

from trendpath.kit.auth import CurrentPrincipal
from trendpath.kit.errors import document_common_errors, error_responses
from trendpath.kit.settings import SERVICES, Settings

ERROR_REF = {"$ref": "#/components/schemas/ErrorOut"}


def _document(service: str, tmp_path: Path) -> dict[str, Any]:
    settings = Settings(
        env="test",
        database_url="postgresql+psycopg://nobody@127.0.0.1:1/none",
        state_dir=tmp_path,
        log_json=False,
        background_jobs=False,
    )
    app = importlib.import_module(f"trendpath.{service}.app").create_app(settings)
    document: dict[str, Any] = app.openapi()
    return document


def _schema(response: dict[str, Any]) -> Any:
    return response.get("content", {}).get("application/json", {}).get("schema")


@pytest.mark.parametrize("service", SERVICES)
def test_errors_are_declared_in_the_common_shape(service: str, tmp_path: Path) -> None:
    document = _document(service, tmp_path)
    schemas = document["components"]["schemas"]
    assert "HTTPValidationError" not in schemas  # FastAPI's shape, which we never send
    assert schemas["ErrorOut"]["required"] == ["error"]
    secured = 0
    for path, operations in document["paths"].items():
        for method, op in operations.items():
            responses = op["responses"]
            where = f"{method.upper()} {path}"
            if op.get("parameters") or "requestBody" in op:
                assert _schema(responses["422"]) == ERROR_REF, where
            if "requestBody" in op:
                assert {"400", "413"} <= set(responses), where
            if op.get("security"):
                secured += 1
                assert _schema(responses["401"]) == ERROR_REF, where
                assert _schema(responses["403"]) == ERROR_REF, where
            assert ("503" in responses) is (path != "/healthz"), where  # liveness needs nothing
    assert secured >= 5
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


class _Thing(BaseModel):
    name: str


def test_routes_keep_their_own_declarations() -> None:
    app = FastAPI()

    @app.post("/things", responses=error_responses(409))
    async def add(thing: _Thing, who: CurrentPrincipal) -> _Thing:
        return thing

    @app.get("/open")
    async def open_route() -> dict[str, str]:
        return {}

    document = document_common_errors(app.openapi())
    add_responses = document["paths"]["/things"]["post"]["responses"]
    assert set(add_responses) == {"200", "400", "401", "403", "409", "413", "422", "503"}
    assert _schema(add_responses["409"]) == ERROR_REF
    assert set(document["paths"]["/open"]["get"]["responses"]) == {"200", "503"}
    again = document_common_errors(copy.deepcopy(document))
    assert again == document  # FastAPI may regenerate: documenting twice changes nothing
