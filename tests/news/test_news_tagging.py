"""Tagging articles with the real trend catalog and the real Korean hash encoder."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pytest

from trendpath.ai.embed import KoreanHashEncoder
from trendpath.news.tagging import ArticleText, TaggerConfig, TrendTagger
from trendpath.trends.catalog import load_catalog


@pytest.fixture(scope="module")
def tagger() -> TrendTagger:
    return TrendTagger(load_catalog(), KoreanHashEncoder())


ARTICLES = [
    (
        ArticleText(
            "생성형 AI 스타트업, 300억 원 규모 시리즈B 투자 유치",
            "거대언어모델 기반 기업용 챗봇을 만드는 A사가 투자를 유치했다.",
        ),
        "generative-ai",
    ),
    (
        ArticleText(
            "SK하이닉스, HBM 생산 늘린다", "고대역폭 메모리 수요 증가로 AI 반도체 설비를 늘린다."
        ),
        "ai-semiconductor",
    ),
    (
        ArticleText(
            "2차전지 소재 수출 감소", "양극재 업체들의 실적이 부진하다. 전기차 수요 둔화 영향이다."
        ),
        "secondary-battery",
    ),
    (
        ArticleText("카카오뱅크, 간편결제 서비스 확대", "핀테크 플랫폼 경쟁이 치열해지고 있다."),
        "fintech",
    ),
]


@pytest.mark.parametrize(("article", "slug"), ARTICLES)
def test_articles_get_their_trend_first(
    tagger: TrendTagger, article: ArticleText, slug: str
) -> None:
    tags = tagger.tag(article.title, article.text)
    assert tags and tags[0].slug == slug
    assert tags[0].keyword_score > 0 and tags[0].embedding_score > 0
    assert tags[0].matched


def test_unrelated_text_gets_no_tag(tagger: TrendTagger) -> None:
    assert tagger.tag("내일 전국 대체로 맑음", "아침 기온은 영하로 떨어지겠다.") == []


def test_batch_matches_single_and_respects_top_k_and_threshold(tagger: TrendTagger) -> None:
    batch = tagger.tag_batch([a for a, _ in ARTICLES])
    assert batch == [tagger.tag(a.title, a.text) for a, _ in ARTICLES]
    cfg = tagger.config
    for tags in batch:
        assert len(tags) <= cfg.top_k
        assert all(t.score >= cfg.threshold for t in tags)
        assert [t.score for t in tags] == sorted((t.score for t in tags), reverse=True)


def test_title_hits_weigh_more_than_body_hits(tagger: TrendTagger) -> None:
    in_title = tagger.tag("핀테크 규제 완화", "정부가 발표했다.")
    in_body = tagger.tag("정부 발표", "핀테크 규제 완화.")
    assert in_title[0].keyword_score > in_body[0].keyword_score


@dataclass(frozen=True)
class _Trend:
    slug: str
    name_ko: str
    keywords_ko: tuple[str, ...]
    keywords_en: tuple[str, ...]
    description_ko: str


TOY = [
    _Trend(
        "quantum",
        "양자컴퓨팅",
        ("양자컴퓨터", "큐비트"),
        ("qubit", "quantum computing"),
        "양자 기술",
    ),
    _Trend("robots", "로봇", ("협동로봇", "휴머노이드"), ("robot", "cobot"), "로봇 산업"),
]


def test_keyword_only_tagging_without_an_encoder() -> None:
    tagger = TrendTagger(TOY)
    tags = tagger.tag("Quantum Computing 시대", "1000 큐비트 칩이 공개됐다")
    assert [t.slug for t in tags] == ["quantum"]
    assert tags[0].embedding_score == 0.0 and set(tags[0].matched) == {
        "큐비트",
        "quantum computing",
    }


def test_latin_keywords_match_whole_words_only() -> None:
    tagger = TrendTagger(TOY, config=TaggerConfig(threshold=0.01))
    assert tagger.tag("robotics 기업", "") == []  # "robot" is not a word of "robotics"
    assert [t.slug for t in tagger.tag("ROBOT이 온다", "")] == ["robots"]


def test_korean_keywords_ignore_spacing() -> None:
    tagger = TrendTagger(TOY, config=TaggerConfig(threshold=0.01))
    assert [t.slug for t in tagger.tag("양자 컴퓨터 경쟁", "")] == ["quantum"]


class _CountingEncoder:
    """A tiny real encoder: bag of characters, L2-normalised."""

    def __init__(self) -> None:
        self.calls: list[int] = []

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.calls.append(len(texts))
        out = np.zeros((len(texts), 64), dtype=np.float32)
        for i, text in enumerate(texts):
            for ch in text:
                out[i, ord(ch) % 64] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return np.divide(out, norms, out=np.zeros_like(out), where=norms > 0)


def test_encoder_is_called_once_for_trends_and_once_per_batch() -> None:
    encoder = _CountingEncoder()
    tagger = TrendTagger(TOY, encoder)
    tagger.tag_batch([ArticleText("큐비트", ""), ArticleText("협동로봇", ""), ArticleText("", "")])
    assert encoder.calls == [2, 3]
