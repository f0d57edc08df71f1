"""The demo's sample news: written for the project, labelled as samples, tagged to trends,
never counted as a signal, and replaced by the first real articles a feed delivers."""

from __future__ import annotations

import datetime as dt

from trendpath.kit.settings import default_data_dir
from trendpath.news.samples import LOADER, SAMPLE_FEED_URL, load_samples
from trendpath.trends.catalog import catalog_by_slug

from .conftest import News


def _load(news: News) -> str:
    with news.db.session_scope() as session:
        assert not LOADER.is_loaded(session)
        return LOADER.load(session, news.server.runtime)


def test_every_sample_is_labelled_and_tagged_to_catalog_trends() -> None:
    doc = load_samples(default_data_dir())
    catalog = catalog_by_slug()
    assert "실제 보도 아님" in doc["feed_title"]
    assert len(doc["articles"]) >= 10
    for item in doc["articles"]:
        assert item["title"].startswith("[예시] ")
        assert set(item["trends"]) <= set(catalog), item["trends"]


def test_samples_show_as_samples_and_never_count_as_signals(news: News) -> None:
    summary = _load(news)
    assert "sample articles" in summary
    reader = news.api(news.token("news-reader", "news:read"))
    page = reader.get("/v1/trends/generative-ai/articles").json()
    assert page["total"] >= 3
    assert all(a["sample"] for a in page["items"])
    assert all(a["title"].startswith("[예시]") for a in page["items"])
    today = dt.date.today()
    window = {"from": str(today - dt.timedelta(days=60)), "to": str(today)}
    assert reader.get("/v1/signals/articles", params=window).json() == {"items": []}
    assert reader.get("/v1/signals/deals", params=window).json() == {"items": []}
    assert news.scalar("SELECT enabled FROM news.feed WHERE url = :u", u=SAMPLE_FEED_URL) is False
    with news.db.session_scope() as session:
        assert LOADER.is_loaded(session)  # loaded once


def test_the_first_real_articles_replace_the_samples(news: News) -> None:
    _load(news)
    news.feeds.serve_file("/ko.xml", "rss20_ko.xml")
    news.add_feed("/ko.xml")
    report = news.cycle()
    assert report.new_articles == 3
    assert news.scalar("SELECT count(*) FROM news.feed WHERE url = :u", u=SAMPLE_FEED_URL) == 0
    titles = [r.title for r in news.rows("SELECT title FROM news.article")]
    assert len(titles) == 3 and not any(t.startswith("[예시]") for t in titles)
