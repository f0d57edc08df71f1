"""``trendpath llm plan``: the memory estimate for a config, and a refusal when it cannot fit.

The architecture comes from the local model's ``config.json`` when ``model.path`` is set (and must
agree with ``model.architecture`` when both are given), else from ``model.architecture``; the
planner never needs weights. When the estimate is over budget, :func:`suggestions` re-plans with
each lever changed on its own (then all of them together) and reports what each one saves.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from pathlib import Path

from trendpath.ai.finetune.config import Architecture, ConfigError, QLoRAConfig
from trendpath.ai.finetune.fingerprint import check_model_dir
from trendpath.ai.finetune.memory import MemoryPlan, plan_memory


class PlanRefused(RuntimeError):
    """The config's memory estimate exceeds its VRAM budget."""

    def __init__(self, plan: MemoryPlan, advice: list[str]) -> None:
        self.plan, self.advice = plan, advice
        tips = (
            "\n".join(f"  - {a}" for a in advice) or "  - no single change fits; use a bigger GPU"
        )
        super().__init__(
            f"estimated {plan.total_gib:.2f} GiB exceeds the {plan.budget_gib:.2f} GiB VRAM budget "
            f"(peak phase: {plan.phase}).\nChanges that help:\n{tips}"
        )


def resolve_architecture(cfg: QLoRAConfig) -> Architecture:
    """The model shape from the local ``config.json`` or the config's ``model.architecture``."""
    local = Path(cfg.model.path) / "config.json" if cfg.model.path else None
    if local is not None and local.is_file():
        from_disk = Architecture.from_hf_config(json.loads(local.read_text(encoding="utf-8")))
        declared = cfg.model.architecture
        if declared is not None and dataclasses.asdict(declared) != dataclasses.asdict(from_disk):
            diff = {
                k: (v, getattr(from_disk, k))
                for k, v in dataclasses.asdict(declared).items()
                if getattr(from_disk, k) != v
            }
            raise ConfigError(f"model.architecture disagrees with {local}: {diff} (config vs disk)")
        return from_disk
    if cfg.model.architecture is None:
        if cfg.model.path:
            check_model_dir(Path(cfg.model.path))  # names what is missing from the directory
        raise ConfigError("model.architecture is not set: the planner needs the model shape")
    return cfg.model.architecture


def _with(cfg: QLoRAConfig, section: str, **changes: object) -> QLoRAConfig:
    return dataclasses.replace(
        cfg, **{section: dataclasses.replace(getattr(cfg, section), **changes)}
    )


def _levers(cfg: QLoRAConfig) -> list[tuple[str, Callable[[QLoRAConfig], QLoRAConfig]]]:
    """Candidate changes, cheapest in quality first; only those that change something."""
    t, q, lo = cfg.train, cfg.quant, cfg.lora
    out: list[tuple[str, Callable[[QLoRAConfig], QLoRAConfig]]] = []
    if t.loss == "full":
        out.append(("train.loss: chunked", lambda c: _with(c, "train", loss="chunked")))
    if q.upcast_embeddings:
        out.append(
            ("quant.upcast_embeddings: false", lambda c: _with(c, "quant", upcast_embeddings=False))
        )
    if not t.gradient_checkpointing:
        out.append(
            (
                "train.gradient_checkpointing: true",
                lambda c: _with(c, "train", gradient_checkpointing=True),
            )
        )
    if t.optimizer == "adamw":
        out.append(
            (
                "train.optimizer: paged_adamw_8bit",
                lambda c: _with(c, "train", optimizer="paged_adamw_8bit"),
            )
        )
    if t.batch_size > 1:
        accum = t.grad_accum * t.batch_size
        out.append(
            (
                f"train.batch_size: 1, train.grad_accum: {accum}",
                lambda c: _with(c, "train", batch_size=1, grad_accum=accum),
            )
        )
    if t.loss == "chunked" and t.ce_chunk_tokens > 128:
        out.append(("train.ce_chunk_tokens: 128", lambda c: _with(c, "train", ce_chunk_tokens=128)))
    if lo.dropout > 0:
        out.append(("lora.dropout: 0", lambda c: _with(c, "lora", dropout=0.0)))
    if t.max_length > 512:
        half = t.max_length // 2
        out.append((f"train.max_length: {half}", lambda c: _with(c, "train", max_length=half)))
    if lo.r > 8:
        out.append((f"lora.r: {lo.r // 2}", lambda c: _with(c, "lora", r=lo.r // 2)))
    return out


def suggestions(arch: Architecture, cfg: QLoRAConfig) -> list[str]:
    """Each lever with the total it would give, then all levers combined if none fits alone."""
    base = plan_memory(arch, cfg)
    lines, combined = [], cfg
    for label, change in _levers(cfg):
        p = plan_memory(arch, change(cfg))
        combined = change(combined)
        mark = "fits" if p.fits else "still over"
        lines.append(
            f"{label} → {p.total_gib:.2f} GiB (saves {base.total_gib - p.total_gib:.2f}, {mark})"
        )
    if lines and not any(line.endswith("fits)") for line in lines):
        p = plan_memory(arch, combined)
        mark = "fits" if p.fits else "still over: the budget is too small for this model"
        lines.append(f"all of the above together → {p.total_gib:.2f} GiB ({mark})")
    return lines


def check_plan(cfg: QLoRAConfig) -> MemoryPlan:
    """Plan the config; raise :class:`PlanRefused` (with advice) when it will not fit."""
    arch = resolve_architecture(cfg)
    plan = plan_memory(arch, cfg)
    if not plan.fits:
        raise PlanRefused(plan, suggestions(arch, cfg))
    return plan
