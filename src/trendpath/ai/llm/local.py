"""In-process generation with ``transformers``: a local model directory, optional PEFT adapter,
optional 4-bit loading. Nothing is ever downloaded: paths are checked up front and every
``from_pretrained`` call runs with ``local_files_only=True``.

Models are loaded once per (path, adapter, 4-bit, device) and cached for the process, because
loading an 8B model takes tens of seconds. Generation runs in a worker thread so the event loop
stays free, one generation per model at a time.
"""

from __future__ import annotations

import asyncio
import importlib.util
import threading
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from trendpath.ai.llm.base import (
    LLAMA3_STOP,
    ChatMessage,
    LLMUnavailable,
    StopScanner,
    cut_at_stop,
    merge_stops,
)


@dataclass
class _Loaded:
    model: Any
    tokenizer: Any
    eos_ids: list[int]
    lock: threading.Lock


_CACHE: dict[tuple[str, str | None, bool, str], _Loaded] = {}
_CACHE_LOCK = threading.Lock()


def check_model_dir(path: str | Path, marker: str = "config.json") -> Path:
    """Resolve a local model (or adapter) directory, or raise a clear :class:`LLMUnavailable`."""
    p = Path(path).expanduser()
    if not p.is_dir():
        raise LLMUnavailable(
            f"model path {str(p)!r} does not exist; point it at a local directory with the "
            "weights (trendpath never downloads models)"
        )
    if not (p / marker).is_file():
        raise LLMUnavailable(f"{str(p)!r} has no {marker}; it is not a saved model directory")
    return p.resolve()


def _import_transformers() -> Any:
    try:
        import transformers
    except ImportError as exc:
        raise LLMUnavailable(
            "the transformers backend needs the 'llm' extra: pip install 'trendpath[llm]'"
        ) from exc
    return transformers


def _quantization(transformers: Any) -> Any:
    try:
        import bitsandbytes  # noqa: F401
        import torch
    except ImportError as exc:
        raise LLMUnavailable("load_in_4bit needs bitsandbytes (the 'llm' extra)") from exc
    return transformers.BitsAndBytesConfig(
        load_in_4bit=True,
        bnb_4bit_quant_type="nf4",
        bnb_4bit_use_double_quant=True,
        bnb_4bit_compute_dtype=torch.bfloat16,
    )


def _load(model_dir: Path, adapter_dir: Path | None, load_in_4bit: bool, device: str) -> _Loaded:
    transformers = _import_transformers()
    tokenizer = transformers.AutoTokenizer.from_pretrained(str(model_dir), local_files_only=True)
    kwargs: dict[str, Any] = {"local_files_only": True}
    if load_in_4bit:
        kwargs["quantization_config"] = _quantization(transformers)
    try:
        model = transformers.AutoModelForCausalLM.from_pretrained(str(model_dir), **kwargs)
    except (OSError, ValueError) as exc:
        raise LLMUnavailable(f"cannot load the model in {str(model_dir)!r}: {exc}") from exc
    if not load_in_4bit:
        model = model.to(device)
    if adapter_dir is not None:
        model = _attach_adapter(model, adapter_dir)
    model.eval()
    eos_ids = [
        tokenizer.convert_tokens_to_ids(t) for t in LLAMA3_STOP if t in tokenizer.get_vocab()
    ]
    if tokenizer.eos_token_id is not None:
        eos_ids.append(int(tokenizer.eos_token_id))
    return _Loaded(model, tokenizer, sorted(set(eos_ids)), threading.Lock())


def _attach_adapter(model: Any, adapter_dir: Path) -> Any:
    try:
        from peft import PeftModel
    except ImportError as exc:
        raise LLMUnavailable("a PEFT adapter needs the 'peft' package (the 'llm' extra)") from exc
    try:
        return PeftModel.from_pretrained(model, str(adapter_dir), is_trainable=False)
    except (RuntimeError, ValueError, KeyError) as exc:
        raise LLMUnavailable(
            f"the adapter in {str(adapter_dir)!r} does not fit this base model: {exc}"
        ) from exc


def _drain(streamer: Any, worker: threading.Thread, finished: bool) -> None:
    # An exhausted streamer must not be iterated again: it would wait for its timeout.
    if not finished:
        for _ in streamer:
            pass
    worker.join()


class _EventStop:
    """A stopping criterion that ends generation once an event is set (cancellation)."""

    def __init__(self, event: threading.Event) -> None:
        self.event = event

    def __call__(self, input_ids: Any, scores: Any, **kwargs: Any) -> Any:
        import torch

        return torch.full((input_ids.shape[0],), self.event.is_set(), dtype=torch.bool)


