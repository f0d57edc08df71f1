"""K-MOOC course list (국가평생교육진흥원, public data portal ``B552881/kmooc_v2_0``).

``GET {users_kmooc_url}?ServiceKey=KEY&Page=N&Size=M`` answers JSON with a result code
(``resultCode``, ``"00"`` on success, at the top level or under ``header``), the total
(``totalCount``) and the courses under ``items`` (each with ``id``, ``name``, ``org_name``,
``professor``, ``url``, ``classfy_name``, ``middle_classfy_name``, ``public_yn``, ``study_start``,
``study_end`` as Unix seconds, ...). The list endpoint has no keyword parameter, so the connector
pages through it (at most ``users_kmooc_max_pages`` pages) and keeps courses whose name,
summary or category contains the query. A gateway-level error (bad or unregistered key) comes
back from data.go.kr as an XML ``OpenAPI_ServiceResponse``; it is reported with its reason.

The portal hands out the key URL-encoded and decoded; either works here (an encoded key is
decoded once before the request encodes it again).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote
from xml.etree.ElementTree import ParseError

import defusedxml.ElementTree as safe_et
from defusedxml import DefusedXmlException

from trendpath.kit.settings import Settings
from trendpath.users.connectors.base import (
    ApiClient,
    CatalogItem,
    ConnectorNotConfigured,
    ConnectorResponseError,
)

SOURCE = "kmooc"
PAGE_SIZE = 100
DETAIL_URL = "https://www.kmooc.kr/view/course/detail/{id}"
SEARCH_FIELDS = ("name", "summary", "short_description", "classfy_name", "middle_classfy_name")


def _gateway_error(body: bytes) -> ConnectorResponseError:
    try:
        root = safe_et.fromstring(body)
    except (ParseError, DefusedXmlException):
        return ConnectorResponseError(f"{SOURCE}: answer is neither JSON nor a gateway error")
    fields = {el.tag: (el.text or "").strip() for el in root.iter()}
    reason = fields.get("returnAuthMsg") or fields.get("errMsg") or "unknown error"
    code = fields.get("returnReasonCode", "?")
    if code == "22":  # LIMITED_NUMBER_OF_SERVICE_REQUESTS_EXCEEDS_ERROR: the daily traffic
        return ConnectorResponseError(
            f"{SOURCE}: data.go.kr daily traffic for this key is used up ({reason}); "
            "try again tomorrow or ask for more traffic on data.go.kr"
        )
    return ConnectorResponseError(
        f"{SOURCE}: data.go.kr refused the request: {reason} (reason code {code}); "
        "check TRENDPATH_USERS_KMOOC_SERVICE_KEY"
    )


def parse_page(body: bytes) -> tuple[list[dict[str, Any]], int | None]:
    """The courses of one list page and the total count (None when not stated)."""
    if body.lstrip().startswith(b"<"):
        raise _gateway_error(body)
    try:
        doc = json.loads(body)
    except ValueError as exc:
        raise ConnectorResponseError(f"{SOURCE}: answer is not JSON") from exc
    if not isinstance(doc, dict):
        raise ConnectorResponseError(f"{SOURCE}: answer is not a JSON object")
    raw_header = doc.get("header")
    header: dict[str, Any] = raw_header if isinstance(raw_header, dict) else {}
    code = str(doc.get("resultCode", header.get("resultCode", "00")))
    if code not in ("00", "0"):
        message = doc.get("resultMsg", header.get("resultMsg", ""))
        raise ConnectorResponseError(f"{SOURCE}: result code {code}: {message}")
    items = doc.get("items", [])
    if not isinstance(items, list):
        raise ConnectorResponseError(f"{SOURCE}: 'items' is not a list")
    total = doc.get("totalCount", header.get("totalCount"))
    return [i for i in items if isinstance(i, dict)], int(total) if total is not None else None


def _matches(course: dict[str, Any], query: str) -> bool:
    needle = query.casefold()
    return any(needle in str(course.get(f) or "").casefold() for f in SEARCH_FIELDS)


def to_item(course: dict[str, Any]) -> CatalogItem | None:
    """A catalog item from one course (None for private or nameless courses)."""
    cid, name = str(course.get("id") or "").strip(), str(course.get("name") or "").strip()
    if not cid or not name or course.get("public_yn") == "N":
        return None
    org = str(course.get("org_name") or "").strip()
    url = str(course.get("url") or "").strip() or DETAIL_URL.format(id=cid)
    keep = ("professor", "classfy_name", "middle_classfy_name", "study_start", "study_end")
    return CatalogItem(
        source=SOURCE,
        external_id=cid,
        kind="course",
        title=name,
        provider=f"K-MOOC · {org}" if org else "K-MOOC",
        url=url,
        attrs={k: course[k] for k in keep if course.get(k) not in (None, "")},
    )


class KmoocConnector:
    """Searches K-MOOC's course list."""

    source = SOURCE

    def __init__(self, settings: Settings, client: ApiClient | None = None) -> None:
        if not settings.users_kmooc_service_key:
            raise ConnectorNotConfigured(SOURCE, "TRENDPATH_USERS_KMOOC_SERVICE_KEY")
        key = settings.users_kmooc_service_key
        self.key = unquote(key) if "%" in key else key
        self.url = settings.users_kmooc_url
        self.max_pages = settings.users_kmooc_max_pages
        self.client = client or ApiClient(SOURCE, settings)

    async def search(self, query: str, limit: int) -> list[CatalogItem]:
        """Up to ``limit`` public courses whose name, summary or category contains ``query``."""
        found: dict[str, CatalogItem] = {}
        for page in range(1, self.max_pages + 1):
            params = {"ServiceKey": self.key, "Page": page, "Size": PAGE_SIZE}
            courses, total = parse_page(await self.client.get(self.url, params))
            for course in courses:
                item = to_item(course) if _matches(course, query) else None
                if item is not None:
                    found.setdefault(item.external_id, item)
            if (
                len(found) >= limit
                or not courses
                or (total is not None and page * PAGE_SIZE >= total)
            ):
                break
        return list(found.values())[:limit]
