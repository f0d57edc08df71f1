"""National Law Information Center, law.go.kr DRF Open API → ``policy_change_frequency``.

API: ``GET http://www.law.go.kr/DRF/lawSearch.do`` with ``OC`` (the registered user id),
``type=XML``, ``target``, ``query``, ``search`` (1 = names, 2 = full text), ``display`` (at most
100) and ``page``. Two list targets are used:

* ``eflaw`` — laws, decrees and ministerial rules by effective date, with ``nw=1,2,3`` so that
  past (연혁), scheduled (시행예정) and current (현행) versions are all listed, restricted by
  promulgation date ``ancYd=YYYYMMDD~YYYYMMDD``. Answer: ``<LawSearch><totalCnt/><page/>
  <law id=".."><법령일련번호/><법령명한글/><공포일자/><제개정구분명/>...</law></LawSearch>``.
* ``admrul`` — administrative rules (고시, 훈령, 예규, 지침), restricted by issue date
  ``prmlYd=YYYYMMDD~YYYYMMDD``. Answer: ``<AdmRulSearch><totalCnt/><admrul id="..">
  <행정규칙일련번호/><행정규칙명/><발령일자/><제개정구분명/>...</admrul></AdmRulSearch>``.

Refusals come back with HTTP 200 as a short XML document with another root (recorded:
``<Law>일치하는 행정규칙이 없습니다...</Law>``); an unknown OC or an unregistered server says
"사용자 정보 검증에 실패하였습니다", which also happens when the request carries no ``Referer``
header, so one is always sent. The service sometimes answers 200 with an empty body or an HTML
maintenance page; that is retried like a 5xx.

Every listed version is one enactment, amendment or repeal. The count for a week is the number
of distinct versions (serial numbers) matching any of the trend's Korean keywords whose
promulgation/issue date falls in the week. The API takes one query string, so each keyword is a
request of its own; versions found by several keywords count once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from trendpath.kit.http import ServiceClients
from trendpath.kit.settings import Settings
from trendpath.trends.catalog import Trend
from trendpath.trends.sources.base import (
    PerTrendSource,
    SourceAuthError,
    SourceNotConfigured,
    SourceResponseError,
    SourceResult,
    WeekValues,
    parse_day,
    week_span,
    weekly_counts,
)
from trendpath.trends.sources.http import (
    Page,
    RawResponse,
    SourceClient,
    Transient,
    collect_pages,
    parse_xml,
    xml_int,
    xml_text,
)

PAGE_SIZE = 100  # the documented maximum of display
OC_HINT = (
    "check TRENDPATH_TREND_LAWGO_OC, that this server's IP/domain is registered for it at "
    "open.law.go.kr, and TRENDPATH_TREND_LAWGO_REFERER"
)


@dataclass(frozen=True)
class Target:
    """How one DRF list target is asked and read."""

    name: str
    root: str
    item: str
    serial: str
    date: str
    date_param: str
    extra: tuple[tuple[str, str], ...] = ()
    title: str = "법령명한글"
    link: str = "https://www.law.go.kr/LSW/lsInfoP.do?lsiSeq={serial}"
    """The public page of a version (the API's own detail link carries the OC key)."""


TARGETS: dict[str, Target] = {
    "eflaw": Target(
        "eflaw", "LawSearch", "law", "법령일련번호", "공포일자", "ancYd", (("nw", "1,2,3"),)
    ),
    "admrul": Target(
        "admrul",
        "AdmRulSearch",
        "admrul",
        "행정규칙일련번호",
        "발령일자",
        "prmlYd",
        title="행정규칙명",
        link="https://www.law.go.kr/LSW/admRulInfoP.do?admRulSeq={serial}",
    ),
}


def check(response: RawResponse) -> None:
    """Retry a 200 whose body is empty or an HTML page: the service's passing outages."""
    head = response.body.lstrip()[:64].lower()
    if response.status == 200 and (not head or head.startswith((b"<!doctype html", b"<html"))):
        raise Transient("law.go.kr answered an empty body or an HTML page instead of XML")


@dataclass(frozen=True)
class LawVersion:
    """One listed enactment, amendment or repeal."""

    key: str
    day: dt.date
    document: dict[str, object]


def parse_versions(body: bytes, target: Target) -> Page[LawVersion]:
    """One list page as versions (key ``target:serial``, promulgation date, the document as
    the trend page shows it) plus the total count."""
    what = f"law-go-kr {target.name}"
    root = parse_xml(body, what)
    if root.tag != target.root:
        # Refusals (unknown OC, unregistered target) come back as a short document.
        text = " ".join("".join(root.itertext()).split())[:160]
        if "사용자 정보 검증" in text:
            raise SourceAuthError(f"{what}: refused: {text!r}; {OC_HINT}")
        raise SourceResponseError(f"{what}: unexpected answer <{root.tag}>: {text!r}")
    total = xml_int(root, "totalCnt", what)
    items: list[LawVersion] = []
    for node in root.iterfind(target.item):
        serial = xml_text(node, target.serial)
        day = parse_day(xml_text(node, target.date))
        if not serial:
            raise SourceResponseError(f"{what}: <{target.item}> without <{target.serial}>")
        if day is None:
            continue
        document: dict[str, object] = {
            "target": target.name,
            "serial": serial,
            "title": (xml_text(node, target.title) or "").strip() or f"{target.name} {serial}",
            "kind": xml_text(node, "제개정구분명") or None,
            "promulgated": day,
            "effective": parse_day(xml_text(node, "시행일자")),
            "link": target.link.format(serial=serial),
        }
        items.append(LawVersion(f"{target.name}:{serial}", day, document))
    return Page(items, total)


def parse_page(body: bytes, target: Target) -> Page[tuple[str, dt.date]]:
    """One list page as (target:serial, promulgation date) pairs plus the total count."""
    page = parse_versions(body, target)
    return Page([(v.key, v.day) for v in page.items], page.total)


class LawGoKrSource(PerTrendSource):
    """Weekly counts of enacted/amended laws and rules matching a trend's keywords."""

    name = "law-go-kr"
    indicator = "policy_change_frequency"

    def __init__(
        self,
        client: SourceClient,
        url: str,
        oc: str,
        *,
        targets: Sequence[str] = ("eflaw", "admrul"),
        search: int = 2,
        max_keywords: int = 5,
        max_pages: int = 20,
        page_size: int = PAGE_SIZE,
    ) -> None:
        self.client = client
        self.url = url
        self.oc = oc
        self.targets = [TARGETS[t] for t in targets]
        self.search = search
        self.max_keywords = max_keywords
        self.max_pages = max_pages
        self.page_size = page_size

    @classmethod
    def from_settings(
        cls, settings: Settings, clients: ServiceClients | None = None
    ) -> LawGoKrSource:
        """Build from settings; SourceNotConfigured when the OC id is missing."""
        if not settings.trend_lawgo_oc:
            raise SourceNotConfigured(cls.name, "TRENDPATH_TREND_LAWGO_OC")
        client = SourceClient.from_settings(
            cls.name,
            settings,
            per_second=settings.trend_lawgo_rps,
            daily_quota=settings.trend_lawgo_daily_quota,
            headers={"Referer": settings.trend_lawgo_referer},
            check=check,
            auth_hint="TRENDPATH_TREND_LAWGO_OC",
        )
        return cls(
            client,
            settings.trend_lawgo_url,
            settings.trend_lawgo_oc,
            targets=settings.trend_lawgo_targets,
            search=settings.trend_lawgo_search,
            max_keywords=settings.trend_source_max_keywords,
            max_pages=settings.trend_source_max_pages,
        )

    async def fetch(self, trends: Sequence[Trend], weeks: Sequence[dt.date]) -> SourceResult:
        """Values per trend and week, and the laws behind them (``documents``)."""
        self._documents: dict[str, list[dict[str, object]]] = {}
        result = await super().fetch(trends, weeks)
        result.documents = {s: d for s, d in self._documents.items() if d}
        return result

    async def fetch_trend(self, trend: Trend, weeks: Sequence[dt.date]) -> WeekValues:
        """Policy_change_frequency (changes per week) of one trend, per week."""
        start, end = week_span(weeks)
        found: dict[str, LawVersion] = {}
        for target in self.targets:
            for keyword in trend.keywords_ko[: self.max_keywords]:
                for version in await self._search(target, keyword, start, end, trend.slug):
                    seen = found.get(version.key)
                    if seen is None or version.day < seen.day:
                        found[version.key] = version
        documents = getattr(self, "_documents", None)
        if documents is not None:
            documents[trend.slug] = [v.document for v in found.values()]
        return weekly_counts((v.day for v in found.values()), weeks)

    async def _search(
        self, target: Target, keyword: str, start: dt.date, end: dt.date, slug: str
    ) -> list[LawVersion]:
        params = {
            "OC": self.oc,
            "target": target.name,
            "type": "XML",
            "query": keyword,
            "search": str(self.search),
            "display": str(self.page_size),
            target.date_param: f"{start:%Y%m%d}~{end:%Y%m%d}",
            **dict(target.extra),
        }

        async def page(number: int) -> Page[LawVersion]:
            body = await self.client.get(self.url, {**params, "page": str(number)})
            return parse_versions(body, target)

        what = f"law-go-kr {target.name} {slug} {keyword!r}"
        return await collect_pages(page, self.page_size, self.max_pages, what)

    async def aclose(self) -> None:
        """Close the HTTP client."""
        await self.client.aclose()
