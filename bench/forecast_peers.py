"""Outside peers of the forecasting benchmark, wrapped in trendpath's forecaster contract.

- statsforecast AutoETS and AutoTheta: local models, so they fit each series at every origin on
  its history up to that origin (that is what they are; nothing after the origin is read);
  non-seasonal (``season_length=1``: ETS supports no 52-week season, and several series are too
  short for two full years), on the last 5 years before the origin; native 80 % intervals.
- neuralforecast GRU and NHITS: global models fitted **once** on the development panel like ours;
  horizon 4, input 12 weeks, robust (per-window) scaler, 300 steps, the library's default MAE loss
  (as the outside evaluation ran them); the five indicators as historical exogenous inputs on the
  demo panel. Point forecasts only (no interval: coverage is left blank).

All of them answer many origins in one call (:meth:`predict_origins`): every (series, origin) is
cut into a pseudo-series that ends at its origin, so one library call serves a whole evaluation.
These packages live in the ``bench`` extra only; the product never imports them.
"""

from __future__ import annotations

import logging
import os
import warnings
from typing import Any

import numpy as np

from trendpath.trends.forecast.base import Forecast
from trendpath.trends.forecast.data import Panel, WindowSpec

H = 4
LEVEL = 80
HISTORY = 260
"""Weeks of history a local model fits on at each origin (5 years; gasoline has 26)."""


def _frame(panel: Panel, origins: list[int], keep: int | None) -> tuple[Any, list[tuple]]:
    """Long data frame of pseudo-series ``sid@origin`` (history up to the origin) + their keys."""
    import pandas as pd

    parts, keys = [], []
    for t in origins:
        for s, sid in enumerate(panel.series_ids):
            y = panel.target[s, : t + 1]
            ok = np.isfinite(y)
            if not ok[-1] or ok.sum() < 8:
                continue
            first = int(np.flatnonzero(ok)[0])
            lo = first if keep is None else max(first, t + 1 - keep)
            frame = {
                "unique_id": f"{sid}@{t}",
                "ds": pd.to_datetime(list(panel.weeks[lo : t + 1])),
                "y": y[lo:],
            }
            for k, name in enumerate(panel.features):
                frame[name] = panel.inputs[s, lo : t + 1, k]
            parts.append(pd.DataFrame(frame))
            keys.append((f"{sid}@{t}", s, t))
    return pd.concat(parts, ignore_index=True), keys


def _forecasts(
    panel: Panel, origins: list[int], keys: list[tuple], point: dict, lo: dict, hi: dict
) -> list[Forecast]:
    out = []
    for t in origins:
        mine = [(uid, s) for uid, s, tt in keys if tt == t]
        last = np.array([panel.target[s, t] for _, s in mine])
        p = np.array([point[u] for u, _ in mine]) - last
        lower = np.array([lo.get(u, np.nan) for u, _ in mine]) - last
        upper = np.array([hi.get(u, np.nan) for u, _ in mine]) - last
        out.append(
            Forecast(
                series_ids=tuple(panel.series_ids[s] for _, s in mine),
                week=panel.weeks[t],
                horizon=H,
                point=p,
                lower=np.where(np.isfinite(lower), lower, p),
                upper=np.where(np.isfinite(upper), upper, p),
                coverage=LEVEL / 100 if lo else float("nan"),
            )
        )
    return out


