"""Llama-3 chat rendering (golden string), the tokenizer's template, and label masking."""

from __future__ import annotations

from pathlib import Path

import pytest

from trendpath.ai.finetune.dataset import (
    IGNORE_INDEX,
    LLAMA3_CHAT_TEMPLATE,
    encode_dialogue,
    load_sft_jsonl,
    render_llama3,
)
from trendpath.ai.finetune.modeling import load_tokenizer, stop_token_ids

pytestmark = pytest.mark.llm

MESSAGES = [
    {"role": "system", "content": "당신은 커리어 코치입니다."},
    {"role": "user", "content": " 안녕하세요, 진로 고민이 있어요.\n"},
    {"role": "assistant", "content": "어떤 고민인가요?"},
    {"role": "user", "content": "안정성은 별로 안 중요해요."},
    {"role": "assistant", "content": '{"values": {}}'},
]
GOLDEN = (
    "<|begin_of_text|>"
    "<|start_header_id|>system<|end_header_id|>\n\n당신은 커리어 코치입니다.<|eot_id|>"
    "<|start_header_id|>user<|end_header_id|>\n\n안녕하세요, 진로 고민이 있어요.<|eot_id|>"
    "<|start_header_id|>assistant<|end_header_id|>\n\n어떤 고민인가요?<|eot_id|>"
    "<|start_header_id|>user<|end_header_id|>\n\n안정성은 별로 안 중요해요.<|eot_id|>"
    '<|start_header_id|>assistant<|end_header_id|>\n\n{"values": {}}<|eot_id|>'
)


@pytest.fixture(scope="module")
def tok(tiny_dir: Path):  # type: ignore[no-untyped-def]
    return load_tokenizer(tiny_dir)


def test_rendering_equals_the_golden_string() -> None:
    text, spans = render_llama3(MESSAGES)
    assert text == GOLDEN
    assert [text[a:b] for a, b in spans] == [
        "어떤 고민인가요?<|eot_id|>",
        '{"values": {}}<|eot_id|>',
    ]
    prompt, _ = render_llama3(MESSAGES[:2], add_generation_prompt=True)
    assert prompt.endswith("<|start_header_id|>assistant<|end_header_id|>\n\n")


def test_tokenizer_template_matches_our_renderer(tok) -> None:  # type: ignore[no-untyped-def]
    assert tok.chat_template == LLAMA3_CHAT_TEMPLATE
    assert tok.apply_chat_template(MESSAGES, tokenize=False) == GOLDEN
    ours, _ = render_llama3(MESSAGES[:4], add_generation_prompt=True)
    assert tok.apply_chat_template(MESSAGES[:4], tokenize=False, add_generation_prompt=True) == ours


def test_stop_ids_include_eot_and_end_of_text(tok) -> None:  # type: ignore[no-untyped-def]
    vocab = tok.get_vocab()
    assert stop_token_ids(tok)[:2] == [vocab["<|eot_id|>"], vocab["<|end_of_text|>"]]


def test_labels_cover_exactly_the_assistant_turns(tok) -> None:  # type: ignore[no-untyped-def]
    enc = encode_dialogue(tok, MESSAGES)
    assert len(enc.input_ids) == len(enc.labels)
    learned = [i for i, lab in zip(enc.input_ids, enc.labels, strict=True) if lab != IGNORE_INDEX]
    assert all(lab in (IGNORE_INDEX, i) for i, lab in zip(enc.input_ids, enc.labels, strict=True))
    text = tok.decode(learned)
    assert text == '어떤 고민인가요?<|eot_id|>{"values": {}}<|eot_id|>'
    masked = tok.decode(
        [i for i, lab in zip(enc.input_ids, enc.labels, strict=True) if lab == IGNORE_INDEX]
    )
    assert "안녕하세요" in masked and "커리어 코치" in masked and "고민인가요" not in masked


def test_real_dialogue_masks_system_and_user_text(tok) -> None:  # type: ignore[no-untyped-def]
    d = load_sft_jsonl(Path(__file__).resolve().parents[3] / "data/sft/dialogues.jsonl")[0]
    enc = encode_dialogue(tok, d.messages)
    learned = tok.decode(
        [i for i, lab in zip(enc.input_ids, enc.labels, strict=True) if lab != IGNORE_INDEX]
    )
    expected = "".join(
        m["content"].strip() + "<|eot_id|>" for m in d.messages if m["role"] == "assistant"
    )
    assert learned == expected


def test_generation_prompt_tokenises_as_a_prefix_of_the_training_text(tok) -> None:  # type: ignore[no-untyped-def]
    # training tokenises the whole rendered dialogue, generation only the prompt: the model must
    # see the same tokens up to the answer in both (Llama-3's regex keeps "\n\n" together)
    d = load_sft_jsonl(Path(__file__).resolve().parents[3] / "data/sft/dialogues.jsonl")[0]
    prompt, _ = render_llama3(d.messages[:-1], add_generation_prompt=True)
    full, _ = render_llama3(d.messages)
    p = tok(prompt, add_special_tokens=False)["input_ids"]
    f = tok(full, add_special_tokens=False)["input_ids"]
    assert f[: len(p)] == p
