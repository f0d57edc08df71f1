"""The one QLoRA training entry (``trendpath llm train --config FILE``).

Order matters: everything that can be wrong cheaply is checked before the model is loaded —
the memory plan against the budget, every line of the data file, the local model directory.
Then the base is loaded in 4-bit, prepared without the fp32 upcast of embed/head (unless the
config asks for it), wrapped with LoRA and trained with the chunked loss, gradient accumulation
weighted by token count, clipping and a warm-up schedule. The adapter is saved with the base
model's fingerprint, the config, the metrics and the data version.
"""

from __future__ import annotations

import json
import math
import random
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from trendpath.ai.finetune.checkpoint import save_adapter
from trendpath.ai.finetune.config import ConfigError, QLoRAConfig
from trendpath.ai.finetune.dataset import (
    DatasetError,
    Dialogue,
    Encoded,
    data_version,
    encode_dialogue,
    load_sft_jsonl,
)
from trendpath.ai.finetune.evaluate import collate, eval_loss, json_validity
from trendpath.ai.finetune.fingerprint import base_fingerprint
from trendpath.ai.finetune.loss import lm_loss_sum
from trendpath.ai.finetune.modeling import (
    add_lora,
    device_and_dtype,
    load_base,
    load_tokenizer,
    offline,
    prepare_for_kbit,
    resolve_model_dir,
)
from trendpath.ai.finetune.plan import check_plan


@dataclass
class TrainResult:
    """Where the adapter went and what the run measured."""

    adapter_dir: Path
    metrics: dict[str, Any]
    history: list[dict[str, Any]] = field(default_factory=list)


