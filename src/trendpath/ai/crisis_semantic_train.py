"""Training of the semantic crisis layer (:mod:`trendpath.ai.crisis_semantic`), deterministic.

Same data as the character model (:func:`trendpath.ai.crisis_train.corpus`: the dev phrase files
plus ordinary career answers). Every text is cut into the pieces the service embeds
(:func:`~trendpath.ai.crisis_semantic.segments`) and embedded once; the model is a
class-balanced L2 logistic regression on the *whole-message* vector, fitted by L-BFGS from zeros
(the same data gives the same file), and a message is scored as the highest logit over its pieces,
as in service.

The layer alone raises concern only (see :mod:`trendpath.ai.crisis_semantic`); its crisis
evidence goes through the joint layer (:class:`~trendpath.ai.crisis_semantic.Joint`: the
character model's logit plus ``weight`` times this layer's). Both are chosen from
leave-one-writer-file-out scores (:mod:`trendpath.ai.crisis_cv`) of the two models: for each
weight of :data:`JOINT_WEIGHTS` (the semantic logit added only where the character model's is
at or over its own concern cut), the joint cuts are the lowest that keep
:class:`SemanticConfig`'s limits (precision on dev phrases, false alarms on ordinary answers),
and the weight whose joint decision has the highest recall there is
kept (the smallest on a tie). Then this layer's own concern cut: the lowest at which check-ins
from either layer on ordinary answers stay within the limit. Texts the service does not score
(too short) score -inf here too (0 in the joint sum). The character model keeps its own cuts, so
where this layer is off the other two serve as they were measured. ``c`` was chosen by the same
nested CV (``python -m bench.crisis --cv semantic``).

Embedding the corpus takes minutes on two cores, so :func:`embed_corpus` keeps the vectors in a
cache file named by the data digest (never shipped); the shipped file stores the digest of its
training data, and a test compares it with the data files as they are.
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from scipy import optimize

from trendpath.ai import crisis_cv as cv
from trendpath.ai import crisis_semantic as cs
from trendpath.ai.crisis_train import Corpus


@dataclass(frozen=True)
class SemanticConfig:
    """Regularisation and the limits the cuts must keep (chosen by CV)."""

    c: float = 10.0
    """The C of the four tried (0.3, 1, 3, 10) with the highest one-file-out crisis recall while
    mean precision stays ≥ 0.95 and false alarms on ordinary answers ≤ 0.1 %: on ten dev files 10
    (recall 0.888 ± 0.096, precision 0.955) over 3 (0.878 ± 0.113, 0.958), as on eight files
    (0.886 vs 0.879); 3 was the earlier choice, made on fewer files."""
    min_precision: float = 0.9
    """The joint layer's crisis cut keeps this precision on out-of-fold dev phrases: of the two
    tried (0.9, 0.95), the one with the higher one-file-out crisis recall while the mean precision
    stays ≥ 0.9 (the target) and false alarms on ordinary answers ≤ 0.1 %. On twelve dev files
    0.9 (recall 0.875 ± 0.096, precision 0.929) over 0.95 (0.809 ± 0.139, 0.947): the blind
    writers' look-alikes (dev11, dev12) pushed the stricter cut up. On the four original files
    0.95 had been chosen (writer A → B precision 0.876 at 0.9). ``python -m bench.crisis``
    re-runs both settings."""
    max_ordinary_fa: float = 0.001
    max_ordinary_concern: float = 0.01


JOINT_WEIGHTS = (0.25, 0.5, 1.0, 2.0)
"""The semantic logit's weights tried in the joint layer (the character model's weighs 1)."""


PROBES = (
    "이 세상 체크아웃 할게요",
    "그동안 고마웠어. 다들 잘 지내",
    "요즘 너무 힘들어서 죽고 싶어요",
    "데이터 분석가가 되고 싶어요",
    "연봉보다 성장이 중요해요",
    "배고파 죽겠어요",
)
"""Phrases whose trained logits ship with the weights, so a changed encoder is noticed."""


def data_digest(data: Corpus) -> str:
    """A short digest of the training data: texts, labels and writer groups, in order."""
    payload = json.dumps(
        [data.texts, data.labels.astype(int).tolist(), data.group.tolist()], ensure_ascii=False
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class Embedded:
    """A corpus embedded piece by piece: ``vectors[owner == i]`` are text i's, whole first."""

    data: Corpus
    vectors: np.ndarray
    owner: np.ndarray

    @property
    def whole(self) -> np.ndarray:
        """The row of each text's whole-message vector (the first of its rows)."""
        return np.flatnonzero(np.r_[True, self.owner[1:] != self.owner[:-1]])

    def scores(self, model: cs.SemanticModel, idx: np.ndarray) -> np.ndarray:
        """The service's score (max over pieces) of the texts at ``idx``; -inf elsewhere and
        for texts the service does not score (:func:`~trendpath.ai.crisis_semantic.scorable`)."""
        logits = model.logits(self.vectors)
        best = np.full(len(self.data.texts), -np.inf)
        np.maximum.at(best, self.owner, logits)
        out = np.full(len(self.data.texts), -np.inf)
        out[idx] = best[idx]
        out[~self.scored] = -np.inf
        return out

    @functools.cached_property
    def scored(self) -> np.ndarray:
        """Which texts the service scores at all."""
        return np.array([cs.scorable(t) for t in self.data.texts], dtype=bool)


