"""Panels, validation and windows: shapes, documented errors, and no look-ahead."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from trendpath.trends.forecast.data import (
    Panel,
    PanelError,
    WindowSpec,
    check_panel,
    origin_windows,
    rolling_origins,
    time_split,
    training_windows,
)
from trendpath.trends.forecast.panel_io import read_panel_csv, read_weekly_folder, write_panel_csv
from trendpath.trends.forecast.synthetic import synthetic_panel


def _with(panel: Panel, *, target: np.ndarray | None = None, inputs: np.ndarray | None = None):
    return Panel(
        panel.series_ids,
        panel.weeks,
        panel.features,
        panel.inputs if inputs is None else inputs,
        panel.target if target is None else target,
    )


def test_training_windows_have_the_documented_shapes_and_targets() -> None:
    panel = synthetic_panel(n_series=3, n_weeks=30, n_features=2)
    spec = WindowSpec(input_len=4, horizon=4)
    win = training_windows(panel, spec)
    per_series = 30 - 4 - 4 + 1
    assert win.x.shape == (3 * per_series, 4, 3)  # 2 features + the target level
    s, t = int(win.series[5]), int(win.origin[5])
    assert win.y[5] == pytest.approx(panel.target[s, t + 4] - panel.target[s, t])
    np.testing.assert_array_equal(win.x[5, :, :2], panel.inputs[s, t - 3 : t + 1])
    np.testing.assert_array_equal(win.x[5, :, 2], panel.target[s, t - 3 : t + 1])


def test_windows_before_a_cutoff_do_not_depend_on_later_weeks() -> None:
    panel = synthetic_panel(n_series=4, n_weeks=60)
    spec = WindowSpec(input_len=6, horizon=4)
    cutoff = 40
    future = panel.target.copy()
    future[:, cutoff + 1 :] = 1e6  # any leak of later weeks would show up in x or y
    finputs = panel.inputs.copy()
    finputs[:, cutoff + 1 :] = -1e6
    a = training_windows(panel, spec, cutoff=cutoff)
    b = training_windows(_with(panel, target=future, inputs=finputs), spec, cutoff=cutoff)
    np.testing.assert_array_equal(a.x, b.x)
    np.testing.assert_array_equal(a.y, b.y)
    assert int((a.origin + spec.horizon).max()) == cutoff


def test_origin_windows_end_at_the_origin() -> None:
    panel = synthetic_panel(n_series=3, n_weeks=30)
    spec = WindowSpec(input_len=5)
    win, issues = origin_windows(panel, spec, 20)
    assert issues == []
    np.testing.assert_array_equal(win.x[:, -1, -1], panel.target[:, 20])
    np.testing.assert_array_equal(win.x[:, 0, -1], panel.target[:, 16])


def test_time_split_keeps_training_targets_before_validation() -> None:
    panel = synthetic_panel(n_series=3, n_weeks=60)
    spec = WindowSpec()
    win = training_windows(panel, spec)
    train, val = time_split(win, spec, val_weeks=10)
    assert not (train & val).any()
    for s in range(3):
        first_val = win.origin[val & (win.series == s)].min()
        assert (win.origin[train & (win.series == s)] + spec.horizon < first_val).all()


def test_ragged_series_and_edge_padding() -> None:
    panel = synthetic_panel(n_series=2, n_weeks=40)
    target = panel.target.copy()
    target[1, :15] = np.nan  # series 1 starts late
    ragged = _with(panel, target=target)
    spec = WindowSpec(input_len=12, min_history=4)
    win = training_windows(ragged, spec)
    assert win.origin[win.series == 1].min() == 15 + 4 - 1
    first = np.flatnonzero((win.series == 1) & (win.origin == 18))[0]
    # weeks before the series began repeat the origin's value
    assert (win.x[first, :8, -1] == target[1, 18]).all()
    np.testing.assert_array_equal(win.x[first, 8:, -1], target[1, 15:19])


@pytest.mark.parametrize(
    ("code", "edit"),
    [
        ("non_finite", lambda t: t.__setitem__((1, 10), np.inf)),
        ("gap", lambda t: t.__setitem__((1, 10), np.nan)),
        ("constant", lambda t: t.__setitem__(1, 3.0)),
        ("too_short", lambda t: t.__setitem__((1, slice(0, 37)), np.nan)),
    ],
)
def test_bad_series_raise_or_are_skipped(code: str, edit) -> None:
    panel = synthetic_panel(n_series=3, n_weeks=40)
    target = panel.target.copy()
    edit(target)
    bad = _with(panel, target=target)
    spec = WindowSpec()
    with pytest.raises(PanelError) as err:
        check_panel(bad, spec)
    assert err.value.code == code
    kept, issues = check_panel(bad, spec, policy="skip")
    assert kept.series_ids == ("s00", "s02")
    assert [(i.series_id, i.code) for i in issues] == [("s01", code)]


def test_unknown_features_and_bad_shapes_raise() -> None:
    panel = synthetic_panel(n_series=2, n_weeks=20)
    with pytest.raises(PanelError) as err:
        check_panel(panel, WindowSpec(features=("f0", "nope")))
    assert err.value.code == "unknown_feature"
    with pytest.raises(PanelError) as err:
        Panel(("a",), panel.weeks, ("f",), np.zeros((1, 19, 1)), np.zeros((1, 20)))
    assert err.value.code == "shape"
    weeks = (*panel.weeks[:5], panel.weeks[5] + dt.timedelta(days=1), *panel.weeks[6:])
    with pytest.raises(PanelError) as err:
        Panel(panel.series_ids, weeks, panel.features, panel.inputs, panel.target)
    assert err.value.code == "gap"


def test_a_series_not_observed_at_the_origin_is_reported_not_forecast() -> None:
    panel = synthetic_panel(n_series=2, n_weeks=30)
    target = panel.target.copy()
    target[0, 25:] = np.nan
    win, issues = origin_windows(_with(panel, target=target), WindowSpec(), 29)
    assert win.series.tolist() == [1]
    assert [(i.series_id, i.code) for i in issues] == [("s00", "too_short")]


def test_rolling_origins_leave_history_and_know_the_actual() -> None:
    origins = rolling_origins(first=0, last=99, horizon=4, n_cutoffs=10, min_train=52)
    assert origins.tolist() == list(range(86, 96))
    short = rolling_origins(first=0, last=60, horizon=4, n_cutoffs=52, min_train=52)
    assert short.tolist() == list(range(51, 57))  # origin 51 has 52 observed weeks


def test_panel_csv_round_trip_and_missing_row_is_a_gap(tmp_path: Path) -> None:
    panel = synthetic_panel(n_series=2, n_weeks=12, n_features=2)
    path = tmp_path / "panel.csv"
    write_panel_csv(panel, path)
    back = read_panel_csv(path, target="target")
    assert back.series_ids == panel.series_ids and back.features == panel.features
    np.testing.assert_array_equal(back.target, panel.target)
    lines = path.read_text().splitlines()
    path.write_text("\n".join(lines[:5] + lines[6:]) + "\n")  # drop one interior week
    with pytest.raises(PanelError) as err:
        check_panel(read_panel_csv(path, target="target"), WindowSpec(input_len=2, horizon=1))
    assert err.value.code == "gap"


def test_weekly_folder_series_share_one_monday_calendar(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("date,value\n2024-01-07,1\n2024-01-14,2\n2024-01-21,4\n")
    (tmp_path / "b.csv").write_text("date,value\n2024-01-15,10\n2024-01-22,11\n")
    panel = read_weekly_folder(tmp_path)
    assert panel.weeks == (dt.date(2024, 1, 8), dt.date(2024, 1, 15), dt.date(2024, 1, 22))
    assert panel.features == ()
    np.testing.assert_array_equal(panel.target[0], [1, 2, 4])
    assert np.isnan(panel.target[1, 0]) and panel.target[1, 2] == 11


def test_demo_panel_has_the_indicators_and_velocity_as_target() -> None:
    from trendpath.trends.forecast.panel_io import demo_panel
    from trendpath.trends.indicators import INDICATORS

    panel = demo_panel(weeks=80, end_week=dt.date(2026, 11, 23))
    assert panel.features == INDICATORS and panel.target_name == "velocity"
    assert panel.weeks[-1] == dt.date(2026, 11, 23) and panel.n_weeks == 80
    kept, issues = check_panel(panel, WindowSpec())
    assert issues == [] and kept.series_ids == panel.series_ids
    # the Velocity Score needs history: its first weeks lie outside every series' span
    win = training_windows(panel, WindowSpec())
    assert np.isfinite(win.x).all() and np.isfinite(win.y).all()
    assert int(win.origin.min()) > 4
