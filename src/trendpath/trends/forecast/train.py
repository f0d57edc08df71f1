"""The one training entry for the networks (GRU, TST), and the forecaster that wraps them.

Loss: MSE on the point output (the seed's loss) plus ``quantile_weight`` x pinball loss on the two
interval outputs. Optimiser AdamW; early stopping on the time-ordered validation split (best
weights kept); fixed seeds; a tqdm progress bar over epochs that ``progress=False`` hides.
"""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal

import numpy as np
import torch
from torch import nn
from tqdm import tqdm

from trendpath.trends.forecast.base import (
    Batch,
    FitSettings,
    ScaledRegressor,
    settings_from,
    spec_from,
)
from trendpath.trends.forecast.baselines import fit_ridge, solve_ridge
from trendpath.trends.forecast.data import WindowSpec
from trendpath.trends.forecast.gru import GRUConfig, GRUForecaster
from trendpath.trends.forecast.tst import TSTConfig, TSTForecaster
from trendpath.trends.forecast.uncertainty import interval_quantiles, pinball_loss

STOP: ContextVar[threading.Event | None] = ContextVar("forecast_train_stop", default=None)
"""Set by a caller that may need to stop training early (a service shutting down): every batch
checks it and raises :class:`TrainingStopped` once the event is set."""


class TrainingStopped(RuntimeError):
    """Training was asked to stop (:data:`STOP`); nothing was registered."""


ModelKind = Literal["gru", "tst"]
MODEL_KINDS: tuple[str, ...] = ("gru", "tst")
LINEAR_KINDS: tuple[str, ...] = ("ridge",)
"""Members that are not networks: ridge on the same flattened windows, averaged in as one more
member (``"gru+tst+ridge"``); a kind needs at least one network."""


@dataclass
class TrainConfig:
    """Optimisation settings."""

    epochs: int = 40
    batch_size: int = 128
    lr: float = 3e-3
    weight_decay: float = 1e-2
    patience: int = 6
    quantile_weight: float = 0.5
    seed: int = 0
    ensemble: int = 1
    threads: int | None = 1
    progress: bool = False
    max_seconds: float | None = None
    member_weights: str = "equal"
    """How a multi-kind model averages its kinds: ``"equal"`` (every kind the same) or
    ``"validation"`` (non-negative weights summing to 1, fitted by least squares on the
    validation windows: :func:`simplex_weights`)."""
    linear_share: float | None = None
    """With ``"equal"`` weights: the share of the point forecast that the linear members
    (:data:`LINEAR_KINDS`) take together, the networks sharing the rest equally (``None``: every
    kind the same, so ridge takes a third of ``"gru+tst+ridge"``)."""


MEMBER_WEIGHTS: tuple[str, ...] = ("equal", "validation")


