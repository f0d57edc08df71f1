"""Korean keyword extraction with kiwipiepy and the domain dictionary."""

from __future__ import annotations

import pytest

from trendpath.news.keywords import KeywordExtractor, get_extractor


@pytest.fixture(scope="module")
def kx() -> KeywordExtractor:
    return get_extractor()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("백엔드 개발자와 머신러닝 엔지니어", ["백엔드", "개발자", "머신러닝", "엔지니어"]),
        ("2차전지 소재 기업 에코프로비엠", ["2차전지", "소재", "기업", "에코프로비엠"]),
        ("데이터 엔지니어링 인력 수요", ["데이터 엔지니어링", "인력", "수요"]),
        ("생성형 AI 스타트업", ["생성형 AI", "스타트업"]),
    ],
)  # fmt: skip
def test_domain_words_and_phrases_stay_whole(
    kx: KeywordExtractor, text: str, expected: list[str]
) -> None:
    assert kx.terms(text) == expected


def test_nouns_written_together_are_joined(kx: KeywordExtractor) -> None:
    terms = kx.terms("카카오뱅크의 핀테크 플랫폼과 시리즈B 투자")
    assert "카카오뱅크" in terms and "시리즈B" in terms
    assert "카카오" not in terms and "뱅크" not in terms


def test_spaced_nouns_that_are_no_phrase_stay_apart(kx: KeywordExtractor) -> None:
    assert kx.terms("삼성전자 반도체 투자") == ["삼성전자", "반도체", "투자"]


def test_phrases_never_span_punctuation_or_particles(kx: KeywordExtractor) -> None:
    assert "데이터 엔지니어링" not in kx.terms("데이터, 엔지니어링")


def test_stopwords_numbers_and_single_letters_are_dropped(kx: KeywordExtractor) -> None:
    terms = kx.terms(
        "김철수 기자 = 오늘 발표된 300 개 계획에 대해 관계자는 설명했다. 무단 전재 금지"
    )
    assert terms == ["김철수"]


def test_latin_terms_are_kept(kx: KeywordExtractor) -> None:
    assert kx.terms("LLM 기반 GPU 클러스터") == ["LLM", "기반", "GPU", "클러스터"]


def test_extract_ranks_by_count_with_title_weight(kx: KeywordExtractor) -> None:
    keywords = kx.extract(
        "반도체 기업이 늘었다. 클라우드 기업과 클라우드 서비스.", title="반도체", top_k=3
    )
    assert [k.text for k in keywords] == ["반도체", "기업", "클라우드"]
    assert keywords[0].count == 3
    assert abs(sum(k.score for k in kx.extract("반도체 기업 클라우드", top_k=10)) - 1.0) < 1e-9


def test_batch_equals_one_by_one(kx: KeywordExtractor) -> None:
    texts = ["머신러닝 플랫폼 출시", "2차전지 수출 감소", "", "AI 반도체 팹리스 투자"]
    titles = ["AI", "", "빈 본문", "리벨리온"]
    batch = kx.extract_batch(texts, titles)
    assert batch == [kx.extract(t, title=h) for t, h in zip(texts, titles, strict=True)]


def test_batch_checks_lengths(kx: KeywordExtractor) -> None:
    with pytest.raises(ValueError):
        kx.extract_batch(["a", "b"], ["only one"])


def test_extractor_is_shared() -> None:
    assert get_extractor() is get_extractor()


def test_custom_dictionary() -> None:
    custom = KeywordExtractor(user_words=["초전도체칩"], phrases=["양자 센서"], stopwords=["소식"])
    assert custom.terms("초전도체칩 소식과 양자 센서") == ["초전도체칩", "양자 센서"]
