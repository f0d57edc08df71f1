"""Reading articles: a trend's articles, and search by keyword, by meaning, or both.

Near-duplicates are collapsed everywhere: one row per story (articles sharing a near-duplicate
key), shown as its first report with ``copies`` saying how many outlets ran it.

Search (:func:`search`):

* **keyword** - the query's Korean nouns (kiwipiepy; whitespace words as a fallback) matched in
  the title (weight 2), the stored keywords (2) and the summary (1), as a share of the best
  possible; substring matches, so "반도체" finds "반도체를" (pg_trgm indexes them where present);
* **semantic** - cosine similarity between the query's embedding and the article's (pgvector
  HNSW), from the AI service's encoder; below ``SEMANTIC_FLOOR`` is no match;
* **hybrid** (default) - candidates of both, scored ``(keyword + semantic) / 2``.

Candidates are fetched for the requested page plus margin (at most ``MAX_POOL``), scored, then
collapsed by story and paged.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from pgvector.sqlalchemy import Vector
from sqlalchemy import Row, bindparam, text
from sqlalchemy.orm import Session

from trendpath.news.models import EMBED_DIM

SearchMode = Literal["hybrid", "keyword", "semantic"]
MAX_TERMS = 8
MAX_POOL = 500
SEMANTIC_FLOOR = 0.05
_STORY = "coalesce(a.near_key, 'id:' || a.id)"
_COLUMNS = (
    "a.id, a.feed_id, f.title AS source, a.url, a.title, a.summary, a.published_at, a.keywords, "
    "a.near_key, d.round AS deal_round, d.amount_krw AS deal_amount_krw, "
    "d.currency AS deal_currency, d.amount_text AS deal_amount_text, "
    "coalesce((a.meta->>'sample')::boolean, false) AS sample"
)
_JOINS = "JOIN news.feed f ON f.id = a.feed_id LEFT JOIN news.deal d ON d.article_id = a.id"


def trend_articles(
    session: Session, slug: str, *, limit: int, offset: int
) -> tuple[int, list[Row[Any]]]:
    """A trend's stories, newest first: (total stories, page of first reports with copies)."""
    total = session.execute(
        text(
            f"SELECT count(DISTINCT {_STORY}) FROM news.article_trend t "
            "JOIN news.article a ON a.id = t.article_id WHERE t.slug = :slug"
        ),
        {"slug": slug},
    ).scalar_one()
    stmt = text(
        f"""
        WITH tagged AS (
            SELECT {_COLUMNS}, t.score, {_STORY} AS story
            FROM news.article_trend t JOIN news.article a ON a.id = t.article_id {_JOINS}
            WHERE t.slug = :slug
        ), stories AS (
            SELECT DISTINCT ON (story) *, count(*) OVER (PARTITION BY story) AS copies
            FROM tagged ORDER BY story, published_at, id
        )
        SELECT * FROM stories ORDER BY published_at DESC, id DESC LIMIT :limit OFFSET :offset
        """
    )
    rows = session.execute(stmt, {"slug": slug, "limit": limit, "offset": offset})
    return int(total), list(rows)


def query_terms(query: str, nouns: Sequence[str]) -> list[str]:
    """The search terms: the query's nouns, else its words; unique, at most MAX_TERMS."""
    words = [w for w in nouns if w.strip()] or query.split()
    unique = dict.fromkeys(w.strip()[:40] for w in words if w.strip())
    return list(unique)[:MAX_TERMS]


