"""HRD-Net training courses via the 고용24 (work24) Open API → ``learning_demand_growth``.

API (국민내일배움카드 훈련과정 목록): ``GET https://www.work24.go.kr/cm/openApi/call/hr/
callOpenApiSvcInfo310L01.do`` with ``authKey``, ``returnType=XML``, ``outType=1`` (list),
``pageNum``, ``pageSize`` (at most 100), the training start range ``srchTraStDt`` /
``srchTraEndDt`` (``YYYYMMDD``), ``srchTraProcessNm`` (course name contains) and ``sort`` /
``sortCol``. The XML answer is ``<HRDNet><scn_cnt/><pageNum/><pageSize/><srchList><scn_list>
<title/><subTitle/><trprId/><trprDegr/><traStartDate/><traEndDate/>...</scn_list></srchList>
</HRDNet>``. The sibling endpoints 311L01 (사업주훈련), 312L01 (컨소시엄) and 313L01 (일학습병행)
answer in the same shape; point ``trend_work24_url`` at one of them to count those instead.

Learning demand of a week is the number of distinct course runs (``trprId`` + ``trprDegr``)
whose name matches one of the trend's Korean keywords and that start in the week: providers
open runs where learners enrol, so openings follow demand. The indicator is the 4-over-4 growth
of that weekly count.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from trendpath.kit.http import ServiceClients
from trendpath.kit.settings import Settings
from trendpath.trends.catalog import Trend
from trendpath.trends.sources.base import (
    GROWTH_HISTORY_WEEKS,
    PerTrendSource,
    SourceNotConfigured,
    SourceResponseError,
    WeekValues,
    all_weeks,
    four_over_four,
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

PAGE_SIZE = 100  # the documented maximum of pageSize
SORT_BY_START = "2"  # sortCol 2 = training start date


def parse_page(body: bytes) -> Page[tuple[str, dt.date]]:
    """One list page as (course run id, start date) pairs plus the total count."""
    what = "work24"
    root = parse_xml(body, what)
    if root.tag != "HRDNet":
        text = " ".join("".join(root.itertext()).split())[:160]
        raise SourceResponseError(f"{what}: unexpected answer <{root.tag}>: {text!r}")
    total = xml_int(root, "scn_cnt", what)
    items: list[tuple[str, dt.date]] = []
    for node in root.iterfind("srchList/scn_list"):
        course, run = xml_text(node, "trprId"), xml_text(node, "trprDegr")
        if not course:
            raise SourceResponseError(f"{what}: <scn_list> without <trprId>")
        day = parse_day(xml_text(node, "traStartDate"))
        if day is not None:
            items.append((f"{course}#{run}", day))
    return Page(items, total)


class Work24CourseSource(PerTrendSource):
    """Growth of training-course openings matching a trend's keywords."""

    name = "work24"
    indicator = "learning_demand_growth"

    def __init__(
        self,
        client: SourceClient,
        url: str,
        auth_key: str,
        *,
        max_keywords: int = 5,
        max_pages: int = 20,
        page_size: int = PAGE_SIZE,
    ) -> None:
        self.client = client
        self.url = url
        self.auth_key = auth_key
        self.max_keywords = max_keywords
        self.max_pages = max_pages
        self.page_size = page_size

    @classmethod
    def from_settings(
        cls, settings: Settings, clients: ServiceClients | None = None
    ) -> Work24CourseSource:
        """Build from settings; SourceNotConfigured when the authKey is missing."""
        if not settings.trend_work24_auth_key:
            raise SourceNotConfigured(cls.name, "TRENDPATH_TREND_WORK24_AUTH_KEY")
        client = SourceClient.from_settings(
            cls.name,
            settings,
            per_second=settings.trend_work24_rps,
            daily_quota=settings.trend_work24_daily_quota,
        )
        return cls(
            client,
            settings.trend_work24_url,
            settings.trend_work24_auth_key,
            max_keywords=settings.trend_source_max_keywords,
            max_pages=settings.trend_source_max_pages,
        )

    async def fetch_trend(self, trend: Trend, weeks: Sequence[dt.date]) -> WeekValues:
        """learning_demand_growth of one trend, per week."""
        start, end = week_span(weeks, GROWTH_HISTORY_WEEKS)
        runs: dict[str, dt.date] = {}
        for keyword in trend.keywords_ko[: self.max_keywords]:
            for run, day in await self._search(keyword, start, end, trend.slug):
                runs[run] = day
        counts = weekly_counts(runs.values(), all_weeks(start, end))
        return four_over_four(counts, weeks)

    async def _search(
        self, keyword: str, start: dt.date, end: dt.date, slug: str
    ) -> list[tuple[str, dt.date]]:
        params = {
            "authKey": self.auth_key,
            "returnType": "XML",
            "outType": "1",
            "pageSize": str(self.page_size),
            "srchTraStDt": f"{start:%Y%m%d}",
            "srchTraEndDt": f"{end:%Y%m%d}",
            "srchTraProcessNm": keyword,
            "sort": "ASC",
            "sortCol": SORT_BY_START,
        }

        async def page(number: int) -> Page[tuple[str, dt.date]]:
            body = await self.client.get(self.url, {**params, "pageNum": str(number)})
            return parse_page(body)

        return await collect_pages(
            page, self.page_size, self.max_pages, f"work24 {slug} {keyword!r}"
        )

    async def aclose(self) -> None:
        """Close the HTTP client."""
        await self.client.aclose()