def simplex_weights(p: np.ndarray, y: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Weights ``a >= 0`` with ``sum(a) == 1`` minimising ``sum(w * (y - p @ a) ** 2)``.

    ``p`` is (n, k) with a handful of members: the exact optimum by trying every support (the
    optimum is an equality-constrained least squares on the members it keeps).
    """
    n, k = p.shape
    if k == 1 or n == 0:
        return np.full(k, 1.0 / k)
    sw = np.sqrt(np.asarray(w, dtype=np.float64) / max(float(np.sum(w)), 1e-12))
    pw, yw = p * sw[:, None], y * sw
    best, best_loss = np.full(k, 1.0 / k), float(np.sum((yw - pw @ np.full(k, 1.0 / k)) ** 2))
    for mask in range(1, 2**k):
        cols = [j for j in range(k) if mask >> j & 1]
        a_sub = pw[:, cols]
        m = len(cols)
        # KKT system of min |yw - A a|^2 subject to 1'a = 1.
        kkt = np.zeros((m + 1, m + 1))
        kkt[:m, :m] = 2 * a_sub.T @ a_sub
        kkt[:m, m] = kkt[m, :m] = 1.0
        rhs = np.concatenate([2 * a_sub.T @ yw, [1.0]])
        sol = np.linalg.lstsq(kkt, rhs, rcond=None)[0][:m]
        if np.any(sol < -1e-9):
            continue
        a = np.zeros(k)
        a[cols] = np.clip(sol, 0.0, None)
        a /= a.sum()
        loss = float(np.sum((yw - pw @ a) ** 2))
        if loss < best_loss - 1e-12:
            best, best_loss = a, loss
    return best


def fixed_weights(kinds: tuple[str, ...], linear_share: float | None = None) -> np.ndarray:
    """Weights of ``kinds`` before any fitting: equal, or the linear members together
    ``linear_share`` and the networks the rest (each group split equally)."""
    equal = np.full(len(kinds), 1.0 / len(kinds))
    linear = np.array([k in LINEAR_KINDS for k in kinds])
    if linear_share is None or not linear.any() or linear.all():
        return equal
    if not 0.0 <= linear_share <= 1.0:
        raise ValueError(f"linear_share must lie in [0, 1], not {linear_share}")
    return np.where(
        linear, linear_share / linear.sum(), (1.0 - linear_share) / (~linear).sum()
    ).astype(np.float64)


@dataclass
class TrainResult:
    """What happened during training."""

    best_epoch: int
    best_val_loss: float
    train_loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    seconds: float = 0.0


class SeedEnsemble(nn.Module):
    """The average of several networks: seeds of one kind, or a GRU and a TST side by side."""

    def __init__(self, members: list[nn.Module]) -> None:
        super().__init__()
        self.members = nn.ModuleList(members)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Mean of the members' outputs."""
        return torch.stack([m(x) for m in self.members]).mean(dim=0)


ModelConfigs = dict[str, GRUConfig | TSTConfig]


def member_kinds(kind: str) -> tuple[str, ...]:
    """``"gru+tst+ridge"`` -> ``("gru", "tst", "ridge")``; unknown or repeated kinds, or no
    network among them, raise."""
    kinds = tuple(kind.split("+"))
    bad = [k for k in kinds if k not in MODEL_KINDS + LINEAR_KINDS]
    if bad or len(set(kinds)) != len(kinds) or not any(k in MODEL_KINDS for k in kinds):
        raise ValueError(
            f"unknown model kind {kind!r}; use {' / '.join(MODEL_KINDS)}, joined by '+', "
            f"optionally with {' / '.join(LINEAR_KINDS)} ('gru+tst+ridge')"
        )
    return kinds


def network_kinds(kind: str) -> tuple[str, ...]:
    """The network members of ``kind`` (``"gru+tst+ridge"`` -> ``("gru", "tst")``)."""
    return tuple(k for k in member_kinds(kind) if k in MODEL_KINDS)


def build_model(kind: str, cfgs: ModelConfigs, seeds: int = 1) -> SeedEnsemble:
    """``seeds`` networks of every network kind of ``kind`` (untrained, current torch seed)."""
    members: list[nn.Module] = []
    for k in network_kinds(kind):
        cfg = cfgs[k]
        for _ in range(seeds):
            members.append(GRUForecaster(cfg) if isinstance(cfg, GRUConfig) else TSTForecaster(cfg))
    return SeedEnsemble(members)


@contextmanager
def torch_threads(n: int | None) -> Iterator[None]:
    """Run with ``n`` torch threads (None: leave as is), then restore the previous setting.

    These networks are tiny: one thread is fastest, and on a busy machine extra threads spin
    and wait for each other (measured 4x slower with 2 threads on a loaded 2-core box).
    """
    if n is None:
        yield
        return
    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _loss(
    out: torch.Tensor, y: torch.Tensor, w: torch.Tensor, q: torch.Tensor, weight: float
) -> torch.Tensor:
    """Weighted MSE of the point output + ``weight`` x weighted pinball loss of the quantiles."""
    w = w / w.sum()
    mse = torch.sum(w * (out[:, 0] - y) ** 2)
    if not q.numel():
        return mse
    return mse + weight * pinball_loss(out[:, 1:], y, q, w)


def train_network(
    model: nn.Module,
    train: Batch,
    val: Batch | None,
    quantiles: tuple[float, ...],
    cfg: TrainConfig,
    *,
    epochs: int | None = None,
) -> TrainResult:
    """Train ``model`` in place; keeps the weights of the epoch with the best validation MSE.

    Without ``val`` it trains for ``epochs`` epochs and keeps the last weights.
    """
    with torch_threads(cfg.threads):
        return _train(model, train, val, quantiles, cfg, cfg.epochs if epochs is None else epochs)


def _tensors(data: Batch) -> tuple[torch.Tensor, ...]:
    return tuple(torch.from_numpy(np.ascontiguousarray(a, dtype=np.float32)) for a in data)


def _train(
    model: nn.Module,
    train: Batch,
    val: Batch | None,
    quantiles: tuple[float, ...],
    cfg: TrainConfig,
    n_epochs: int,
) -> TrainResult:
    x, y, w = _tensors(train)
    xv, yv, wv = _tensors(val) if val is not None and len(val.y) else (None, None, None)
    q = torch.tensor(quantiles, dtype=torch.float32)
    gen = torch.Generator().manual_seed(cfg.seed)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    result = TrainResult(best_epoch=0, best_val_loss=float("inf"))
    best_state = copy.deepcopy(model.state_dict())
    start = time.perf_counter()
    for epoch in tqdm(range(n_epochs), desc="train", disable=not cfg.progress, leave=False):
        model.train()
        order = torch.randperm(len(x), generator=gen)
        total = 0.0
        stop = STOP.get()
        for i in range(0, len(x), cfg.batch_size):
            if stop is not None and stop.is_set():
                raise TrainingStopped("training stopped on request")
            idx = order[i : i + cfg.batch_size]
            loss = _loss(model(x[idx]), y[idx], w[idx], q, cfg.quantile_weight)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            total += loss.item() * len(idx)
        result.train_loss.append(total / len(x))
        if xv is not None and yv is not None and wv is not None:
            model.eval()
            with torch.no_grad():
                val_mse = float(torch.sum(wv * (model(xv)[:, 0] - yv) ** 2) / wv.sum())
            result.val_loss.append(val_mse)
            if val_mse < result.best_val_loss:
                result.best_val_loss, result.best_epoch = val_mse, epoch + 1
                best_state = copy.deepcopy(model.state_dict())
            elif epoch + 1 - result.best_epoch >= cfg.patience:
                break
        else:
            result.best_epoch = epoch + 1
            best_state = model.state_dict()
        if cfg.max_seconds is not None and time.perf_counter() - start > cfg.max_seconds:
            break
    model.load_state_dict(best_state)
    model.eval()
    result.seconds = time.perf_counter() - start
    return result


def default_model_config(kind: str) -> GRUConfig | TSTConfig:
    """Default architecture config of one member kind."""
    if kind == "gru":
        return GRUConfig()
    if kind == "tst":
        return TSTConfig()
    raise ValueError(f"unknown model kind {kind!r}; choose from {MODEL_KINDS}")


def _configs(kind: str, model: GRUConfig | TSTConfig | ModelConfigs | None) -> ModelConfigs:
    given: ModelConfigs = {}
    if isinstance(model, dict):
        given = dict(model)
    elif model is not None:
        given = {"gru" if isinstance(model, GRUConfig) else "tst": model}
    return {k: copy.deepcopy(given.get(k) or default_model_config(k)) for k in network_kinds(kind)}


class NeuralForecaster(ScaledRegressor):
    """A global GRU, TST or GRU+TST average on scaled windows, with calibrated intervals.

    ``kind`` ``"gru+tst"`` trains one network of each kind (``train.ensemble`` seeds of each) on
    the same windows and averages their outputs; the interval is calibrated on the average.
    ``"+ridge"`` adds a ridge regression on the same flattened windows (penalty chosen on the
    validation split) as one more member of the average. Every kind weighs the same in the point
    forecast (or the linear members take ``train.linear_share`` of it: :func:`fixed_weights`),
    or (``train.member_weights="validation"``) the weights :func:`simplex_weights` fits on the
    validation windows; the networks' quantile outputs move with the point.
    """

    family = "network"

    def __init__(
        self,
        kind: str = "gru",
        spec: WindowSpec | None = None,
        settings: FitSettings | None = None,
        train: TrainConfig | None = None,
        model: GRUConfig | TSTConfig | ModelConfigs | None = None,
    ) -> None:
        super().__init__(spec or WindowSpec(), settings or FitSettings(refit=False))
        self.kind = kind
        self.name = kind
        self.train_cfg = train or TrainConfig()
        self.model_cfgs = _configs(kind, model)
        self.quantiles = interval_quantiles(self.settings.coverage)
        self.net: SeedEnsemble | None = None
        self.results: list[TrainResult] = []
        self.ridge: tuple[np.ndarray, float, float] | None = None
        self.kinds = member_kinds(kind)
        self.linear = any(k in LINEAR_KINDS for k in self.kinds)
        if self.train_cfg.member_weights not in MEMBER_WEIGHTS:
            raise ValueError(
                f"unknown member_weights {self.train_cfg.member_weights!r}; "
                f"use {' / '.join(MEMBER_WEIGHTS)}"
            )
        self.member_weights = fixed_weights(self.kinds, self.train_cfg.linear_share)
        """Weight of each kind of :attr:`kinds` in the point forecast (sums to 1)."""

    @property
    def seeds(self) -> int:
        """Networks per member kind."""
        return max(self.train_cfg.ensemble, 1)

    def _new_net(self, n_inputs: int) -> SeedEnsemble:
        for cfg in self.model_cfgs.values():
            cfg.n_inputs = n_inputs
            cfg.input_len = self.spec.input_len
            cfg.n_outputs = 1 + len(self.quantiles)
        torch.manual_seed(self.train_cfg.seed)
        return build_model(self.kind, self.model_cfgs, self.seeds)

    def _member_cfg(self, k: int) -> TrainConfig:
        # Member k is seed k % seeds of its kind: a GRU and a TST share seeds.
        return replace(self.train_cfg, seed=self.train_cfg.seed + k % self.seeds)

    def _fit_arrays(self, train: Batch, val: Batch) -> None:
        self.net = self._new_net(train.x.shape[2])
        self.results = [
            train_network(member, train, val, self.quantiles, self._member_cfg(k))
            for k, member in enumerate(self.net.members)
        ]
        self.ridge = fit_ridge(train, val) if self.linear else None
        self.member_weights = fixed_weights(self.kinds, self.train_cfg.linear_share)
        if self.train_cfg.member_weights == "validation" and len(self.kinds) > 1 and len(val.y):
            points = self._kind_outputs(val.x)[:, :, 0].T
            self.member_weights = simplex_weights(points, val.y.astype(np.float64), val.w)

    def _kind_outputs(self, x: np.ndarray) -> np.ndarray:
        """(kinds, n, outputs): each kind's own forecast (seeds of a kind averaged); the ridge
        member repeats its point in every output column."""
        if self.net is None:
            raise RuntimeError(f"{self.name} is not fitted")
        with torch.no_grad(), torch_threads(self.train_cfg.threads):
            xt = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))
            outs = torch.stack([m(xt) for m in self.net.members]).numpy().astype(np.float64)
        nets = outs.reshape(-1, self.seeds, *outs.shape[1:]).mean(axis=1)
        per_kind: list[np.ndarray] = []
        it = iter(nets)
        for k in self.kinds:
            if k in MODEL_KINDS:
                per_kind.append(next(it))
                continue
            if self.ridge is None:
                raise RuntimeError(f"{self.name}: the ridge member is not fitted")
            coef, intercept, _ = self.ridge
            linear = x.reshape(len(x), -1).astype(np.float64) @ coef + intercept
            per_kind.append(np.repeat(linear[:, None], outs.shape[2], axis=1))
        return np.stack(per_kind)

    def _refit(self, data: Batch) -> None:
        # Same recipe on every window, for as many epochs as early stopping chose.
        net = self._new_net(data.x.shape[2])
        for k, member in enumerate(net.members):
            epochs = self.results[k].best_epoch if self.results else self.train_cfg.epochs
            train_network(member, data, None, self.quantiles, self._member_cfg(k), epochs=epochs)
        self.net = net
        if self.ridge is not None:
            coef, intercept = solve_ridge(data, self.ridge[2])
            self.ridge = (coef, intercept, self.ridge[2])

    def _predict_arrays(self, x: np.ndarray) -> np.ndarray:
        per_kind = self._kind_outputs(x)
        nets = [i for i, k in enumerate(self.kinds) if k in MODEL_KINDS]
        # The networks' own (equal-weight) output, point and quantiles...
        pred = per_kind[nets].mean(axis=0)
        # ...moved to the weighted point: the interval moves with the point.
        point = np.tensordot(self.member_weights, per_kind[:, :, 0], axes=1)
        return pred + (point - pred[:, 0])[:, None]

    def params(self) -> dict[str, Any]:
        """The kinds' weights, and the ridge member's coefficients, intercept and penalty."""
        out: dict[str, Any] = {"member_weights": self.member_weights.tolist()}
        if self.ridge is not None:
            coef, intercept, alpha = self.ridge
            out["ridge"] = {"coef": coef.tolist(), "intercept": intercept, "alpha": alpha}
        return out

    def load_params(self, params: dict[str, Any]) -> None:
        """Inverse of :meth:`params` (a model saved before member weights: equal weights)."""
        if "member_weights" in params:
            self.member_weights = np.asarray(params["member_weights"], dtype=np.float64)
        if "ridge" in params:
            r = params["ridge"]
            self.ridge = (
                np.asarray(r["coef"], dtype=np.float64),
                float(r["intercept"]),
                float(r["alpha"]),
            )

    @property
    def metrics(self) -> dict[str, float]:
        """Validation metrics of the last fit (plus training facts)."""
        extra = {}
        if self.results:
            extra = {
                "best_epoch": float(np.mean([r.best_epoch for r in self.results])),
                "train_s": float(sum(r.seconds for r in self.results)),
            }
        return {**self.calibration.metrics, **extra}

    def config(self) -> dict[str, Any]:
        """Everything needed to rebuild this forecaster, as plain data."""
        return {
            **super().config(),
            "kind": self.kind,
            "train": asdict(self.train_cfg),
            "model": {k: asdict(cfg) for k, cfg in self.model_cfgs.items()},
        }

    def weights(self) -> dict[str, torch.Tensor]:
        """The networks' state_dict."""
        if self.net is None:
            raise RuntimeError(f"{self.name} is not fitted")
        return self.net.state_dict()

    @classmethod
    def restore(
        cls, config: dict[str, Any], state: dict[str, Any], weights: dict[str, torch.Tensor]
    ) -> NeuralForecaster:
        """Rebuild a fitted forecaster from :meth:`config`, :meth:`state` and its weights."""
        kind = str(config["kind"])
        cfgs: ModelConfigs = {
            k: GRUConfig(**v) if k == "gru" else TSTConfig(**v) for k, v in config["model"].items()
        }
        fc = cls(
            kind, spec_from(config), settings_from(config), TrainConfig(**config["train"]), cfgs
        )
        fc.net = build_model(kind, fc.model_cfgs, fc.seeds)
        fc.net.load_state_dict(weights)
        fc.net.eval()
        fc.load_state(state)
        return fc
