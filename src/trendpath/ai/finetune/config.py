"""QLoRA fine-tuning configuration: one validated dataclass tree loaded from YAML.

Paths in the YAML are relative to the working directory (the repository root for the shipped
configs). Unknown keys are errors, so a typo never silently falls back to a default.
``--set section.key=value`` overrides (see :func:`load_config`) let the CLI and tests reuse a file.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import ConfigDict, Field, TypeAdapter, ValidationError, field_validator
from pydantic.dataclasses import dataclass

_STRICT = ConfigDict(extra="forbid")
ALL_LINEAR = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")


class ConfigError(ValueError):
    """The fine-tuning config file is missing, malformed or inconsistent."""


@dataclass(config=_STRICT)
class Architecture:
    """The shape of a Llama-family model: all the memory planner needs (no weights)."""

    hidden_size: int = Field(gt=0)
    num_hidden_layers: int = Field(gt=0)
    num_attention_heads: int = Field(gt=0)
    num_key_value_heads: int = Field(gt=0)
    intermediate_size: int = Field(gt=0)
    vocab_size: int = Field(gt=0)
    tie_word_embeddings: bool = False
    head_dim: int | None = None

    @property
    def head_size(self) -> int:
        """Per-head width (``head_dim`` when the config gives it, else hidden / heads)."""
        return self.head_dim or self.hidden_size // self.num_attention_heads

    @classmethod
    def from_hf_config(cls, cfg: dict[str, Any]) -> Architecture:
        """Read the fields from a Hugging Face ``config.json`` dictionary."""
        names = [f.name for f in dataclasses.fields(cls)]
        kv = cfg.get("num_key_value_heads") or cfg.get("num_attention_heads")
        picked = {k: cfg[k] for k in names if cfg.get(k) is not None}
        return cls(**(picked | {"num_key_value_heads": kv}))


@dataclass(config=_STRICT)
class ModelConfig:
    """Which base model: a hub id (a setting, never downloaded) and/or a local directory."""

    id: str
    revision: str | None = None
    path: str | None = None
    architecture: Architecture | None = None


@dataclass(config=_STRICT)
class QuantConfig:
    """bitsandbytes 4-bit settings and what happens to the unquantised embed/head."""

    load_in_4bit: bool = True
    quant_type: Literal["nf4", "fp4"] = "nf4"
    double_quant: bool = True
    compute_dtype: Literal["bfloat16", "float16", "float32"] = "bfloat16"
    upcast_embeddings: bool = False
    blocksize: int = 64


@dataclass(config=_STRICT)
class LoraSettings:
    """Low-rank adapter hyper-parameters."""

    r: int = Field(default=16, gt=0)
    alpha: int = Field(default=32, gt=0)
    dropout: float = Field(default=0.05, ge=0.0, lt=1.0)
    target_modules: list[str] = Field(default_factory=lambda: list(ALL_LINEAR))

    @field_validator("target_modules")
    @classmethod
    def _no_embed_or_head(cls, v: list[str]) -> list[str]:
        bad = [m for m in v if m in ("lm_head", "embed_tokens")]
        if bad:
            raise ValueError(
                f"LoRA on {bad} is not supported: the chunked loss needs a frozen head"
            )
        if not v:
            raise ValueError("at least one target module is needed")
        return v


@dataclass(config=_STRICT)
class TrainSettings:
    """Optimisation, batching and the loss implementation."""

    data: str = "data/sft/dialogues.jsonl"
    output_dir: str = "runs/qlora"
    max_length: int = Field(default=2048, gt=8)
    batch_size: int = Field(default=1, gt=0)
    grad_accum: int = Field(default=16, gt=0)
    gradient_checkpointing: bool = True
    optimizer: Literal["paged_adamw_8bit", "adamw_8bit", "adamw"] = "paged_adamw_8bit"
    lr: float = Field(default=2e-4, gt=0)
    lr_scheduler: Literal["cosine", "linear", "constant_with_warmup"] = "cosine"
    warmup_ratio: float = Field(default=0.03, ge=0.0, lt=1.0)
    weight_decay: float = Field(default=0.0, ge=0.0)
    max_grad_norm: float = Field(default=1.0, gt=0)
    epochs: float = Field(default=2.0, gt=0)
    max_steps: int | None = Field(default=None, gt=0)
    loss: Literal["chunked", "full"] = "chunked"
    ce_chunk_tokens: int = Field(default=256, gt=0)
    seed: int = 42
    log_every: int = Field(default=1, gt=0)
    progress: bool = True
    cpu_threads: int | None = Field(default=None, gt=0)


@dataclass(config=_STRICT)
class EvalSettings:
    """Held-out evaluation: loss on the validation split and JSON validity of generations."""

    every_steps: int | None = Field(default=50, gt=0)
    generate_samples: int = Field(default=16, ge=0)
    max_new_tokens: int = Field(default=768, gt=0)


@dataclass(config=_STRICT)
class BudgetSettings:
    """The GPU memory the run must fit, and the overheads the planner adds on top of tensors."""

    vram_gib: float = Field(default=12.0, gt=0)
    cuda_context_gib: float = Field(default=0.5, ge=0)
    fragmentation: float = Field(default=0.08, ge=0, lt=1)


@dataclass(config=_STRICT)
class QLoRAConfig:
    """The whole fine-tuning run."""

    model: ModelConfig
    quant: QuantConfig = dataclasses.field(default_factory=QuantConfig)
    lora: LoraSettings = dataclasses.field(default_factory=LoraSettings)
    train: TrainSettings = dataclasses.field(default_factory=TrainSettings)
    eval: EvalSettings = dataclasses.field(default_factory=EvalSettings)
    budget: BudgetSettings = dataclasses.field(default_factory=BudgetSettings)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able dictionary (stored next to every adapter)."""
        return dataclasses.asdict(self)


def _apply_override(tree: dict[str, Any], assignment: str) -> None:
    key, sep, raw = assignment.partition("=")
    if not sep or not key:
        raise ConfigError(f"override must look like section.key=value, got {assignment!r}")
    *parents, leaf = key.strip().split(".")
    node = tree
    for p in parents:
        node = node.setdefault(p, {})
        if not isinstance(node, dict):
            raise ConfigError(f"override {key!r}: {p!r} is not a section")
    node[leaf] = yaml.safe_load(raw)


def config_from_dict(tree: dict[str, Any], source: str = "<dict>") -> QLoRAConfig:
    """Validate a config dictionary; errors name the offending keys."""
    try:
        return TypeAdapter(QLoRAConfig).validate_python(tree)
    except ValidationError as exc:
        lines = [f"  {'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()]
        raise ConfigError(f"invalid fine-tuning config {source}:\n" + "\n".join(lines)) from None


def load_config(path: Path, overrides: list[str] | None = None) -> QLoRAConfig:
    """Load a YAML config, apply ``section.key=value`` overrides, validate."""
    if not path.is_file():
        raise ConfigError(f"config file not found: {path}")
    try:
        tree = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path} is not valid YAML: {exc}") from None
    if not isinstance(tree, dict):
        raise ConfigError(f"{path} must hold a mapping at the top level")
    for assignment in overrides or []:
        _apply_override(tree, assignment)
    return config_from_dict(tree, str(path))
