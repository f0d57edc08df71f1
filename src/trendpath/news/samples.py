"""Sample news for the offline demo: a few Korean articles written for the project
(``data/news/sample_articles.yaml``), each tagged to catalog trends, so the news parts of the
dashboard show something without internet.

They live in one disabled feed (never fetched) and carry ``meta.sample = true``: the API says
``sample: true`` and the dashboard labels them, the weekly signals behind the funding
indicator skip them, and the first real article any feed delivers deletes them
(:func:`drop_when_real`), so real news replaces the samples by itself.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import text
from sqlalchemy.orm import Session

from trendpath.demo import DemoLoader
from trendpath.kit.runtime import Runtime

SAMPLE_FEED_URL = "https://samples.trendpath.invalid/news"
"""Reserved TLD (RFC 2606): the feed can never be fetched, and is disabled anyway."""
SAMPLES_FILE = Path("news") / "sample_articles.yaml"


def load_samples(data_dir: Path) -> dict[str, Any]:
    """The sample file, checked: every article has a title, a summary and trends."""
    doc = yaml.safe_load((data_dir / SAMPLES_FILE).read_text(encoding="utf-8"))
    for i, item in enumerate(doc["articles"]):
        if not (item.get("title") and item.get("summary") and item.get("trends")):
            raise ValueError(f"{SAMPLES_FILE}: article {i} needs title, summary and trends")
    return dict(doc)


def _is_loaded(session: Session) -> bool:
    # Real articles make samples pointless; a sample feed means they are there already.
    return bool(session.execute(text("SELECT EXISTS (SELECT 1 FROM news.article)")).scalar())


def _load(session: Session, runtime: Runtime) -> str:
    doc = load_samples(runtime.settings.data_dir)
    feed_id = session.execute(
        text(
            "INSERT INTO news.feed (url, title, lang, enabled, added_by) "
            "VALUES (:url, :title, 'ko', false, 'demo') ON CONFLICT (url) DO UPDATE "
            "SET title = excluded.title RETURNING id"
        ),
        {"url": SAMPLE_FEED_URL, "title": doc["feed_title"]},
    ).scalar_one()
    now = dt.datetime.now(dt.UTC)
    tags = sum(_insert(session, feed_id, item, now) for item in doc["articles"])
    return f"{len(doc['articles'])} sample articles (written for the demo), {tags} trend tags"


def _insert(session: Session, feed_id: int, item: dict[str, Any], now: dt.datetime) -> int:
    digest = hashlib.sha256(("sample:" + item["title"]).encode()).hexdigest()
    published = now - dt.timedelta(days=int(item.get("days_ago", 0)), hours=1)
    article_id = session.execute(
        text(
            "INSERT INTO news.article (feed_id, hash, title, summary, published_at, fetched_at, "
            "meta, tagged_at) VALUES (:feed, :hash, :title, :summary, :published, :now, "
            "CAST(:meta AS jsonb), :now) ON CONFLICT (feed_id, hash) DO NOTHING RETURNING id"
        ),
        {
            "feed": feed_id,
            "hash": digest,
            "title": item["title"],
            "summary": item["summary"],
            "published": published,
            "now": now,
            "meta": json.dumps({"sample": True, "date_source": "sample"}),
        },
    ).scalar()
    if article_id is None:
        return 0
    slugs = list(item["trends"])  # catalog slugs (checked by the tests against the catalog)
    for slug in slugs:
        session.execute(
            text(
                "INSERT INTO news.article_trend (article_id, slug, score, keyword_score, "
                "embedding_score) VALUES (:id, :slug, 1, 1, 0) ON CONFLICT DO NOTHING"
            ),
            {"id": article_id, "slug": slug},
        )
    return len(slugs)


def drop_samples(session: Session) -> int:
    """Delete the sample feed and its articles; how many articles went."""
    gone = session.execute(
        text(
            "DELETE FROM news.article WHERE feed_id IN (SELECT id FROM news.feed WHERE url = :url)"
        ),
        {"url": SAMPLE_FEED_URL},
    ).rowcount  # type: ignore[attr-defined]
    session.execute(text("DELETE FROM news.feed WHERE url = :url"), {"url": SAMPLE_FEED_URL})
    return int(gone)


def drop_when_real(session: Session, feed_id: int, new_articles: int) -> None:
    """Real articles arrived (from a feed that is not the sample feed): samples go."""
    if new_articles <= 0:
        return
    # A plain read first: once the samples are gone (nearly always) this takes no write lock.
    sample = session.execute(
        text("SELECT id FROM news.feed WHERE url = :url"), {"url": SAMPLE_FEED_URL}
    ).scalar()
    if sample is not None and sample != feed_id:
        session.execute(text("DELETE FROM news.feed WHERE id = :id"), {"id": sample})


def _reset(session: Session) -> None:
    drop_samples(session)


LOADER = DemoLoader(name="news", is_loaded=_is_loaded, load=_load, reset=_reset)
