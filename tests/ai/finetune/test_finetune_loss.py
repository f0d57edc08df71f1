"""Chunked cross-entropy: same value and gradient as the full loss, frozen head only."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

from trendpath.ai.finetune.config import QLoRAConfig
from trendpath.ai.finetune.dataset import encode_dialogue, load_sft_jsonl
from trendpath.ai.finetune.evaluate import collate
from trendpath.ai.finetune.loss import chunked_cross_entropy, lm_loss_sum
from trendpath.ai.finetune.modeling import add_lora, load_base, load_tokenizer, prepare_for_kbit

ROOT = Path(__file__).resolve().parents[3]


def test_chunked_loss_and_gradient_equal_the_full_ones() -> None:
    torch.manual_seed(0)
    hidden = torch.randn(37, 16, dtype=torch.float64, requires_grad=True)
    weight = torch.randn(50, 16, dtype=torch.float64)
    targets = torch.randint(0, 50, (37,))
    chunked = chunked_cross_entropy(hidden, weight, targets, chunk=8)
    (g_chunked,) = torch.autograd.grad(chunked, hidden)
    full = F.cross_entropy(hidden @ weight.T, targets, reduction="sum")
    (g_full,) = torch.autograd.grad(full, hidden)
    assert torch.allclose(chunked, full, rtol=1e-10)
    assert torch.allclose(g_chunked, g_full, rtol=1e-8, atol=1e-10)
    assert torch.autograd.gradcheck(
        lambda h: chunked_cross_entropy(h, weight, targets, 5), (hidden,)
    )


def test_chunked_loss_refuses_a_trainable_head() -> None:
    w = torch.randn(10, 4, requires_grad=True)
    with pytest.raises(ValueError, match="frozen head"):
        chunked_cross_entropy(torch.randn(3, 4), w, torch.tensor([1, 2, 3]))


@pytest.mark.llm
@pytest.mark.slow  # first test to import transformers/peft/bitsandbytes: ~10 s of imports
def test_chunked_and_full_modes_agree_on_the_4bit_tiny_model(
    tiny_dir: Path, tiny_config: Callable[..., QLoRAConfig]
) -> None:
    cfg = tiny_config()
    tok = load_tokenizer(tiny_dir)
    d = load_sft_jsonl(ROOT / "data" / "sft" / "dialogues.jsonl")[:2]
    b = collate(
        [encode_dialogue(tok, x.messages) for x in d], tok.pad_token_id, torch.device("cpu")
    )
    model = load_base(tiny_dir, cfg, quantize=True)
    model = add_lora(
        prepare_for_kbit(model, upcast_embeddings=False, gradient_checkpointing=True), cfg
    )
    assert (
        type(model.get_base_model().model.layers[0].mlp.up_proj.base_layer).__name__ == "Linear4bit"
    )
    args = (model, b["input_ids"], b["attention_mask"], b["labels"])
    chunked, n1 = lm_loss_sum(*args, mode="chunked", chunk=64)
    full, n2 = lm_loss_sum(*args, mode="full")
    assert n1 == n2 == sum(int((x != -100).sum()) for x in b["labels"][:, 1:])
    assert torch.allclose(chunked, full, rtol=1e-4)
