"""Prediction intervals: quantile heads, calibrated by split conformal prediction.

Choice (documented in docs/forecasting.md): the networks carry two extra outputs, the lower and
upper quantiles of the target change (trained with pinball loss next to the MSE point loss). On
their own, learned quantiles are often too narrow on small data, so after training they are
calibrated on the time-ordered validation split with conformalized quantile regression (CQR,
Romano et al. 2019): the interval is widened (or narrowed) by the margin that makes the validation
windows covered at the nominal rate. Everything happens in per-series scaled units, so the width
adapts to each series' volatility. Point-only models (baselines) get a symmetric conformal band
from their validation residuals instead.

A seed ensemble was the other option; it measures model disagreement only, not the noise of the
target, and costs one training run per member, so it under-covers and is slow.
"""

from __future__ import annotations

import numpy as np
import torch


def interval_quantiles(coverage: float) -> tuple[float, float]:
    """The (lower, upper) quantile levels of a central interval with this nominal coverage."""
    if not 0.0 < coverage < 1.0:
        raise ValueError("coverage must be in (0, 1)")
    tail = (1.0 - coverage) / 2.0
    return tail, 1.0 - tail


def pinball_loss(
    pred: torch.Tensor, y: torch.Tensor, quantiles: torch.Tensor, w: torch.Tensor | None = None
) -> torch.Tensor:
    """Pinball (quantile) loss; ``pred`` (batch, n_q), ``y`` (batch,), ``quantiles`` (n_q,).

    Averaged over quantiles, and over the batch with weights ``w`` (summing to 1) when given.
    """
    diff = y[:, None] - pred
    per_window = torch.maximum(quantiles * diff, (quantiles - 1.0) * diff).mean(dim=1)
    return per_window.mean() if w is None else torch.sum(w * per_window)


def _conformal_level(n: int, coverage: float) -> float:
    # The finite-sample correction of split conformal: ceil((n + 1) * coverage) / n.
    return float(min(1.0, np.ceil((n + 1) * coverage) / max(n, 1)))


def cqr_margin(y: np.ndarray, lower: np.ndarray, upper: np.ndarray, coverage: float) -> float:
    """CQR margin: add it to both sides of [lower, upper] to cover ``coverage`` of ``y``."""
    if y.size == 0:
        return 0.0
    scores = np.maximum(lower - y, y - upper)
    return float(np.quantile(scores, _conformal_level(y.size, coverage)))


def residual_margin(y: np.ndarray, point: np.ndarray, coverage: float) -> float:
    """Symmetric conformal half-width for a point forecaster from validation residuals."""
    if y.size == 0:
        return 0.0
    return float(np.quantile(np.abs(y - point), _conformal_level(y.size, coverage)))


def empirical_coverage(y: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> float:
    """Share of ``y`` inside [lower, upper]."""
    return float(np.mean((y >= lower) & (y <= upper))) if y.size else float("nan")
