"""A filesystem model registry: one folder per trained model version.

Layout under ``registry_dir``::

    <version>/model.pt    torch checkpoint: {format, model_kind, config, state_dict, state,
                          metrics, data_version, created_at}
    <version>/meta.json   the same minus weights, for listing without loading torch tensors

``<version>`` is ``<UTC timestamp>-<kind>-<hash>``, so names sort by creation time. A version is
written to a temporary folder (``.tmp-*``), flushed to disk and renamed into place, so readers
never see half a model, even after a crash; temporary folders a killed trainer left behind are
ignored and swept by a later save. Checkpoints hold plain data and tensors only and are read with
``torch.load(weights_only=True)``; loading never needs the training data (the per-series scaling
stats travel in ``state``).

The served model is the *latest good* one: the newest whose validation metrics pass the gate
(relative MSE below naive's on the time-ordered validation split) and whose checkpoint loads; a
version whose checkpoint is missing or unreadable is skipped, never served.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from trendpath.trends.forecast.base import ScaledRegressor
from trendpath.trends.forecast.baselines import fit_fallback, restore_baseline
from trendpath.trends.forecast.data import Panel
from trendpath.trends.forecast.recipe import SERVED, Recipe
from trendpath.trends.forecast.train import NeuralForecaster

log = logging.getLogger(__name__)

FORMAT = 2
CHECKPOINT = "model.pt"
META = "meta.json"
GATE_METRIC = "val_rel_mse"
TMP_PREFIX = ".tmp-"
STALE_TMP_S = 3600.0
"""A temporary folder this old belongs to a dead trainer (a live one renames it in milliseconds)."""
TRAINING = "no usable forecast model; training one"


class RegistryError(RuntimeError):
    """No usable model, or a checkpoint that cannot be read."""


@dataclass(frozen=True)
class ModelRecord:
    """One registered model version (from its ``meta.json``).

    ``family`` is ``network`` (the gated GRU/TST) or ``baseline`` (a robust fallback);
    ``data_source`` says what it was trained on (``database``, ``demo``, or a panel file).
    """

    version: str
    path: Path
    model_kind: str
    created_at: dt.datetime
    metrics: dict[str, float]
    data_version: str
    features: tuple[str, ...] | None
    target_name: str
    family: str = "network"
    data_source: str = "panel"

    @property
    def validation_rel_mse(self) -> float | None:
        """MSE relative to naive on the model's time-ordered validation weeks."""
        return self.metrics.get(GATE_METRIC)


@dataclass
class LoadedModel:
    """A registered model ready to predict.

    ``status``: ``current`` (the newest model passed the gate), ``last_good`` (the newest failed
    it; this older one is served) or ``fallback`` (no network passed: a baseline is served).
    """

    record: ModelRecord
    forecaster: ScaledRegressor
    status: str = "current"

    @property
    def version(self) -> str:
        """The registry version string."""
        return self.record.version


def passes_gate(metrics: dict[str, float], max_rel_mse: float = 1.0) -> bool:
    """True when the model beat the naive forecast on its validation split."""
    value = metrics.get(GATE_METRIC)
    return value is not None and value < max_rel_mse


def save_model(
    registry_dir: Path,
    forecaster: ScaledRegressor,
    *,
    data_version: str,
    target_name: str,
    data_source: str = "panel",
    created_at: dt.datetime | None = None,
) -> ModelRecord:
    """Write a fitted forecaster (network or baseline) as a new version; returns its record."""
    created = created_at or dt.datetime.now(dt.UTC)
    config = forecaster.config()
    kind = str(config["kind"])
    digest = hashlib.sha256(
        json.dumps([config, data_version, created.isoformat()], sort_keys=True).encode()
    ).hexdigest()[:8]
    version = f"{created:%Y%m%dT%H%M%S%f}-{kind.replace('+', '-')}-{digest}"
    meta = {
        "format": FORMAT,
        "version": version,
        "model_kind": kind,
        "family": forecaster.family,
        "data_source": data_source,
        "created_at": created.isoformat(),
        "metrics": forecaster.metrics,
        "data_version": data_version,
        "features": list(forecaster.spec.features) if forecaster.spec.features else None,
        "target_name": target_name,
        "config": config,
    }
    weights = forecaster.weights() if isinstance(forecaster, NeuralForecaster) else {}
    checkpoint = {**meta, "state_dict": weights, "state": forecaster.state()}
    registry_dir.mkdir(parents=True, exist_ok=True)
    sweep_temporary(registry_dir)
    tmp = Path(tempfile.mkdtemp(prefix=TMP_PREFIX, dir=registry_dir))
    try:
        torch.save(checkpoint, tmp / CHECKPOINT)
        (tmp / META).write_text(json.dumps(meta, indent=2, sort_keys=True), encoding="utf-8")
        for written in (tmp / CHECKPOINT, tmp / META, tmp):
            _fsync(written)
        os.replace(tmp, registry_dir / version)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _fsync(registry_dir)  # the rename itself survives a power cut
    return _record(registry_dir / version)