def _like(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _keyword_expr(terms: Sequence[str]) -> tuple[str, dict[str, Any]]:
    parts: list[str] = []
    params: dict[str, Any] = {}
    for i, term in enumerate(terms):
        params[f"p{i}"] = _like(term)
        params[f"k{i}"] = [term, term.lower(), term.upper()]
        parts.append(
            f"(CASE WHEN a.title ILIKE :p{i} THEN 2 ELSE 0 END"
            f" + CASE WHEN a.keywords && CAST(:k{i} AS text[]) THEN 2 ELSE 0 END"
            f" + CASE WHEN a.summary ILIKE :p{i} THEN 1 ELSE 0 END)"
        )
    expr = f"(({' + '.join(parts)}) / {5.0 * len(terms)})" if parts else "0.0"
    return expr, params


def _trend_filter(trend: str | None) -> str:
    if trend is None:
        return "TRUE"
    return (
        "EXISTS (SELECT 1 FROM news.article_trend t WHERE t.article_id = a.id AND t.slug = :trend)"
    )


def _keyword_candidates(
    session: Session, terms: Sequence[str], trend: str | None, pool: int
) -> list[int]:
    expr, params = _keyword_expr(terms)
    patterns = [params[f"p{i}"] for i in range(len(terms))]
    every = sorted({v for i in range(len(terms)) for v in params[f"k{i}"]})
    stmt = text(
        f"""
        SELECT a.id FROM news.article a
        WHERE (a.title ILIKE ANY(CAST(:patterns AS text[]))
               OR a.summary ILIKE ANY(CAST(:patterns AS text[]))
               OR a.keywords && CAST(:every AS text[]))
          AND {_trend_filter(trend)}
        ORDER BY {expr} DESC, a.published_at DESC LIMIT :pool
        """
    )
    args = {**params, "patterns": patterns, "every": every, "pool": pool, "trend": trend}
    return list(session.execute(stmt, args).scalars())


def _semantic_candidates(
    session: Session, vector: np.ndarray, trend: str | None, pool: int
) -> list[int]:
    stmt = text(
        f"""
        SELECT a.id FROM news.article a
        WHERE a.embedding IS NOT NULL AND {_trend_filter(trend)}
        ORDER BY a.embedding <=> :q LIMIT :pool
        """
    ).bindparams(bindparam("q", type_=Vector(EMBED_DIM)))
    return list(session.execute(stmt, {"q": vector, "pool": pool, "trend": trend}).scalars())


@dataclass(frozen=True)
class Hit:
    """One search result: the story's best-scoring article and its scores."""

    row: Row[Any]
    score: float
    keyword_score: float
    semantic_score: float
    copies: int


def _scored(
    session: Session, ids: Sequence[int], terms: Sequence[str], vector: np.ndarray | None
) -> list[Row[Any]]:
    expr, params = _keyword_expr(terms)
    semantic = "0.0"
    if vector is not None:
        semantic = "CASE WHEN a.embedding IS NULL THEN 0.0 ELSE 1 - (a.embedding <=> :q) END"
        params["q"] = vector
    stmt = text(
        f"""
        SELECT {_COLUMNS}, {_STORY} AS story, {expr} AS keyword_score,
               {semantic} AS semantic_score
        FROM news.article a {_JOINS}
        WHERE a.id = ANY(CAST(:ids AS bigint[]))
        """
    )
    if vector is not None:
        stmt = stmt.bindparams(bindparam("q", type_=Vector(EMBED_DIM)))
    return list(session.execute(stmt, {**params, "ids": list(ids)}))


def _blend(rows: Sequence[Row[Any]], mode: SearchMode) -> list[Hit]:
    by_story: dict[str, list[Hit]] = {}
    for r in rows:
        kw = float(r.keyword_score)
        sem = max(0.0, float(r.semantic_score))
        if mode == "keyword":
            score = kw
        elif mode == "semantic":
            score = sem if sem >= SEMANTIC_FLOOR else 0.0
        else:
            score = (kw + (sem if sem >= SEMANTIC_FLOOR else 0.0)) / 2
        if score <= 0:
            continue
        by_story.setdefault(r.story, []).append(Hit(r, score, kw, sem, 1))
    hits = []
    for group in by_story.values():
        best = max(group, key=lambda h: (h.score, -h.row.published_at.timestamp()))
        hits.append(Hit(best.row, best.score, best.keyword_score, best.semantic_score, len(group)))
    hits.sort(key=lambda h: (-h.score, -h.row.published_at.timestamp(), -h.row.id))
    return hits


def search(
    session: Session,
    *,
    terms: Sequence[str],
    vector: np.ndarray | None,
    mode: SearchMode,
    trend: str | None,
    limit: int,
    offset: int,
) -> list[Hit]:
    """One page of hits (see the module docstring); ``vector`` is None in keyword mode."""
    pool = min(MAX_POOL, max(100, (offset + limit) * 3))
    ids: dict[int, None] = {}
    if mode in ("keyword", "hybrid") and terms:
        ids.update(dict.fromkeys(_keyword_candidates(session, terms, trend, pool)))
    if mode in ("semantic", "hybrid") and vector is not None:
        ids.update(dict.fromkeys(_semantic_candidates(session, vector, trend, pool)))
    if not ids:
        return []
    hits = _blend(_scored(session, list(ids), terms, vector), mode)
    return hits[offset : offset + limit]
