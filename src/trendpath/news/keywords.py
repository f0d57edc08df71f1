"""Korean keyword extraction for news articles, with kiwipiepy.

Keywords are nouns (general ``NNG``, proper ``NNP``) and Latin words (``SL``: AI, LLM, GPU), with
compounds joined: nouns written together ("인공지능반도체", "카카오뱅크", "시리즈B") become one
keyword, and spaced sequences become one keyword only when they are a known domain phrase
("데이터 엔지니어링", "생성형 AI"). Kiwi splits loanword compounds (백엔드 -> 백/엔드), so domain
words are registered in its user dictionary.

One Kiwi per process (loading takes about a second), built lazily by :func:`get_extractor` and
shared by all callers. Analysis is CPU-bound: async callers run it in a worker thread, one batch at
a time, and batches go through Kiwi's own batched tokenizer.
"""

from __future__ import annotations

import threading
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

DOMAIN_WORDS: tuple[str, ...] = (
    "백엔드", "프론트엔드", "풀스택", "머신러닝", "딥러닝", "생성형", "2차전지", "이차전지",
    "데이터엔지니어링", "데이터엔지니어", "데이터사이언스", "인공지능", "핀테크", "블록체인",
    "메타버스", "클라우드", "빅데이터", "챗GPT", "자율주행", "사이버보안", "팹리스", "파운드리",
    "온디바이스", "멀티모달", "디지털전환", "양자컴퓨터", "양자컴퓨팅", "로보틱스", "헬스케어",
    "디지털헬스", "스타트업", "유니콘", "데브옵스", "엠엘옵스", "전기차", "수소차", "탄소중립",
    "초거대", "거대언어모델", "에듀테크", "프롭테크", "리걸테크", "푸드테크", "애그테크",
    "딥테크", "바이오헬스", "반도체", "시스템반도체", "에이전트", "소버린",
)  # fmt: skip
"""Words registered with Kiwi as single nouns so they are never split."""

DOMAIN_PHRASES: tuple[str, ...] = (
    "데이터 엔지니어링", "데이터 엔지니어", "데이터 사이언스", "데이터 분석", "생성형 AI",
    "인공지능 반도체", "AI 반도체", "AI 에이전트", "거대 언어 모델", "클라우드 네이티브",
    "디지털 전환", "양자 컴퓨팅", "자율 주행", "전기 자동차", "사이버 보안", "로봇 공학",
    "소버린 AI", "피지컬 AI", "온디바이스 AI", "디지털 헬스케어",
)  # fmt: skip
"""Spaced noun sequences kept together as one keyword."""

STOPWORDS: frozenset[str] = frozenset(
    (
        "기자", "뉴스", "사진", "오늘", "이번", "지난", "관련", "경우", "때문", "이날", "올해",
        "내년", "지난해", "최근", "현재", "이후", "이전", "기준", "대상", "통해", "위해",
        "가운데", "전체", "부분", "정도", "방침", "계획", "예정", "설명", "발표", "강조", "입장",
        "상황", "문제", "내용", "결과", "이상", "이하", "사용", "진행", "제공", "추진", "확대",
        "관계자", "대표", "회장", "사장", "연합뉴스", "무단", "전재", "배포", "금지", "저작권",
        "재배포", "구독", "기사", "홈페이지", "제보",
    )
)  # fmt: skip
"""Nouns too common in news copy to say what an article is about."""

_NOUN_TAGS = frozenset({"NNG", "NNP", "SL", "SH"})


@dataclass(frozen=True)
class Keyword:
    """A keyword, how often it occurred (title occurrences count double) and its share."""

    text: str
    count: int
    score: float


