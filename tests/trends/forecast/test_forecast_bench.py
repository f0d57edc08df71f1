"""The forecasting benchmarks' smoke runs: the same code paths, seconds, and nothing written."""

from __future__ import annotations

import pytest
from bench import forecast, forecast_cv
from bench.report import DOC


@pytest.mark.slow
def test_quick_benchmark_and_cv_run_the_served_recipe_and_write_nothing(
    capsys: pytest.CaptureFixture[str],
) -> None:
    before = DOC.read_text(encoding="utf-8")
    forecast.main(["--quick"])
    out = capsys.readouterr().out
    for row in (forecast.SERVED_NAME, "served recipe, literal 4-week input", "naive (no change)"):
        assert f"| {row} |" in out  # every dataset's table has the served model and baselines
    assert "| prices/volumes (" in out  # the per-group table of the public series
    assert "served recipe on the demo panel: train" in out

    forecast_cv.main(["--quick"])
    out = capsys.readouterr().out
    assert "| scaling | per-series stats |" in out and "chosen: Recipe(" in out
    assert DOC.read_text(encoding="utf-8") == before  # smoke runs never touch the published doc


@pytest.mark.parametrize(
    ("incumbent", "challenger", "kept"),
    [
        # better on every seed by a steady margin: not seed luck, kept however small
        ([0.80, 0.78, 0.79, 0.81, 0.80, 0.79], [0.795, 0.776, 0.786, 0.804, 0.795, 0.786], True),
        # better on 5 of 6 seeds, steady: kept
        ([0.80, 0.78, 0.79, 0.81, 0.80, 0.79], [0.79, 0.77, 0.78, 0.80, 0.79, 0.795], True),
        # better on 4 of 6 seeds only: not kept
        ([0.80, 0.78, 0.79, 0.81, 0.80, 0.79], [0.79, 0.77, 0.78, 0.80, 0.81, 0.80], False),
        # better on every seed, but one huge gain carries a mean within noise: not kept
        (
            [0.80, 0.78, 0.79, 0.81, 0.80, 0.79],
            [0.60, 0.7799, 0.7899, 0.8099, 0.7999, 0.7899],
            False,
        ),
    ],
)
def test_a_near_tie_is_kept_only_when_every_seed_or_all_but_one_agrees(
    incumbent: list[float], challenger: list[float], kept: bool
) -> None:
    res = forecast_cv.Resolution("members", "x", incumbent, challenger)
    assert res.kept is kept
