"""Panels from and to CSV files.

Two layouts:

- a *panel file* (long format): one row per (series, week) with columns ``series_id``, ``week``
  (ISO date), one column per input feature and one for the target level, e.g.
  ``series_id,week,funding_volume_growth,...,velocity``. Weeks must sit on one 7-day grid; a
  missing row becomes NaN (a gap inside a series is then reported by ``check_panel``).
- a *folder of weekly series*: one ``date,value`` file per series (as in shared/data/weekly);
  each becomes a univariate series (no input features: the target is the series itself). Dates
  are snapped to the Monday of their week (a Sunday-start week label moves to the next day), so
  series from different sources share one calendar.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from trendpath.trends.forecast.data import Panel, PanelError


def _monday(day: dt.date) -> dt.date:
    """The Monday of the week ``day`` labels (Sunday labels start a Sunday-Saturday week)."""
    if day.weekday() == 6:
        return day + dt.timedelta(days=1)
    return day - dt.timedelta(days=day.weekday())


def _calendar(weeks: Sequence[dt.date]) -> tuple[dt.date, ...]:
    lo, hi = min(weeks), max(weeks)
    if any((w - lo).days % 7 for w in weeks):
        raise PanelError("gap", "weeks are not on one 7-day grid")
    return tuple(lo + dt.timedelta(weeks=i) for i in range((hi - lo).days // 7 + 1))


def _number(text: str) -> float:
    try:
        return float(text) if text.strip() else math.nan
    except ValueError:
        raise PanelError("non_finite", f"not a number: {text!r}") from None


def read_panel_csv(path: Path, *, target: str = "velocity") -> Panel:
    """Read a long-format panel file; every column but id, week and ``target`` is a feature."""
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        header = list(reader.fieldnames or [])
        rows = list(reader)
    missing = {"series_id", "week", target} - set(header)
    if missing:
        raise PanelError("unknown_feature", f"{path}: missing columns {sorted(missing)}")
    features = tuple(c for c in header if c not in {"series_id", "week", target})
    if not rows:
        raise PanelError("too_short", f"{path}: no rows")
    weeks = _calendar([dt.date.fromisoformat(r["week"]) for r in rows])
    ids = tuple(dict.fromkeys(r["series_id"] for r in rows))
    w_idx = {w: i for i, w in enumerate(weeks)}
    s_idx = {s: i for i, s in enumerate(ids)}
    inputs = np.full((len(ids), len(weeks), len(features)), np.nan)
    levels = np.full((len(ids), len(weeks)), np.nan)
    for r in rows:
        s, w = s_idx[r["series_id"]], w_idx[dt.date.fromisoformat(r["week"])]
        inputs[s, w] = [_number(r[f]) for f in features]
        levels[s, w] = _number(r[target])
    return Panel(ids, weeks, features, inputs, levels, target_name=target)


def write_panel_csv(panel: Panel, path: Path) -> None:
    """Write ``panel`` in the long format read by :func:`read_panel_csv` (NaN rows skipped)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["series_id", "week", *panel.features, panel.target_name])
        for s, sid in enumerate(panel.series_ids):
            for w, week in enumerate(panel.weeks):
                vals = [*panel.inputs[s, w], panel.target[s, w]]
                if all(math.isnan(v) for v in vals):
                    continue
                out.writerow([sid, week.isoformat(), *(repr(float(v)) for v in vals)])


def read_weekly_folder(folder: Path, pattern: str = "*.csv") -> Panel:
    """Every ``date,value`` file in ``folder`` as one univariate series on a common calendar."""
    files = sorted(folder.glob(pattern))
    if not files:
        raise PanelError("too_short", f"no {pattern} files in {folder}")
    series: dict[str, dict[dt.date, float]] = {}
    for f in files:
        with f.open(newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        points = {_monday(dt.date.fromisoformat(r["date"])): _number(r["value"]) for r in rows}
        if len(points) != len(rows):
            raise PanelError("gap", f"{f.name}: two rows fall in the same week")
        series[f.stem] = points
    weeks = _calendar([w for pts in series.values() for w in pts])
    w_idx = {w: i for i, w in enumerate(weeks)}
    target = np.full((len(series), len(weeks)), np.nan)
    for s, pts in enumerate(series.values()):
        for week, value in pts.items():
            target[s, w_idx[week]] = value
    inputs = np.zeros((len(series), len(weeks), 0))
    return Panel(tuple(series), weeks, (), inputs, target, target_name="value")


def demo_panel(
    *,
    weeks: int = 260,
    end_week: dt.date | None = None,
    seed: int = 7,
    data_dir: Path | None = None,
) -> Panel:
    """The demo panel: the catalog's trends, their 5 synthetic indicators, Velocity as target.

    The Velocity Score is NaN for its first weeks (it needs history); those weeks are simply
    outside each series' span.
    """
    from trendpath.trends.catalog import load_catalog
    from trendpath.trends.demo import generate_panel
    from trendpath.trends.velocity import compute_velocity

    slugs = [t.slug for t in load_catalog(data_dir)]
    demo = generate_panel(slugs, weeks=weeks, end_week=end_week, seed=seed)
    score = compute_velocity(demo.values).score
    return Panel(
        series_ids=tuple(demo.slugs),
        weeks=tuple(demo.weeks),
        features=tuple(demo.indicators),
        inputs=demo.values,
        target=score,
        target_name="velocity",
    )
