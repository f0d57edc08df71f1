"""Catalog connectors against recorded answers served by a real local HTTP server."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from trendpath.kit.settings import Settings
from trendpath.users.connectors import connector
from trendpath.users.connectors.aladin import AladinConnector
from trendpath.users.connectors.base import (
    CatalogItem,
    ConnectorNotConfigured,
    ConnectorResponseError,
    ConnectorUnavailable,
)
from trendpath.users.connectors.kmooc import KmoocConnector
from trendpath.users.connectors.seoji import SeojiConnector

from .conftest import Recorded, Served, User, fixture_bytes

JSON = {"Content-Type": "application/json;charset=UTF-8"}


def _settings(recorded: Recorded, **extra: Any) -> Settings:
    return Settings(
        users_kmooc_service_key="abc%2Bdef%3D%3D",
        users_kmooc_url=f"{recorded.url}/kmooc/courseList_v2_0",
        users_seoji_cert_key="seoji-key",
        users_seoji_url=f"{recorded.url}/seoji/SearchApi.do",
        users_aladin_ttb_key="ttb-key",
        users_aladin_url=f"{recorded.url}/aladin/ItemSearch.aspx",
        users_connector_backoff_base_s=0.01,
        **extra,
    )


def _run(search: Any) -> list[CatalogItem]:
    result: list[CatalogItem] = asyncio.run(search)
    return result


def test_kmooc_pages_filters_and_sends_the_decoded_key(recorded: Recorded) -> None:
    recorded.serve(
        "/kmooc/courseList_v2_0",
        (200, JSON, fixture_bytes("kmooc_page1.json")),
        (200, JSON, fixture_bytes("kmooc_page2.json")),
    )
    items = _run(KmoocConnector(_settings(recorded)).search("파이썬", 10))
    assert [i.external_id for i in items] == ["KM-T-001", "KM-T-101"]
    first = items[0]
    assert first.title == "파이썬 프로그래밍 기초" and first.provider == "K-MOOC · 가상대학교"
    assert first.url == "https://www.kmooc.kr/view/course/detail/900001"
    assert first.attrs["professor"] == "홍길동"
    assert items[1].url == "https://www.kmooc.kr/view/course/detail/KM-T-101"
    pages = [q["Page"] for _, q in recorded.requests]
    assert pages == [["1"], ["2"]], "stops once totalCount (150) is covered"
    assert recorded.requests[0][1]["ServiceKey"] == ["abc+def=="]
    assert recorded.requests[0][1]["Size"] == ["100"]


def test_kmooc_gateway_key_error_is_explained(recorded: Recorded) -> None:
    recorded.serve("/kmooc/courseList_v2_0", (200, {}, fixture_bytes("kmooc_key_error.xml")))
    with pytest.raises(ConnectorResponseError, match="SERVICE_KEY_IS_NOT_REGISTERED_ERROR") as exc:
        _run(KmoocConnector(_settings(recorded)).search("파이썬", 5))
    assert "TRENDPATH_USERS_KMOOC_SERVICE_KEY" in str(exc.value)
    assert "abc" not in str(exc.value), "the key never appears in messages"


def test_retries_transient_failures_then_succeeds(recorded: Recorded) -> None:
    recorded.serve(
        "/seoji/SearchApi.do",
        (503, {}, b"busy"),
        (429, {"Retry-After": "0"}, b"slow down"),
        (200, JSON, fixture_bytes("seoji_title.json")),
    )
    items = _run(SeojiConnector(_settings(recorded)).search("데이터 분석", 5))
    assert len(recorded.requests) == 3
    # The e-book and the record with a bad ISBN check digit are left out.
    assert [(i.isbn, i.pages, i.link_kind) for i in items] == [("9791100000014", 352, "search")]
    assert items[0].url == "https://search.kyobobook.co.kr/search?keyword=9791100000014"
    query = recorded.requests[-1][1]
    assert query["title"] == ["데이터 분석"] and query["result_style"] == ["json"]
    by_isbn = _run(SeojiConnector(_settings(recorded)).search("979-11-00000-01-4", 5))
    assert recorded.requests[-1][1]["isbn"] == ["9791100000014"] and by_isbn


def test_gives_up_after_the_configured_attempts(recorded: Recorded) -> None:
    recorded.serve("/aladin/ItemSearch.aspx", (500, {}, b"oops"))
    with pytest.raises(ConnectorUnavailable, match="HTTP 500 after 2 attempts"):
        _run(AladinConnector(_settings(recorded, users_connector_max_attempts=2)).search("q", 5))
    assert len(recorded.requests) == 2


def test_client_errors_are_final_and_api_errors_are_read(recorded: Recorded) -> None:
    recorded.serve("/aladin/ItemSearch.aspx", (401, {}, b"unauthorised"))
    with pytest.raises(ConnectorResponseError, match="HTTP 401"):
        _run(AladinConnector(_settings(recorded)).search("q", 5))
    assert len(recorded.requests) == 1
    recorded.serve("/aladin/ItemSearch.aspx", (200, JSON, fixture_bytes("aladin_error.js")))
    with pytest.raises(ConnectorResponseError, match="error 100"):
        _run(AladinConnector(_settings(recorded)).search("q", 5))
    recorded.serve("/seoji/SearchApi.do", (200, JSON, fixture_bytes("seoji_error.json")))
    with pytest.raises(ConnectorResponseError, match="error 010"):
        _run(SeojiConnector(_settings(recorded)).search("q", 5))


def test_aladin_strips_the_trailing_semicolon_and_keeps_real_links(recorded: Recorded) -> None:
    recorded.serve("/aladin/ItemSearch.aspx", (200, JSON, fixture_bytes("aladin_search.js")))
    items = _run(AladinConnector(_settings(recorded)).search("데이터", 10))
    assert len(items) == 1, "the item without an ISBN-13 is dropped"
    book = items[0]
    assert book.isbn == "9791100000014" and book.provider == "가상출판사"
    assert book.url == (
        "http://www.aladin.co.kr/shop/wproduct.aspx?ItemId=100000001&partner=openAPI&start=api"
    )
    query = recorded.requests[0][1]
    assert query["output"] == ["js"] and query["Version"] == ["20131101"]
    assert query["SearchTarget"] == ["Book"] and query["ttbkey"] == ["ttb-key"]


def test_unconfigured_connectors_name_the_setting() -> None:
    bare = Settings()
    for source, setting in (
        ("kmooc", "TRENDPATH_USERS_KMOOC_SERVICE_KEY"),
        ("seoji", "TRENDPATH_USERS_SEOJI_CERT_KEY"),
        ("aladin", "TRENDPATH_USERS_ALADIN_TTB_KEY"),
    ):
        with pytest.raises(ConnectorNotConfigured, match=setting):
            connector(source, bare)


def test_admin_import_stores_tagged_resources(
    recorded: Recorded, users: Callable[..., User], users_server: Served
) -> None:
    recorded.serve("/aladin/ItemSearch.aspx", (200, JSON, fixture_bytes("aladin_search.js")))
    admin = users(scope="openid users:read users:write admin", admin=True)
    body = {"source": "aladin", "query": "데이터", "skills": ["data_analysis"], "level": 3}
    made = admin.api.post("/admin/catalog/import", json=body)
    assert made.status_code == 200, made.text
    item = made.json()["items"][0]
    assert item["id"] == "aladin-9791100000014" and item["skills"] == ["data_analysis"]
    assert item["link_kind"] == "item" and item["source"] == "aladin"
    found = admin.api.get("/catalog", params={"skill": "data_analysis", "q": "예시로"}).json()
    assert [i["id"] for i in found["items"]] == ["aladin-9791100000014"]
    assert admin.api.get("/catalog/aladin-9791100000014").json()["isbn"] == "9791100000014"
    plain = users()
    denied = plain.api.post("/admin/catalog/import", json=body)
    assert denied.status_code == 403
    bad = admin.api.post("/admin/catalog/import", json={**body, "skills": ["nope"]})
    assert bad.status_code == 422
    recorded.serve("/aladin/ItemSearch.aspx", (401, {}, b"no"))
    failed = admin.api.post("/admin/catalog/import", json=body)
    assert failed.status_code == 502 and failed.json()["error"]["code"] == "bad_gateway"
