"""``trendpath llm merge``: fold a LoRA adapter into its base model and prove nothing changed.

Refusals come first and cost nothing: the adapter's metadata must exist and its recorded base
fingerprint must match the given base (architecture, then weights digest) before any weights are
loaded. The base is loaded unquantised (merging into 4-bit weights would re-quantise and lose the
adapter's precision), the adapter applied, and logits on a Korean sample are compared before and
after ``merge_and_unload``; only a merge within tolerance is saved.

Note for readers: the adapter was trained against NF4-dequantised weights, so the merged model
matches the *unquantised base + adapter* exactly, and the 4-bit training-time model only
approximately (the usual QLoRA trade-off; vLLM can instead serve the base with the adapter).
"""

from __future__ import annotations

import json
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import torch

from trendpath.ai.finetune.checkpoint import MERGED_META, read_adapter_meta
from trendpath.ai.finetune.config import config_from_dict
from trendpath.ai.finetune.dataset import render_llama3
from trendpath.ai.finetune.fingerprint import check_model_dir, check_same_base, weight_files
from trendpath.ai.finetune.modeling import (
    disable_cpu_weight_packing,
    load_tokenizer,
    offline,
    stop_token_ids,
)
from trendpath.ai.finetune.schema import COACH_SYSTEM_PROMPT

SAMPLE_MESSAGES = [
    {"role": "system", "content": COACH_SYSTEM_PROMPT},
    {"role": "user", "content": "3년 차 개발자인데 요즘 성장이 멈춘 것 같아 고민이에요."},
    {"role": "assistant", "content": "어떤 순간에 성장이 멈췄다고 느끼셨나요?"},
    {
        "role": "user",
        "content": "매일 같은 일만 반복해요. 안정적인 회사지만 새로운 걸 배우고 싶어요.",
    },
]
_TOLERANCE = {
    torch.float32: (1e-4, 1e-5),
    torch.bfloat16: (2e-2, 2e-2),
    torch.float16: (1e-2, 1e-2),
}
"""(atol, rtol) of the before/after logits check per dtype."""


class MergeCheckFailed(RuntimeError):
    """Merged logits differ from the base+adapter logits beyond tolerance."""


@dataclass(frozen=True)
class MergeReport:
    """What was merged, where it went, and how close the logits stayed."""

    out_dir: str
    base_dir: str
    adapter_dir: str
    dtype: str
    max_abs_diff: float
    tolerance: float
    tokens_checked: int


def pick_dtype(base_dir: Path, device: str, dtype: str) -> torch.dtype:
    """``auto``: fp32 for small models on CPU (exact check), bf16 otherwise (8B fits 16 GB RAM)."""
    if dtype != "auto":
        return {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}[
            dtype
        ]
    size = sum(p.stat().st_size for p in weight_files(base_dir))
    return torch.float32 if device == "cpu" and size < 4 * 2**30 else torch.bfloat16


def _logits(model: Any, ids: torch.Tensor) -> torch.Tensor:
    with torch.no_grad():
        out: torch.Tensor = model(input_ids=ids).logits.float()
    return out


def _save_merged(
    merged: Any, tok: Any, out_dir: Path, report: MergeReport, meta: dict[str, Any]
) -> None:
    if out_dir.exists():
        shutil.rmtree(out_dir)
    stops = stop_token_ids(tok)
    merged.generation_config.eos_token_id = stops
    merged.generation_config.pad_token_id = tok.pad_token_id
    merged.save_pretrained(str(out_dir))
    tok.save_pretrained(str(out_dir))
    record = {"merge": asdict(report), "adapter": meta}
    (out_dir / MERGED_META).write_text(
        json.dumps(record, ensure_ascii=False, indent=2), encoding="utf-8"
    )


def merge_adapter(
    adapter_dir: Path,
    out_dir: Path,
    base_dir: Path | None = None,
    *,
    device: str = "cpu",
    dtype: str = "auto",
) -> MergeReport:
    """Merge ``adapter_dir`` into its base and save a plain model in ``out_dir``."""
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    offline()
    meta = read_adapter_meta(adapter_dir)
    base = base_dir or Path(meta["base"]["path"])
    check_model_dir(base)
    check_same_base(meta["base"], base)  # before any weights are loaded
    config_from_dict(meta["config"], str(adapter_dir))
    torch_dtype = pick_dtype(base, device, dtype)
    model = AutoModelForCausalLM.from_pretrained(
        str(base), dtype=torch_dtype, device_map={"": device}, local_files_only=True
    )
    disable_cpu_weight_packing(model)
    tok = load_tokenizer(base)
    peft_model = PeftModel.from_pretrained(model, str(adapter_dir), is_trainable=False).eval()
    text, _ = render_llama3(SAMPLE_MESSAGES, add_generation_prompt=True)
    ids = tok(text, add_special_tokens=False, return_tensors="pt")["input_ids"].to(device)
    before = _logits(peft_model, ids)
    merged = peft_model.merge_and_unload()
    after = _logits(merged, ids)
    diff = float((before - after).abs().max())
    atol, rtol = _TOLERANCE[torch_dtype]
    tol = atol + rtol * float(before.abs().max())
    report = MergeReport(
        str(out_dir),
        str(base),
        str(adapter_dir),
        str(torch_dtype).removeprefix("torch."),
        diff,
        tol,
        int(ids.shape[1]),
    )
    if diff > tol:
        raise MergeCheckFailed(
            f"merged logits differ by {diff:.3g} (tolerance {tol:.3g}); not saved"
        )
    _save_merged(merged, tok, out_dir, report, meta)
    return report
