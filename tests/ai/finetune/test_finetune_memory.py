"""Memory planner on the Llama-3 8B architecture, and `plan` refusing configs that cannot fit."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from trendpath.ai.finetune.cli import app
from trendpath.ai.finetune.config import Architecture, ConfigError, QLoRAConfig, load_config
from trendpath.ai.finetune.memory import GIB, lora_param_count, plan_memory
from trendpath.ai.finetune.plan import PlanRefused, check_plan, resolve_architecture

ROOT = Path(__file__).resolve().parents[3]
BIG = ROOT / "configs" / "llm" / "qlora-bllossom-8b.yaml"
LLAMA3_8B = Architecture(
    hidden_size=4096,
    num_hidden_layers=32,
    num_attention_heads=32,
    num_key_value_heads=8,
    intermediate_size=14336,
    vocab_size=128256,
)


def big(*overrides: str) -> QLoRAConfig:
    return load_config(BIG, list(overrides))


def test_shipped_8b_config_uses_the_llama3_8b_shape() -> None:
    assert resolve_architecture(big()) == LLAMA3_8B
    assert big().model.id == "MLP-KTLim/llama-3-Korean-Bllossom-8B"


def test_breakdown_of_the_default_8b_plan_is_plausible() -> None:
    p = plan_memory(LLAMA3_8B, big())
    assert 3.2 < p.item("base weights") < 3.5  # 6.98B linear params at ~0.52 B each
    assert 1.9 < p.item("embeddings + head + norms") < 2.0  # 2 × 128256 × 4096 bf16
    assert 0.3 < p.item("LoRA params + grads + optim") < 0.5
    assert 0.4 < p.item("saved activations") < 0.6
    assert 6.0 < p.peak_allocated_gib < 9.3  # the target: <= 10 GB (9.31 GiB)
    assert p.fits and p.total_gib < 12


def test_lora_parameter_count_is_exact() -> None:
    # r·(in+out) summed over q,k,v,o,gate,up,down = 16·81920 per layer, 32 layers
    assert lora_param_count(LLAMA3_8B, 16, list(big().lora.target_modules)) == 41_943_040


def test_chunked_cross_entropy_is_far_smaller_than_full() -> None:
    full = plan_memory(LLAMA3_8B, big("train.loss=full"))
    chunked = plan_memory(LLAMA3_8B, big())
    assert full.item("logits + loss") > 3.0
    assert chunked.item("logits + loss") < 0.5
    assert chunked.peak_allocated_gib < full.peak_allocated_gib - 2


def test_fp32_upcast_of_embeddings_adds_about_two_gigabytes() -> None:
    without = plan_memory(LLAMA3_8B, big())
    upcast = plan_memory(LLAMA3_8B, big("quant.upcast_embeddings=true"))
    added = (
        upcast.item("embeddings + head + norms") - without.item("embeddings + head + norms")
    ) * GIB
    assert 2.0e9 < added < 2.2e9


def test_plain_hf_peft_setup_is_over_twelve_gib_peak() -> None:
    plain = plan_memory(LLAMA3_8B, big("train.loss=full", "quant.upcast_embeddings=true"))
    assert 11.0 < plain.peak_allocated_gib < 13.5
    assert plain.phase == "loss" and not plain.fits


def test_without_checkpointing_activations_dominate() -> None:
    p = plan_memory(LLAMA3_8B, big("train.gradient_checkpointing=false"))
    assert p.item("saved activations") > 10


def test_plan_refuses_a_config_that_cannot_fit_and_says_what_to_change() -> None:
    with pytest.raises(PlanRefused) as err:
        check_plan(big("train.loss=full", "quant.upcast_embeddings=true"))
    msg = str(err.value)
    assert "exceeds the 12.00 GiB" in msg
    assert "train.loss: chunked" in msg and "quant.upcast_embeddings: false" in msg
    with pytest.raises(PlanRefused) as err:
        check_plan(big("budget.vram_gib=4"))
    assert "all of the above together" in str(err.value)


def test_plan_command_prints_estimate_and_exits_nonzero_when_over_budget() -> None:
    runner = CliRunner()
    ok = runner.invoke(app, ["plan", "--config", str(BIG)])
    assert ok.exit_code == 0 and "fits" in ok.output and "logits + loss" in ok.output
    bad = runner.invoke(app, ["plan", "--config", str(BIG), "--set", "train.max_length=8192",
                              "--set", "train.loss=full"])  # fmt: skip
    assert bad.exit_code == 1 and "DOES NOT FIT" in bad.output


def test_declared_architecture_must_match_the_local_config(
    tiny_dir: Path, tiny_config: Callable[..., QLoRAConfig]
) -> None:
    cfg = tiny_config()
    arch = resolve_architecture(cfg)
    assert arch.hidden_size == 64 and arch.num_key_value_heads == 2
    wrong = dataclasses.replace(arch, hidden_size=128)
    bad = dataclasses.replace(cfg, model=dataclasses.replace(cfg.model, architecture=wrong))
    with pytest.raises(ConfigError, match="hidden_size"):
        resolve_architecture(bad)
    assert json.loads((tiny_dir / "config.json").read_text())["hidden_size"] == 64


def test_config_typos_and_bad_values_are_errors() -> None:
    with pytest.raises(ConfigError, match=r"train\.max_lenght"):
        big("train.max_lenght=10")
    with pytest.raises(ConfigError, match=r"lora\.target_modules"):
        big("lora.target_modules=[q_proj, lm_head]")
    with pytest.raises(ConfigError, match="not found"):
        load_config(ROOT / "configs" / "llm" / "nope.yaml")
