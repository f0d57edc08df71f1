"""``trendpath llm …``: train, plan, merge, serve, and build/validate the SFT dataset.

Mounted by the top-level CLI as ``app.add_typer(finetune_cli.app, name="llm")``. Heavy imports
(torch, transformers, peft) happen inside the commands so ``--help`` stays fast.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from trendpath.kit.commands import fail, work_failed

app = typer.Typer(
    help="QLoRA fine-tuning of the Korean coach model (Llama-3 Bllossom 8B).", no_args_is_help=True
)
dataset_app = typer.Typer(help="The Korean SFT coaching dialogues.", no_args_is_help=True)
app.add_typer(dataset_app, name="dataset")

ConfigOpt = Annotated[Path, typer.Option("--config", "-c", help="YAML config (configs/llm/*.yaml)")]
SetOpt = Annotated[
    list[str] | None, typer.Option("--set", help="override, e.g. train.max_steps=10")
]


@app.command()
def plan(config: ConfigOpt, set_: SetOpt = None) -> None:
    """Print the peak-VRAM estimate; exit 1 with advice when it exceeds the budget."""
    from trendpath.ai.finetune.config import ConfigError, load_config
    from trendpath.ai.finetune.fingerprint import ModelPathError
    from trendpath.ai.finetune.plan import PlanRefused, check_plan

    try:
        cfg = load_config(config, set_)
        p = check_plan(cfg)
    except PlanRefused as exc:
        typer.echo(exc.plan.table())
        raise work_failed(str(exc)) from None
    except (ConfigError, ModelPathError) as exc:
        raise fail(str(exc)) from None
    typer.echo(f"{cfg.model.id} · seq {cfg.train.max_length} × batch {cfg.train.batch_size}")
    typer.echo(p.table())


@app.command()
def train(config: ConfigOpt, set_: SetOpt = None) -> None:
    """Fine-tune with QLoRA as the config says (checks plan, data and model path first)."""
    from trendpath.ai.finetune.config import ConfigError, load_config
    from trendpath.ai.finetune.dataset import DatasetError
    from trendpath.ai.finetune.fingerprint import ModelPathError
    from trendpath.ai.finetune.plan import PlanRefused
    from trendpath.ai.finetune.train import train as run_training

    try:
        result = run_training(load_config(config, set_), echo=typer.echo)
    except (ConfigError, PlanRefused, DatasetError, ModelPathError, FileNotFoundError) as exc:
        # Each of these is found before the first step: the config, data or paths must change.
        raise fail(str(exc)) from None
    typer.echo(json.dumps(result.metrics, ensure_ascii=False, indent=2))


@app.command()
def merge(
    adapter: Annotated[Path, typer.Option(help="adapter directory written by `train`")],
    out: Annotated[Path, typer.Option(help="where to write the merged model")],
    base: Annotated[Path | None, typer.Option(help="base model dir (default: as recorded)")] = None,
    device: Annotated[str, typer.Option(help="cpu or cuda")] = "cpu",
    dtype: Annotated[str, typer.Option(help="auto, float32, bfloat16, float16")] = "auto",
) -> None:
    """Merge the adapter into its base model, checking the logits stay the same."""
    from trendpath.ai.finetune.checkpoint import AdapterError
    from trendpath.ai.finetune.fingerprint import AdapterMismatch, ModelPathError
    from trendpath.ai.finetune.merge import MergeCheckFailed, merge_adapter

    try:
        report = merge_adapter(adapter, out, base, device=device, dtype=dtype)
    except (AdapterError, AdapterMismatch, ModelPathError) as exc:
        raise fail(str(exc)) from None
    except MergeCheckFailed as exc:
        raise work_failed(str(exc)) from None
    typer.echo(
        f"merged into {report.out_dir} ({report.dtype}); logits max |Δ| {report.max_abs_diff:.2e} "
        f"≤ {report.tolerance:.2e} over {report.tokens_checked} tokens"
    )


@app.command()
def serve(
    merged: Annotated[
        Path | None, typer.Option(help="merged model dir (transformers serve)")
    ] = None,
    adapter: Annotated[Path | None, typer.Option(help="adapter dir (vLLM, with --base)")] = None,
    base: Annotated[str | None, typer.Option(help="base model id or dir for vLLM")] = None,
    engine: Annotated[
        str, typer.Option(help="transformers (local) or vllm (GPU)")
    ] = "transformers",
    host: str = "127.0.0.1",
    port: int = 8008,
    device: Annotated[str, typer.Option(help="device for transformers serve")] = "cpu",
    print_only: Annotated[
        bool, typer.Option("--print-only", help="print the command only")
    ] = False,
) -> None:
    """Serve the tuned model behind an OpenAI-compatible API (or print how to)."""
    import os
    import shutil

    from trendpath.ai.finetune.serve import ServeError, transformers_serve_command, vllm_command

    try:
        if engine == "vllm":
            if adapter is None or base is None:
                raise ServeError("vLLM serving needs --adapter and --base")
            cmd, model_name = vllm_command(base, adapter, host=host, port=port), "coach"
        elif engine == "transformers":
            if merged is None:
                raise ServeError(
                    "transformers serve needs --merged (run `trendpath llm merge` first)"
                )
            cmd = transformers_serve_command(merged, host=host, port=port, device=device)
            model_name = str(merged.resolve())
        else:
            raise ServeError(f"unknown engine {engine!r}: use transformers or vllm")
    except (ServeError, FileNotFoundError, ValueError) as exc:
        raise fail(str(exc)) from None
    typer.echo(" ".join(cmd))
    typer.echo(
        f"# AI service: TRENDPATH LLM base URL http://{host}:{port}/v1, model {model_name!r}"
    )
    if print_only:
        return
    if shutil.which(cmd[0]) is None:
        raise fail(f"{cmd[0]!r} is not installed here (vLLM runs on the GPU host)")
    os.execvp(cmd[0], cmd)


@dataset_app.command("build")
def dataset_build(
    out: Path = Path("data/sft/dialogues.jsonl"),
    blocks: Path = Path("data/sft/blocks.yaml"),
    n: int = 360,
    seed: int = 13,
) -> None:
    """Generate the dialogues from the building blocks; exit 1 if variety checks fail."""
    from trendpath.ai.finetune import sftgen

    records = sftgen.generate(n=n, seed=seed, blocks_path=blocks)
    problems = sftgen.check_variety(records)
    typer.echo(json.dumps(sftgen.variety_report(records), ensure_ascii=False, indent=2))
    if problems:
        raise work_failed("; ".join(problems))
    sftgen.write_jsonl(records, out)
    typer.echo(f"wrote {len(records)} dialogues to {out}")


@dataset_app.command("validate")
def dataset_validate(
    path: Annotated[Path, typer.Argument(help="dialogue JSONL")] = Path("data/sft/dialogues.jsonl"),
    min_dialogues: int = 300,
) -> None:
    """Check every line (schema, value JSON, quoted evidence) and the set's variety."""
    from trendpath.ai.finetune import sftgen
    from trendpath.ai.finetune.dataset import DatasetError, load_sft_jsonl

    try:
        dialogues = load_sft_jsonl(path)
    except FileNotFoundError as exc:
        raise fail(str(exc)) from None
    except DatasetError as exc:
        raise work_failed(str(exc)) from None
    records = [{"messages": d.messages, "labels": d.labels, "split": d.split} for d in dialogues]
    typer.echo(json.dumps(sftgen.variety_report(records), ensure_ascii=False, indent=2))
    problems = sftgen.check_variety(records, min_dialogues=min_dialogues)
    if problems:
        raise work_failed("; ".join(problems))
    typer.echo(f"{path}: {len(dialogues)} dialogues OK")
