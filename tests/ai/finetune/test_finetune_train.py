"""4-bit QLoRA on the tiny Llama: loss drops, adapter round-trips, bad input fails fast."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import torch

from trendpath.ai.finetune.checkpoint import ADAPTER_META
from trendpath.ai.finetune.config import QLoRAConfig
from trendpath.ai.finetune.dataset import DatasetError, load_sft_jsonl
from trendpath.ai.finetune.evaluate import collate, eval_loss
from trendpath.ai.finetune.fingerprint import ModelPathError
from trendpath.ai.finetune.modeling import add_lora, load_base, load_tokenizer, prepare_for_kbit
from trendpath.ai.finetune.plan import PlanRefused
from trendpath.ai.finetune.train import encode_split, train

pytestmark = pytest.mark.llm
ROOT = Path(__file__).resolve().parents[3]
SFT = ROOT / "data" / "sft" / "dialogues.jsonl"


@pytest.mark.slow
def test_qlora_run_drops_the_held_out_loss_clearly(trained: dict) -> None:
    history = trained["result"].history
    evals = [r for r in history if "eval_loss" in r]
    first, last = evals[0]["eval_loss"], evals[-1]["eval_loss"]
    assert last < 0.6 * first, (first, last)
    train_losses = [r["loss"] for r in history if "loss" in r]
    assert train_losses[-1] < train_losses[0]
    start = history[0]
    assert start["event"] == "start" and start["trainable_params"] > 0
    assert 0.0 <= evals[-1]["json_valid_rate"] <= 1.0 and evals[-1]["json_samples"] == 2


@pytest.mark.slow
def test_run_writes_metrics_log_and_adapter_with_fingerprint(trained: dict, tiny_dir: Path) -> None:
    out: Path = trained["out"]
    lines = [json.loads(x) for x in (out / "metrics.jsonl").read_text().splitlines()]
    assert lines == trained["result"].history
    adapter = trained["result"].adapter_dir
    assert (adapter / "adapter_model.safetensors").is_file()
    meta = json.loads((adapter / ADAPTER_META).read_text())
    assert set(meta) >= {"base", "config", "metrics", "data_version"}
    assert meta["base"]["architecture"]["hidden_size"] == 64
    assert meta["base"]["path"] == str(tiny_dir.resolve())
    assert len(meta["data_version"]) == 16 and meta["config"]["quant"]["load_in_4bit"] is True


@pytest.mark.slow
def test_reloaded_adapter_reproduces_the_recorded_eval_loss(trained: dict, tiny_dir: Path) -> None:
    from peft import PeftModel

    cfg: QLoRAConfig = trained["config"]
    tok = load_tokenizer(tiny_dir)
    val = [d for d in load_sft_jsonl(SFT) if d.split == "validation"]
    items, _ = encode_split(tok, val, cfg.train.max_length)
    base = prepare_for_kbit(
        load_base(tiny_dir, cfg, quantize=True),
        upcast_embeddings=False,
        gradient_checkpointing=True,
    )
    model = PeftModel.from_pretrained(base, str(trained["result"].adapter_dir))
    loss = eval_loss(
        model,
        items,
        pad_id=tok.pad_token_id,
        device=torch.device("cpu"),
        batch_size=4,
        mode="chunked",
        chunk=256,
    )
    assert loss == pytest.approx(trained["result"].metrics["eval_loss"], rel=1e-4)


def _lora_grads(tiny_dir: Path, cfg: QLoRAConfig, batch: dict, *, eval_first: bool) -> dict:
    torch.manual_seed(0)
    model = add_lora(
        prepare_for_kbit(
            load_base(tiny_dir, cfg, quantize=True),
            upcast_embeddings=False,
            gradient_checkpointing=True,
        ),
        cfg,
    )
    for name, p in model.named_parameters():
        if "lora_B" in name:
            torch.nn.init.normal_(p, std=0.02)  # non-zero B so gradients reach every A
    from trendpath.ai.finetune.loss import lm_loss_sum

    if eval_first:
        model.eval()
        with torch.no_grad():
            lm_loss_sum(model, batch["input_ids"], batch["attention_mask"], batch["labels"])
    model.train()
    loss, _ = lm_loss_sum(model, batch["input_ids"], batch["attention_mask"], batch["labels"])
    loss.backward()
    return {n: p.grad.clone() for n, p in model.named_parameters() if p.grad is not None}


def test_evaluating_before_training_does_not_corrupt_4bit_gradients(
    tiny_dir: Path, tiny_config: Callable[..., QLoRAConfig]
) -> None:
    # bitsandbytes repacks 4-bit weights for CPU inference on AVX512-BF16 machines and the
    # repacked path has no autograd kernel; load_base must switch that off.
    cfg = tiny_config()
    tok = load_tokenizer(tiny_dir)
    from trendpath.ai.finetune.dataset import encode_dialogue

    d = load_sft_jsonl(SFT)[:2]
    batch = collate(
        [encode_dialogue(tok, x.messages) for x in d], tok.pad_token_id, torch.device("cpu")
    )
    fresh = _lora_grads(tiny_dir, cfg, batch, eval_first=False)
    after_eval = _lora_grads(tiny_dir, cfg, batch, eval_first=True)
    assert fresh.keys() == after_eval.keys() and len(fresh) == 2 * 7 * 2
    for name, g in fresh.items():
        assert torch.equal(g, after_eval[name]), name


def test_missing_model_path_is_a_clear_error_before_loading(
    tiny_config: Callable[..., QLoRAConfig], tmp_path: Path
) -> None:
    arch = (
        "model.architecture={hidden_size: 64, num_hidden_layers: 2, num_attention_heads: 4, "
        "num_key_value_heads: 2, intermediate_size: 128, vocab_size: 2048}"
    )
    cfg = tiny_config(f"model.path={tmp_path / 'no-such-model'}", arch)
    with pytest.raises(ModelPathError, match="never downloaded"):
        train(cfg, echo=lambda _m: None)
    no_path = tiny_config("model.path=null", "model.id=trendpath-test/not-on-this-machine")
    no_path.model.architecture = cfg.model.architecture
    with pytest.raises(ModelPathError, match="not on this machine"):
        train(no_path, echo=lambda _m: None)
    assert not (tmp_path / "run" / "adapter").exists()


def test_incomplete_model_dir_is_refused(
    copy_of_tiny: Path, tiny_config: Callable[..., QLoRAConfig]
) -> None:
    (copy_of_tiny / "tokenizer.json").unlink()
    with pytest.raises(ModelPathError, match=r"tokenizer\.json"):
        train(tiny_config(f"model.path={copy_of_tiny}"), echo=lambda _m: None)


def test_corrupt_dataset_fails_before_the_model_loads(
    tiny_config: Callable[..., QLoRAConfig], tmp_path: Path
) -> None:
    lines = SFT.read_text(encoding="utf-8").splitlines()[:5]
    lines[2] = lines[2].replace('"role": "assistant"', '"role": "robot"', 1)
    bad = tmp_path / "bad.jsonl"
    bad.write_text("\n".join(lines) + "\n{oops\n", encoding="utf-8")
    started = time.perf_counter()
    with pytest.raises(DatasetError) as err:
        train(tiny_config(f"train.data={bad}"), echo=lambda _m: None)
    assert [n for n, _ in err.value.problems] == [3, 6]
    assert time.perf_counter() - started < 5


def test_over_budget_config_is_refused_before_anything_runs(
    tiny_config: Callable[..., QLoRAConfig],
) -> None:
    with pytest.raises(PlanRefused, match="VRAM budget"):
        train(
            tiny_config("budget.vram_gib=0.001", "train.data=/nonexistent.jsonl"),
            echo=lambda _m: None,
        )
