"""The shipped learning catalog: covers every skill, invents no identifiers, rejects bad edits."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from trendpath.kit.settings import Settings
from trendpath.kit.taxonomy import load_taxonomy
from trendpath.users.catalog import (
    SEARCH_PREFIXES,
    CatalogError,
    isbn13_valid,
    load_catalog,
    parse_catalog,
)

TAX = load_taxonomy()


def test_every_skill_has_a_resource_and_every_entry_is_sound() -> None:
    catalog = load_catalog(Settings(), TAX)
    assert catalog.uncovered(TAX.skills) == []
    for res in catalog.resources.values():
        assert res.url.startswith("https://"), res.id
        assert res.isbn is None, "the shipped catalog lists no ISBN it could not verify"
        if res.link_kind == "search":
            assert res.url.startswith(SEARCH_PREFIXES), res.id
        assert res.study_hours > 0
    kinds = {r.kind for r in catalog.resources.values()}
    assert kinds == {"course", "book"}
    korean = [r for r in catalog.resources.values() if r.language == "ko"]
    assert {s for r in korean for s in r.skills} == set(TAX.skills), "a Korean option per skill"


def _doc(**entry: Any) -> dict[str, Any]:
    base = {
        "id": "x-1",
        "kind": "book",
        "title": "t",
        "provider": "p",
        "language": "ko",
        "level": 2,
        "url": "https://search.kyobobook.co.kr/search?keyword=t",
        "link": "search",
        "skills": ["python"],
    }
    return {"version": 1, "resources": [{**base, **entry}]}


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"skills": ["basket_weaving"]}, "unknown skill"),
        ({"url": "https://example.com/book/123"}, "not a known search page"),
        ({"isbn": "9791100000019", "link": "item"}, "not a valid ISBN-13"),
        ({"isbn": "9791100000014"}, "search link must not carry an ISBN"),
        ({"level": 6}, "less than or equal to 5"),
        ({"language": "jp"}, "language"),
    ],
)
def test_bad_entries_are_refused(entry: dict[str, Any], message: str) -> None:
    with pytest.raises(CatalogError, match=message):
        parse_catalog(_doc(**entry), TAX)


def test_duplicate_ids_are_refused(tmp_path: Path) -> None:
    doc = _doc()
    doc["resources"].append(dict(doc["resources"][0]))
    with pytest.raises(CatalogError, match="duplicate id"):
        parse_catalog(doc, TAX)
    path = tmp_path / "catalog.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    with pytest.raises(CatalogError, match="duplicate id"):
        load_catalog(Settings(users_catalog_path=path), TAX)


def test_isbn13_check_digit() -> None:
    assert isbn13_valid("9780306406157")
    assert not isbn13_valid("9780306406158")
    assert not isbn13_valid("978030640615")
