"""QLoRA peak VRAM on the Llama-3 8B architecture: plain HF + PEFT vs trendpath's setup.

Run: ``.venv/bin/python -m bench.qlora_memory [--seq 2048] [--steps 3] [--smoke]``

With CUDA: builds the 8B Llama architecture (hidden 4096, 32 layers, 32 heads, 8 KV heads,
intermediate 14336, vocab 128256) with random bf16 weights — nothing is downloaded — saves it once
to a scratch directory, and for each setup loads it in 4-bit NF4 (double quantisation) in a fresh
process, runs real training steps at the given sequence length and reports
``torch.cuda.max_memory_allocated`` / ``max_memory_reserved`` and tokens/s:

* **plain HF + PEFT**: ``peft.prepare_model_for_kbit_training`` (fp32 upcast of embed/head),
  LoRA r=16 on all linear layers, stock ``model(labels=…).loss`` (full-vocabulary logits);
* **trendpath**: our preparation without the upcast and the chunked cross-entropy.

Both use gradient checkpointing, batch 1 and paged 8-bit AdamW. Without CUDA it prints the memory
planner's estimates for both setups and says that measured figures need a GPU; ``--smoke`` also
runs the whole measuring path on a tiny random Llama on CPU (time only) to prove the code works.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import torch

from bench.report import Target, table, write_section
from trendpath.ai.finetune.config import Architecture, QLoRAConfig, config_from_dict
from trendpath.ai.finetune.memory import GIB, plan_memory

LLAMA3_8B = {
    "hidden_size": 4096,
    "num_hidden_layers": 32,
    "num_attention_heads": 32,
    "num_key_value_heads": 8,
    "intermediate_size": 14336,
    "vocab_size": 128256,
}
TINY = {
    "hidden_size": 256,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "num_key_value_heads": 2,
    "intermediate_size": 512,
    "vocab_size": 4096,
}
OURS = "trendpath (chunked CE, no upcast)"
SETUPS = {
    "plain HF + PEFT": {"train.loss": "full", "quant.upcast_embeddings": True},
    OURS: {
        "train.loss": "chunked",
        "quant.upcast_embeddings": False,
    },
}


def bench_config(
    arch: dict[str, int], seq: int, model_dir: str | None, **overrides: Any
) -> QLoRAConfig:
    """The 8B training config of the benchmark with one setup's overrides applied."""
    tree: dict[str, Any] = {
        "model": {"id": "random-llama", "path": model_dir, "architecture": arch},
        "train": {
            "max_length": seq,
            "batch_size": 1,
            "grad_accum": 1,
            "optimizer": "paged_adamw_8bit",
        },
        "lora": {"r": 16, "alpha": 32, "dropout": 0.05},
    }
    for key, value in overrides.items():
        section, leaf = key.split(".")
        tree.setdefault(section, {})[leaf] = value
    return config_from_dict(tree)


def build_random_llama(arch: dict[str, int], out: Path) -> None:
    """Save a Llama with random bf16 weights (no init kernels: built on meta, filled in place)."""
    from transformers import LlamaConfig, LlamaForCausalLM

    fields: dict[str, Any] = dict(arch)
    fields |= {"max_position_embeddings": 8192, "tie_word_embeddings": False}
    fields["rope_parameters"] = {"rope_type": "default", "rope_theta": 500000.0}
    cfg = LlamaConfig(**fields)
    default = torch.get_default_dtype()
    torch.set_default_dtype(torch.bfloat16)
    try:
        with torch.device("meta"):
            model = LlamaForCausalLM(cfg)
    finally:
        torch.set_default_dtype(default)
    model = model.to_empty(device="cpu")
    with torch.no_grad():
        for name, p in model.named_parameters():
            p.fill_(1.0) if "norm" in name else p.normal_(0.0, 0.02)
    model.config.dtype = "bfloat16"
    model.save_pretrained(str(out), max_shard_size="4GB")


def _plain_model(cfg: QLoRAConfig) -> Any:
    from peft import LoraConfig, get_peft_model, prepare_model_for_kbit_training

    from trendpath.ai.finetune.modeling import load_base

    model = load_base(Path(str(cfg.model.path)), cfg, quantize=True)
    model = prepare_model_for_kbit_training(model, use_gradient_checkpointing=True)
    lora = LoraConfig(
        r=16,
        lora_alpha=32,
        lora_dropout=0.05,
        target_modules=list(cfg.lora.target_modules),
        task_type="CAUSAL_LM",
    )
    return get_peft_model(model, lora)


