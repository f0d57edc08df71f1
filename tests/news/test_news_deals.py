"""Funding-deal detection and amount parsing from Korean (and English) news text."""

from __future__ import annotations

import pytest

from trendpath.news.deals import detect_deal, find_deals, funding_round, korean_amount

EOK = 100_000_000  # 억


@pytest.mark.parametrize(
    ("text", "round_", "krw"),
    [
        ("생성형 AI 스타트업 A사가 300억 원 규모 시리즈B 투자를 유치했다.", "series-b", 300 * EOK),
        ("B사는 1,200억원 규모의 프리IPO 투자를 유치했다고 밝혔다.", "pre-ipo", 1200 * EOK),
        ("C사가 5천만 원의 시드 투자를 받았다.", "seed", 50_000_000),
        ("D사, 2조 원 규모 전략적 투자 유치", "strategic", 2 * 10**12),
        ("E사가 2조 5000억 원 규모 시리즈F 투자를 유치했다.", "series-f", 25_000 * EOK),
        ("F사가 1억5000만원 규모의 프리A 투자를 받았다", "pre-a", 150_000_000),
        ("G사는 50억 규모 시리즈A 투자를 유치했다", "series-a", 50 * EOK),
        ("H사, 300억원대 투자 유치 성공", None, 300 * EOK),
        ("I사가 3000만 달러 규모 시리즈D 투자를 유치했다.", "series-d", 3000 * 10_000 * 1350),
        ("Startup J raised $30 million in a Series A round.", "series-a", 30 * 10**6 * 1350),
        ("K사가 시리즈 C 라운드에서 USD 1.5 billion을 조달했다", "series-c", int(1.5e9 * 1350)),
        ("L사는 프리시리즈A 브릿지 투자를 유치했다", "pre-a", None),
        ("Ｍ사가 ３００억 원 규모 시리즈Ｂ 투자를 유치했다.", "series-b", 300 * EOK),  # full width
    ],
)
def test_deals_are_detected_with_round_and_amount(
    text: str, round_: str | None, krw: int | None
) -> None:
    deal = detect_deal(text)
    assert deal is not None
    assert deal.round == round_
    assert deal.amount_krw == krw


@pytest.mark.parametrize(
    "text",
    [
        "F사는 지난해 매출 300억 원을 기록했다.",
        "G사의 매출은 1,200억원으로 전년 대비 20% 늘었다.",
        "N사는 2조 5000억 원의 매출을 올렸다.",
        "영업이익 50억 원, 순이익 30억 원을 냈다.",
        "삼성전자는 평택 반도체 공장에 20조 원을 투자한다.",
        "정부는 AI 분야에 1조 원의 예산을 편성했다.",
        "O사의 시가총액이 10조 원을 넘어섰다.",
        "P사 서비스 가입자가 100만 명을 돌파했다.",
        "Revenue grew to $30 million last year.",
    ],
)
def test_revenue_capex_and_plain_numbers_are_not_deals(text: str) -> None:
    assert detect_deal(text) is None


def test_labelled_amounts_are_not_the_round_size() -> None:
    valuation = detect_deal(
        "H사는 기업가치 1조 원을 인정받으며 500억 원 규모 시리즈C 투자를 유치했다."
    )
    revenue = detect_deal("매출 100억 원을 올린 J사가 시리즈A 투자를 유치했다.")
    users = detect_deal("L사, 가입자 100만 명 돌파 후 시리즈B 투자 유치")
    assert valuation is not None and valuation.amount_krw == 500 * EOK
    assert revenue is not None and revenue.round == "series-a" and revenue.amount_krw is None
    assert users is not None and users.amount_krw is None


def test_cumulative_totals_are_not_the_round_size() -> None:
    text = "I사는 누적 투자 유치 금액 800억 원을 기록했다. 이번 프리A 라운드는 30억 원 규모다."
    total, this_round = find_deals(text)
    assert total.amount_krw is None and this_round.amount_krw == 30 * EOK
    first = detect_deal(
        "I사는 누적 투자 유치 금액 800억 원을 기록했다. 이번에 30억 원 규모 프리A 투자를 받았다."
    )
    assert first is not None and first.amount_krw == 30 * EOK and first.round == "pre-a"


def test_usd_rate_is_a_parameter() -> None:
    deal = detect_deal("Q사가 1000만 달러 시리즈A 투자를 유치했다", usd_krw=1000.0)
    assert deal is not None and deal.currency == "USD" and deal.amount == 10_000_000
    assert deal.amount_krw == 10_000_000_000


def test_korean_amount_and_round_helpers() -> None:
    assert korean_amount("2조 5000억") == 2_500_000_000_000
    assert korean_amount("5천만") == 50_000_000
    assert korean_amount("1,200억") == 120_000_000_000
    assert korean_amount("2.5조") == 2_500_000_000_000
    assert funding_round("프리 IPO") == "pre-ipo"
    assert funding_round("시리즈E 라운드") == "series-e"
    assert funding_round("프리미엄 서비스") is None