def embed_corpus(data: Corpus, embed: cs.Embed, cache_dir: Path | None = None) -> Embedded:
    """Every text's pieces embedded (from the cache when this data was embedded before)."""
    cache = cache_dir / f"crisis-semantic-{data_digest(data)}.npz" if cache_dir else None
    if cache is not None and cache.exists():
        saved = np.load(cache)
        return Embedded(data, saved["vectors"], saved["owner"])
    pieces: list[str] = []
    owner: list[int] = []
    for i, text in enumerate(data.texts):
        found = cs.segments(text)
        if not found:
            raise ValueError(f"an empty training text: {text!r}")
        pieces += found
        owner += [i] * len(found)
    vectors = np.concatenate(
        [embed(pieces[i : i + 256]) for i in range(0, len(pieces), 256)]
    ).astype(np.float32)
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        np.savez(cache, vectors=vectors, owner=np.array(owner))
    return Embedded(data, vectors, np.array(owner))


def fit(x: np.ndarray, labels: np.ndarray, c: float) -> tuple[np.ndarray, float]:
    """Class-balanced L2 logistic regression (the bias is not penalised), L-BFGS from zeros."""
    x = np.asarray(x, dtype=np.float64)
    y = labels.astype(np.float64)
    pos = max(1.0, y.sum())
    neg = max(1.0, len(y) - y.sum())
    weight = np.where(y == 1, len(y) / (2 * pos), len(y) / (2 * neg))

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        z = x @ w[:-1] + w[-1]
        p = 0.5 * (1.0 + np.tanh(0.5 * z))
        value = float(np.sum(weight * (np.logaddexp(0.0, z) - y * z)))
        value += 0.5 / c * float(w[:-1] @ w[:-1])
        g = weight * (p - y)
        return value, np.append(x.T @ g + w[:-1] / c, g.sum())

    start = np.zeros(x.shape[1] + 1)
    res = optimize.minimize(loss, start, jac=True, method="L-BFGS-B", options={"maxiter": 1000})
    return res.x[:-1], float(res.x[-1])


def fit_model(emb: Embedded, idx: np.ndarray, config: SemanticConfig) -> cs.SemanticModel:
    """A model (cuts unset) trained on the whole-message vectors of the texts at ``idx``."""
    weights, bias = fit(emb.vectors[emb.whole[idx]], emb.data.labels[idx], config.c)
    return cs.SemanticModel(cs.ENCODER, weights, bias, 0.0, 0.0, meta={})


def group_out_scores(emb: Embedded, config: SemanticConfig, groups: list[str]) -> np.ndarray:
    """Each text of ``groups`` scored by a model trained on the other groups of ``groups``."""
    group = emb.data.group
    scores = np.full(len(group), np.nan)
    for held in groups:
        test = group == held
        train = np.isin(group, groups) & ~test
        model = fit_model(emb, np.flatnonzero(train), config)
        scores[test] = emb.scores(model, np.flatnonzero(test))[test]
    return scores


