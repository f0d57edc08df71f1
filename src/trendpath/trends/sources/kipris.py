"""KIPRIS Plus patent search (특허·실용신안 정보검색) → ``patent_filing_rate``.

API: ``GET .../kipo-api/kipi/patUtiModInfoSearchSevice/getAdvancedSearch`` with ``ServiceKey``,
``word`` (free-text query), ``patent=true``, ``utility=true``, a date range on ``openDate`` (or
``applicationDate``) as ``YYYYMMDD~YYYYMMDD``, ``pageNo`` and ``numOfRows`` (at most 500). The XML
answer is ``<response><header><successYN/><resultCode/><resultMsg/></header><body><items><item>
...<applicationNumber/><applicationDate/><openDate/>...</item></items></body><count><numOfRows/>
<pageNo/><totalCount/></count></response>`` - recorded answers put ``<count>`` beside ``<body>``,
not inside it. Failures come back with HTTP 200 and ``successYN`` N plus a ``resultCode``
(observed: 10 for a bad parameter, 30 for an unregistered key); the data.go.kr gateway form
``<OpenAPI_ServiceResponse><cmmMsgHeader>...`` is handled too.

One query per trend ORs its Korean keywords (KIPRIS syntax: ``+`` = OR, quoted phrases), pages
through every match in the weeks and counts distinct application numbers per ISO week of the
chosen date. Korean applications are published about 18 months after filing, so the default date
is the publication (``openDate``): counting by filing date would show the last year and a half as
an empty, falling series.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from xml.etree.ElementTree import Element

from trendpath.kit.http import ServiceClients
from trendpath.kit.settings import Settings
from trendpath.trends.catalog import Trend
from trendpath.trends.sources.base import (
    PerTrendSource,
    QuotaExhausted,
    SourceAuthError,
    SourceNotConfigured,
    SourceResponseError,
    WeekValues,
    parse_day,
    week_span,
    weekly_counts,
)
from trendpath.trends.sources.http import (
    Page,
    SourceClient,
    collect_pages,
    parse_xml,
    xml_int,
    xml_text,
)

PAGE_SIZE = 500  # the documented maximum of numOfRows
_QUOTA_CODES = {"22"}  # data.go.kr: LIMITED_NUMBER_OF_SERVICE_REQUESTS_EXCEEDS_ERROR
# data.go.kr codes: 20 access denied, 30 key not registered, 31 key expired, 32 IP not registered
_AUTH_CODES = {"20", "30", "31", "32"}
_KEY_HINT = "; check TRENDPATH_TREND_KIPRIS_SERVICE_KEY"


def kipris_query(keywords: Sequence[str]) -> str:
    """A KIPRIS free-text query matching any keyword (phrases with spaces are quoted)."""
    terms = [f'"{k}"' if " " in k else k for k in keywords]
    return "+".join(terms)


def _raise_for_code(code: str, message: str, kind: str) -> None:
    if code in _QUOTA_CODES:
        raise QuotaExhausted(f"kipris-plus: provider quota exceeded ({message})")
    if code in _AUTH_CODES:
        raise SourceAuthError(f"kipris-plus: {kind} {code}: {message}{_KEY_HINT}")
    raise SourceResponseError(f"kipris-plus: {kind} {code}: {message}")


def _gateway_error(root: Element) -> None:
    """Raise for a data.go.kr gateway error document (bad key, quota, service down)."""
    code = xml_text(root, "cmmMsgHeader/returnReasonCode")
    message = xml_text(root, "cmmMsgHeader/returnAuthMsg") or xml_text(root, "cmmMsgHeader/errMsg")
    _raise_for_code(code, message, "gateway error")


def parse_page(body: bytes, date_field: str) -> Page[tuple[str, dt.date]]:
    """One result page as (application number, date) pairs plus the total count."""
    what = "kipris-plus"
    root = parse_xml(body, what)
    if root.tag == "OpenAPI_ServiceResponse":
        _gateway_error(root)
    if root.tag != "response":
        raise SourceResponseError(f"{what}: unexpected document <{root.tag}>")
    code, msg = xml_text(root, "header/resultCode"), xml_text(root, "header/resultMsg")
    # "00" means success (some services send "000"); any other code is an error
    if xml_text(root, "header/successYN") == "N" or code.strip("0"):
        _raise_for_code(code, msg, "error")
    total = xml_int(root, "count/totalCount", what)
    items: list[tuple[str, dt.date]] = []
    for item in root.iterfind("body/items/item"):
        number = xml_text(item, "applicationNumber")
        day = parse_day(xml_text(item, date_field))
        if not number:
            raise SourceResponseError(f"{what}: item without <applicationNumber>")
        if day is not None:
            items.append((number, day))
    return Page(items, total)


class KiprisPatentSource(PerTrendSource):
    """Weekly counts of patent and utility-model documents matching a trend's keywords."""

    name = "kipris-plus"
    indicator = "patent_filing_rate"

    def __init__(
        self,
        client: SourceClient,
        url: str,
        service_key: str,
        *,
        date_field: str = "openDate",
        max_keywords: int = 5,
        max_pages: int = 20,
        page_size: int = PAGE_SIZE,
    ) -> None:
        self.client = client
        self.url = url
        self.service_key = service_key
        self.date_field = date_field
        self.max_keywords = max_keywords
        self.max_pages = max_pages
        self.page_size = page_size

    @classmethod
    def from_settings(
        cls, settings: Settings, clients: ServiceClients | None = None
    ) -> KiprisPatentSource:
        """Build from settings; SourceNotConfigured when the ServiceKey is missing."""
        if not settings.trend_kipris_service_key:
            raise SourceNotConfigured(cls.name, "TRENDPATH_TREND_KIPRIS_SERVICE_KEY")
        client = SourceClient.from_settings(
            cls.name,
            settings,
            per_second=settings.trend_kipris_rps,
            daily_quota=settings.trend_kipris_daily_quota,
            auth_hint="TRENDPATH_TREND_KIPRIS_SERVICE_KEY",
        )
        return cls(
            client,
            settings.trend_kipris_url,
            settings.trend_kipris_service_key,
            date_field=settings.trend_kipris_date_field,
            max_keywords=settings.trend_source_max_keywords,
            max_pages=settings.trend_source_max_pages,
        )

    async def fetch_trend(self, trend: Trend, weeks: Sequence[dt.date]) -> WeekValues:
        """Patent_filing_rate (documents per week) of one trend, per week."""
        start, end = week_span(weeks)
        params = {
            "ServiceKey": self.service_key,
            "word": kipris_query(trend.keywords_ko[: self.max_keywords]),
            "patent": "true",
            "utility": "true",
            self.date_field: f"{start:%Y%m%d}~{end:%Y%m%d}",
            "numOfRows": str(self.page_size),
            # A stable order keeps pages from overlapping; AD (application date) is documented.
            "sortSpec": "AD",
            "descSort": "false",
        }

        async def page(number: int) -> Page[tuple[str, dt.date]]:
            body = await self.client.get(self.url, {**params, "pageNo": str(number)})
            return parse_page(body, self.date_field)

        found = await collect_pages(
            page, self.page_size, self.max_pages, f"kipris-plus {trend.slug}"
        )
        first_seen: dict[str, dt.date] = {}
        for number, day in found:
            first_seen[number] = min(day, first_seen.get(number, day))
        return weekly_counts(first_seen.values(), weeks)

    async def aclose(self) -> None:
        """Close the HTTP client."""
        await self.client.aclose()