def _our_model(cfg: QLoRAConfig) -> Any:
    from trendpath.ai.finetune.modeling import add_lora, load_base, prepare_for_kbit

    model = load_base(Path(str(cfg.model.path)), cfg, quantize=True)
    model = prepare_for_kbit(model, upcast_embeddings=False, gradient_checkpointing=True)
    return add_lora(model, cfg)


def measure(setup: str, cfg: QLoRAConfig, steps: int) -> dict[str, Any]:
    """Load one setup, run ``steps`` training steps (after one warm-up), report memory and speed."""
    from trendpath.ai.finetune.loss import lm_loss_sum
    from trendpath.ai.finetune.train import make_optimizer

    cuda = torch.cuda.is_available()
    device = torch.device("cuda" if cuda else "cpu")
    model = _plain_model(cfg) if setup.startswith("plain") else _our_model(cfg)
    model.train()
    params = [p for p in model.parameters() if p.requires_grad]
    opt = make_optimizer(params, cfg, device)
    vocab = int(cfg.model.architecture.vocab_size) if cfg.model.architecture else 128256
    ids = torch.randint(0, vocab, (1, cfg.train.max_length), device=device)
    mask = torch.ones_like(ids)
    if cuda:
        torch.cuda.synchronize()
        static = torch.cuda.memory_allocated() / GIB
        torch.cuda.reset_peak_memory_stats()
    timings = []
    for _ in range(steps + 1):
        start = time.perf_counter()
        if setup.startswith("plain"):
            loss = model(input_ids=ids, attention_mask=mask, labels=ids).loss
        else:
            total, n = lm_loss_sum(
                model, ids, mask, ids, mode="chunked", chunk=cfg.train.ce_chunk_tokens
            )
            loss = total / n
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
        if cuda:
            torch.cuda.synchronize()
        timings.append(time.perf_counter() - start)
    tokens_per_s = cfg.train.max_length * steps / sum(timings[1:])
    out = {"setup": setup, "tokens_per_s": tokens_per_s, "loss": float(loss)}
    if cuda:
        out |= {
            "static_gib": static,
            "peak_allocated_gib": torch.cuda.max_memory_allocated() / GIB,
            "peak_reserved_gib": torch.cuda.max_memory_reserved() / GIB,
            "gpu": torch.cuda.get_device_name(),
        }
    return out


def run_worker(setup: str, arch: dict[str, int], seq: int, model_dir: str, steps: int) -> None:
    """Child-process entry: one clean measurement printed as a JSON line."""
    cfg = bench_config(arch, seq, model_dir, **SETUPS[setup])
    print("RESULT " + json.dumps(measure(setup, cfg, steps)), flush=True)


def measured(arch: dict[str, int], seq: int, steps: int, scratch: Path) -> list[dict[str, Any]]:
    """Build the random model once, then measure each setup in a fresh process."""
    model_dir = scratch / "random-llama"
    if not (model_dir / "config.json").is_file():
        print(f"building random Llama {arch} in {model_dir} …", flush=True)
        build_random_llama(arch, model_dir)
    results = []
    for setup in SETUPS:
        cmd = [sys.executable, "-m", "bench.qlora_memory", "--worker", setup]
        cmd += ["--arch-json", json.dumps(arch), "--seq", str(seq), "--steps", str(steps)]
        cmd += ["--model-dir", str(model_dir)]
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        line = next((x for x in proc.stdout.splitlines() if x.startswith("RESULT ")), None)
        if line is None:
            tail = (proc.stderr or proc.stdout)[-2000:]
            results.append(
                {"setup": setup, "error": tail.strip().splitlines()[-1] if tail else "failed"}
            )
            print(tail, file=sys.stderr)
            continue
        results.append(json.loads(line.removeprefix("RESULT ")))
    return results


