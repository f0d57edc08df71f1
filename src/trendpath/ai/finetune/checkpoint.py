"""Adapter checkpoints: the PEFT adapter plus ``trendpath_adapter.json``.

The JSON holds the nanoGPT-shaped record ``{config, metrics, data_version}`` next to the PEFT
``state_dict`` (``adapter_model.safetensors``), and the fingerprint of the base model the adapter
was trained on, which :mod:`~trendpath.ai.finetune.merge` and ``serve`` check before loading.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

ADAPTER_META = "trendpath_adapter.json"
MERGED_META = "trendpath_merged.json"
FORMAT_VERSION = 1


class AdapterError(FileNotFoundError):
    """The adapter directory is missing files or was not written by our trainer."""


def save_adapter(model: Any, out_dir: Path, meta: dict[str, Any]) -> Path:
    """Write the PEFT adapter and its metadata to ``out_dir``; return the directory."""
    out_dir.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(str(out_dir))
    record = {"format": FORMAT_VERSION, "created": dt.datetime.now(dt.UTC).isoformat()} | meta
    (out_dir / ADAPTER_META).write_text(
        json.dumps(record, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    return out_dir


def read_adapter_meta(adapter_dir: Path) -> dict[str, Any]:
    """Metadata of an adapter directory, with a clear error when it is not one of ours."""
    if not adapter_dir.is_dir():
        raise AdapterError(f"adapter directory not found: {adapter_dir}")
    for name in ("adapter_config.json", ADAPTER_META):
        if not (adapter_dir / name).is_file():
            raise AdapterError(f"{adapter_dir} is not a trendpath adapter: {name} is missing")
    meta: dict[str, Any] = json.loads((adapter_dir / ADAPTER_META).read_text(encoding="utf-8"))
    if meta.get("format") != FORMAT_VERSION or "base" not in meta:
        raise AdapterError(f"{adapter_dir / ADAPTER_META} has an unknown format")
    return meta
