"""Inference: every series in one batched call, cached per (model version, week).

The cache key also carries a digest of the input windows the forecast was made from, so a revised
indicator value for that week yields a fresh forecast instead of a stale one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import OrderedDict
from dataclasses import replace

import numpy as np

from trendpath.trends.forecast.base import Forecast
from trendpath.trends.forecast.data import Panel, model_columns
from trendpath.trends.forecast.registry import LoadedModel


def predict_all(model: LoadedModel, panel: Panel, week: dt.date | None = None) -> Forecast:
    """Forecasts (point + interval) from ``week`` (default: the panel's last) for every series.

    Series that cannot be forecast at that week are listed in ``Forecast.skipped``.
    """
    origin = panel.n_weeks - 1 if week is None else panel.week_index(week)
    forecast = model.forecaster.predict(panel.upto(origin))
    return replace(forecast, model_version=model.version)


def _digest(panel: Panel, model: LoadedModel, origin: int) -> str:
    spec = model.forecaster.spec
    lo = max(0, origin - spec.input_len + 1)
    cols = model_columns(panel, spec)[:, lo : origin + 1]
    h = hashlib.sha256("|".join(panel.series_ids).encode())
    h.update(np.ascontiguousarray(cols).tobytes())
    # Unknown series are scaled on their whole history, so it is part of the input.
    h.update(np.ascontiguousarray(panel.target[:, : origin + 1]).tobytes())
    return h.hexdigest()


class Predictor:
    """Cached batched inference for one or more model versions."""

    def __init__(self, max_entries: int = 256) -> None:
        self.max_entries = max_entries
        self._cache: OrderedDict[tuple[str, dt.date], tuple[str, Forecast]] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def predict(self, model: LoadedModel, panel: Panel, week: dt.date | None = None) -> Forecast:
        """Like :func:`predict_all`, answered from the cache when the inputs are unchanged."""
        origin = panel.n_weeks - 1 if week is None else panel.week_index(week)
        key = (model.version, panel.weeks[origin])
        digest = _digest(panel, model, origin)
        cached = self._cache.get(key)
        if cached is not None and cached[0] == digest:
            self.hits += 1
            self._cache.move_to_end(key)
            return cached[1]
        self.misses += 1
        forecast = predict_all(model, panel, panel.weeks[origin])
        self._cache[key] = (digest, forecast)
        if len(self._cache) > self.max_entries:
            self._cache.popitem(last=False)
        return forecast

    def clear(self) -> None:
        """Forget every cached forecast."""
        self._cache.clear()
