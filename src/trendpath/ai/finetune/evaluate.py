"""Held-out evaluation: token loss on assistant turns, and JSON validity of value-score outputs.

JSON validity is measured the way the AI service will use the model: the conversation up to the
analysis request is rendered with a generation prompt, the model answers greedily until a Llama-3
stop token, and the answer counts as valid when :func:`~trendpath.ai.finetune.schema.
parse_value_scores` accepts it. "Grounded" additionally requires every evidence quote to appear
in the user's turns, i.e. the model quoted rather than invented.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import torch

from trendpath.ai.finetune.dataset import IGNORE_INDEX, Dialogue, Encoded, render_llama3
from trendpath.ai.finetune.loss import lm_loss_sum
from trendpath.ai.finetune.modeling import stop_token_ids
from trendpath.ai.finetune.schema import parse_value_scores


def collate(batch: Sequence[Encoded], pad_id: int, device: torch.device) -> dict[str, torch.Tensor]:
    """Right-pad a batch: padded positions get attention 0 and label ``IGNORE_INDEX``."""
    width = max(len(e.input_ids) for e in batch)
    ids = torch.full((len(batch), width), pad_id, dtype=torch.long)
    labels = torch.full((len(batch), width), IGNORE_INDEX, dtype=torch.long)
    mask = torch.zeros((len(batch), width), dtype=torch.long)
    for row, e in enumerate(batch):
        n = len(e.input_ids)
        ids[row, :n] = torch.tensor(e.input_ids)
        labels[row, :n] = torch.tensor(e.labels)
        mask[row, :n] = 1
    return {
        "input_ids": ids.to(device),
        "attention_mask": mask.to(device),
        "labels": labels.to(device),
    }


def batches(items: Sequence[Encoded], size: int) -> Iterable[list[Encoded]]:
    """Consecutive batches of ``size`` (the last may be shorter)."""
    for s in range(0, len(items), size):
        yield list(items[s : s + size])


@torch.no_grad()
def eval_loss(
    model: Any,
    items: Sequence[Encoded],
    *,
    pad_id: int,
    device: torch.device,
    batch_size: int,
    mode: str,
    chunk: int,
) -> float:
    """Mean per-token loss over assistant tokens of ``items`` (NaN when there are none)."""
    was_training = model.training
    model.eval()
    total, count = 0.0, 0
    for batch in batches(items, batch_size):
        b = collate(batch, pad_id, device)
        loss, n = lm_loss_sum(
            model, b["input_ids"], b["attention_mask"], b["labels"], mode=mode, chunk=chunk
        )
        total, count = total + float(loss), count + n
    model.train(was_training)
    return total / count if count else math.nan


@dataclass(frozen=True)
class JsonEval:
    """Outcome of generating value-score JSON for held-out dialogues."""

    samples: int
    valid: int
    grounded: int
    example: str

    @property
    def valid_rate(self) -> float:
        """Share of generations that parse as :class:`ValueScores`."""
        return self.valid / self.samples if self.samples else math.nan

    @property
    def grounded_rate(self) -> float:
        """Share of generations that parse and quote only real user sentences."""
        return self.grounded / self.samples if self.samples else math.nan


@torch.no_grad()
def json_validity(
    model: Any,
    tokenizer: Any,
    dialogues: Sequence[Dialogue],
    *,
    device: torch.device,
    max_new_tokens: int,
) -> JsonEval:
    """Generate the final assistant turn of each dialogue and check it as value-score JSON."""
    was_training = model.training
    model.eval()
    stops = stop_token_ids(tokenizer)
    valid = grounded = 0
    example = ""
    for d in dialogues:
        prompt, _ = render_llama3(d.messages[:-1], add_generation_prompt=True)
        ids = tokenizer(prompt, add_special_tokens=False, return_tensors="pt")["input_ids"].to(
            device
        )
        out = model.generate(
            input_ids=ids,
            attention_mask=torch.ones_like(ids),
            max_new_tokens=max_new_tokens,
            do_sample=False,
            eos_token_id=stops,
            pad_token_id=tokenizer.pad_token_id,
            use_cache=True,
        )
        text = tokenizer.decode(out[0, ids.shape[1] :], skip_special_tokens=True)
        example = example or text[:500]
        scores = parse_value_scores(text)
        if scores is None:
            continue
        valid += 1
        user_text = "\n".join(m["content"] for m in d.messages if m["role"] == "user")
        if all(q in user_text for s in scores.values.values() for q in s.evidence):
            grounded += 1
    model.train(was_training)
    return JsonEval(len(dialogues), valid, grounded, example)
