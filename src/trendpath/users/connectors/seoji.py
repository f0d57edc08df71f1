"""National Library of Korea ISBN / CIP service (국립중앙도서관 서지정보유통지원시스템, "seoji").

``GET {users_seoji_url}?cert_key=KEY&result_style=json&page_no=N&page_size=M&title=Q`` (or
``isbn=``) answers ``{"PAGE_NO", "TOTAL_COUNT", "docs": [...]}`` with upper-case fields per book:
``TITLE``, ``AUTHOR``, ``PUBLISHER``, ``EA_ISBN``, ``PAGE`` (e.g. ``"352 p."``),
``PUBLISH_PREDATE`` (``YYYYMMDD``), ``SUBJECT``, ``EBOOK_YN``, ``TITLE_URL`` (cover image), ...
(recorded answers carry every field as a string, ``TOTAL_COUNT`` included, and ``PAGE`` like
``"803 p."``). No error answer of this service could be found recorded or documented; the
connector reads ``{"RESULT": "ERROR", "ERR_CODE", "ERR_MESSAGE"}`` and the ``{"errorCode",
"errorMsg"}`` form of the library's other search API, and refuses any object without a ``docs``
list rather than reading it as "no books".

The service has no product page per book, so an imported book links to a bookshop search for its
ISBN (a search page, not an invented deep link); the ISBN itself comes from the library.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import quote

from trendpath.kit.settings import Settings
from trendpath.users.catalog import isbn13_valid
from trendpath.users.connectors.base import (
    ApiClient,
    CatalogItem,
    ConnectorNotConfigured,
    ConnectorResponseError,
)

SOURCE = "seoji"
SEARCH_URL = "https://search.kyobobook.co.kr/search?keyword={q}"


def parse(body: bytes) -> tuple[list[dict[str, Any]], int]:
    """The books of one answer and the total count."""
    try:
        doc = json.loads(body)
    except ValueError as exc:
        raise ConnectorResponseError(f"{SOURCE}: answer is not JSON") from exc
    if not isinstance(doc, dict):
        raise ConnectorResponseError(f"{SOURCE}: answer is not a JSON object")
    code = doc.get("ERR_CODE") or doc.get("errorCode")
    if doc.get("RESULT") == "ERROR" or code:
        message = doc.get("ERR_MESSAGE") or doc.get("errorMsg") or ""
        raise ConnectorResponseError(
            f"{SOURCE}: error {code or '?'}: {message} (check TRENDPATH_USERS_SEOJI_CERT_KEY)"
        )
    docs = doc.get("docs")
    if not isinstance(docs, list):
        keys = ", ".join(sorted(map(str, doc))[:8])
        raise ConnectorResponseError(f"{SOURCE}: answer has no 'docs' list (keys: {keys})")
    try:
        total = int(str(doc.get("TOTAL_COUNT", len(docs))) or 0)
    except ValueError as exc:
        raise ConnectorResponseError(f"{SOURCE}: TOTAL_COUNT is not a number") from exc
    return [d for d in docs if isinstance(d, dict)], total


def _pages(value: Any) -> int | None:
    found = re.search(r"\d+", str(value or ""))
    return int(found.group()) if found and 0 < int(found.group()) <= 5000 else None


def to_item(book: dict[str, Any]) -> CatalogItem | None:
    """A catalog item from one record (None without a title or a valid ISBN-13)."""
    title = str(book.get("TITLE") or "").strip()
    isbn = re.sub(r"[^0-9]", "", str(book.get("EA_ISBN") or ""))
    if not title or not isbn13_valid(isbn):
        return None
    publisher = str(book.get("PUBLISHER") or "").strip()
    return CatalogItem(
        source=SOURCE,
        external_id=isbn,
        kind="book",
        title=title,
        provider=publisher or "국립중앙도서관 서지정보",
        url=SEARCH_URL.format(q=quote(isbn)),
        isbn=isbn,
        pages=_pages(book.get("PAGE")),
        link_kind="search",
        attrs={
            "author": str(book.get("AUTHOR") or "").strip(),
            "published": str(book.get("PUBLISH_PREDATE") or "").strip(),
            "ebook": book.get("EBOOK_YN") == "Y",
        },
    )


class SeojiConnector:
    """Searches the national ISBN registry by title (or looks up one ISBN)."""

    source = SOURCE

    def __init__(self, settings: Settings, client: ApiClient | None = None) -> None:
        if not settings.users_seoji_cert_key:
            raise ConnectorNotConfigured(SOURCE, "TRENDPATH_USERS_SEOJI_CERT_KEY")
        self.key = settings.users_seoji_cert_key
        self.url = settings.users_seoji_url
        self.client = client or ApiClient(SOURCE, settings)

    async def search(self, query: str, limit: int) -> list[CatalogItem]:
        """Up to ``limit`` printed books whose title matches ``query`` (an ISBN looks it up)."""
        digits = re.sub(r"[-\s]", "", query)
        field = "isbn" if digits.isdigit() and len(digits) in (10, 13) else "title"
        params = {
            "cert_key": self.key,
            "result_style": "json",
            "page_no": 1,
            "page_size": min(100, max(limit * 2, 10)),
            field: digits if field == "isbn" else query,
        }
        books, _ = parse(await self.client.get(self.url, params))
        items = [to_item(b) for b in books if b.get("EBOOK_YN") != "Y"]
        unique = {i.external_id: i for i in items if i is not None}
        return list(unique.values())[:limit]
