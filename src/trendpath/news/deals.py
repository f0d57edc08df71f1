"""Funding-deal detection in Korean (and English) news text, for the trend service's funding proxy.

A sentence reports a deal when it carries a *funding cue* - 투자 유치, 투자받다, a round name
(시드, 프리A, 시리즈A-F, Pre-IPO, 브릿지, 전략적 투자), 펀딩, "raised", "Series B". Plain "투자"
is not a cue: "반도체 공장에 20조 원을 투자한다" is capital spending, not a deal.

The deal amount is the money amount nearest the cue that is not labelled as something else:
amounts right after 매출, 영업이익, 순이익, 기업가치, 시가총액, 누적 ... (or followed by "의 매출")
are revenue, valuation or totals, never the round size. So "매출 300억 원" alone is no deal, and
"기업가치 1조 원을 인정받아 300억 원 규모 시리즈B" is a 300억 원 Series B.

Amounts: "300억 원", "1,200억원", "5천만 원", "2조 5000억 원", "1억5000만원", "300억 규모" (억/조
imply money without 원), "3000만 달러", "$30 million", "USD 1.5 billion". Dollars convert to won at
``usd_krw`` (a parameter; callers pass the current rate when they have one).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

DEFAULT_USD_KRW = 1_350.0

_NUM = r"\d+(?:,\d{3})*(?:\.\d+)?"
_KO_PART = rf"{_NUM}\s*(?:천|백|십)?\s*(?:조|억|만)"
_KO_AMOUNT = re.compile(
    rf"(?P<num>{_KO_PART}(?:\s*{_KO_PART})*)\s*(?P<cur>원|달러)?"
    r"(?!\s*(?:명|건|개|회|곳|가구|톤|주|표|배|권|장|마리|뷰))"
)
_PLAIN_WON = re.compile(r"(?P<num>\d{1,3}(?:,\d{3}){2,})\s*원")
_USD = re.compile(
    rf"(?:US\$|\$|USD\s*)\s*(?P<num>{_NUM})\s*(?P<scale>million|billion|mn|bn|m|b)?(?![A-Za-z])"
    rf"|(?P<num2>{_NUM})\s*(?P<scale2>million|billion)\s*(?:dollars|USD)",
    re.IGNORECASE,
)
_KO_UNITS = {"조": 10**12, "억": 10**8, "만": 10**4}
_KO_DIGITS = {"천": 1_000, "백": 100, "십": 10}
_EN_SCALE = {"million": 1e6, "mn": 1e6, "m": 1e6, "billion": 1e9, "bn": 1e9, "b": 1e9}

_ROUNDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("pre-ipo", re.compile(r"프리\s*-?\s*IPO|pre\s*-?\s*IPO", re.IGNORECASE)),
    (
        "pre-a",
        re.compile(r"프리\s*-?\s*(?:시리즈\s*)?A(?![A-Za-z])|pre\s*-?\s*(?:series\s*)?a\b", re.I),
    ),
    ("series", re.compile(r"(?:시리즈|series)\s*-?\s*([A-F])(?![A-Za-z])", re.IGNORECASE)),
    ("seed", re.compile(r"시드|\bseed\b", re.IGNORECASE)),
    ("bridge", re.compile(r"브릿지|브리지|\bbridge\b", re.IGNORECASE)),
    ("strategic", re.compile(r"전략적\s*투자|\bSI\s*투자|strategic\s+investment", re.IGNORECASE)),
)
_CUE = re.compile(
    r"투자\s*(?:를|을)?\s*유치|투자\s*받|투자를\s*받|펀딩|(?:시리즈|series)\s*-?\s*[A-F](?![A-Za-z])"
    r"|프리\s*-?\s*(?:시리즈\s*)?A(?![A-Za-z])|시드\s*(?:투자|라운드|머니|자금)|pre\s*-?\s*ipo"
    r"|프리\s*-?\s*IPO|브릿지\s*투자|브리지\s*투자|전략적\s*투자|\braised?\b|\braises\b"
    r"|funding\s+round|seed\s+round",
    re.IGNORECASE,
)
# Labels that make an amount something other than the round size.
_NOT_DEAL_BEFORE = re.compile(
    r"(?:(?:매출|매출액|영업이익|영업익|영업손실|순이익|순익|순손실|적자|흑자|거래액|거래대금|시가총액"
    r"|시총|수출액|수출|예산|연봉|자본금|기업\s*가치|밸류에이션|평가액|누적|부채|손실)[^\d,·;]{0,6}"
    r"|(?:누적|총)\s*투자\s*(?:유치)?\s*(?:금액|금|액)[^\d,·;]{0,4}"
    r"|\b(?:revenue|sales|valuation|valued|total)(?:\s+[a-z]+){0,2}\s*)$",
    re.IGNORECASE,
)
_NOT_DEAL_AFTER = re.compile(
    r"^\s*(?:원|달러)?\s*(?:의|을|를|이|가|로|에)?\s*(?:매출|영업이익|순이익|적자|손실|기업가치|가치|수출)"
)
_SENTENCE_END = re.compile(r"(?<=[.!?。])\s+|\n+")


@dataclass(frozen=True)
class Deal:
    """One reported deal: round (None if unnamed), amount in won (None if unstated)."""

    round: str | None
    amount_krw: int | None
    amount: float | None
    currency: str | None  # "KRW" or "USD"
    amount_text: str | None
    sentence: str


@dataclass(frozen=True)
class _Money:
    start: int
    end: int
    value: float
    currency: str
    text: str


def _number(text: str) -> float:
    return float(text.replace(",", ""))


def korean_amount(text: str) -> int:
    """The value of a Korean-unit number: "2조 5000억" -> 2.5e12, "5천만" -> 50_000_000."""
    total = 0.0
    for num, digit, unit in re.findall(rf"({_NUM})\s*(천|백|십)?\s*(조|억|만)?", text):
        value = _number(num) * _KO_DIGITS.get(digit, 1)
        total += value * _KO_UNITS.get(unit, 1)
    return round(total)


def _amounts(sentence: str) -> list[_Money]:
    found: list[_Money] = []
    for m in _KO_AMOUNT.finditer(sentence):
        unit_money = any(u in m.group("num") for u in ("억", "조"))
        if m.group("cur") is None and not unit_money:
            continue  # "100만" without 원 is as likely users or views as money
        currency = "USD" if m.group("cur") == "달러" else "KRW"
        value = float(korean_amount(m.group("num")))
        found.append(_Money(m.start(), m.end(), value, currency, m.group(0).strip()))
    for m in _PLAIN_WON.finditer(sentence):
        found.append(_Money(m.start(), m.end(), _number(m.group("num")), "KRW", m.group(0)))
    for m in _USD.finditer(sentence):
        num = m.group("num") or m.group("num2")
        scale = (m.group("scale") or m.group("scale2") or "").lower()
        value = _number(num) * _EN_SCALE.get(scale, 1.0)
        found.append(_Money(m.start(), m.end(), value, "USD", m.group(0).strip()))
    return sorted(found, key=lambda money: money.start)


def _is_deal_amount(sentence: str, money: _Money) -> bool:
    before = sentence[max(0, money.start - 24) : money.start]
    after = sentence[money.end : money.end + 12]
    return not _NOT_DEAL_BEFORE.search(before) and not _NOT_DEAL_AFTER.match(after)


def funding_round(text: str) -> str | None:
    """The round named in ``text``: seed, pre-a, series-a..f, pre-ipo, bridge or strategic."""
    normal = unicodedata.normalize("NFKC", text)
    for name, pattern in _ROUNDS:
        m = pattern.search(normal)
        if m:
            return f"series-{m.group(1).lower()}" if name == "series" else name
    return None


def _deal_in(sentence: str, usd_krw: float) -> Deal | None:
    cues = [m.start() for m in _CUE.finditer(sentence)]
    if not cues:
        return None
    candidates = [m for m in _amounts(sentence) if _is_deal_amount(sentence, m)]
    best = min(
        candidates,
        key=lambda m: min(abs(c - m.end) for c in cues),
        default=None,
    )
    if best is None:
        return Deal(funding_round(sentence), None, None, None, None, sentence)
    krw = best.value * (usd_krw if best.currency == "USD" else 1.0)
    return Deal(funding_round(sentence), round(krw), best.value, best.currency, best.text, sentence)


def find_deals(text: str, usd_krw: float = DEFAULT_USD_KRW) -> list[Deal]:
    """Every sentence of ``text`` that reports a funding deal, in order."""
    normal = unicodedata.normalize("NFKC", text)
    deals = []
    for sentence in _SENTENCE_END.split(normal):
        deal = _deal_in(sentence.strip(), usd_krw)
        if deal is not None:
            deals.append(deal)
    return deals


def detect_deal(text: str, usd_krw: float = DEFAULT_USD_KRW) -> Deal | None:
    """The article's deal: the first deal sentence that states an amount, else the first one."""
    deals = find_deals(text, usd_krw)
    with_amount = [d for d in deals if d.amount_krw is not None]
    ranked = with_amount or deals
    return ranked[0] if ranked else None
