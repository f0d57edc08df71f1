"""SFT data: load and validate dialogue JSONL, render the Llama-3 chat format, mask labels.

A dialogue line is ``{"id", "split": "train"|"validation", "labels": {...}, "messages": [...]}``
with OpenAI-shaped messages. :func:`load_sft_jsonl` checks every line before anything else runs
and raises one :class:`DatasetError` naming all bad lines, so a corrupt file never costs a
training start. :func:`encode_dialogue` tokenises the rendered text once and masks labels by
character span: only assistant contents and their ``<|eot_id|>`` are learned.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from trendpath.ai.finetune.schema import AXES, parse_value_scores

IGNORE_INDEX = -100
BOS, EOT = "<|begin_of_text|>", "<|eot_id|>"
HEADER_START, HEADER_END = "<|start_header_id|>", "<|end_header_id|>"
ROLES = ("system", "user", "assistant")

LLAMA3_CHAT_TEMPLATE = (
    "{% set loop_messages = messages %}{% for message in loop_messages %}"
    "{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'"
    " + message['content'] | trim + '<|eot_id|>' %}"
    "{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}"
    "{{ content }}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}"
    "{% endif %}"
)
"""Meta's Llama-3 instruct template (Bllossom uses it unchanged)."""


class DatasetError(ValueError):
    """The SFT file has bad lines; ``problems`` lists ``(line_number, message)``."""

    def __init__(self, path: Path, problems: list[tuple[int, str]]) -> None:
        self.path, self.problems = path, problems
        shown = "\n".join(f"  line {n}: {msg}" if n else f"  {msg}" for n, msg in problems[:20])
        more = f"\n  … and {len(problems) - 20} more" if len(problems) > 20 else ""
        super().__init__(f"{path}: {len(problems)} bad line(s):\n{shown}{more}")


@dataclass(frozen=True)
class Dialogue:
    """One validated dialogue."""

    id: str
    split: str
    messages: list[dict[str, str]]
    labels: dict[str, str]


class Tokenizer(Protocol):
    """The slice of a Hugging Face fast tokenizer that encoding needs."""

    def __call__(self, text: str, **kwargs: Any) -> Any: ...


def check_record(obj: Any) -> str | None:
    """Why a parsed line is not a valid dialogue, or ``None`` when it is."""
    if not isinstance(obj, dict):
        return "not a JSON object"
    for key, kind in (("id", str), ("split", str), ("messages", list)):
        if not isinstance(obj.get(key), kind):
            return f"field {key!r} missing or not a {kind.__name__}"
    if obj["split"] not in ("train", "validation"):
        return f"split must be 'train' or 'validation', got {obj['split']!r}"
    msgs = obj["messages"]
    for i, m in enumerate(msgs):
        if (
            not isinstance(m, dict)
            or m.get("role") not in ROLES
            or not isinstance(m.get("content"), str)
        ):
            return f"message {i} needs a role in {ROLES} and string content"
        if not m["content"].strip():
            return f"message {i} has empty content"
    if len(msgs) < 3 or msgs[-1]["role"] != "assistant":
        return "a dialogue needs at least 3 messages and must end with an assistant turn"
    return _check_value_json(msgs, obj.get("labels"))


def _check_value_json(msgs: list[dict[str, str]], labels: Any) -> str | None:
    scores = parse_value_scores(msgs[-1]["content"])
    if scores is None:
        return "final assistant turn is not a valid value-score JSON object"
    user_text = "\n".join(m["content"] for m in msgs if m["role"] == "user")
    for axis, s in scores.values.items():
        for quote in s.evidence:
            if quote not in user_text:
                return f"evidence for {axis} is not quoted from the user's turns: {quote[:40]!r}"
    if isinstance(labels, dict) and labels.get("strongest") in AXES:
        best = max(scores.values, key=lambda a: scores.values[a].score)
        if scores.values[best].score > scores.values[labels["strongest"]].score:
            return f"label strongest={labels['strongest']} but {best} scores higher"
    return None


def load_sft_jsonl(path: Path) -> list[Dialogue]:
    """Read and validate a dialogue JSONL file; raise :class:`DatasetError` on any bad line."""
    if not path.is_file():
        raise FileNotFoundError(f"SFT data file not found: {path}")
    problems: list[tuple[int, str]] = []
    out: list[Dialogue] = []
    seen: dict[str, int] = {}
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                problems.append((n, f"invalid JSON ({exc.msg} at column {exc.colno})"))
                continue
            why = check_record(obj)
            if why is None and obj["id"] in seen:
                why = f"duplicate id {obj['id']!r} (first on line {seen[obj['id']]})"
            if why:
                problems.append((n, why))
                continue
            seen[obj["id"]] = n
            out.append(Dialogue(obj["id"], obj["split"], obj["messages"], obj.get("labels") or {}))
    if problems:
        raise DatasetError(path, problems)
    if not out:
        raise DatasetError(path, [(0, "file holds no dialogues")])
    return out


def data_version(path: Path) -> str:
    """Short content hash of a data file, recorded with every adapter trained on it."""
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def render_llama3(
    messages: list[dict[str, str]], add_generation_prompt: bool = False
) -> tuple[str, list[tuple[int, int]]]:
    """Render messages in the Llama-3 chat format, byte-for-byte like :data:`LLAMA3_CHAT_TEMPLATE`.

    Also returns the character spans that are trained on: each assistant content plus its
    ``<|eot_id|>`` (the model must learn to stop), never headers, system or user text.
    """
    parts, spans, pos = [BOS], [], len(BOS)
    for m in messages:
        header = f"{HEADER_START}{m['role']}{HEADER_END}\n\n"
        body = m["content"].strip() + EOT
        if m["role"] == "assistant":
            spans.append((pos + len(header), pos + len(header) + len(body)))
        parts += [header, body]
        pos += len(header) + len(body)
    if add_generation_prompt:
        parts.append(f"{HEADER_START}assistant{HEADER_END}\n\n")
    return "".join(parts), spans


@dataclass(frozen=True)
class Encoded:
    """Token ids and labels (``IGNORE_INDEX`` outside assistant spans) of one dialogue."""

    input_ids: list[int]
    labels: list[int]


def encode_dialogue(tokenizer: Tokenizer, messages: list[dict[str, str]]) -> Encoded:
    """Tokenise a rendered dialogue once and keep labels only on assistant-span tokens."""
    text, spans = render_llama3(messages)
    enc = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
    ids, offsets = list(enc["input_ids"]), enc["offset_mapping"]
    labels = [IGNORE_INDEX] * len(ids)
    k = 0
    for i, (start, end) in enumerate(offsets):
        while k < len(spans) and start >= spans[k][1]:
            k += 1
        # a token belongs to a span when it starts inside it (a byte-level token may straddle
        # the span end only at <|eot_id|>, which is a single special token)
        if k < len(spans) and spans[k][0] <= start < spans[k][1] and end > start:
            labels[i] = ids[i]
    return Encoded(ids, labels)


def prompt_for_analysis(messages: list[dict[str, str]]) -> tuple[list[dict[str, str]], str]:
    """Split a dialogue into the prompt (all but the last turn) and the reference JSON answer."""
    return messages[:-1], messages[-1]["content"]
