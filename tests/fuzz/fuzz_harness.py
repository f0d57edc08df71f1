"""The API fuzz suite's harness: schemas, bounded settings, credentials and the checks.

Each ``test_fuzz_<service>.py`` loads its service's OpenAPI document at import (the app factory
builds it without a database), so every operation becomes its own pytest item; the requests go
over real HTTP to the ``live_server`` fixture (every service mounted as ``trendpath run`` does).

Bounded and reproducible: ``MAX_EXAMPLES`` generated cases per operation (plus Schemathesis'
deterministic example and coverage cases), Hypothesis derandomized with a fixed seed and no
example database, so CI sees the same requests on every run.
"""

from __future__ import annotations

import importlib
import tempfile
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
import schemathesis
from hypothesis import strategies as st
from schemathesis.checks import CheckFunction, not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from trendpath.kit.settings import Settings

MAX_EXAMPLES = 150
"""Generated cases per operation; sized so the whole suite runs in ~2-3 minutes on 2 cores."""
SEED = 20_250_612
SLOW_OPERATIONS: dict[str, dict[str, int]] = {"trends": {"POST /v1/admin/recompute": 3}}
"""Generated cases for operations whose every call redoes a whole job (recompute: all Velocity
Scores and the forecasts, seconds per call) and that take no input to vary anyway."""

CHECKS: list[CheckFunction] = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
"""No 5xx, and every response matches its own declaration: status, content type and body."""


def tuple_schema_conformance(ctx: Any, response: Any, case: Any) -> bool | None:
    """``response_schema_conformance`` for operations whose responses hold tuples.

    Schemathesis 4.32 rewrites OpenAPI 3.1 ``prefixItems`` (what pydantic makes of a tuple) into
    the draft-4 ``items: [...]`` form and then builds a Draft 2020-12 validator from it, which
    refuses that schema: the check errors out whatever the server sent. For those operations this
    validates the body against the document as written, with a Draft 2020-12 validator.
    """
    document = case.operation.schema.raw_schema
    declared = _operation_raw(document, case)["responses"].get(str(response.status_code), {})
    schema = declared.get("content", {}).get("application/json", {}).get("schema")
    if schema is None:
        return None
    validator = jsonschema_rs.Draft202012Validator(
        {**schema, "components": document.get("components", {})}
    )
    errors = [f"{e.instance_path}: {e.message}" for e in validator.iter_errors(response.json())]
    if errors:
        raise AssertionError(f"response breaks its schema: {errors[:3]}")
    return None


def _operation_raw(document: Mapping[str, Any], case: Any) -> dict[str, Any]:
    operation: dict[str, Any] = document["paths"][case.operation.path][
        case.operation.method.lower()
    ]
    return operation


def _mentions_tuples(document: Mapping[str, Any], node: Any, seen: set[str]) -> bool:
    if isinstance(node, list):
        return any(_mentions_tuples(document, n, seen) for n in node)
    if not isinstance(node, dict):
        return False
    if "prefixItems" in node:
        return True
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/") and ref not in seen:
        seen.add(ref)
        target: Any = document
        for part in ref[2:].split("/"):
            target = target[part]
        if _mentions_tuples(document, target, seen):
            return True
    return any(_mentions_tuples(document, v, seen) for k, v in node.items() if k != "$ref")


def checks_for(case: Any) -> list[CheckFunction]:
    """:data:`CHECKS`, with the tuple-safe schema check where Schemathesis cannot build one."""
    document = case.operation.schema.raw_schema
    responses = _operation_raw(document, case)["responses"]
    if not _mentions_tuples(document, responses, set()):
        return CHECKS
    return [c for c in CHECKS if c is not response_schema_conformance] + [tuple_schema_conformance]


Role = str
"""Who calls: ``user``, ``admin``, ``service``, ``client`` (OAuth client auth) or ``none``."""

SPECIAL_ROLES: dict[str, dict[str, Role]] = {
    "auth": {"POST /token": "client", "POST /revoke": "client", "GET /events": "service"},
    "news": {
        "GET /v1/feeds": "admin",
        "POST /v1/feeds": "admin",
        "GET /v1/feeds/{feed_id}": "admin",
        "PATCH /v1/feeds/{feed_id}": "admin",
        "DELETE /v1/feeds/{feed_id}": "admin",
        "POST /v1/feeds/{feed_id}/unpark": "admin",
        "POST /v1/feeds/{feed_id}/fetch": "admin",
    },
    "ai": {
        "POST /v1/embed/profile": "service",
        "POST /v1/embed/trends": "service",
        "POST /v1/embed/texts": "service",
        "GET /v1/personas/{user_id}": "service",
        "PUT /v1/personas/{user_id}/profile": "service",
    },
}
"""Operations that are not for a signed-in user; everything under ``/admin/`` is for admins."""