def _fsync(path: Path) -> None:
    # Without it a power cut after the rename can leave a version folder with empty files.
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def sweep_temporary(registry_dir: Path, older_than_s: float = STALE_TMP_S) -> list[Path]:
    """Remove temporary folders that killed trainers left behind; returns those removed."""
    removed: list[Path] = []
    cutoff = time.time() - older_than_s
    for path in registry_dir.glob(f"{TMP_PREFIX}*"):
        try:
            if path.is_dir() and path.stat().st_mtime < cutoff:
                shutil.rmtree(path)
                removed.append(path)
        except OSError:  # another process swept it first
            continue
    return removed


def _record(path: Path) -> ModelRecord:
    try:
        meta = json.loads((path / META).read_text(encoding="utf-8"))
        if meta.get("format") != FORMAT:
            raise ValueError(f"checkpoint format {meta.get('format')} (this code reads {FORMAT})")
        return ModelRecord(
            version=str(meta["version"]),
            path=path,
            model_kind=str(meta["model_kind"]),
            created_at=dt.datetime.fromisoformat(meta["created_at"]),
            metrics={k: float(v) for k, v in meta["metrics"].items()},
            data_version=str(meta["data_version"]),
            features=tuple(meta["features"]) if meta["features"] is not None else None,
            target_name=str(meta["target_name"]),
            family=str(meta["family"]),
            data_source=str(meta["data_source"]),
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise RegistryError(f"unreadable model version at {path}: {exc}") from exc


def list_models(registry_dir: Path) -> list[ModelRecord]:
    """Every readable version, newest first (unreadable or older-format folders are ignored)."""
    if not registry_dir.is_dir():
        return []
    records = []
    for path in registry_dir.iterdir():
        complete = (path / META).is_file() and (path / CHECKPOINT).is_file()
        if path.is_dir() and not path.name.startswith(".") and complete:
            try:
                records.append(_record(path))
            except RegistryError:
                continue
    return sorted(records, key=lambda r: (r.created_at, r.version), reverse=True)


@dataclass(frozen=True)
class Wanted:
    """Which registered versions may serve: family, kind, data source, columns of a panel."""

    family: str | None = "network"
    kind: str | None = None
    data_source: str | None = None
    panel: Panel | None = None

    def fits(self, record: ModelRecord) -> bool:
        """True when ``record`` matches every given condition."""
        if self.family is not None and record.family != self.family:
            return False
        if self.kind is not None and record.model_kind != self.kind:
            return False
        if self.data_source is not None and record.data_source != self.data_source:
            return False
        if self.panel is None:
            return True
        if record.target_name != self.panel.target_name:
            return False
        return record.features is None or set(record.features) <= set(self.panel.features)


def latest_good(
    registry_dir: Path,
    *,
    kind: str | None = None,
    panel: Panel | None = None,
    data_source: str | None = None,
    max_rel_mse: float = 1.0,
) -> ModelRecord | None:
    """The newest network version that passes the gate (and suits ``panel``'s columns)."""
    wanted = Wanted(kind=kind, data_source=data_source, panel=panel)
    for record in list_models(registry_dir):
        if wanted.fits(record) and passes_gate(record.metrics, max_rel_mse):
            return record
    return None


def load_latest_good(
    registry_dir: Path,
    *,
    kind: str | None = None,
    panel: Panel | None = None,
    data_source: str | None = None,
    max_rel_mse: float = 1.0,
) -> LoadedModel | None:
    """Load the newest network version that passes the gate, suits ``panel`` and reads.

    A version whose checkpoint cannot be read (a disk error, a file truncated by a crash of the
    machine) is skipped with a warning, so one bad folder never stops forecasting.
    """
    wanted = Wanted(kind=kind, data_source=data_source, panel=panel)
    for record in list_models(registry_dir):
        if not (wanted.fits(record) and passes_gate(record.metrics, max_rel_mse)):
            continue
        try:
            return load_model(record)
        except RegistryError as exc:
            log.warning("skipping unreadable model version", extra={"reason": str(exc)})
    return None


def load_model(record: ModelRecord | Path) -> LoadedModel:
    """Load a version (by record or folder) without any training data."""
    rec = record if isinstance(record, ModelRecord) else _record(record)
    try:
        ckpt: dict[str, Any] = torch.load(rec.path / CHECKPOINT, weights_only=True)
    except (OSError, RuntimeError, EOFError) as exc:
        raise RegistryError(f"cannot read checkpoint {rec.path / CHECKPOINT}: {exc}") from exc
    if ckpt.get("format") != FORMAT:
        raise RegistryError(f"{rec.version}: unsupported checkpoint format {ckpt.get('format')}")
    forecaster: ScaledRegressor
    if rec.family == "network":
        forecaster = NeuralForecaster.restore(ckpt["config"], ckpt["state"], ckpt["state_dict"])
    else:
        forecaster = restore_baseline(ckpt["config"], ckpt["state"])
    return LoadedModel(record=rec, forecaster=forecaster)


def train_and_register(
    registry_dir: Path,
    panel: Panel,
    *,
    recipe: Recipe = SERVED,
    data_source: str = "panel",
    seed: int = 0,
) -> LoadedModel:
    """Fit ``recipe`` (default: the served one) on every week of ``panel`` and register it."""
    forecaster = recipe.forecaster(panel, seed=seed)
    forecaster.fit(panel)
    return _register(registry_dir, forecaster, panel, data_source)


def _register(
    registry_dir: Path, model: ScaledRegressor, panel: Panel, data_source: str, status: str = ""
) -> LoadedModel:
    """Save a model fitted on ``panel`` and return it ready to serve."""
    record = save_model(
        registry_dir,
        model,
        data_version=panel.version(),
        target_name=panel.target_name,
        data_source=data_source,
    )
    return LoadedModel(record=record, forecaster=model, status=status or "current")


def ensure_model(
    registry_dir: Path,
    panel: Panel,
    *,
    recipe: Recipe = SERVED,
    data_source: str = "panel",
    retrain: bool = False,
    max_rel_mse: float = 1.0,
) -> LoadedModel:
    """The model to serve for ``panel``: never none, never one that lost to naive.

    1. the newest network trained on ``data_source`` that passes the gate (validation MSE below
       ``max_rel_mse`` x naive's), unless ``retrain``;
    2. else a freshly trained ``recipe`` (registered whatever its score, for the history), when
       it passes the gate; when ``panel`` already failed once it is not trained again;
    3. else the previous good network of that data source (``status="last_good"``);
    4. else the best robust baseline fitted on ``panel`` (ridge, mean of 4 weeks or naive,
       chosen on the same validation weeks; ``status="fallback"``), registered too.
    """

    def last_good() -> LoadedModel | None:
        return load_latest_good(
            registry_dir, panel=panel, data_source=data_source, max_rel_mse=max_rel_mse
        )

    if not retrain and (found := last_good()) is not None:
        return found
    tried = any(
        r.family == "network" and r.data_version == panel.version()
        for r in list_models(registry_dir)
    )
    if retrain or not tried:
        fresh = _train_logged(registry_dir, panel, recipe, data_source)
        if passes_gate(fresh.record.metrics, max_rel_mse):
            return fresh
        log.warning(
            "the new forecast model did not beat the naive forecast on validation",
            extra={"version": fresh.version, GATE_METRIC: fresh.record.validation_rel_mse},
        )
        previous = last_good()
        if previous is not None:
            previous.status = "last_good"
            return previous
    return _fallback(registry_dir, panel, recipe, data_source)


def _train_logged(
    registry_dir: Path, panel: Panel, recipe: Recipe, data_source: str
) -> LoadedModel:
    # The line that says what the model is trained on (and that a crash test waits for).
    extra = {"data_source": data_source, "series": len(panel.series_ids), "kind": recipe.kind}
    log.info(TRAINING, extra={**extra, "weeks": panel.n_weeks})
    return train_and_register(registry_dir, panel, recipe=recipe, data_source=data_source)


def _fallback(registry_dir: Path, panel: Panel, recipe: Recipe, data_source: str) -> LoadedModel:
    """The best robust baseline for ``panel`` (reused when one was fitted on this data)."""
    for record in list_models(registry_dir):
        if record.family == "baseline" and record.data_version == panel.version():
            try:
                loaded = load_model(record)
            except RegistryError:
                continue
            loaded.status = "fallback"
            return loaded
    model = fit_fallback(panel, recipe.spec(panel), recipe.settings())
    loaded = _register(registry_dir, model, panel, data_source, status="fallback")
    log.warning(
        "serving a baseline forecast",
        extra={"model": loaded.record.model_kind, GATE_METRIC: loaded.record.validation_rel_mse},
    )
    return loaded
