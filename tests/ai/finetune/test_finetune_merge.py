"""Merging: same logits as base + adapter, and refusal of an adapter for another base."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file, save_file
from typer.testing import CliRunner

from trendpath.ai.finetune.checkpoint import MERGED_META, AdapterError
from trendpath.ai.finetune.cli import app
from trendpath.ai.finetune.dataset import render_llama3
from trendpath.ai.finetune.fingerprint import AdapterMismatch
from trendpath.ai.finetune.merge import SAMPLE_MESSAGES, merge_adapter
from trendpath.ai.finetune.modeling import load_tokenizer

pytestmark = [pytest.mark.llm, pytest.mark.slow]


def _logits(model_dir: Path, adapter: Path | None = None) -> torch.Tensor:
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(str(model_dir), dtype=torch.float32)
    if adapter is not None:
        model = PeftModel.from_pretrained(model, str(adapter))
    tok = load_tokenizer(model_dir)
    text, _ = render_llama3(SAMPLE_MESSAGES[:2], add_generation_prompt=True)
    ids = tok(text, add_special_tokens=False, return_tensors="pt")["input_ids"]
    with torch.no_grad():
        return model.eval()(input_ids=ids).logits


def test_merged_model_gives_the_logits_of_base_plus_adapter(
    trained: dict, merged_dir: Path, tiny_dir: Path
) -> None:
    adapter = trained["result"].adapter_dir
    record = json.loads((merged_dir / MERGED_META).read_text())
    assert record["merge"]["max_abs_diff"] <= record["merge"]["tolerance"] < 1e-3
    merged = _logits(merged_dir)
    with_adapter = _logits(tiny_dir, adapter)
    base = _logits(tiny_dir)
    assert torch.allclose(merged, with_adapter, atol=1e-4)
    assert (merged - base).abs().max() > 1e-2  # the adapter really changed the model
    gen = json.loads((merged_dir / "generation_config.json").read_text())
    vocab = load_tokenizer(merged_dir).get_vocab()
    assert set(gen["eos_token_id"]) >= {vocab["<|eot_id|>"], vocab["<|end_of_text|>"]}
    assert not (merged_dir / "adapter_config.json").exists()


def test_adapter_for_different_weights_is_refused_before_loading(
    trained: dict, copy_of_tiny: Path, tmp_path: Path
) -> None:
    weights = load_file(str(copy_of_tiny / "model.safetensors"))
    name = next(iter(sorted(weights)))
    weights[name] = weights[name] + 0.01
    save_file(weights, str(copy_of_tiny / "model.safetensors"), metadata={"format": "pt"})
    started = time.perf_counter()
    with pytest.raises(AdapterMismatch, match="different weights"):
        merge_adapter(trained["result"].adapter_dir, tmp_path / "out", copy_of_tiny)
    assert time.perf_counter() - started < 2
    assert not (tmp_path / "out").exists()


def test_adapter_for_different_architecture_is_refused(
    trained: dict, copy_of_tiny: Path, tmp_path: Path
) -> None:
    cfg = json.loads((copy_of_tiny / "config.json").read_text())
    cfg["hidden_size"], cfg["num_hidden_layers"] = 128, 4
    (copy_of_tiny / "config.json").write_text(json.dumps(cfg))
    with pytest.raises(AdapterMismatch, match=r"hidden_size: adapter 64 vs base 128"):
        merge_adapter(trained["result"].adapter_dir, tmp_path / "out", copy_of_tiny)
    adapter = str(trained["result"].adapter_dir)
    args = [
        "merge",
        "--adapter",
        adapter,
        "--out",
        str(tmp_path / "o"),
        "--base",
        str(copy_of_tiny),
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2 and "different architecture" in result.output


def test_directory_without_our_metadata_is_not_an_adapter(tmp_path: Path, tiny_dir: Path) -> None:
    with pytest.raises(AdapterError, match="not found"):
        merge_adapter(tmp_path / "missing", tmp_path / "out", tiny_dir)
    (tmp_path / "peft-only").mkdir()
    (tmp_path / "peft-only" / "adapter_config.json").write_text("{}")
    with pytest.raises(AdapterError, match=r"trendpath_adapter\.json is missing"):
        merge_adapter(tmp_path / "peft-only", tmp_path / "out", tiny_dir)
