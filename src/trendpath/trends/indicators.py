"""The five weekly trend indicators of the seed design, their order, units and meaning.

Every array of indicator values in trendpath has its last axis in :data:`INDICATORS` order: the
demo generator, the Velocity Score, the forecasting windows and the API. Connectors must deliver
values in the units documented here, so real and demo data are interchangeable.

The three *growth* indicators are "4-over-4" growth rates: the total of the latest 4 weeks
against the total of the 4 weeks before, in percent. Weekly counts are too noisy to compare week
by week, and a year-over-year rate would hide turning points for months; 4-over-4 reacts within a
month while halving the noise of a week-over-week rate. The two *count* indicators are raw weekly
counts (non-negative).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

INDICATORS: tuple[str, ...] = (
    "funding_volume_growth",
    "patent_filing_rate",
    "learning_demand_growth",
    "search_volume_growth",
    "policy_change_frequency",
)
"""The five indicators, in the one order used everywhere (arrays, tables, API payloads)."""


@dataclass(frozen=True)
class IndicatorMeta:
    """What one indicator measures and how to read it."""

    slug: str
    ko: str
    en: str
    flow_ko: str
    """The seed design's one-word reading of the indicator (돈의 흐름, 혁신의 흐름, ...)."""
    kind: Literal["growth", "count"]
    unit: str
    unit_ko: str
    measures_en: str
    measures_ko: str
    higher_means: Literal["faster", "instability"]
    """'faster': a higher value means the trend is moving faster; 'instability': less stable."""


INDICATOR_META: dict[str, IndicatorMeta] = {
    m.slug: m
    for m in (
        IndicatorMeta(
            slug="funding_volume_growth",
            ko="투자 규모 증가율",
            en="Funding volume growth",
            flow_ko="돈의 흐름",
            kind="growth",
            unit="% (4-over-4 weeks)",
            unit_ko="% (직전 4주 대비 최근 4주)",
            measures_en=(
                "Growth of the money flowing into the trend: reported investment, venture deals "
                "and public R&D budgets, latest 4 weeks over the previous 4 weeks."
            ),
            measures_ko=(
                "투자 유치, 벤처 투자, 정부 R&D 예산처럼 이 분야로 들어오는 돈의 규모가 "
                "직전 4주보다 최근 4주에 얼마나 늘었는지(%)를 나타냅니다."
            ),
            higher_means="faster",
        ),
        IndicatorMeta(
            slug="patent_filing_rate",
            ko="특허 출원 건수",
            en="Patent filing rate",
            flow_ko="혁신의 흐름",
            kind="count",
            unit="filings per week",
            unit_ko="주당 출원 건수",
            measures_en=(
                "Patent applications matching the trend's keywords filed (or first published) "
                "in the week; a count, never negative."
            ),
            measures_ko=(
                "이 분야의 키워드와 관련된 특허가 한 주 동안 몇 건 출원(또는 공개)되었는지를 "
                "나타냅니다."
            ),
            higher_means="faster",
        ),
        IndicatorMeta(
            slug="learning_demand_growth",
            ko="학습 수요 증가율",
            en="Learning demand growth",
            flow_ko="역량의 흐름",
            kind="growth",
            unit="% (4-over-4 weeks)",
            unit_ko="% (직전 4주 대비 최근 4주)",
            measures_en=(
                "Growth of people learning the trend's skills: course openings and enrolments "
                "(HRD-Net, K-MOOC), latest 4 weeks over the previous 4 weeks."
            ),
            measures_ko=(
                "HRD-Net, K-MOOC 같은 곳에서 이 분야 강좌의 개설과 수강이 직전 4주보다 최근 "
                "4주에 얼마나 늘었는지(%)를 나타냅니다."
            ),
            higher_means="faster",
        ),
        IndicatorMeta(
            slug="search_volume_growth",
            ko="검색량 증가율",
            en="Search volume growth",
            flow_ko="수요 포착",
            kind="growth",
            unit="% (4-over-4 weeks)",
            unit_ko="% (직전 4주 대비 최근 4주)",
            measures_en=(
                "Growth of public attention: search volume for the trend's keyword (Naver "
                "DataLab), latest 4 weeks over the previous 4 weeks."
            ),
            measures_ko=(
                "네이버 데이터랩에서 이 분야 검색어의 검색량이 직전 4주보다 최근 4주에 얼마나 "
                "늘었는지(%)를 나타냅니다."
            ),
            higher_means="faster",
        ),
        IndicatorMeta(
            slug="policy_change_frequency",
            ko="정책 변화 빈도",
            en="Policy change frequency",
            flow_ko="안정성 측정",
            kind="count",
            unit="changes per week",
            unit_ko="주당 변경 건수",
            measures_en=(
                "Laws, decrees and rules related to the trend that were enacted, amended or "
                "announced in the week (law.go.kr amendment history); a count, never negative. "
                "Many changes in a short time signal an unsettled field."
            ),
            measures_ko=(
                "이 분야와 관련된 법령, 시행령, 고시가 한 주 동안 몇 건 제정·개정·공포되었는지를 "
                "나타냅니다. 짧은 기간에 변화가 많을수록 제도가 아직 자리 잡지 않은 분야입니다."
            ),
            higher_means="instability",
        ),
    )
}
"""Metadata per indicator, keyed by slug (iteration order = :data:`INDICATORS`)."""

GROWTH_INDICATORS: tuple[str, ...] = tuple(
    s for s in INDICATORS if INDICATOR_META[s].kind == "growth"
)
COUNT_INDICATORS: tuple[str, ...] = tuple(
    s for s in INDICATORS if INDICATOR_META[s].kind == "count"
)


def indicator_index(slug: str) -> int:
    """Position of an indicator on the last axis of indicator arrays."""
    try:
        return INDICATORS.index(slug)
    except ValueError:
        raise KeyError(f"unknown indicator {slug!r}; known: {', '.join(INDICATORS)}") from None


EARLIEST_WEEK = date(2000, 1, 3)
"""The first Monday of 2000: older weeks are refused (no source we read goes back further)."""
GROWTH_RANGE: tuple[float, float] = (-100.0, 100_000.0)
"""A 4-over-4 growth rate can fall by at most 100 %; a thousand-fold rise is already absurd."""
COUNT_RANGE: tuple[float, float] = (0.0, 1_000_000.0)
"""Weekly counts are never negative; a million patents or laws in one week is no real count."""


def check_week(week: date, today: date) -> None:
    """Raise ValueError when a week lies before 2000 or has not begun by ``today``.

    A value for a week that has not started cannot have been measured; the current week (its
    Monday at or before ``today``) is accepted, as a partial week is for 4-over-4 rates.
    """
    if week < EARLIEST_WEEK:
        raise ValueError(f"week {week.isoformat()} is before {EARLIEST_WEEK.isoformat()}")
    current = today - timedelta(days=today.weekday())
    if week > current:
        raise ValueError(
            f"week {week.isoformat()} is in the future (current week {current.isoformat()})"
        )


def check_value(indicator: str, value: float) -> None:
    """Raise ValueError when a value is not finite or outside its indicator's range."""
    if not math.isfinite(value):
        raise ValueError(f"value {value!r} is not a finite number")
    kind = INDICATOR_META[indicator].kind
    low, high = GROWTH_RANGE if kind == "growth" else COUNT_RANGE
    if not low <= value <= high:
        what = "a count" if kind == "count" else "a growth rate in %"
        raise ValueError(f"value {value:g} is outside [{low:g}, {high:g}] for {what}")
