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
    # Reconstructed answers (see fixtures/README.md): no K-MOOC v2 recording could be found.
    recorded.serve(
        "/kmooc/courseList_v2_0",
        (200, JSON, fixture_bytes("kmooc_page1_reconstructed.json")),
        (200, JSON, fixture_bytes("kmooc_page2_reconstructed.json")),
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


def test_kmooc_gateway_errors_are_explained(recorded: Recorded) -> None:
    key_error = fixture_bytes("datago_gateway_key_error_reconstructed.xml")
    recorded.serve("/kmooc/courseList_v2_0", (200, {}, key_error))
    with pytest.raises(ConnectorResponseError, match="SERVICE_KEY_IS_NOT_REGISTERED_ERROR") as exc:
        _run(KmoocConnector(_settings(recorded)).search("파이썬", 5))
    assert "TRENDPATH_USERS_KMOOC_SERVICE_KEY" in str(exc.value)
    assert "abc" not in str(exc.value), "the key never appears in messages"
    quota = key_error.replace(b"SERVICE_KEY_IS_NOT_REGISTERED_ERROR", b"LIMITED_NUMBER").replace(
        b"<returnReasonCode>30<", b"<returnReasonCode>22<"
    )
    recorded.serve("/kmooc/courseList_v2_0", (200, {}, quota))
    with pytest.raises(ConnectorResponseError, match="daily traffic for this key is used up"):
        _run(KmoocConnector(_settings(recorded)).search("파이썬", 5))


def test_seoji_recorded_answer_after_transient_failures(recorded: Recorded) -> None:
    recorded.serve(
        "/seoji/SearchApi.do",
        (503, {}, b"busy"),
        (429, {"Retry-After": "0"}, b"slow down"),
        (200, JSON, fixture_bytes("seoji_title_recorded.json")),
    )
    items = _run(SeojiConnector(_settings(recorded)).search("kotlin in action", 5))
    assert len(recorded.requests) == 3
    # every field of the recorded answer is a string, the page count reads "803 p."
    assert [(i.isbn, i.pages, i.link_kind) for i in items] == [
        ("9791161759692", 803, "search"),
        ("9791161750712", 574, "search"),
    ]
    assert items[0].title == "Kotlin in action 2/e" and items[0].provider == "에이콘출판사"
    assert items[0].url == "https://search.kyobobook.co.kr/search?keyword=9791161759692"
    assert items[0].attrs["published"] == "20250227" and items[0].attrs["ebook"] is False
    query = recorded.requests[-1][1]
    assert query["title"] == ["kotlin in action"] and query["result_style"] == ["json"]
    by_isbn = _run(SeojiConnector(_settings(recorded)).search("979-11-6175-969-2", 5))
    assert recorded.requests[-1][1]["isbn"] == ["9791161759692"] and by_isbn


def test_seoji_unknown_answers_are_errors_not_empty_results(recorded: Recorded) -> None:
    recorded.serve("/seoji/SearchApi.do", (200, JSON, fixture_bytes("seoji_error_unverified.json")))
    with pytest.raises(ConnectorResponseError, match="error 010"):
        _run(SeojiConnector(_settings(recorded)).search("q", 5))
    other_api_form = b'{"errorCode":"011","errorMsg":"INVALID KEY"}'
    recorded.serve("/seoji/SearchApi.do", (200, JSON, other_api_form))
    with pytest.raises(ConnectorResponseError, match="error 011: INVALID KEY"):
        _run(SeojiConnector(_settings(recorded)).search("q", 5))
    recorded.serve("/seoji/SearchApi.do", (200, JSON, b'{"TOTAL_COUNT": "0"}'))
    with pytest.raises(ConnectorResponseError, match="no 'docs' list"):
        _run(SeojiConnector(_settings(recorded)).search("q", 5))


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
    error = fixture_bytes("aladin_error_reconstructed.js")
    recorded.serve("/aladin/ItemSearch.aspx", (200, JSON, error))
    with pytest.raises(ConnectorResponseError, match="error 100"):
        _run(AladinConnector(_settings(recorded)).search("q", 5))


def test_aladin_recorded_answer_keeps_real_links_and_isbn13(recorded: Recorded) -> None:
    recorded.serve(
        "/aladin/ItemSearch.aspx", (200, JSON, fixture_bytes("aladin_itemsearch_recorded.js"))
    )
    items = _run(AladinConnector(_settings(recorded)).search("위대한 이야기", 10))
    assert len(items) == 10, "every recorded book has a valid ISBN-13"
    book = items[0]
    assert book.isbn == "9791191851069" and book.provider == "비아토르"
    assert book.title == "위대한 이야기 - 아름다움, 선함, 진리에 대한 메타 내러티브"
    # the answer escapes "/" and carries "&amp;" in the product link
    assert book.url == (
        "http://www.aladin.co.kr/shop/wproduct.aspx?ItemId=281256147&partner=openAPI&start=api"
    )
    assert book.attrs["item_id"] == 281256147 and book.attrs["published"] == "2021-10-11"
    assert book.attrs["category"].startswith("국내도서>종교/역학>")
    query = recorded.requests[0][1]
    assert query["output"] == ["js"] and query["Version"] == ["20131101"]
    assert query["SearchTarget"] == ["Book"] and query["ttbkey"] == ["ttb-key"]
    assert query["Query"] == ["위대한 이야기"] and query["MaxResults"] == ["10"]
    recorded.serve(
        "/aladin/ItemSearch.aspx",
        (200, JSON, fixture_bytes("aladin_itemsearch_recorded.js") + b";"),
    )
    assert len(_run(AladinConnector(_settings(recorded)).search("위대한 이야기", 3))) == 3


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
    aladin = fixture_bytes("aladin_itemsearch_recorded.js")
    recorded.serve("/aladin/ItemSearch.aspx", (200, JSON, aladin))
    admin = users(scope="openid users:read users:write admin", admin=True)
    body = {"source": "aladin", "query": "위대한 이야기", "skills": ["data_analysis"], "level": 3}
    made = admin.api.post("/admin/catalog/import", json=body)
    assert made.status_code == 200, made.text
    item = made.json()["items"][0]
    assert item["id"] == "aladin-9791191851069" and item["skills"] == ["data_analysis"]
    assert item["link_kind"] == "item" and item["source"] == "aladin"
    found = admin.api.get(
        "/catalog", params={"skill": "data_analysis", "q": "메타 내러티브"}
    ).json()
    assert [i["id"] for i in found["items"]] == ["aladin-9791191851069"]
    assert admin.api.get("/catalog/aladin-9791191851069").json()["isbn"] == "9791191851069"
    plain = users()
    denied = plain.api.post("/admin/catalog/import", json=body)
    assert denied.status_code == 403
    bad = admin.api.post("/admin/catalog/import", json={**body, "skills": ["nope"]})
    assert bad.status_code == 422
    recorded.serve("/aladin/ItemSearch.aspx", (401, {}, b"no"))
    failed = admin.api.post("/admin/catalog/import", json=body)
    assert failed.status_code == 502 and failed.json()["error"]["code"] == "bad_gateway"
