"""Local transformers backend and Llama mean-pool encoder on a tiny Llama built here.

The model is randomly initialised (its words are noise); these tests check the plumbing: local
loading only, caching, chat template, stop tokens, streaming equal to non-streaming, masking.
"""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import numpy as np
import pytest

from trendpath.ai.embed import LlamaMeanPoolEncoder
from trendpath.ai.llm.base import ChatMessage, LLMUnavailable
from trendpath.ai.llm.factory import make_backend
from trendpath.ai.llm.local import TransformersBackend

pytest.importorskip("transformers")

TEMPLATE = (
    "{{ bos_token }}{% for m in messages %}<|start_header_id|>{{ m['role'] }}<|end_header_id|>\n\n"
    "{{ m['content'] }}<|eot_id|>{% endfor %}"
    "{% if add_generation_prompt %}<|start_header_id|>assistant<|end_header_id|>\n\n{% endif %}"
)
LINES = [
    "안녕하세요. 요즘 진로 고민이 있어요.",
    "저는 새로운 기술을 배우는 게 좋아요.",
    "연봉보다 성장이 중요해요. 야근은 싫어요.",
    "데이터 분석과 머신러닝을 공부하고 있어요.",
] * 20


@pytest.fixture(scope="module")
def tiny_llama(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    special = ["<|begin_of_text|>", "<|end_of_text|>", "<|start_header_id|>"]
    special += ["<|end_header_id|>", "<|eot_id|>"]
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=400,
        special_tokens=special,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(LINES, trainer)
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok, bos_token="<|begin_of_text|>", eos_token="<|eot_id|>"
    )
    fast.chat_template = TEMPLATE
    torch.manual_seed(0)
    vocab = fast.get_vocab()
    config = LlamaConfig(
        vocab_size=len(fast),
        # 64 wide: bitsandbytes' CPU 4-bit kernels need rows of at least one 64-value block.
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        bos_token_id=vocab["<|begin_of_text|>"],
        eos_token_id=[vocab["<|eot_id|>"], vocab["<|end_of_text|>"]],
    )
    out = tmp_path_factory.mktemp("tiny-llama")
    LlamaForCausalLM(config).save_pretrained(out)
    fast.save_pretrained(out)
    return out


MESSAGES = [
    ChatMessage(role="system", content="당신은 코치입니다."),
    ChatMessage(role="user", content="안녕하세요"),
]


def test_transformers_backend_generates_caches_and_streams(tiny_llama: Path) -> None:
    backend = TransformersBackend(tiny_llama)
    text = asyncio.run(backend.complete(MESSAGES, max_tokens=12, temperature=0.0))
    assert isinstance(text, str) and "<|eot_id|>" not in text
    assert backend.loaded() is TransformersBackend(tiny_llama).loaded()

    async def streamed() -> str:
        return "".join([c async for c in backend.stream(MESSAGES, max_tokens=12, temperature=0)])

    assert asyncio.run(streamed()) == text


def test_four_bit_loading_on_cpu(tiny_llama: Path) -> None:
    pytest.importorskip("bitsandbytes")
    backend = TransformersBackend(tiny_llama, load_in_4bit=True)
    layer = backend.loaded().model.model.layers[0].self_attn.q_proj
    assert type(layer).__name__ == "Linear4bit"
    assert isinstance(asyncio.run(backend.complete(MESSAGES, max_tokens=4, temperature=0)), str)


def test_missing_paths_and_templates_are_clear_errors(tiny_llama: Path, tmp_path: Path) -> None:
    with pytest.raises(LLMUnavailable, match="does not exist"):
        TransformersBackend(tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(LLMUnavailable, match=r"no config\.json"):
        TransformersBackend(tmp_path / "empty")
    with pytest.raises(LLMUnavailable, match="does not exist"):
        TransformersBackend(tiny_llama, adapter_path=tmp_path / "no-adapter")
    fallback = make_backend("transformers", model_path=tmp_path / "nope", fallback_to_scripted=True)
    assert fallback.name == "none+scripted"
    bare = tmp_path / "no-template"
    shutil.copytree(tiny_llama, bare)
    (bare / "chat_template.jinja").unlink()
    with pytest.raises(LLMUnavailable, match="no chat template"):
        asyncio.run(TransformersBackend(bare).complete(MESSAGES, max_tokens=2))


def test_llama_mean_pool_encoder_masks_padding(tiny_llama: Path) -> None:
    enc = LlamaMeanPoolEncoder(tiny_llama, batch_size=4)
    assert enc.dim == 64
    alone = enc.encode(["성장이 중요해요"])
    batched = enc.encode(["성장이 중요해요", "", "연봉보다 성장이 중요해요. 야근은 싫어요. " * 3])
    assert batched.shape == (3, 64)
    assert np.allclose(alone[0], batched[0], atol=1e-5)
    assert not batched[1].any()
    assert np.linalg.norm(batched[2]) == pytest.approx(1.0, abs=1e-5)
