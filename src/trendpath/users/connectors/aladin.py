r"""Aladin Open API, ItemSearch (알라딘 상품 검색 API, version 20131101).

``GET {users_aladin_url}?ttbkey=KEY&Query=Q&QueryType=Keyword&SearchTarget=Book&MaxResults=N
&start=1&output=js&Version=20131101`` answers JSON (``output=js``) with ``totalResults``,
``startIndex``, ``itemsPerPage`` and ``item``: a list of books with ``title``, ``link`` (the
product page), ``author``, ``pubDate``, ``isbn13``, ``publisher``, ``categoryName``,
``priceStandard``, ``itemId``, ... Recorded answers escape ``/`` as ``\/``, carry ``&amp;`` in
links and HTML entities in descriptions, and put non-ISBN ids (``K642734155``) in ``isbn``, so
only ``isbn13`` identifies a book. Errors come as ``{"errorCode", "errorMessage"}`` (no
recording of one was found; the shape is what public clients read). The JS output may end with a
stray ``;`` after the JSON object, which is stripped before parsing.
``SearchTarget=Foreign`` searches foreign (mostly English) books.
"""

from __future__ import annotations

import json
import re
from typing import Any

from trendpath.kit.settings import Settings
from trendpath.users.catalog import isbn13_valid
from trendpath.users.connectors.base import (
    ApiClient,
    CatalogItem,
    ConnectorNotConfigured,
    ConnectorResponseError,
)

SOURCE = "aladin"
VERSION = "20131101"


def parse(body: bytes) -> tuple[list[dict[str, Any]], int]:
    """The items of one answer and the total number of results."""
    text = body.decode("utf-8", "replace").strip().rstrip(";").strip()
    try:
        doc = json.loads(text)
    except ValueError as exc:
        raise ConnectorResponseError(f"{SOURCE}: answer is not JSON") from exc
    if not isinstance(doc, dict):
        raise ConnectorResponseError(f"{SOURCE}: answer is not a JSON object")
    if "errorCode" in doc:
        raise ConnectorResponseError(
            f"{SOURCE}: error {doc['errorCode']}: {doc.get('errorMessage', '')}"
            " (check TRENDPATH_USERS_ALADIN_TTB_KEY)"
        )
    items = doc.get("item", [])
    if not isinstance(items, list):
        raise ConnectorResponseError(f"{SOURCE}: 'item' is not a list")
    return [i for i in items if isinstance(i, dict)], int(doc.get("totalResults") or 0)


def to_item(book: dict[str, Any], language: str) -> CatalogItem | None:
    """A catalog item (None without a title, a product link or a valid ISBN-13)."""
    title = str(book.get("title") or "").strip()
    link = str(book.get("link") or "").strip()
    isbn = re.sub(r"[^0-9]", "", str(book.get("isbn13") or ""))
    if not title or not link.startswith(("http://", "https://")) or not isbn13_valid(isbn):
        return None
    return CatalogItem(
        source=SOURCE,
        external_id=isbn,
        kind="book",
        title=title,
        provider=str(book.get("publisher") or "").strip() or "알라딘",
        url=link.replace("&amp;", "&"),
        language=language,
        isbn=isbn,
        attrs={
            "author": str(book.get("author") or "").strip(),
            "published": str(book.get("pubDate") or "").strip(),
            "category": str(book.get("categoryName") or "").strip(),
            "item_id": book.get("itemId"),
        },
    )


class AladinConnector:
    """Searches Aladin's book catalogue by keyword."""

    source = SOURCE

    def __init__(
        self, settings: Settings, client: ApiClient | None = None, foreign: bool = False
    ) -> None:
        if not settings.users_aladin_ttb_key:
            raise ConnectorNotConfigured(SOURCE, "TRENDPATH_USERS_ALADIN_TTB_KEY")
        self.key = settings.users_aladin_ttb_key
        self.url = settings.users_aladin_url
        self.foreign = foreign
        self.client = client or ApiClient(SOURCE, settings)

    async def search(self, query: str, limit: int) -> list[CatalogItem]:
        """Up to ``limit`` books matching ``query`` (title + author keyword search)."""
        params = {
            "ttbkey": self.key,
            "Query": query,
            "QueryType": "Keyword",
            "SearchTarget": "Foreign" if self.foreign else "Book",
            "MaxResults": min(50, limit),
            "start": 1,
            "output": "js",
            "Version": VERSION,
        }
        books, _ = parse(await self.client.get(self.url, params))
        language = "en" if self.foreign else "ko"
        items = [to_item(b, language) for b in books]
        unique = {i.external_id: i for i in items if i is not None}
        return list(unique.values())[:limit]
