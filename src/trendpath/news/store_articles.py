"""SQL of the News Service's articles as the worker writes them. Never commits.

Articles are unique per feed on their dedup hash; inserts use ``ON CONFLICT DO NOTHING`` and
only the rows that were really inserted get their tags and deal, so a feed fetched twice (or by
two workers after a lease expired) stores each item once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import numpy as np
from sqlalchemy import Row, bindparam, func, select, true
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from trendpath.news import models as m
from trendpath.news.analysis import Analysed
from trendpath.news.embedder import storable
from trendpath.news.samples import drop_when_real
from trendpath.news.tagging import TrendTag

UNEMBEDDABLE = "unembeddable"
"""``meta`` flag of an article whose text embeds to a zero vector (nothing to search by)."""


def known_hashes(session: Session, feed_id: int, hashes: Sequence[str]) -> set[str]:
    """Which of ``hashes`` the feed already has."""
    if not hashes:
        return set()
    a = m.article.c
    stmt = select(a.hash).where(a.feed_id == feed_id, a.hash.in_(list(hashes)))
    return set(session.execute(stmt).scalars())


def _text(value: str) -> str:
    """PostgreSQL text and jsonb refuse NUL characters, which a loosely parsed feed can carry."""
    return value.replace("\x00", "")


def _meta(item: Analysed) -> dict[str, Any]:
    e = item.article.entry
    meta: dict[str, Any] = {"date_source": e.date_source}
    if e.guid:
        meta["guid"] = _text(e.guid[:500])
    if e.author:
        meta["author"] = _text(e.author[:200])
    if e.categories:
        meta["categories"] = [_text(c[:100]) for c in e.categories[:20]]
    if item.embedding is not None and storable(item.embedding) is None:
        meta[UNEMBEDDABLE] = True
    return meta


def _row(feed_id: int, fetched_at: dt.datetime, item: Analysed) -> dict[str, Any]:
    e = item.article.entry
    return {
        "feed_id": feed_id,
        "hash": item.article.hash,
        "near_key": item.article.near_key,
        "url": _text(e.link) if e.link else None,
        "title": _text(e.title),
        "summary": _text(e.summary),
        "published_at": e.published,
        "fetched_at": fetched_at,
        "keywords": [_text(k) for k in item.keywords],
        "meta": _meta(item),
        "embedding": storable(item.embedding),
        "tagged_at": fetched_at if item.tagged else None,
    }


def insert_articles(
    session: Session, feed_id: int, fetched_at: dt.datetime, items: Sequence[Analysed]
) -> int:
    """Insert new articles with their tags and deals; returns how many were new."""
    if not items:
        return 0
    stmt = (
        insert(m.article)
        .on_conflict_do_nothing(index_elements=["feed_id", "hash"])
        .returning(m.article.c.id, m.article.c.hash)
    )
    rows = [_row(feed_id, fetched_at, item) for item in items]
    ids = {r.hash: r.id for r in session.execute(stmt, rows)}
    fresh = [(ids[item.article.hash], item) for item in items if item.article.hash in ids]
    insert_tags(session, [(aid, tag) for aid, item in fresh for tag in item.tags])
    deals = [
        {
            "article_id": aid,
            "round": item.deal.round,
            "amount_krw": item.deal.amount_krw,
            "amount": item.deal.amount,
            "currency": item.deal.currency,
            "amount_text": item.deal.amount_text,
            "sentence": _text(item.deal.sentence[:1000]),
        }
        for aid, item in fresh
        if item.deal is not None
    ]
    if deals:
        session.execute(insert(m.deal).on_conflict_do_nothing(), deals)
    drop_when_real(session, feed_id, len(fresh))  # real news replaces the demo's samples
    return len(fresh)


def _clip(value: float) -> float:
    return min(1.0, max(0.0, float(value)))


def insert_tags(session: Session, tags: Sequence[tuple[int, TrendTag]]) -> None:
    """Store (article id, tag) pairs; pairs already stored are left alone."""
    if not tags:
        return
    rows = [
        {
            "article_id": aid,
            "slug": t.slug,
            "score": _clip(t.score),
            "keyword_score": _clip(t.keyword_score),
            "embedding_score": _clip(t.embedding_score),
            "matched": [_text(k) for k in t.matched[:20]],
        }
        for aid, t in tags
    ]
    session.execute(insert(m.article_trend).on_conflict_do_nothing(), rows)


# --- catch-up for articles stored while a sibling was down ---------------------------------


def pending(session: Session, *, tags: bool, vectors: bool, limit: int) -> list[Row[Any]]:
    """Articles still waiting for tags (if ``tags``) or an embedding (if ``vectors``)."""
    a = m.article.c
    wanted = []
    if tags:
        wanted.append(a.tagged_at.is_(None))
    if vectors:
        wanted.append(a.embedding.is_(None) & ~a.meta.has_key(UNEMBEDDABLE))
    if not wanted:
        return []
    cond = wanted[0] if len(wanted) == 1 else wanted[0] | wanted[1]
    stmt = (
        select(a.id, a.title, a.summary, a.embedding, a.tagged_at)
        .where(cond)
        .order_by(a.id)
        .limit(limit)
    )
    return list(session.execute(stmt))


def any_pending(session: Session) -> bool:
    """Whether any article waits for tags or an embedding."""
    a = m.article.c
    cond = a.tagged_at.is_(None) | (a.embedding.is_(None) & ~a.meta.has_key(UNEMBEDDABLE))
    return bool(session.execute(select(true()).where(cond).limit(1)).first())


def complete(
    session: Session,
    article_id: int,
    vector: np.ndarray | None,
    tags: Sequence[TrendTag] | None,
    now: dt.datetime,
) -> None:
    """Fill in what a catch-up computed; only the parts still missing are written.

    ``vector`` None means "still unknown"; a zero vector marks the article unembeddable.
    """
    a = m.article
    missing = a.c.embedding.is_(None)
    if vector is not None and storable(vector) is not None:
        session.execute(a.update().where(a.c.id == article_id, missing).values(embedding=vector))
    elif vector is not None:
        flag = a.c.meta.op("||")(func.jsonb_build_object(UNEMBEDDABLE, True))
        session.execute(a.update().where(a.c.id == article_id, missing).values(meta=flag))
    if tags is None:
        return
    stmt = (
        a.update()
        .where(a.c.id == article_id, a.c.tagged_at.is_(None))
        .values(tagged_at=bindparam("now"))
        .returning(a.c.id)
    )
    if session.execute(stmt, {"now": now}).first() is not None:
        insert_tags(session, [(article_id, t) for t in tags])