class TransformersBackend:
    """An :class:`~trendpath.ai.llm.base.LLMBackend` running a local causal LM in this process."""

    name = "transformers"

    def __init__(
        self,
        model_path: str | Path,
        adapter_path: str | Path | None = None,
        load_in_4bit: bool = False,
        device: str = "cpu",
    ) -> None:
        self.model_dir = check_model_dir(model_path)
        self.adapter_dir = (
            check_model_dir(adapter_path, "adapter_config.json") if adapter_path else None
        )
        self.load_in_4bit = load_in_4bit
        self.device = device
        if importlib.util.find_spec("transformers") is None:
            raise LLMUnavailable(
                "the transformers backend needs the 'llm' extra: pip install 'trendpath[llm]'"
            )

    def loaded(self) -> _Loaded:
        """The cached model and tokenizer, loading them on first use."""
        key = (
            str(self.model_dir),
            str(self.adapter_dir or "") or None,
            self.load_in_4bit,
            self.device,
        )
        with _CACHE_LOCK:
            if key not in _CACHE:
                _CACHE[key] = _load(
                    self.model_dir, self.adapter_dir, self.load_in_4bit, self.device
                )
            return _CACHE[key]

    def _inputs(self, lm: _Loaded, messages: list[ChatMessage]) -> Any:
        if not getattr(lm.tokenizer, "chat_template", None):
            raise LLMUnavailable(f"the tokenizer in {str(self.model_dir)!r} has no chat template")
        prompt = lm.tokenizer.apply_chat_template(
            [m.to_dict() for m in messages], tokenize=False, add_generation_prompt=True
        )
        enc = lm.tokenizer(prompt, return_tensors="pt", add_special_tokens=False)
        return enc.to(lm.model.device)

    def _gen_kwargs(self, lm: _Loaded, max_tokens: int, temperature: float) -> dict[str, Any]:
        kwargs: dict[str, Any] = {
            "max_new_tokens": max(1, max_tokens),
            "eos_token_id": lm.eos_ids or None,
            "pad_token_id": lm.tokenizer.pad_token_id or (lm.eos_ids or [0])[0],
        }
        if temperature > 0:
            kwargs |= {"do_sample": True, "temperature": temperature, "top_p": 0.95}
        else:
            kwargs["do_sample"] = False
        return kwargs

    def _generate(self, messages: list[ChatMessage], max_tokens: int, temperature: float) -> str:
        import torch

        lm = self.loaded()
        inputs = self._inputs(lm, messages)
        with lm.lock, torch.inference_mode():
            out = lm.model.generate(**inputs, **self._gen_kwargs(lm, max_tokens, temperature))
        new_tokens = out[0, inputs["input_ids"].shape[1] :]
        return str(lm.tokenizer.decode(new_tokens, skip_special_tokens=True))

    async def complete(
        self,
        messages: list[ChatMessage],
        *,
        max_tokens: int = 512,
        temperature: float = 0.7,
        stop: list[str] | None = None,
    ) -> str:
        """Generate the whole reply in a worker thread."""
        text = await asyncio.to_thread(self._generate, messages, max_tokens, temperature)
        return cut_at_stop(text, merge_stops(stop))[0]

    async def stream(
        self,
        messages: list[ChatMessage],
        *,
        max_tokens: int = 512,
        temperature: float = 0.7,
        stop: list[str] | None = None,
    ) -> AsyncIterator[str]:
        """Yield decoded text as the model produces it (``TextIteratorStreamer`` in a thread)."""
        transformers = _import_transformers()
        lm = await asyncio.to_thread(self.loaded)
        inputs = self._inputs(lm, messages)
        streamer = transformers.TextIteratorStreamer(
            lm.tokenizer, skip_prompt=True, skip_special_tokens=True, timeout=600.0
        )
        cancel = threading.Event()
        kwargs = self._gen_kwargs(lm, max_tokens, temperature) | {
            "streamer": streamer,
            "stopping_criteria": transformers.StoppingCriteriaList([_EventStop(cancel)]),
        }
        worker = threading.Thread(
            target=self._run_streaming, args=(lm, inputs, kwargs), daemon=True
        )
        worker.start()
        scanner = StopScanner(merge_stops(stop))
        done = object()
        finished = False
        try:
            while not scanner.stopped:
                chunk = await asyncio.to_thread(next, streamer, done)
                if chunk is done:
                    finished = True
                    break
                out = scanner.feed(str(chunk))
                if out:
                    yield out
            tail = scanner.flush()
            if tail:
                yield tail
        finally:
            # Ends generation early when a stop string was seen or the client went away.
            cancel.set()
            await asyncio.to_thread(_drain, streamer, worker, finished)

    @staticmethod
    def _run_streaming(lm: _Loaded, inputs: Any, kwargs: dict[str, Any]) -> None:
        import torch

        with lm.lock, torch.inference_mode():
            lm.model.generate(**inputs, **kwargs)
