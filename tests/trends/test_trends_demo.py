"""The synthetic demo panel: deterministic, well-formed, and realistic in the documented ways."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import numpy as np
import pytest

from trendpath.trends.demo import DEMO_SOURCE, DemoPanel, generate_panel, monday_of
from trendpath.trends.indicators import INDICATORS
from trendpath.trends.velocity import compute_velocity

END = dt.date(2024, 12, 31)  # a Tuesday: the panel must end on Monday 2024-12-30
SLUGS = [f"trend-{i:02d}" for i in range(40)]
FUNDING, PATENTS, LEARNING, SEARCH, POLICY = range(5)


@pytest.fixture(scope="module")
def panel() -> DemoPanel:
    return generate_panel(SLUGS, weeks=520, end_week=END)


def _mean_xcorr(lead: np.ndarray, follow: np.ndarray, max_lag: int) -> np.ndarray:
    """Mean over trends of corr(lead[t], follow[t + lag]) for lag = -max_lag..max_lag."""
    out = []
    n = lead.shape[1]
    for lag in range(-max_lag, max_lag + 1):
        a = lead[:, max(0, -lag) : n - max(0, lag)]
        b = follow[:, max(0, lag) : n - max(0, -lag)]
        a = (a - a.mean(1, keepdims=True)) / a.std(1, keepdims=True)
        b = (b - b.mean(1, keepdims=True)) / b.std(1, keepdims=True)
        out.append(float(np.nanmean((a * b).mean(1))))
    return np.array(out)


def lags_peak(xc: np.ndarray, max_lag: int) -> int:
    return int(np.argmax(xc)) - max_lag


def _growth_4over4(counts: np.ndarray) -> np.ndarray:
    total = np.stack([counts[:, i : counts.shape[1] - 3 + i] for i in range(4)]).sum(0)
    return 100.0 * (total[:, 4:] / np.maximum(total[:, :-4], 1.0) - 1.0)


def test_shape_weeks_and_label(panel: DemoPanel) -> None:
    assert panel.values.shape == (40, 520, len(INDICATORS))
    assert panel.values.dtype == np.float64
    assert panel.slugs == SLUGS
    assert panel.source == DEMO_SOURCE == "demo-synthetic"
    assert panel.weeks[-1] == dt.date(2024, 12, 30)
    assert all(w.weekday() == 0 for w in panel.weeks)
    assert all(b - a == dt.timedelta(days=7) for a, b in itertools.pairwise(panel.weeks))
    assert np.all(np.isfinite(panel.values))


def test_default_end_is_this_weeks_monday() -> None:
    panel = generate_panel(["x"], weeks=10)
    assert panel.weeks[-1] == monday_of(dt.date.today())


def test_counts_are_non_negative_integers(panel: DemoPanel) -> None:
    counts = panel.values[:, :, [PATENTS, POLICY]]
    assert np.all(counts >= 0)
    assert np.array_equal(counts, np.round(counts))
    assert counts[..., 1].max() >= 3  # policy bursts exist


def test_deterministic_by_seed_and_independent_per_trend() -> None:
    a = generate_panel(["ai", "bio"], weeks=104, end_week=END, seed=3)
    b = generate_panel(["ai", "bio"], weeks=104, end_week=END, seed=3)
    c = generate_panel(["ai", "bio"], weeks=104, end_week=END, seed=4)
    assert np.array_equal(a.values, b.values)
    assert not np.allclose(a.values, c.values)
    # Adding or reordering trends leaves each trend's series unchanged.
    d = generate_panel(["new", "bio", "ai"], weeks=104, end_week=END, seed=3)
    assert np.array_equal(d.values[2], a.values[0])
    assert np.array_equal(d.values[1], a.values[1])


def test_same_trend_week_has_same_values_for_any_window() -> None:
    long = generate_panel(["ai"], weeks=300, end_week=END)
    short = generate_panel(["ai"], weeks=50, end_week=END - dt.timedelta(weeks=20))
    offset = long.weeks.index(short.weeks[0])
    assert np.array_equal(long.values[0, offset : offset + 50], short.values[0])


def test_rows_are_long_format(panel: DemoPanel) -> None:
    small = generate_panel(["ai"], weeks=3, end_week=END)
    rows = list(small.rows())
    assert len(rows) == 3 * 5
    assert rows[0] == ("ai", small.weeks[0], INDICATORS[0], small.values[0, 0, 0])
    assert np.array_equal(small.indicator("search_volume_growth"), small.values[:, :, SEARCH])


def test_funding_and_search_lead_learning_and_funding_leads_patents(panel: DemoPanel) -> None:
    v = panel.values
    for lead in (FUNDING, SEARCH):
        xc = _mean_xcorr(v[:, :, lead], v[:, :, LEARNING], 20)
        assert 3 <= lags_peak(xc, 20) <= 12, (INDICATORS[lead], xc)
        assert xc.max() > 0.25
    patents = _growth_4over4(v[:, :, PATENTS])
    funding = v[:, 7:, FUNDING][:, : patents.shape[1]]
    xc = _mean_xcorr(funding, patents, 30)
    assert lags_peak(xc, 30) >= 6


def test_learning_demand_is_seasonal(panel: DemoPanel) -> None:
    months = np.array([w.month for w in panel.weeks])
    by_month = np.array([panel.values[:, months == m, LEARNING].mean() for m in range(1, 13)])
    assert by_month.max() - by_month.min() > 8.0
    top3 = set(np.argsort(by_month)[-3:] + 1)
    assert {1, 9} <= top3  # new-year resolutions and the autumn semester


def test_policy_bursts_depress_funding_briefly(panel: DemoPanel) -> None:
    v = panel.values
    nxt = np.mean([v[:, 1 + k : v.shape[1] - 4 + 1 + k, FUNDING] for k in range(4)], axis=0)
    policy = v[:, : nxt.shape[1], POLICY]
    assert nxt[policy >= 3].mean() < nxt.mean() - 2.0


def test_life_cycles_differ_between_trends(panel: DemoPanel) -> None:
    # Over ten years some trends emerge (many patents late), others fade (fewer late).
    early = panel.values[:, :104, PATENTS].mean(1) + 1
    late = panel.values[:, -104:, PATENTS].mean(1) + 1
    ratio = late / early
    assert ratio.max() > 3.0
    assert ratio.min() < 0.8


def test_future_velocity_change_is_partly_predictable(panel: DemoPanel) -> None:
    """A linear model on the past 4 weeks explains part of the 4-week-ahead score change."""
    v = panel.values
    score = compute_velocity(v).score
    rows, target = [], []
    for t in range(60, v.shape[1] - 4):
        rows.append(np.concatenate([v[:, t - 3 : t + 1].reshape(len(SLUGS), -1), score[:, [t]]], 1))
        target.append(score[:, t + 4] - score[:, t])
    x = np.stack(rows, 1)  # (trends, time, features)
    y = np.stack(target, 1)
    x = np.log1p(np.abs(x)) * np.sign(x)
    train, test = slice(0, 30), slice(30, 40)  # held-out trends
    xt = np.c_[x[train].reshape(-1, x.shape[-1]), np.ones(x[train].size // x.shape[-1])]
    coef, *_ = np.linalg.lstsq(xt, y[train].ravel(), rcond=None)
    xv = np.c_[x[test].reshape(-1, x.shape[-1]), np.ones(x[test].size // x.shape[-1])]
    resid = y[test].ravel() - xv @ coef
    r2 = 1 - resid.var() / y[test].ravel().var()
    assert r2 > 0.15


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"slugs": ["a", "a"]}, "unique"),
        ({"slugs": ["a"], "weeks": 0}, "weeks"),
        ({"slugs": ["a"], "seed": -1}, "seed"),
        ({"slugs": ["a"], "end_week": dt.date(1999, 1, 1)}, "within"),
        ({"slugs": ["a"], "end_week": dt.date(2070, 1, 1)}, "within"),
    ],
)
def test_bad_arguments_are_rejected(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        generate_panel(**kwargs)