class KeywordExtractor:
    """Noun keywords from Korean text (see the module docstring)."""

    def __init__(
        self,
        user_words: Iterable[str] = DOMAIN_WORDS,
        phrases: Iterable[str] = DOMAIN_PHRASES,
        stopwords: Iterable[str] = STOPWORDS,
    ) -> None:
        from kiwipiepy import Kiwi  # imported here: loading it costs ~1 s, only pay when used

        self._kiwi: Any = Kiwi()
        for word in user_words:
            self._kiwi.add_user_word(word, "NNG")
        self._phrases = {tuple(p.casefold().split()): p for p in phrases}
        self._max_phrase = max((len(k) for k in self._phrases), default=1)
        self._stop = frozenset(w.casefold() for w in stopwords)
        self._kiwi.tokenize("워밍업")  # the first analysis is slow; pay it at construction

    def _units(self, tokens: Sequence[Any]) -> list[tuple[str, bool]]:
        """Noun runs as (text, spaced_from_previous_run) pairs; other tokens break the chain."""
        units: list[tuple[str, bool]] = []
        prev_end: int | None = None
        current = ""
        spaced = False
        for tok in tokens:
            if tok.tag not in _NOUN_TAGS:
                if current:
                    units.append((current, spaced))
                current, prev_end = "", None
                units.append(("", False))  # a hard break: phrases never span other tokens
                continue
            if current and prev_end == tok.start:
                current += tok.form
            else:
                if current:
                    units.append((current, spaced))
                spaced = current != ""
                current = tok.form
            prev_end = tok.start + tok.len
        if current:
            units.append((current, spaced))
        return units

    def _join_phrases(self, units: list[tuple[str, bool]]) -> list[str]:
        terms: list[str] = []
        i = 0
        while i < len(units):
            for size in range(min(self._max_phrase, len(units) - i), 1, -1):
                window = units[i : i + size]
                key = tuple(u[0].casefold() for u in window)
                if all(u[1] for u in window[1:]) and key in self._phrases:
                    terms.append(self._phrases[key])
                    i += size
                    break
            else:
                if units[i][0]:
                    terms.append(units[i][0])
                i += 1
        return terms

    def _keep(self, term: str) -> bool:
        folded = term.casefold()
        if folded in self._stop or len(term) < 2:
            return False
        return not term.isdigit()

    def _terms_of(self, tokens: Sequence[Any]) -> list[str]:
        return [t for t in self._join_phrases(self._units(tokens)) if self._keep(t)]

    def terms(self, text: str) -> list[str]:
        """Every keyword occurrence in ``text``, in order."""
        return self._terms_of(self._kiwi.tokenize(_clean(text)))

    def extract(self, text: str, title: str = "", top_k: int = 10) -> list[Keyword]:
        """The ``top_k`` keywords of one article; ``title`` occurrences weigh double."""
        return self.extract_batch([text], [title], top_k)[0]

    def extract_batch(
        self, texts: Sequence[str], titles: Sequence[str] | None = None, top_k: int = 10
    ) -> list[list[Keyword]]:
        """Keywords for many articles through Kiwi's batched tokenizer."""
        titles = titles if titles is not None else [""] * len(texts)
        if len(titles) != len(texts):
            raise ValueError("titles and texts must have the same length")
        docs = [_clean(t) for t in titles] + [_clean(t) for t in texts]
        analysed = [self._terms_of(tokens) for tokens in self._kiwi.tokenize(docs)]
        n = len(texts)
        return [_rank(analysed[i], analysed[n + i], top_k) for i in range(n)]


def _clean(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).split())


def _rank(title_terms: list[str], body_terms: list[str], top_k: int) -> list[Keyword]:
    counts: dict[str, int] = {}
    shown: dict[str, str] = {}
    for weight, terms in ((2, title_terms), (1, body_terms)):
        for term in terms:
            key = term.casefold()
            shown.setdefault(key, term)
            counts[key] = counts.get(key, 0) + weight
    total = sum(counts.values()) or 1
    order = sorted(counts, key=lambda k: -counts[k])  # stable: ties keep first appearance
    return [Keyword(shown[k], counts[k], counts[k] / total) for k in order[:top_k]]


_LOCK = threading.Lock()
_SHARED: KeywordExtractor | None = None


def get_extractor() -> KeywordExtractor:
    """The process-wide extractor with the default dictionary (built on first use)."""
    global _SHARED
    with _LOCK:
        if _SHARED is None:
            _SHARED = KeywordExtractor()
        return _SHARED
