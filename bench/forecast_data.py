"""The forecasting benchmark's data: the demo Velocity panel and the public weekly series, grouped.

- demo: the catalog's 50 trends, 260 weeks of synthetic indicators (labelled demo data), target =
  the Velocity Score; inputs = the 5 indicators (+ the Velocity history).
- weekly: the 17 real public weekly series in ``../shared/data/weekly`` (or env
  ``TRENDPATH_WEEKLY_DATA``), each a univariate series; target = the series itself.

The public series fall into four groups (SOURCES.md in that folder): the groups are the folds of
the leave-one-group-out cross-validation that chooses the recipe, and every benchmark table also
reports each group, so no group hides behind an average.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from bench.report import ROOT
from trendpath.trends.forecast.data import Panel
from trendpath.trends.forecast.panel_io import demo_panel, read_weekly_folder

DEMO_END = dt.date(2026, 11, 23)  # fixed, so the demo numbers do not move with the calendar

GROUPS: dict[str, tuple[str, ...]] = {
    "AI/tech searches": (
        "gt_ai_2015_2020",
        "gt_ww_ai_learning_tools",
        "gt_ww_ai_minmax",
        "gt_ww_chatgpt",
        "gt_ww_iaas_2016_2018",
        "gt_ww_llm",
        "gt_ww_virtual_reality_2016_2018",
    ),
    "career searches": ("gt_usca_coursera", "gt_usca_indeed", "gt_usca_resume"),
    "Korean DataLab / Trends": (
        "gt_kr_gyeongje_economy",
        "naver_kr_ampoule",
        "naver_kr_skin_barrier",
    ),
    "prices/volumes": (
        "etf_xle_weekly_close",
        "etf_xlk_weekly_close",
        "fpp3_us_gasoline_supplied",
        "gt_us_oil_price",
    ),
}
DEMO_GROUP = "demo Velocity panel"


def load_demo() -> Panel:
    """The demo panel ending at :data:`DEMO_END`."""
    return demo_panel(end_week=DEMO_END)


def weekly_dir() -> Path:
    """The real weekly series: env TRENDPATH_WEEKLY_DATA, else ../shared/data/weekly."""
    env = os.environ.get("TRENDPATH_WEEKLY_DATA")
    return Path(env) if env else ROOT.parent / "shared" / "data" / "weekly"


def load_weekly() -> Panel:
    """The public weekly series as one univariate panel."""
    return read_weekly_folder(weekly_dir())


def group_of(series_id: str) -> str:
    """The group of a public series ("other" for a file not listed in :data:`GROUPS`)."""
    return next((g for g, ids in GROUPS.items() if series_id in ids), "other")


def split_groups(panel: Panel) -> dict[str, list[int]]:
    """Series positions of ``panel`` per group (groups with no series left out)."""
    out: dict[str, list[int]] = {}
    for i, sid in enumerate(panel.series_ids):
        out.setdefault(group_of(sid), []).append(i)
    return out
