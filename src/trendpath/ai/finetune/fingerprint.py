"""Base-model fingerprints, so an adapter is never merged into or served on the wrong base.

A fingerprint has two parts. The architecture (the fields of ``config.json`` that fix tensor
shapes) gives a precise message when shapes differ. The weights digest hashes, for every weight
file, its name, size and first and last MiB; a safetensors file starts with its tensor index, so
this separates different fine-tunes of one architecture while reading only a few MiB of a 16 GB
checkpoint. Both are computed from files, before any weights are loaded.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

ARCH_KEYS = (
    "model_type",
    "hidden_size",
    "num_hidden_layers",
    "num_attention_heads",
    "num_key_value_heads",
    "intermediate_size",
    "vocab_size",
    "tie_word_embeddings",
)
WEIGHT_SUFFIXES = (".safetensors", ".bin")
_SAMPLE = 1 << 20


class AdapterMismatch(ValueError):
    """An adapter was trained on a different base model than the one given."""


class ModelPathError(FileNotFoundError):
    """The local model directory is missing or incomplete (we never download)."""


def weight_files(model_dir: Path) -> list[Path]:
    """Weight files of a model directory, sorted by name."""
    return sorted(
        p for p in model_dir.iterdir() if p.name.endswith(WEIGHT_SUFFIXES) and p.is_file()
    )


def check_model_dir(model_dir: Path, what: str = "base model") -> None:
    """Raise :class:`ModelPathError` unless the directory has a config, weights and a tokenizer."""
    if not model_dir.is_dir():
        raise ModelPathError(
            f"{what} directory not found: {model_dir}. Set model.path to a local copy of the "
            "model (config.json, *.safetensors, tokenizer files); weights are never downloaded."
        )
    missing = []
    if not (model_dir / "config.json").is_file():
        missing.append("config.json")
    if not weight_files(model_dir):
        missing.append("weights (*.safetensors)")
    if not any((model_dir / n).is_file() for n in ("tokenizer.json", "tokenizer.model")):
        missing.append("tokenizer.json")
    if missing:
        raise ModelPathError(
            f"{what} directory {model_dir} is incomplete: missing {', '.join(missing)}"
        )


def architecture(model_dir: Path) -> dict[str, Any]:
    """The shape-defining fields of ``config.json``."""
    cfg = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    arch = {k: cfg.get(k) for k in ARCH_KEYS}
    if arch["num_key_value_heads"] is None:
        arch["num_key_value_heads"] = arch["num_attention_heads"]
    return arch


def weights_digest(model_dir: Path) -> str:
    """Hash of each weight file's name, size, first and last MiB."""
    h = hashlib.sha256()
    for p in weight_files(model_dir):
        size = p.stat().st_size
        h.update(f"{p.name}:{size}\n".encode())
        with p.open("rb") as fh:
            h.update(fh.read(_SAMPLE))
            if size > _SAMPLE:
                fh.seek(max(_SAMPLE, size - _SAMPLE))
                h.update(fh.read(_SAMPLE))
    return h.hexdigest()


def base_fingerprint(
    model_dir: Path, model_id: str | None = None, revision: str | None = None
) -> dict[str, Any]:
    """Fingerprint of a base model directory (stored with every adapter)."""
    return {
        "model_id": model_id,
        "revision": revision,
        "path": str(model_dir.resolve()),
        "architecture": architecture(model_dir),
        "weights_sha256": weights_digest(model_dir),
    }


def check_same_base(recorded: dict[str, Any], model_dir: Path) -> None:
    """Raise :class:`AdapterMismatch` unless ``model_dir`` is the adapter's training base."""
    arch = architecture(model_dir)
    diff = {k: (v, arch.get(k)) for k, v in recorded["architecture"].items() if arch.get(k) != v}
    if diff:
        shown = ", ".join(f"{k}: adapter {a!r} vs base {b!r}" for k, (a, b) in diff.items())
        raise AdapterMismatch(
            f"the adapter was trained on a different architecture than {model_dir} ({shown})"
        )
    digest = weights_digest(model_dir)
    if digest != recorded["weights_sha256"]:
        raise AdapterMismatch(
            f"the adapter was trained on base {recorded.get('model_id') or recorded.get('path')} "
            f"(weights {recorded['weights_sha256'][:12]}), but {model_dir} has different weights "
            f"({digest[:12]}); merge or serve it only on its own base"
        )
