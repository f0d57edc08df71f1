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
