"""Article embeddings from the AI service's encoder: stored, used in tags and in semantic search."""

from __future__ import annotations

import numpy as np
from sqlalchemy import select

from support import free_port
from trendpath.news.models import article

from .conftest import News


def test_articles_get_unit_embeddings_and_embedding_scores(news: News) -> None:
    news.feeds.serve_file("/ko.xml", "rss20_ko.xml")
    news.add_feed("/ko.xml")
    assert news.cycle().new_articles == 3
    rows = news.rows(select(article.c.embedding))  # typed: pgvector gives numpy arrays
    vectors = np.stack([r.embedding for r in rows])
    assert vectors.shape == (3, 1024)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    scores = news.rows("SELECT slug, embedding_score FROM news.article_trend")
    assert scores and all(0 < s <= 1 for _, s in scores)


def test_embeddings_missed_while_the_ai_service_was_down_are_filled_in(news: News) -> None:
    news.feeds.serve_file("/ko.xml", "rss20_ko.xml")
    news.add_feed("/ko.xml")
    down = news.cycle(ai_url=f"http://127.0.0.1:{free_port()}")
    assert down.new_articles == 3
    assert news.scalar("SELECT count(*) FROM news.article WHERE embedding IS NULL") == 3
    tagged = news.scalar("SELECT count(*) FROM news.article_trend WHERE embedding_score = 0")
    assert tagged == 3  # keyword tags meanwhile
    assert news.cycle().caught_up == 3
    assert news.scalar("SELECT count(*) FROM news.article WHERE embedding IS NULL") == 0
    assert news.cycle().caught_up == 0


def test_semantic_and_hybrid_search(news: News) -> None:
    news.feeds.serve_file("/ko.xml", "rss20_ko.xml")
    news.add_feed("/ko.xml")
    news.cycle()
    with news.api(news.token("news-reader", "news:read")) as api:
        semantic = api.get(
            "/v1/search", params={"q": "고대역폭메모리 HBM 수요", "mode": "semantic"}
        )
        assert semantic.status_code == 200, semantic.text
        body = semantic.json()
        assert body["mode"] == "semantic"
        assert body["items"][0]["title"] == "SK하이닉스, HBM 생산 설비 확대"
        assert body["items"][0]["semantic_score"] > body["items"][-1]["semantic_score"] or (
            len(body["items"]) == 1
        )
        hybrid = api.get("/v1/search", params={"q": "2차전지 수출"}).json()
        assert hybrid["mode"] == "hybrid"
        top = hybrid["items"][0]
        assert top["title"].startswith("2차전지") and top["keyword_score"] > 0
        assert top["semantic_score"] > 0
        assert top["score"] == round((top["keyword_score"] + top["semantic_score"]) / 2, 6)
