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

from trendpath.trends.forecast.base import FitSettings
from trendpath.trends.forecast.data import Panel, WindowSpec
from trendpath.trends.forecast.gru import GRUConfig
from trendpath.trends.forecast.train import NeuralForecaster, TrainConfig
from trendpath.trends.forecast.tst import TSTConfig

log = logging.getLogger(__name__)

FORMAT = 1
CHECKPOINT = "model.pt"
META = "meta.json"
GATE_METRIC = "val_rel_mse"
TMP_PREFIX = ".tmp-"
STALE_TMP_S = 3600.0
"""A temporary folder this old belongs to a dead trainer (a live one renames it in milliseconds)."""


class RegistryError(RuntimeError):
    """No usable model, or a checkpoint that cannot be read."""


@dataclass(frozen=True)
class ModelRecord:
    """One registered model version (from its ``meta.json``)."""

    version: str
    path: Path
    model_kind: str
    created_at: dt.datetime
    metrics: dict[str, float]
    data_version: str
    features: tuple[str, ...] | None
    target_name: str


@dataclass
class LoadedModel:
    """A registered model ready to predict."""

    record: ModelRecord
    forecaster: NeuralForecaster

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
    forecaster: NeuralForecaster,
    *,
    data_version: str,
    target_name: str,
    created_at: dt.datetime | None = None,
) -> ModelRecord:
    """Write a fitted forecaster as a new version; returns its record."""
    created = created_at or dt.datetime.now(dt.UTC)
    config = forecaster.config()
    digest = hashlib.sha256(
        json.dumps([config, data_version, created.isoformat()], sort_keys=True).encode()
    ).hexdigest()[:8]
    version = f"{created:%Y%m%dT%H%M%S%f}-{forecaster.kind}-{digest}"
    meta = {
        "format": FORMAT,
        "version": version,
        "model_kind": forecaster.kind,
        "created_at": created.isoformat(),
        "metrics": forecaster.metrics,
        "data_version": data_version,
        "features": list(forecaster.spec.features) if forecaster.spec.features else None,
        "target_name": target_name,
        "config": config,
    }
    checkpoint = {**meta, "state_dict": forecaster.net.state_dict() if forecaster.net else {}}
    checkpoint["state"] = forecaster.state()
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
        return ModelRecord(
            version=str(meta["version"]),
            path=path,
            model_kind=str(meta["model_kind"]),
            created_at=dt.datetime.fromisoformat(meta["created_at"]),
            metrics={k: float(v) for k, v in meta["metrics"].items()},
            data_version=str(meta["data_version"]),
            features=tuple(meta["features"]) if meta["features"] is not None else None,
            target_name=str(meta["target_name"]),
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise RegistryError(f"unreadable model version at {path}: {exc}") from exc


def list_models(registry_dir: Path) -> list[ModelRecord]:
    """Every readable version, newest first (unreadable folders are ignored)."""
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


def _fits(record: ModelRecord, panel: Panel | None, kind: str | None) -> bool:
    if kind is not None and record.model_kind != kind:
        return False
    if panel is None:
        return True
    if record.target_name != panel.target_name:
        return False
    return record.features is None or set(record.features) <= set(panel.features)


def latest_good(
    registry_dir: Path,
    *,
    kind: str | None = None,
    panel: Panel | None = None,
    max_rel_mse: float = 1.0,
) -> ModelRecord | None:
    """The newest version that passes the gate (and suits ``panel``'s columns when given)."""
    for record in list_models(registry_dir):
        if _fits(record, panel, kind) and passes_gate(record.metrics, max_rel_mse):
            return record
    return None


def load_latest_good(
    registry_dir: Path,
    *,
    kind: str | None = None,
    panel: Panel | None = None,
    max_rel_mse: float = 1.0,
) -> LoadedModel | None:
    """Load the newest version that passes the gate, suits ``panel`` and whose checkpoint reads.

    A version whose checkpoint cannot be read (a disk error, a file truncated by a crash of the
    machine) is skipped with a warning, so one bad folder never stops forecasting.
    """
    for record in list_models(registry_dir):
        if not (_fits(record, panel, kind) and passes_gate(record.metrics, max_rel_mse)):
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
    forecaster = NeuralForecaster.restore(ckpt["config"], ckpt["state"], ckpt["state_dict"])
    return LoadedModel(record=rec, forecaster=forecaster)


def train_and_register(
    registry_dir: Path,
    panel: Panel,
    *,
    kind: str = "gru",
    spec: WindowSpec | None = None,
    settings: FitSettings | None = None,
    train: TrainConfig | None = None,
    model: GRUConfig | TSTConfig | None = None,
) -> LoadedModel:
    """Fit a global ``kind`` network on every week of ``panel`` and register it."""
    forecaster = NeuralForecaster(kind, spec, settings, train, model)
    forecaster.fit(panel)
    record = save_model(
        registry_dir, forecaster, data_version=panel.version(), target_name=panel.target_name
    )
    return LoadedModel(record=record, forecaster=forecaster)


def ensure_model(
    registry_dir: Path,
    panel: Panel,
    *,
    kind: str = "gru",
    spec: WindowSpec | None = None,
    train: TrainConfig | None = None,
    max_rel_mse: float = 1.0,
) -> LoadedModel:
    """The latest good ``kind`` model for ``panel``; trains and registers one when none exists.

    Raises :class:`RegistryError` when the freshly trained model does not pass the gate
    (validation MSE below ``max_rel_mse`` x naive's) — serving an unvetted model silently would
    be worse than no forecast.
    """
    found = load_latest_good(registry_dir, kind=kind, panel=panel, max_rel_mse=max_rel_mse)
    if found is not None:
        return found
    log.info(
        "no usable forecast model; training one",
        extra={"kind": kind, "series": len(panel.series_ids), "weeks": len(panel.weeks)},
    )
    loaded = train_and_register(registry_dir, panel, kind=kind, spec=spec, train=train)
    if not passes_gate(loaded.record.metrics, max_rel_mse):
        raise RegistryError(
            f"the new {kind} model ({loaded.version}) did not beat the naive forecast on "
            f"validation ({GATE_METRIC}={loaded.record.metrics.get(GATE_METRIC)})"
        )
    return loaded