KNOWN: dict[str, dict[str, list[str]]] = {}
"""Per service, path parameter name -> ids that exist (filled by the module's fixture), so the
fuzzer reaches past "404 not found" into the code that serves real rows."""


def role_of(service: str, method: str, path: str, secured: bool) -> Role:
    """The credentials an operation is fuzzed with."""
    special = SPECIAL_ROLES.get(service, {}).get(f"{method.upper()} {path}")
    if special is not None:
        return special
    if not secured:
        return "none"
    return "admin" if "/admin/" in path else "user"


def _schema_settings() -> Settings:
    # Building an app opens nothing; the URL is only read once a request needs the database.
    return Settings(
        env="test",
        database_url="postgresql+psycopg://schema-only@127.0.0.1:1/none",
        state_dir=Path(tempfile.gettempdir()) / "trendpath-fuzz-schema",
        log_json=False,
        background_jobs=False,
    )


def raw_schema(service: str) -> dict[str, Any]:
    """The service's OpenAPI document, as ``/api/<service>/openapi.json`` serves it."""
    create_app: Callable[[Settings], Any] = importlib.import_module(
        f"trendpath.{service}.app"
    ).create_app
    document: dict[str, Any] = create_app(_schema_settings()).openapi()
    return document


def load_schema(service: str) -> Any:
    """A Schemathesis schema of ``service`` with the suite's bounded, deterministic settings."""
    slow = [
        {
            "include-method": label.split(" ", 1)[0],
            "include-path": label.split(" ", 1)[1],
            "generation": {"max-examples": examples},
        }
        for label, examples in SLOW_OPERATIONS.get(service, {}).items()
    ]
    config = schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "operations": slow,
            # Generation speed depends on how busy the machine is; everything else is fixed.
            "suppress-health-check": ["too_slow"],
            "generation": {
                "max-examples": MAX_EXAMPLES,
                "deterministic": True,
                "database": "none",
                "mode": "all",
            },
        }
    )
    schema = schemathesis.openapi.from_dict(raw_schema(service), config=config)

    @schema.hook
    def flatmap_path_parameters(context: Any, path_parameters: dict[str, Any] | None) -> Any:
        present = path_parameters or {}
        known = {k: v for k, v in KNOWN.get(service, {}).items() if k in present and v}
        if not known:
            return st.just(path_parameters)
        chosen = st.fixed_dictionaries({k: st.sampled_from(v) for k, v in known.items()})
        return st.just(path_parameters) | chosen.map(lambda c: {**present, **c})

    return schema


SEEN: dict[str, dict[str, Counter[int]]] = {}
"""Per service, operation label -> status codes answered, over the whole test process: with
pytest-xdist a module's items may run under several set-ups of its fixture."""


@dataclass
class Caller:
    """Sends fuzzed cases to one service with the right credentials and records the answers."""

    service: str
    base_url: str
    headers: Mapping[Role, Mapping[str, str]]

    @property
    def seen(self) -> dict[str, Counter[int]]:
        """Status codes answered per operation of this service, in this process."""
        return SEEN.setdefault(self.service, {})

    def call_and_validate(self, case: Any) -> None:
        """Send ``case`` and run :data:`CHECKS` on the response (raises on a failure)."""
        operation = case.operation
        secured = bool(operation.definition.raw.get("security"))
        role = role_of(self.service, operation.method, operation.path, secured)
        response = case.call_and_validate(
            base_url=f"{self.base_url}/api/{self.service}",
            headers=dict(self.headers.get(role, {})),
            checks=checks_for(case),
            timeout=60,
        )
        self.seen.setdefault(operation.label, Counter())[response.status_code] += 1


def check_reach(caller: Caller, labels: Sequence[str]) -> None:
    """Every fuzzed operation answered something besides 401/403 (its credentials fit).

    Prints the status codes seen per operation (``pytest -rP`` shows them).
    """
    summary = {label: caller.seen[label] for label in labels if label in caller.seen}
    if not summary:
        pytest.skip("no operation of this service was fuzzed in this run")
    for label, statuses in summary.items():
        counts = " ".join(f"{code}x{n}" for code, n in sorted(statuses.items()))
        print(f"{label:60} {sum(statuses.values()):4} requests  {counts}")
    refused = [label for label, statuses in summary.items() if set(statuses) <= {401, 403}]
    assert not refused, f"only 401/403 for {refused}: wrong credentials in SPECIAL_ROLES?"


def operation_labels(schema: Any) -> list[str]:
    """``METHOD /path`` of every operation in ``schema``."""
    return [result.ok().label for result in schema.get_all_operations()]