def planned_rows(seq: int) -> list[list[object]]:
    """Planner estimates for both setups on the 8B architecture."""
    rows: list[list[object]] = []
    for setup, overrides in SETUPS.items():
        cfg = bench_config(LLAMA3_8B, seq, None, **overrides)
        p = plan_memory(Architecture.from_hf_config(dict(LLAMA3_8B)), cfg)
        rows.append([setup, p.item("embeddings + head + norms"), p.item("logits + loss"),
                     p.peak_allocated_gib, p.total_gib, p.phase])  # fmt: skip
    return rows


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--seq", type=int, default=2048)
    ap.add_argument("--steps", type=int, default=3)
    ap.add_argument("--smoke", action="store_true", help="on CPU, also run on a tiny Llama")
    ap.add_argument("--scratch", type=Path, default=None, help="where the random model is saved")
    ap.add_argument("--worker", default=None)
    ap.add_argument("--arch-json", default=None)
    ap.add_argument("--model-dir", default=None)
    return ap.parse_args(argv)


def _measured_section(args: argparse.Namespace) -> tuple[list[str], list[dict[str, Any]]]:
    """GPU: measure both setups. CPU: say so (and optionally smoke-test the path)."""
    scratch = args.scratch or Path(tempfile.mkdtemp(prefix="qlora-bench-"))
    if torch.cuda.is_available():
        res = measured(LLAMA3_8B, args.seq, args.steps, scratch)
        keys = ("gpu", "peak_allocated_gib", "peak_reserved_gib", "tokens_per_s")
        rows = [[r["setup"], *(r.get(k, r.get("error", "?")) for k in keys)] for r in res]
        meas = table(["setup", "GPU", "peak allocated GiB", "peak reserved GiB", "tokens/s"], rows)
        print(meas)
        return ["", f"**Measured** ({args.steps} steps after one warm-up):", "", meas], res
    note = (
        "No CUDA device on this machine: the figures above are the planner's estimates. "
        "Measured peak VRAM and tokens/s need a GPU: run `python -m bench.qlora_memory` there."
    )
    print(note)
    if args.smoke:  # proves the measuring path end to end; CPU speeds here mean little
        res = measured(TINY, 256, 2, scratch)
        rows = [[r["setup"], r.get("loss", r.get("error", "?"))] for r in res]
        print(table(["smoke run (tiny random Llama, 4-bit, CPU)", "loss after 3 steps"], rows))
    elif args.scratch is None:
        scratch.rmdir()
    return ["", f"_{note}_"], []


def _target(seq: int, plan: list[list[object]], res: list[dict[str, Any]]) -> Target:
    """Peak VRAM of our setup: measured where CUDA ran it, else the planner's estimate."""
    goal = f"<= 10 GB at seq {seq}"
    ours = next((r for r in res if r["setup"] == OURS and "peak_reserved_gib" in r), None)
    if ours is not None:
        gib = float(ours["peak_reserved_gib"])
        return Target(
            "QLoRA peak VRAM, 8B", goal, f"{gib:.2f} GiB reserved", gib * 1.073741824 <= 10
        )
    planned = next(float(r[4]) for r in plan if r[0] == OURS)  # type: ignore[arg-type]
    return Target("QLoRA peak VRAM, 8B", goal, f"planner {planned:.2f} GiB (no GPU here)", None)


def main(argv: list[str] | None = None) -> None:
    """Print and record the planner estimates, and measurements where CUDA exists."""
    args = _parse_args(argv)
    if args.worker:
        run_worker(args.worker, json.loads(args.arch_json), args.seq, args.model_dir, args.steps)
        return
    head = ["setup", "embed/head GiB", "logits+loss GiB", "peak alloc GiB", "total GiB", "phase"]
    plan = planned_rows(args.seq)
    plan_table = table(head, plan)
    print(plan_table)
    measured_lines, res = _measured_section(args)
    body = [
        f"Llama-3 8B architecture, seq {args.seq}, batch 1, LoRA r=16 on all linear layers, "
        "gradient checkpointing, paged 8-bit AdamW. Plain HF + PEFT = "
        "`prepare_model_for_kbit_training` (fp32 embed/head) + stock full-vocabulary loss; "
        "trendpath = no upcast + chunked cross-entropy.",
        "",
        "**Planner estimate** (`trendpath.ai.finetune.memory`; total = peak × 1.08 "
        "fragmentation + 0.5 GiB CUDA context):",
        "",
        plan_table,
        *measured_lines,
    ]
    write_section(
        "qlora_memory",
        "QLoRA peak VRAM (Llama-3 8B architecture)",
        "\n".join(body),
        targets=[_target(args.seq, plan, res)],
    )


if __name__ == "__main__":
    main()
