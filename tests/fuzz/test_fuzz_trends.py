"""Fuzz every operation of the trends service's OpenAPI document (see fuzz_harness.py)."""

from __future__ import annotations

from typing import Any

import pytest
from fuzz_harness import Caller, check_reach, load_schema, operation_labels

SERVICE = "trends"
# One worker per service under `--dist loadgroup` (where pytest-xdist's grouping works: with
# pytest 9.2 it is ignored, and the suite stays correct, only re-preparing tables more often).
pytestmark = pytest.mark.xdist_group("fuzz-trends")
schema = load_schema(SERVICE)


# The single-valued parametrization gives each operation its own pytest node id: with
# Schemathesis 4.32 on pytest 9.2 the id is otherwise built from the bare function name, so every
# operation would share one (which breaks xdist, --deselect and reports).
@schema.parametrize()
@pytest.mark.parametrize("service", [SERVICE])
def test_fuzz_trends(case: Any, service: str, fuzz: Caller) -> None:
    fuzz.call_and_validate(case)


def test_fuzz_trends_credentials_fit(fuzz: Caller) -> None:
    check_reach(fuzz, operation_labels(schema))
