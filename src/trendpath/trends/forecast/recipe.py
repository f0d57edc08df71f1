"""The one forecasting recipe: what the service, the scheduled retrain, the CLI and the benchmark
all train.

A :class:`Recipe` is every choice that turns a panel into a fitted model: the window (how many
weeks of which columns), the scaling, the networks and the optimiser. :data:`SERVED` is the
recipe the product trains; its values were chosen by leave-one-group-out cross-validation on the
development period (``bench/forecast_cv.py``, figures in docs/forecasting.md), never on test
origins. ``bench/forecast.py`` measures exactly :data:`SERVED` through the same
:meth:`Recipe.forecaster`.

The window reads every input feature of the panel (the five indicators for trends; none for a
univariate series) plus the target's own history (the Velocity Score), ``input_len`` weeks long:
at least the seed design's 4 weeks, longer when that measurably helps.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from trendpath.trends.forecast.base import FitSettings
from trendpath.trends.forecast.data import Panel, Policy, WindowSpec
from trendpath.trends.forecast.gru import GRUConfig
from trendpath.trends.forecast.train import NeuralForecaster, TrainConfig
from trendpath.trends.forecast.tst import TSTConfig


@dataclass(frozen=True)
class Recipe:
    """Window, scaling, networks and training of a forecaster (see the module docstring).

    The defaults are :data:`SERVED`: a GRU, a TST (hidden 64) and a ridge regression on the
    same flattened windows, averaged with equal weights, read 56 weeks of
    every input and of the target as moves relative to the origin's value, in units of each
    window's own mean absolute weekly change over its last 8 weeks; training targets are clipped
    at ±5 such units; MSE (+ pinball for the interval) with early stopping on the last 26 weeks.
    """

    kind: str = "gru+tst+ridge"
    input_len: int = 56
    min_history: int = 16
    channels: tuple[str, ...] = ("relative",)
    scaling: str = "window"
    scale_weeks: int | None = 8
    target_clip: float | None = 5.0
    clip: float | None = 10.0
    val_weeks: int = 26
    refit: bool = False
    gru: GRUConfig = field(default_factory=lambda: GRUConfig(rnn_len=16, hidden=64))
    tst: TSTConfig = field(default_factory=lambda: TSTConfig(patch_len=4, d_model=64, d_ff=128))
    train: TrainConfig = field(default_factory=lambda: TrainConfig(batch_size=256))

    def spec(self, panel: Panel | None = None) -> WindowSpec:
        """The window over every feature of ``panel`` (pinned at fit time) plus the target."""
        return WindowSpec(
            input_len=self.input_len,
            features=None if panel is None else panel.features,
            target_as_input=True,
            min_history=min(self.min_history, self.input_len),
        )

    def settings(self, policy: Policy = "skip") -> FitSettings:
        """Scaling and validation settings (``policy``: what training does with bad series)."""
        return FitSettings(
            channels=self.channels,
            clip=self.clip,
            val_weeks=self.val_weeks,
            refit=self.refit,
            policy=policy,
            scaling=self.scaling,
            scale_weeks=self.scale_weeks,
            target_clip=self.target_clip,
        )

    def forecaster(
        self, panel: Panel | None = None, *, seed: int = 0, policy: Policy = "skip"
    ) -> NeuralForecaster:
        """An untrained forecaster of this recipe."""
        return NeuralForecaster(
            self.kind,
            self.spec(panel),
            self.settings(policy),
            replace(self.train, seed=seed),
            {"gru": replace(self.gru), "tst": replace(self.tst)},
        )

    def with_(self, **changes: Any) -> Recipe:
        """A copy with some fields changed (``train`` keys may be given as ``train_<name>``)."""
        train = {k[6:]: v for k, v in changes.items() if k.startswith("train_")}
        rest = {k: v for k, v in changes.items() if not k.startswith("train_")}
        out = replace(self, **rest)
        return replace(out, train=replace(out.train, **train)) if train else out


SERVED = Recipe()
"""The recipe the product serves (chosen by ``bench/forecast_cv.py``)."""

LITERAL_4_WEEKS = SERVED.with_(input_len=4, min_history=4)
"""The seed design read literally: the last 4 weeks only (a benchmark row, not served)."""
