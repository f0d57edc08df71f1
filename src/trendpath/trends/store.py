"""All SQL of the Trend Analysis Service. Functions take a Session and never commit."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Row, delete, exists, func, literal_column, select, text, true
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from trendpath.kit.db import copy_rows
from trendpath.trends import models as m


@dataclass(frozen=True)
class IndicatorRow:
    """One weekly observation of one indicator for one trend."""

    trend_id: int
    indicator: str
    week: date
    value: float
    source: str
    import_file: str | None = None
    """The CSV file a value was imported from (None: collected or generated)."""
    import_row: int | None = None
    """The line of that file."""


def upsert_trends(session: Session, rows: Sequence[dict[str, Any]]) -> dict[str, int]:
    """Insert or update trends by slug; return slug → id."""
    if not rows:
        return {}
    stmt = insert(m.trend).values(list(rows))
    update: dict[str, Any] = {c: stmt.excluded[c] for c in rows[0] if c != "slug"}
    update["updated_at"] = func.now()
    stmt = stmt.on_conflict_do_update(index_elements=["slug"], set_=update)
    session.execute(stmt)
    slugs = [r["slug"] for r in rows]
    found = session.execute(select(m.trend.c.slug, m.trend.c.id).where(m.trend.c.slug.in_(slugs)))
    return {slug: tid for slug, tid in found.tuples()}


def upsert_indicators(session: Session, rows: Iterable[IndicatorRow], batch: int = 5000) -> int:
    """Idempotent upsert of indicator values; returns how many rows were inserted or changed."""
    return sum(upsert_indicators_counted(session, rows, batch))


def upsert_indicators_counted(
    session: Session, rows: Iterable[IndicatorRow], batch: int = 5000
) -> tuple[int, int]:
    """Like :func:`upsert_indicators`, counted apart: (new rows, revised rows).

    A revision is a stored (trend, indicator, week) whose value or origin changed.
    """
    new = revised = 0
    chunk: list[dict[str, Any]] = []
    for row in rows:
        chunk.append(row.__dict__.copy())
        if len(chunk) >= batch:
            counts = _upsert_indicator_chunk(session, chunk)
            new, revised, chunk = new + counts[0], revised + counts[1], []
    if chunk:
        counts = _upsert_indicator_chunk(session, chunk)
        new, revised = new + counts[0], revised + counts[1]
    return new, revised


def _upsert_indicator_chunk(session: Session, chunk: list[dict[str, Any]]) -> tuple[int, int]:
    iv = m.indicator_value
    stmt = insert(iv).values(chunk)
    stmt = stmt.on_conflict_do_update(
        index_elements=["trend_id", "indicator", "week"],
        set_={
            "value": stmt.excluded.value,
            "source": stmt.excluded.source,
            "import_file": stmt.excluded.import_file,
            "import_row": stmt.excluded.import_row,
            "ingested_at": func.now(),
        },
        where=(iv.c.value != stmt.excluded.value)
        | (iv.c.source != stmt.excluded.source)
        | iv.c.import_file.is_distinct_from(stmt.excluded.import_file)
        | iv.c.import_row.is_distinct_from(stmt.excluded.import_row),
    )
    # Unchanged rows hit the WHERE and return nothing: the count is what really changed.
    # xmax = 0 marks a freshly inserted row; an updated one carries the updating transaction.
    inserted: Any = literal_column("(xmax = 0)").label("inserted")
    flags = session.execute(stmt.returning(inserted)).scalars().all()
    new = sum(1 for f in flags if f)
    return new, len(flags) - new


def copy_indicators(session: Session, rows: Iterable[IndicatorRow]) -> int:
    """Bulk-load indicator values that are known to be new (first load of a panel)."""
    columns = ("trend_id", "indicator", "week", "value", "source")
    data = ((r.trend_id, r.indicator, r.week, r.value, r.source) for r in rows)
    return copy_rows(session, "trends.indicator_value", columns, data)


VELOCITY_COLUMNS = (
    "trend_id",
    "week",
    "score",
    "contributions",
    "stability",
    "config_version",
    "synthetic_share",
)


def replace_velocity(
    session: Session, trend_ids: Sequence[int], rows: list[dict[str, Any]]
) -> None:
    """Replace the stored Velocity history of ``trend_ids`` with ``rows``."""
    session.execute(delete(m.velocity).where(m.velocity.c.trend_id.in_(list(trend_ids))))
    data = ([r.get(c) for c in VELOCITY_COLUMNS] for r in rows)
    copy_rows(session, "trends.velocity", VELOCITY_COLUMNS, data)


def trend_ids(session: Session) -> dict[str, int]:
    """slug → id of every trend."""
    return dict(session.execute(select(m.trend.c.slug, m.trend.c.id)).tuples().all())


def count_trends(session: Session) -> int:
    """How many trends exist."""
    return int(session.execute(select(func.count()).select_from(m.trend)).scalar_one())


def trends_without_indicators(session: Session) -> dict[str, int]:
    """Trends (slug → id) that have no indicator value at all: new catalog entries."""
    t, iv = m.trend, m.indicator_value
    has = select(iv.c.trend_id).where(iv.c.trend_id == t.c.id).exists()
    rows = session.execute(select(t.c.slug, t.c.id).where(~has).order_by(t.c.id))
    return {slug: int(tid) for slug, tid in rows}


def delete_all(session: Session) -> None:
    """Remove every trend and everything hanging off it."""
    session.execute(text("TRUNCATE trends.trend RESTART IDENTITY CASCADE"))


def _latest_velocity() -> Any:
    # LATERAL + LIMIT 1 walks the (trend_id, week) primary key backwards: one index probe a trend.
    v = m.velocity
    return (
        select(v.c.week, v.c.score, v.c.stability, v.c.contributions, v.c.synthetic_share)
        .where(v.c.trend_id == m.trend.c.id)
        .order_by(v.c.week.desc())
        .limit(1)
        .lateral("latest")
    )


def list_trends(
    session: Session,
    *,
    query: str | None,
    category: str | None,
    interest: str | None,
    limit: int,
    offset: int,
) -> tuple[int, list[Row[Any]]]:
    """Trends matching the filters with their latest Velocity, best-moving first."""
    t = m.trend
    conds: list[ColumnElement[bool]] = [t.c.active.is_(True)]
    if query:
        like = f"%{query}%"
        conds.append(
            t.c.name_ko.ilike(like)
            | t.c.name_en.ilike(like)
            | t.c.slug.ilike(like)
            | t.c.attrs["keywords_ko"].astext.ilike(like)
        )
    if category:
        conds.append(t.c.category == category)
    if interest:
        conds.append(t.c.attrs.contains({"interest_tags": [interest]}))
    total = session.execute(select(func.count()).select_from(t).where(*conds)).scalar_one()
    v = _latest_velocity()
    stmt = (
        select(t, v.c.week, v.c.score, v.c.stability, v.c.contributions, v.c.synthetic_share)
        .outerjoin(v, true())
        .where(*conds)
        .order_by(v.c.score.desc().nulls_last(), t.c.slug)
        .limit(limit)
        .offset(offset)
    )
    return int(total), list(session.execute(stmt))


def get_trend(session: Session, slug: str) -> Row[Any] | None:
    """One trend with its latest Velocity, or None."""
    t, v = m.trend, _latest_velocity()
    stmt = (
        select(t, v.c.week, v.c.score, v.c.stability, v.c.contributions, v.c.synthetic_share)
        .outerjoin(v, true())
        .where(t.c.slug == slug)
    )
    return session.execute(stmt).first()


def indicator_history(
    session: Session, trend_id: int, start: date | None, end: date | None
) -> list[Row[Any]]:
    """Weekly indicator values of a trend, ordered by week."""
    iv = m.indicator_value
    conds = [iv.c.trend_id == trend_id]
    if start:
        conds.append(iv.c.week >= start)
    if end:
        conds.append(iv.c.week <= end)
    stmt = select(
        iv.c.indicator,
        iv.c.week,
        iv.c.value,
        iv.c.source,
        iv.c.import_file,
        iv.c.import_row,
        iv.c.ingested_at,
    ).where(*conds)
    return list(session.execute(stmt.order_by(iv.c.week, iv.c.indicator)))


def velocity_history(
    session: Session, trend_id: int, start: date | None, end: date | None
) -> list[Row[Any]]:
    """Weekly Velocity Scores with contributions, ordered by week."""
    v = m.velocity
    conds = [v.c.trend_id == trend_id]
    if start:
        conds.append(v.c.week >= start)
    if end:
        conds.append(v.c.week <= end)
    stmt = select(
        v.c.week,
        v.c.score,
        v.c.stability,
        v.c.contributions,
        v.c.config_version,
        v.c.synthetic_share,
    )
    return list(session.execute(stmt.where(*conds).order_by(v.c.week)))


def panel_values(session: Session, trend_ids: Sequence[int] | None = None) -> list[Row[Any]]:
    """Indicator values (trend id, indicator, week, value, source) of every trend, or of some,
    for recomputation."""
    iv = m.indicator_value
    stmt = select(iv.c.trend_id, iv.c.indicator, iv.c.week, iv.c.value, iv.c.source)
    if trend_ids is not None:
        stmt = stmt.where(iv.c.trend_id.in_(list(trend_ids)))
    return list(session.execute(stmt.order_by(iv.c.trend_id, iv.c.week)))


def panel_weeks(session: Session) -> list[date]:
    """Every week that has an indicator value of any trend (the panel's week axis)."""
    iv = m.indicator_value
    return list(session.execute(select(iv.c.week).distinct().order_by(iv.c.week)).scalars())


def indicator_rows(session: Session, trend_ids: Sequence[int]) -> list[Row[Any]]:
    """Stored indicator values of the given trends, ordered for export."""
    iv = m.indicator_value
    stmt = select(iv.c.trend_id, iv.c.week, iv.c.indicator, iv.c.value, iv.c.source)
    stmt = stmt.where(iv.c.trend_id.in_(list(trend_ids)))
    return list(session.execute(stmt.order_by(iv.c.trend_id, iv.c.indicator, iv.c.week)))


def latest_velocity(session: Session, trend_ids: Sequence[int]) -> dict[int, Row[Any]]:
    """The latest Velocity row of each given trend."""
    t, v = m.trend, _latest_velocity()
    stmt = (
        select(t.c.id, v.c.week, v.c.score, v.c.stability, v.c.synthetic_share)
        .join(v, true())
        .where(t.c.id.in_(list(trend_ids)))
    )
    rows: list[Row[Any]] = list(session.execute(stmt))
    return {r.id: r for r in rows}


FORECAST_LABELS = ("model", "kind", "validation_rel_mse", "reason", "reason_detail")


def _latest_forecast() -> Any:
    f, v = m.forecast, m.velocity
    labels = [f.c[c] for c in FORECAST_LABELS]
    # A forecast reads the inputs of its origin week's score: it carries that score's share.
    share = (
        select(v.c.synthetic_share)
        .where(v.c.trend_id == f.c.trend_id, v.c.week == f.c.week)
        .scalar_subquery()
        .label("synthetic_share")
    )
    return (
        select(
            f.c.week,
            f.c.horizon_weeks,
            f.c.point,
            f.c.lo,
            f.c.hi,
            f.c.model_version,
            *labels,
            share,
        )
        .where(f.c.trend_id == m.trend.c.id)
        .order_by(f.c.week.desc(), f.c.created_at.desc())
        .limit(1)
        .lateral("fc")
    )


def latest_forecasts(session: Session, trend_ids: list[int] | None = None) -> dict[int, Row[Any]]:
    """The newest forecast of each trend (all trends, or the given ones)."""
    t, f = m.trend, _latest_forecast()
    stmt = select(t.c.id, t.c.slug, f).join(f, true())
    if trend_ids is not None:
        stmt = stmt.where(t.c.id.in_(trend_ids))
    return {r.id: r for r in session.execute(stmt)}


def data_freshness(session: Session) -> list[Row[Any]]:
    """Per active trend and indicator: the newest stored week and its source.

    Also the trend's newest Velocity and forecast weeks. One row per (trend, indicator); a trend
    without any indicator value yields one row with ``indicator`` None.
    """
    t, iv, v, f = m.trend, m.indicator_value, m.velocity, m.forecast
    newest = (
        select(iv.c.indicator, iv.c.week, iv.c.source)
        .where(iv.c.trend_id == t.c.id)
        .distinct(iv.c.indicator)
        .order_by(iv.c.indicator, iv.c.week.desc())
        .lateral("newest")
    )
    velocity_week = select(func.max(v.c.week)).where(v.c.trend_id == t.c.id).scalar_subquery()
    forecast_week = select(func.max(f.c.week)).where(f.c.trend_id == t.c.id).scalar_subquery()
    stmt = (
        select(
            t.c.slug,
            t.c.name_ko,
            t.c.name_en,
            velocity_week.label("velocity_week"),
            forecast_week.label("forecast_week"),
            newest.c.indicator,
            newest.c.week,
            newest.c.source,
        )
        .outerjoin(newest, true())
        .where(t.c.active.is_(True))
        .order_by(t.c.slug, newest.c.indicator)
    )
    return list(session.execute(stmt))


def forecast_versions(session: Session) -> list[Row[Any]]:
    """Each model version found in stored forecasts: newest week and how many trends it covers."""
    f = m.forecast
    stmt = (
        select(
            f.c.model_version,
            func.max(f.c.week).label("latest_week"),
            func.count(func.distinct(f.c.trend_id)).label("trends"),
        )
        .group_by(f.c.model_version)
        .order_by(func.max(f.c.week).desc(), f.c.model_version)
    )
    return list(session.execute(stmt))


def save_forecasts(session: Session, rows: list[dict[str, Any]]) -> None:
    """Upsert forecast rows: re-running a model on a week replaces its values and labels.

    ``created_at`` moves to now on every write, so it says when the forecast was last computed
    (what :func:`revised_forecasts` compares indicator revisions against).
    """
    if not rows:
        return
    stmt = insert(m.forecast).values(rows)
    columns = ("horizon_weeks", "point", "lo", "hi", *FORECAST_LABELS)
    stmt = stmt.on_conflict_do_update(
        index_elements=["trend_id", "week", "model_version"],
        set_={**{c: stmt.excluded[c] for c in columns}, "created_at": func.now()},
    )
    session.execute(stmt)


_REVISED = text(
    """
    WITH computed AS (
        SELECT trend_id, max(created_at) AS at FROM trends.forecast GROUP BY trend_id
    ), revised AS (
        SELECT iv.trend_id, min(iv.week) AS since
        FROM trends.indicator_value iv JOIN computed c ON c.trend_id = iv.trend_id
        WHERE iv.ingested_at > c.at
        GROUP BY iv.trend_id
    )
    SELECT DISTINCT f.trend_id, f.week
    FROM trends.forecast f JOIN revised r ON r.trend_id = f.trend_id
    WHERE f.week >= r.since
    ORDER BY f.week, f.trend_id
    """
)


def revised_forecasts(session: Session) -> list[tuple[int, date]]:
    """(trend, origin week) of stored forecasts whose inputs were revised after they were made.

    A forecast from week ``t`` reads indicator weeks up to ``t``: a value of week ``w`` stored
    (or changed) after the trend's newest forecast was computed makes every stored forecast
    from ``t >= w`` stale.
    """
    return [(int(r.trend_id), r.week) for r in session.execute(_REVISED)]


def indicators_stored_after(session: Session, stamp: Any) -> bool:
    """True when an indicator value was stored after the newest ``stamp`` (a timestamp column
    of a table computed from the indicators), or when that table is still empty."""
    iv = m.indicator_value
    newest = select(func.max(stamp)).scalar_subquery()
    stmt = select(exists().where((iv.c.ingested_at > newest) | newest.is_(None)))
    return bool(session.execute(stmt).scalar())


def forecasts_behind(session: Session) -> bool:
    """True when an indicator value was stored after the newest forecast was computed."""
    return indicators_stored_after(session, m.forecast.c.created_at)


def has_collected_data(session: Session, demo_source: str) -> bool:
    """True when any indicator value comes from somewhere else than the demo generator."""
    iv = m.indicator_value
    stmt = select(iv.c.trend_id).where(iv.c.source != demo_source).limit(1)
    return session.execute(stmt).first() is not None