class _Log:
    """Appends metric records to ``metrics.jsonl`` and keeps them for the result."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.records: list[dict[str, Any]] = []
        path.write_text("", encoding="utf-8")

    def __call__(self, record: dict[str, Any]) -> None:
        self.records.append(record)
        with self.path.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")


def seed_everything(seed: int) -> None:
    """Seed Python and torch (CPU and CUDA) so runs repeat."""
    random.seed(seed)
    torch.manual_seed(seed)


def encode_split(
    tokenizer: Any, dialogues: Sequence[Dialogue], max_length: int
) -> tuple[list[Encoded], int]:
    """Encode dialogues; drop (and count) those longer than ``max_length`` tokens.

    Dropping beats truncating here: truncation would cut off the final JSON turn, which is
    the part the model most needs to learn.
    """
    kept, dropped = [], 0
    for d in dialogues:
        e = encode_dialogue(tokenizer, d.messages)
        if len(e.input_ids) > max_length:
            dropped += 1
        else:
            kept.append(e)
    return kept, dropped


def micro_batches(items: list[Encoded], size: int, seed: int) -> Iterator[list[Encoded]]:
    """Endless shuffled micro-batches, reshuffled each epoch with a seeded generator."""
    gen = torch.Generator().manual_seed(seed)
    while True:
        order = torch.randperm(len(items), generator=gen).tolist()
        for s in range(0, len(order) - size + 1, size):
            yield [items[i] for i in order[s : s + size]]


def make_optimizer(
    params: list[torch.nn.Parameter], cfg: QLoRAConfig, device: torch.device
) -> torch.optim.Optimizer:
    """Paged 8-bit AdamW (or 8-bit AdamW) on CUDA; plain AdamW on CPU or when configured."""
    t = cfg.train
    if device.type == "cuda" and t.optimizer != "adamw":
        import bitsandbytes as bnb

        cls = bnb.optim.PagedAdamW8bit if t.optimizer == "paged_adamw_8bit" else bnb.optim.AdamW8bit
        opt: torch.optim.Optimizer = cls(params, lr=t.lr, weight_decay=t.weight_decay)
        return opt
    return torch.optim.AdamW(params, lr=t.lr, weight_decay=t.weight_decay)


def total_steps(cfg: QLoRAConfig, n_train: int) -> int:
    """Optimizer steps: ``max_steps`` if set, else epochs over the training split."""
    if cfg.train.max_steps:
        return cfg.train.max_steps
    per_step = cfg.train.batch_size * cfg.train.grad_accum
    return max(1, math.ceil(cfg.train.epochs * n_train / per_step))


def _load_everything(cfg: QLoRAConfig) -> dict[str, Any]:
    """All checks and loading, cheap-to-expensive; nothing heavy runs if a cheap check fails."""
    plan = check_plan(cfg)
    data_path = Path(cfg.train.data)
    dialogues = load_sft_jsonl(data_path)
    model_dir = resolve_model_dir(cfg.model)
    train_d = [d for d in dialogues if d.split == "train"]
    val_d = [d for d in dialogues if d.split == "validation"]
    if not train_d or not val_d:
        raise DatasetError(data_path, [(0, "needs both a train and a validation split")])
    device, _ = device_and_dtype(cfg)
    seed_everything(cfg.train.seed)
    tok = load_tokenizer(model_dir)
    train_e, dropped = encode_split(tok, train_d, cfg.train.max_length)
    val_e, val_dropped = encode_split(tok, val_d, cfg.train.max_length)
    if len(train_e) < cfg.train.batch_size or not val_e:
        raise ConfigError(f"train.max_length {cfg.train.max_length} drops too many dialogues")
    model = load_base(model_dir, cfg, quantize=True)
    model = prepare_for_kbit(
        model,
        upcast_embeddings=cfg.quant.upcast_embeddings,
        gradient_checkpointing=cfg.train.gradient_checkpointing,
    )
    model = add_lora(model, cfg)
    return {
        "plan": plan,
        "data_path": data_path,
        "model_dir": model_dir,
        "tok": tok,
        "device": device,
        "train": train_e,
        "val": val_e,
        "val_dialogues": val_d,
        "model": model,
        "dropped": dropped + val_dropped,
    }


def _evaluate(
    cfg: QLoRAConfig, env: dict[str, Any], step: int, *, generate: bool
) -> dict[str, Any]:
    rec: dict[str, Any] = {
        "step": step,
        "eval_loss": eval_loss(
            env["model"],
            env["val"],
            pad_id=env["tok"].pad_token_id,
            device=env["device"],
            batch_size=cfg.train.batch_size,
            mode=cfg.train.loss,
            chunk=cfg.train.ce_chunk_tokens,
        ),
    }
    if generate and cfg.eval.generate_samples:
        js = json_validity(
            env["model"],
            env["tok"],
            env["val_dialogues"][: cfg.eval.generate_samples],
            device=env["device"],
            max_new_tokens=cfg.eval.max_new_tokens,
        )
        rec |= {
            "json_valid_rate": js.valid_rate,
            "json_grounded_rate": js.grounded_rate,
            "json_samples": js.samples,
            "json_example": js.example,
        }
    return rec


def _train_step(
    cfg: QLoRAConfig, env: dict[str, Any], batches: Iterator[list[Encoded]]
) -> tuple[float, int]:
    """One optimizer step over ``grad_accum`` micro-batches, weighted by assistant tokens."""
    window = [next(batches) for _ in range(cfg.train.grad_accum)]
    n_window = sum(sum(lab != -100 for lab in e.labels[1:]) for b in window for e in b)
    total, tokens = 0.0, 0
    for micro in window:
        b = collate(micro, env["tok"].pad_token_id, env["device"])
        loss_sum, _ = lm_loss_sum(
            env["model"],
            b["input_ids"],
            b["attention_mask"],
            b["labels"],
            mode=cfg.train.loss,
            chunk=cfg.train.ce_chunk_tokens,
        )
        (loss_sum / max(1, n_window)).backward()
        total += float(loss_sum.detach())
        tokens += int(b["attention_mask"].sum())
    return total / max(1, n_window), tokens


def _start_record(env: dict[str, Any], steps: int, opt: torch.optim.Optimizer) -> dict[str, Any]:
    params = [p for p in env["model"].parameters() if p.requires_grad]
    return {
        "event": "start",
        "steps": steps,
        "train_dialogues": len(env["train"]),
        "validation_dialogues": len(env["val"]),
        "dropped_overlong": env["dropped"],
        "trainable_params": sum(p.numel() for p in params),
        "device": str(env["device"]),
        "optimizer": type(opt).__name__,
        "planned_peak_gib": round(env["plan"].peak_allocated_gib, 3),
    }


def _loop(cfg: QLoRAConfig, env: dict[str, Any], log: _Log) -> dict[str, float]:
    """The optimisation loop with logging, periodic held-out loss and a progress bar."""
    from tqdm.auto import tqdm
    from transformers import get_scheduler

    params = [p for p in env["model"].parameters() if p.requires_grad]
    steps = total_steps(cfg, len(env["train"]))
    opt = make_optimizer(params, cfg, env["device"])
    sched = get_scheduler(
        cfg.train.lr_scheduler, opt, math.ceil(cfg.train.warmup_ratio * steps), steps
    )
    log(_start_record(env, steps, opt))
    log(_evaluate(cfg, env, 0, generate=False))
    batches = micro_batches(env["train"], cfg.train.batch_size, cfg.train.seed)
    env["model"].train()
    start, seen, loss = time.perf_counter(), 0, math.nan
    bar = tqdm(range(1, steps + 1), desc="qlora", disable=not cfg.train.progress)
    for step in bar:
        loss, tokens = _train_step(cfg, env, batches)
        grad_norm = float(torch.nn.utils.clip_grad_norm_(params, cfg.train.max_grad_norm))
        opt.step()
        sched.step()
        opt.zero_grad(set_to_none=True)
        seen += tokens
        elapsed = time.perf_counter() - start
        if step % cfg.train.log_every == 0 or step == steps:
            lr = sched.get_last_lr()[0]
            log({"step": step, "loss": loss, "lr": lr, "grad_norm": grad_norm, "tokens": seen,
                 "tokens_per_s": seen / elapsed, "elapsed_s": elapsed})  # fmt: skip
        bar.set_postfix(loss=f"{loss:.3f}")
        if cfg.eval.every_steps and step % cfg.eval.every_steps == 0 and step != steps:
            log(_evaluate(cfg, env, step, generate=False))
    elapsed = time.perf_counter() - start
    return {"steps": steps, "train_loss": loss, "tokens_per_s": seen / elapsed}


def train(cfg: QLoRAConfig, *, echo: Callable[[str], None] = print) -> TrainResult:
    """Run QLoRA fine-tuning as configured; return the saved adapter and metrics."""
    offline()
    threads = torch.get_num_threads()
    cpu = not torch.cuda.is_available()
    if cpu and cfg.train.cpu_threads:
        torch.set_num_threads(cfg.train.cpu_threads)
    if cpu:
        torch.set_flush_denormal(True)  # denormals make CPU matmuls several times slower
    try:
        env = _load_everything(cfg)
        out = Path(cfg.train.output_dir)
        log = _Log(out / "metrics.jsonl")
        summary = _loop(cfg, env, log)
        final = _evaluate(cfg, env, int(summary["steps"]), generate=True)
        log(final)
    finally:
        torch.set_num_threads(threads)
        if cpu:
            torch.set_flush_denormal(False)  # the process default; other code may rely on it
    metrics = {k: v for k, v in final.items() if k != "json_example"} | summary
    meta = {
        "base": base_fingerprint(env["model_dir"], cfg.model.id, cfg.model.revision),
        "config": cfg.to_dict(),
        "metrics": metrics,
        "data_version": data_version(env["data_path"]),
    }
    adapter_dir = save_adapter(env["model"], out / "adapter", meta)
    echo(f"adapter saved to {adapter_dir} (eval loss {final['eval_loss']:.4f})")
    return TrainResult(adapter_dir, metrics, log.records)
