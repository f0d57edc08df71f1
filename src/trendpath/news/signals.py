"""Weekly signals for the Trend Analysis Service: article counts and funding deals per trend.

Weeks are ISO weeks (Monday to Sunday) in Korea time, named by their Monday. A *story* is the set
of articles sharing a near-duplicate key (the same headline from several outlets); an article
without a key is a story of its own. Each story counts once per trend, in the week of its first
report, so one wire story republished by ten outlets is one article and one deal:

* ``articles``: stories tagged with the trend (``mentions`` counts every copy);
* ``deals``: stories tagged with the trend that report a funding deal, ``amount_krw`` summing
  each story's stated size (the largest among its copies; stories with no stated size add 0).

Sample articles of the offline demo (``meta.sample``) never count.

Copies are matched within a look-back of ``LOOKBACK`` before the requested range, so a story
republished more than that later counts again.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Row, text
from sqlalchemy.orm import Session

LOOKBACK = dt.timedelta(days=30)
KST_OFFSET = dt.timedelta(hours=9)
_WEEK = "(date_trunc('week', (first_at AT TIME ZONE 'UTC') + interval '9 hours'))::date"

_ARTICLES = text(
    f"""
    WITH tagged AS (
        SELECT t.slug, coalesce(a.near_key, 'id:' || a.id) AS story, a.published_at
        FROM news.article_trend t JOIN news.article a ON a.id = t.article_id
        WHERE a.published_at >= :lo AND a.published_at < :hi
          AND NOT coalesce((a.meta->>'sample')::boolean, false)
    ), stories AS (
        SELECT slug, story, min(published_at) AS first_at, count(*) AS copies
        FROM tagged GROUP BY slug, story
    ), weekly AS (
        SELECT slug, {_WEEK} AS week, copies FROM stories
    )
    SELECT slug AS trend, week, count(*) AS articles, sum(copies) AS mentions
    FROM weekly WHERE week BETWEEN :first AND :last
    GROUP BY slug, week ORDER BY week, slug
    """
)

_DEALS = text(
    f"""
    WITH tagged AS (
        SELECT t.slug, coalesce(a.near_key, 'id:' || a.id) AS story, a.published_at,
               d.amount_krw
        FROM news.deal d
        JOIN news.article a ON a.id = d.article_id
        JOIN news.article_trend t ON t.article_id = a.id
        WHERE a.published_at >= :lo AND a.published_at < :hi
          AND NOT coalesce((a.meta->>'sample')::boolean, false)
    ), stories AS (
        SELECT slug, story, min(published_at) AS first_at, max(amount_krw) AS amount_krw
        FROM tagged GROUP BY slug, story
    ), weekly AS (
        SELECT slug, {_WEEK} AS week, amount_krw FROM stories
    )
    SELECT slug AS trend, week, count(*) AS deals,
           coalesce(sum(amount_krw), 0)::double precision AS amount_krw
    FROM weekly WHERE week BETWEEN :first AND :last
    GROUP BY slug, week ORDER BY week, slug
    """
)


def week_of(day: dt.date) -> dt.date:
    """The Monday of ``day``'s ISO week."""
    return day - dt.timedelta(days=day.weekday())


def _bounds(first: dt.date, last: dt.date) -> dict[str, Any]:
    """Query parameters: Monday range plus the UTC instants that bound it in Korea time."""
    start = dt.datetime.combine(first, dt.time(), tzinfo=dt.UTC) - KST_OFFSET
    end = dt.datetime.combine(last + dt.timedelta(days=7), dt.time(), tzinfo=dt.UTC) - KST_OFFSET
    return {"first": first, "last": last, "lo": start - LOOKBACK, "hi": end}


def article_counts(session: Session, first: dt.date, last: dt.date) -> list[Row[Any]]:
    """(trend, week, articles, mentions) for the weeks ``first``..``last`` (Mondays, inclusive)."""
    return list(session.execute(_ARTICLES, _bounds(week_of(first), week_of(last))))


def deal_totals(session: Session, first: dt.date, last: dt.date) -> list[Row[Any]]:
    """(trend, week, deals, amount_krw) for the weeks ``first``..``last`` (Mondays, inclusive)."""
    return list(session.execute(_DEALS, _bounds(week_of(first), week_of(last))))
