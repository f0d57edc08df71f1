"""Baselines, evaluated on the same cutoffs as our models.

- ``naive``: zero change — the target stays where it is (the yardstick of relative MSE).
- ``mean``: the target returns to the mean of its last 4 weekly levels, so the forecast change is
  ``mean(L[t-3..t]) - L[t]``. (A mean of the last 4 *changes* would be a drift forecast, a
  different and on these series much worse model.)
- ``ridge``: linear model on the flattened scaled window, closed form; the penalty is picked on
  the validation split.
- ``lightgbm``: gradient-boosted trees on the same flattened window (lag features), early stopped
  on the validation split.

All are global (one model for all series) on per-series scaled data; intervals come from conformal
calibration on validation residuals (see ``uncertainty.py``).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from trendpath.trends.forecast.base import (
    Batch,
    FitSettings,
    ScaledRegressor,
    settings_from,
    spec_from,
)
from trendpath.trends.forecast.data import Panel, WindowSpec


def solve_ridge(data: Batch, alpha: float) -> tuple[np.ndarray, float]:
    """Weighted ridge on the flattened windows in closed form (intercept not penalised)."""
    x = data.x.reshape(len(data.x), -1).astype(np.float64)
    y, w = data.y.astype(np.float64), data.w.astype(np.float64) / data.w.sum()
    xm, ym = w @ x, float(w @ y)
    xc = x - xm
    gram = (xc * w[:, None]).T @ xc + alpha / len(y) * np.eye(x.shape[1])
    coef = np.linalg.solve(gram, (xc * w[:, None]).T @ (y - ym))
    return coef, ym - float(xm @ coef)


RIDGE_ALPHAS = (0.1, 1.0, 10.0, 100.0, 1000.0)
"""The penalties ridge chooses from on the validation split."""


def fit_ridge(train: Batch, val: Batch) -> tuple[np.ndarray, float, float]:
    """Ridge with the penalty of :data:`RIDGE_ALPHAS` that does best on ``val``:
    ``(coef, intercept, alpha)``."""
    xv = val.x.reshape(len(val.x), -1)

    def val_mse(alpha: float) -> float:
        coef, b = solve_ridge(train, alpha)
        return float(np.average((xv @ coef + b - val.y) ** 2, weights=val.w))

    alpha = min(RIDGE_ALPHAS, key=val_mse)
    coef, intercept = solve_ridge(train, alpha)
    return coef, intercept, alpha


class NaiveForecaster(ScaledRegressor):
    """Zero change."""

    name = "naive"

    def __init__(self, spec: WindowSpec, settings: FitSettings | None = None) -> None:
        base = settings or FitSettings()
        super().__init__(spec, replace(base, shrink=False))

    def _fit_arrays(self, train: Batch, val: Batch) -> None:
        """Nothing to learn."""

    def _predict_arrays(self, x: np.ndarray) -> np.ndarray:
        return np.zeros((x.shape[0], 1))


class MeanForecaster(ScaledRegressor):
    """Back to the mean of the last ``k`` weekly levels of the target."""

    name = "mean"

    def __init__(self, spec: WindowSpec, settings: FitSettings | None = None, k: int = 4) -> None:
        if spec.input_len < k:
            raise ValueError(f"mean of the last {k} weeks needs input_len >= {k}")
        # The target's relative channel, unclipped, is (L[t-j] - L[t]) / step: exactly what the
        # level mean needs (step equals the target scale for the target column).
        base = settings or FitSettings()
        super().__init__(
            replace(spec, target_as_input=True),
            replace(base, channels=("relative",), clip=None, shrink=False),
        )
        self.k = k

    def _fit_arrays(self, train: Batch, val: Batch) -> None:
        """Nothing to learn."""

    def _predict_arrays(self, x: np.ndarray) -> np.ndarray:
        return x[:, -self.k :, -1].mean(axis=1, keepdims=True).astype(np.float64)

    def params(self) -> dict[str, Any]:
        """The number of weeks averaged."""
        return {"k": self.k}

    def load_params(self, params: dict[str, Any]) -> None:
        """Inverse of :meth:`params`."""
        self.k = int(params.get("k", self.k))


class RidgeForecaster(ScaledRegressor):
    """Ridge regression on the flattened window; penalty chosen on validation."""

    name = "ridge"

    def __init__(self, spec: WindowSpec, settings: FitSettings | None = None) -> None:
        super().__init__(spec, settings or FitSettings())
        self.coef = np.zeros(0)
        self.intercept = 0.0
        self.alpha = 1.0

    def _fit_arrays(self, train: Batch, val: Batch) -> None:
        self.coef, self.intercept, self.alpha = fit_ridge(train, val)

    def _refit(self, data: Batch) -> None:
        self.coef, self.intercept = solve_ridge(data, self.alpha)

    def _predict_arrays(self, x: np.ndarray) -> np.ndarray:
        return (x.reshape(len(x), -1) @ self.coef + self.intercept)[:, None]

    def params(self) -> dict[str, Any]:
        """Coefficients, intercept and the penalty chosen on validation."""
        return {"coef": self.coef.tolist(), "intercept": self.intercept, "alpha": self.alpha}

    def load_params(self, params: dict[str, Any]) -> None:
        """Inverse of :meth:`params`."""
        self.coef = np.asarray(params["coef"], dtype=np.float64)
        self.intercept = float(params["intercept"])
        self.alpha = float(params["alpha"])


class LightGBMForecaster(ScaledRegressor):
    """LightGBM on lag features (the flattened window), early stopped on validation."""

    name = "lightgbm"

    def __init__(
        self, spec: WindowSpec, settings: FitSettings | None = None, seed: int = 0, n_jobs: int = 1
    ) -> None:
        super().__init__(spec, settings or FitSettings())
        self.seed = seed
        self.n_jobs = n_jobs
        self.booster: Any = None
        self.best_iter = 0

    def _params(self) -> dict[str, object]:
        return {
            "objective": "regression",
            "learning_rate": 0.03,
            "num_leaves": 15,
            "min_data_in_leaf": 20,
            "bagging_fraction": 0.8,
            "bagging_freq": 1,
            "feature_fraction": 0.8,
            "lambda_l2": 1.0,
            "seed": self.seed,
            "deterministic": True,
            "num_threads": self.n_jobs,
            "verbose": -1,
        }

    def _fit_arrays(self, train: Batch, val: Batch) -> None:
        import lightgbm as lgb

        tr = lgb.Dataset(train.x.reshape(len(train.x), -1), train.y, weight=train.w)
        va = lgb.Dataset(val.x.reshape(len(val.x), -1), val.y, weight=val.w, reference=tr)
        self.booster = lgb.train(
            self._params(),
            tr,
            num_boost_round=600,
            valid_sets=[va],
            callbacks=[lgb.early_stopping(50, verbose=False)],
        )
        self.best_iter = max(int(self.booster.best_iteration or 0), 1)

    def _refit(self, data: Batch) -> None:
        import lightgbm as lgb

        full = lgb.Dataset(data.x.reshape(len(data.x), -1), data.y, weight=data.w)
        self.booster = lgb.train(self._params(), full, num_boost_round=self.best_iter)

    def _predict_arrays(self, x: np.ndarray) -> np.ndarray:
        if self.booster is None:
            raise RuntimeError("lightgbm is not fitted")
        pred = self.booster.predict(x.reshape(len(x), -1))
        return np.asarray(pred, dtype=np.float64)[:, None]


FALLBACKS: dict[str, type[ScaledRegressor]] = {
    "naive": NaiveForecaster,
    "mean": MeanForecaster,
    "ridge": RidgeForecaster,
}
"""The robust baselines the service may fall back to (no randomness, fitted in a second)."""


def restore_baseline(config: dict[str, Any], state: dict[str, Any]) -> ScaledRegressor:
    """Rebuild a fitted fallback baseline from its registry config and state."""
    kind = str(config["kind"])
    if kind not in FALLBACKS:
        raise ValueError(f"unknown baseline {kind!r}")
    model = FALLBACKS[kind](spec_from(config), settings_from(config))
    model.load_state(state)
    return model


def fit_fallback(panel: Panel, spec: WindowSpec, settings: FitSettings) -> ScaledRegressor:
    """The fallback with the lowest validation MSE on ``panel``: ridge, mean of 4 weeks or naive.

    Naive scores exactly 1.0 (the gate's yardstick), so the winner is never worse than naive on
    validation; when the others cannot even be fitted, naive is what remains.
    """
    best: ScaledRegressor | None = None
    for name, cls in FALLBACKS.items():
        model = cls(spec, replace(settings, refit=True))
        try:
            model.fit(panel)
        except ValueError:  # e.g. the mean needs 4 weeks of input; PanelError is a ValueError
            if name == "naive":
                raise
            continue
        if best is None or model.metrics["val_rel_mse"] < best.metrics["val_rel_mse"]:
            best = model
    assert best is not None  # naive either fitted or raised
    return best
