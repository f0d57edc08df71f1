"""Writer-level cross-validation of the crisis detector, and the build of the shipped model.

The question that matters is how the detector does on messages from people whose phrasing it has
never seen. The dev files come from different writers (dev, dev2 and the former held-out files
dev5, dev6 from one, in different voices; dev3 and dev4 from another; dev7 and dev8 from two
more, written blind), so every figure here holds a whole *file* out: the model
is trained on the other files and scores the held-out one. Thresholds are chosen the same way,
nested: inside the training files, each file is scored by a model trained on the others.
Ordinary career answers are dealt to the files in turn, so every fold holds some out too.

The service's decision is the rules OR each deciding learned layer over its crisis cut (the
character model here; :mod:`trendpath.ai.crisis_semantic_train` puts the joint layer in its
place and adds the semantic layer, whose own crisis cut is infinite: alone it raises concern
only); :func:`figures`
and :func:`choose_cuts` take any number of layers, so a layer's cuts are chosen for the whole
decision it joins.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from trendpath.ai.crisis import crisis_family
from trendpath.ai.crisis_model import CrisisModel
from trendpath.ai.crisis_train import (
    Corpus,
    Prepared,
    TrainConfig,
    config_meta,
    fit_model,
    prepare,
)

THRESHOLDS = tuple(round(float(t), 2) for t in np.arange(-2.0, 3.001, 0.05))
"""Cuts tried for the character model's logit."""
SEMANTIC_THRESHOLDS = tuple(round(float(t), 2) for t in np.arange(-4.0, 6.001, 0.05))
"""Cuts tried for the semantic layer's logit (it spreads wider)."""

Layer = tuple[np.ndarray, tuple[float, float]]
"""One learned layer's scores and its (crisis, concern) cuts."""


class Limits(Protocol):
    """What cuts must keep: precision on dev phrases, false alarms and check-ins on ordinary
    answers (both :class:`TrainConfig` and the semantic layer's config carry these)."""

    @property
    def min_precision(self) -> float: ...
    @property
    def max_ordinary_fa(self) -> float: ...
    @property
    def max_ordinary_concern(self) -> float: ...


def rule_hits(data: Corpus) -> np.ndarray:
    """Where the rules (the floor) fire."""
    return np.array([crisis_family(t) is not None for t in data.texts])


def group_out_scores(prep: Prepared, config: TrainConfig, groups: list[str]) -> np.ndarray:
    """Each text of ``groups`` scored by a model trained on the other groups of ``groups``."""
    group = prep.data.group
    scores = np.full(len(group), np.nan)
    for held in groups:
        test = group == held
        train = np.isin(group, groups) & ~test
        model = fit_model(prep, np.flatnonzero(train), config)
        for i in np.flatnonzero(test):
            scores[i] = model.score_pieces(prep.pieces[i])
    return scores


@dataclass(frozen=True)
class Figures:
    """One evaluation: crisis recall/precision, any-safety-response recall, ordinary rates."""

    recall: float
    precision: float
    any_recall: float
    ordinary_fa: float
    ordinary_concern: float
    rules_recall: float
    rules_precision: float


def figures(data: Corpus, mask: np.ndarray, rules: np.ndarray, layers: Sequence[Layer]) -> Figures:
    """The figures on the texts of ``mask``: crisis = rules OR any layer over its crisis cut;
    concern = any layer over its concern cut, below crisis."""
    crisis = rules.copy()
    any_hit = rules.copy()
    for scores, (cut, concern) in layers:
        crisis |= scores >= cut
        any_hit |= scores >= min(cut, concern)
    dev, ordinary, y = mask & ~data.ordinary, mask & data.ordinary, data.labels

    def rp(hit: np.ndarray) -> tuple[float, float]:
        tp = float(np.sum(hit & y & dev))
        fp = float(np.sum(hit & ~y & dev))
        return tp / max(1.0, float(np.sum(y & dev))), tp / max(1.0, tp + fp)

    recall, precision = rp(crisis)
    rules_recall, rules_precision = rp(rules)
    n_ord = max(1.0, float(ordinary.sum()))
    return Figures(
        recall=recall,
        precision=precision,
        any_recall=rp(any_hit)[0],
        ordinary_fa=float(np.sum(crisis & ordinary)) / n_ord,
        ordinary_concern=float(np.sum(any_hit & ~crisis & ordinary)) / n_ord,
        rules_recall=rules_recall,
        rules_precision=rules_precision,
    )