def choose_joint(
    data: Corpus,
    mask: np.ndarray,
    rules: np.ndarray,
    char: np.ndarray,
    semantic: np.ndarray,
    limits: cv.Limits,
    gate: float,
) -> cs.Joint:
    """The joint layer from out-of-fold scores of both models on ``mask`` (``gate``: the character
    model's concern cut): per weight, the lowest cuts that keep ``limits``; the weight whose
    decision recalls most (smallest on a tie)."""
    best: tuple[float, cs.Joint] | None = None
    for weight in JOINT_WEIGHTS:
        scores = cs.Joint(weight, 0.0, 0.0, gate).logits(char, semantic)
        crisis, concern = cv.choose_cuts(data, mask, rules, scores, limits, cv.SEMANTIC_THRESHOLDS)
        recall = cv.figures(data, mask, rules, [(scores, (crisis, concern))]).recall
        if best is None or recall > best[0] + 1e-12:
            best = (recall, cs.Joint(weight, crisis, concern, gate))
    assert best is not None
    return best[1]


def joint_layer(joint: cs.Joint, char: np.ndarray, semantic: np.ndarray) -> cv.Layer:
    """The joint layer's scores and cuts, as :func:`trendpath.ai.crisis_cv.figures` takes them."""
    return joint.logits(char, semantic), (joint.threshold, joint.concern)


def choose_layers(
    data: Corpus,
    mask: np.ndarray,
    rules: np.ndarray,
    char: cv.Layer,
    semantic: np.ndarray,
    config: SemanticConfig,
) -> tuple[cs.Joint, tuple[float, float]]:
    """The joint layer (gated at the character model's concern cut), then this layer's own cuts
    beside it, from out-of-fold scores on ``mask`` (``char``: the character model's scores and
    cuts)."""
    scores, (_, char_concern) = char
    joint = choose_joint(data, mask, rules, scores, semantic, config, char_concern)
    cut = cv.choose_cuts(
        data, mask, rules, semantic, config, cv.SEMANTIC_THRESHOLDS,
        fixed=[joint_layer(joint, scores, semantic)], concern_only=True,
    )  # fmt: skip
    return joint, cut


def finish(
    model: cs.SemanticModel,
    cut: tuple[float, float],
    emb: Embedded,
    config: SemanticConfig,
    char_cut: tuple[float, float],
    embed: cs.Embed,
    joint: cs.Joint | None = None,
) -> cs.SemanticModel:
    """The model as shipped: its cuts and what a reader (and a test) needs to trust it."""
    meta: dict[str, object] = {
        "trained_on": "dev phrase files + ordinary career answers",
        "n_texts": len(emb.data.texts),
        "n_crisis": int(emb.data.labels.sum()),
        "data_digest": data_digest(emb.data),
        "char_cuts": [char_cut[0], char_cut[1]],
        "config": asdict(config),
    }
    # Rounded as the file stores them, so the probes are what the shipped weights give.
    shipped = cs.SemanticModel(
        cs.ENCODER, np.round(model.weights, 5), round(model.bias, 5), cut[0], cut[1], meta, joint
    )
    probes = shipped.logits(embed(list(PROBES)))
    meta["probes"] = {t: round(float(s), 4) for t, s in zip(PROBES, probes, strict=True)}
    return shipped


def semantic_split(
    emb: Embedded, config: SemanticConfig, rules: np.ndarray, char: cv.CharSplit
) -> tuple[cv.Figures, tuple[float, float], cs.Joint]:
    """The whole decision on one writer split with this layer and the joint layer in the
    character model's place (nested: weight and cuts from leave-one-file-out scores inside the
    training files), this layer's cuts and the joint layer."""
    data = emb.data
    inner = group_out_scores(emb, config, char.train)
    train = np.isin(data.group, char.train)
    joint, cut = choose_layers(data, train, rules, (char.inner, char.cut), inner, config)
    model = fit_model(emb, np.flatnonzero(train), config)
    held = char.held(data)
    outer = emb.scores(model, np.flatnonzero(held))
    layers = [joint_layer(joint, char.outer, outer), (outer, cut)]
    return cv.figures(data, held, rules, layers), cut, joint


def build(
    emb: Embedded,
    config: SemanticConfig,
    rules: np.ndarray,
    char: cv.Layer,
    embed: cs.Embed,
) -> cs.SemanticModel:
    """The joint layer and this layer's cut from leave-one-file-out scores of all dev files
    next to the character model's (``char``: its leave-one-file-out scores and shipped cuts),
    then fit on all."""
    data = emb.data
    groups = sorted(set(data.group.tolist()))
    scores = group_out_scores(emb, config, groups)
    everything = np.ones(len(data.texts), dtype=bool)
    joint, cut = choose_layers(data, everything, rules, char, scores, config)
    model = fit_model(emb, np.arange(len(data.texts)), config)
    return finish(model, cut, emb, config, char[1], embed, joint)