class StatsPeer:
    """statsforecast AutoETS or AutoTheta, fitted per series at every origin."""

    def __init__(self, model: str) -> None:
        self.name = model
        self.spec = WindowSpec(horizon=H, features=())

    def fit(self, panel: Panel) -> None:
        """Nothing global: a local model fits each series when it forecasts."""

    def predict(self, panel: Panel) -> Forecast:
        """Forecast from the panel's last week."""
        return self.predict_origins(panel, [panel.n_weeks - 1])[0]

    def predict_origins(self, panel: Panel, origins: list[int]) -> list[Forecast]:
        """One statsforecast call for every (series, origin)."""
        from statsforecast import StatsForecast
        from statsforecast.models import AutoETS, AutoTheta

        df, keys = _frame(panel, origins, HISTORY)
        df = df[["unique_id", "ds", "y"]]
        model = AutoETS(season_length=1) if self.name == "AutoETS" else AutoTheta(season_length=1)
        sf = StatsForecast(models=[model], freq="W-MON", n_jobs=1)
        fc = sf.forecast(df=df, h=H, level=[LEVEL])
        fc = fc.groupby("unique_id").tail(1).set_index("unique_id")
        col = self.name
        return _forecasts(
            panel,
            origins,
            keys,
            fc[col].to_dict(),
            fc[f"{col}-lo-{LEVEL}"].to_dict(),
            fc[f"{col}-hi-{LEVEL}"].to_dict(),
        )


class NeuralPeer:
    """neuralforecast GRU or NHITS: one global fit, then forecasts from any origin."""

    def __init__(self, model: str, seed: int = 0, max_steps: int = 300) -> None:
        self.name = model
        self.seed = seed
        self.max_steps = max_steps
        self.spec = WindowSpec(horizon=H)
        self.nf: Any = None
        self.input_size = 12

    def _model(self, exog: list[str]) -> Any:
        from neuralforecast.models import GRU, NHITS

        common: dict[str, Any] = {
            "h": H,
            "input_size": self.input_size,
            "max_steps": self.max_steps,
            "scaler_type": "robust",
            "random_seed": self.seed,
            "hist_exog_list": exog or None,
            "enable_progress_bar": False,
            "enable_model_summary": False,
            "logger": False,
            "accelerator": "cpu",
            "devices": 1,
        }
        return GRU(**common) if self.name == "GRU" else NHITS(**common)

    def fit(self, panel: Panel) -> None:
        """Fit once on every observed week of ``panel`` (the development panel)."""
        from neuralforecast import NeuralForecast

        _quiet()
        # A development panel ends each series at its own first test origin: every series'
        # whole observed span is training data.
        df = self._spans(panel)
        self.nf = NeuralForecast(models=[self._model(list(panel.features))], freq="W-MON")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.nf.fit(df=df)

    @staticmethod
    def _spans(panel: Panel) -> Any:
        import pandas as pd

        parts = []
        for s, sid in enumerate(panel.series_ids):
            ok = np.flatnonzero(np.isfinite(panel.target[s]))
            if ok.size < 20:
                continue
            a, b = int(ok[0]), int(ok[-1]) + 1
            frame = {
                "unique_id": sid,
                "ds": pd.to_datetime(list(panel.weeks[a:b])),
                "y": panel.target[s, a:b],
            }
            for k, name in enumerate(panel.features):
                frame[name] = panel.inputs[s, a:b, k]
            parts.append(pd.DataFrame(frame))
        return pd.concat(parts, ignore_index=True)

    def predict(self, panel: Panel) -> Forecast:
        """Forecast from the panel's last week."""
        return self.predict_origins(panel, [panel.n_weeks - 1])[0]

    def predict_origins(self, panel: Panel, origins: list[int]) -> list[Forecast]:
        """One neuralforecast call for every (series, origin), no refit."""
        if self.nf is None:
            raise RuntimeError(f"{self.name} is not fitted")
        df, keys = _frame(panel, origins, 4 * self.input_size)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fc = self.nf.predict(df=df)
        fc = fc.groupby("unique_id").tail(1).set_index("unique_id")
        return _forecasts(panel, origins, keys, fc[self.name].to_dict(), {}, {})


def _quiet() -> None:
    os.environ.setdefault("PL_DISABLE_FORK", "1")
    for name in ("pytorch_lightning", "lightning", "lightning_fabric", "neuralforecast"):
        logging.getLogger(name).setLevel(logging.ERROR)