def choose_cuts(
    data: Corpus,
    mask: np.ndarray,
    rules: np.ndarray,
    scores: np.ndarray,
    limits: Limits,
    thresholds: Sequence[float] = THRESHOLDS,
    fixed: Sequence[Layer] = (),
    *,
    concern_only: bool = False,
) -> tuple[float, float]:
    """(crisis, concern) for the layer of ``scores``, added to the ``fixed`` layers: the lowest
    cuts whose whole decision keeps ``limits`` on ``mask``. A ``concern_only`` layer never
    decides a crisis (its crisis cut is ``inf``); only its concern cut is chosen."""
    crisis = math.inf if concern_only else thresholds[-1]
    for t in () if concern_only else thresholds:
        f = figures(data, mask, rules, [*fixed, (scores, (t, t))])
        if f.precision >= limits.min_precision and f.ordinary_fa <= limits.max_ordinary_fa:
            crisis = t
            break
    concern = crisis
    for t in thresholds:
        if t >= crisis:
            break
        f = figures(data, mask, rules, [*fixed, (scores, (crisis, t))])
        if f.ordinary_concern <= limits.max_ordinary_concern:
            concern = t
            break
    return crisis, concern


@dataclass(frozen=True)
class CharSplit:
    """The character model on one writer split: its cut chosen inside the training files (from
    their leave-one-file-out scores, ``inner``), and the held-out files' scores (``outer``)."""

    name: str
    train: list[str]
    test: list[str]
    inner: np.ndarray
    outer: np.ndarray
    cut: tuple[float, float]

    def held(self, data: Corpus) -> np.ndarray:
        """The texts this split tests on."""
        return np.isin(data.group, self.test)


def char_split(
    prep: Prepared, config: TrainConfig, name: str, train: list[str], test: list[str],
    rules: np.ndarray,
) -> CharSplit:  # fmt: skip
    """Train on the files ``train`` (cuts by leave-one-file-out inside them), score ``test``."""
    group = prep.data.group
    inner = group_out_scores(prep, config, train)
    cut = choose_cuts(prep.data, np.isin(group, train), rules, inner, config)
    model = fit_model(prep, np.flatnonzero(np.isin(group, train)), config)
    outer = np.full(len(group), -np.inf)
    for i in np.flatnonzero(np.isin(group, test)):
        outer[i] = model.score_pieces(prep.pieces[i])
    return CharSplit(name, train, test, inner, outer, cut)


def splits(groups: list[str]) -> list[tuple[str, list[str], list[str]]]:
    """Leave-one-file-out, then writer A (dev, dev2) against writer B (the other files)."""
    out = [(f"{g} held out", [h for h in groups if h != g], [g]) for g in groups]
    first = [g for g in groups if g in ("dev", "dev2")]
    rest = [g for g in groups if g not in first]
    if first and rest:
        out.append((f"train {'+'.join(first)} → test {'+'.join(rest)}", first, rest))
        out.append((f"train {'+'.join(rest)} → test {'+'.join(first)}", rest, first))
    return out


def char_splits(
    prep: Prepared, config: TrainConfig, rules: np.ndarray | None = None
) -> list[CharSplit]:
    """Every split of :func:`splits`, nested."""
    rules = rule_hits(prep.data) if rules is None else rules
    groups = sorted(set(prep.data.group.tolist()))
    return [char_split(prep, config, *split, rules) for split in splits(groups)]


def writer_cv(
    prep: Prepared, config: TrainConfig, rules: np.ndarray | None = None
) -> list[tuple[str, Figures]]:
    """Rules and the character model on every split of :func:`splits`, nested."""
    rules = rule_hits(prep.data) if rules is None else rules
    return [
        (s.name, figures(prep.data, s.held(prep.data), rules, [(s.outer, s.cut)]))
        for s in char_splits(prep, config, rules)
    ]


def build_prepared(
    prep: Prepared, config: TrainConfig, rules: np.ndarray
) -> tuple[CrisisModel, np.ndarray]:
    """Cuts from leave-one-file-out scores of all dev files, then fit on all: the model that
    ships, and those scores (the semantic layer's cuts are chosen alongside them)."""
    data = prep.data
    groups = sorted(set(data.group.tolist()))
    scores = group_out_scores(prep, config, groups)
    everything = np.ones(len(data.texts), dtype=bool)
    crisis, concern = choose_cuts(data, everything, rules, scores, config)
    model = fit_model(prep, np.arange(len(data.texts)), config)
    meta: dict[str, object] = {
        "trained_on": "dev phrase files + ordinary career answers",
        "n_texts": len(data.texts),
        "n_crisis": int(data.labels.sum()),
        "config": config_meta(config),
    }
    shipped = CrisisModel(
        model.spec, model.weights, model.bias, crisis, concern, config.gate, meta=meta
    )
    return shipped, scores


def build(data: Corpus, config: TrainConfig | None = None) -> CrisisModel:
    """The character model that ships (see :func:`build_prepared`)."""
    config = config or TrainConfig()
    return build_prepared(prepare(data, config.spec), config, rule_hits(data))[0]
