"""Writer-level cross-validation of the crisis detector, and the build of the shipped model.

The question that matters is how the detector does on messages from people whose phrasing it has
never seen. The dev files come from different writers (dev and dev2 from one, in different
voices; dev3 and dev4 from another), so every figure here holds a whole *file* out: the model
is trained on the other files and scores the held-out one. Thresholds are chosen the same way,
nested: inside the training files, each file is scored by a model trained on the others.
Ordinary career answers are dealt to the files in turn, so every fold holds some out too.
"""

from __future__ import annotations

from dataclasses import dataclass

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


def figures(
    data: Corpus, mask: np.ndarray, scores: np.ndarray, rules: np.ndarray, cut: tuple[float, float]
) -> Figures:
    """The figures on the texts of ``mask`` at thresholds ``cut`` = (crisis, concern)."""
    crisis = rules | (scores >= cut[0])
    any_hit = crisis | (scores >= cut[1])
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
    data: Corpus, mask: np.ndarray, scores: np.ndarray, rules: np.ndarray, config: TrainConfig
) -> tuple[float, float]:
    """(crisis, concern): the lowest thresholds that keep ``config``'s limits on ``mask``."""
    crisis = THRESHOLDS[-1]
    for t in THRESHOLDS:
        f = figures(data, mask, scores, rules, (t, t))
        if f.precision >= config.min_precision and f.ordinary_fa <= config.max_ordinary_fa:
            crisis = t
            break
    concern = crisis
    for t in THRESHOLDS:
        if t >= crisis:
            break
        f = figures(data, mask, scores, rules, (crisis, t))
        if f.ordinary_concern <= config.max_ordinary_concern:
            concern = t
            break
    return crisis, concern


def nested_split(
    prep: Prepared, config: TrainConfig, train: list[str], test: list[str], rules: np.ndarray
) -> Figures:
    """Train on the files ``train`` (thresholds by leave-one-file-out inside them), score
    the files ``test``."""
    group = prep.data.group
    inner = group_out_scores(prep, config, train)
    cut = choose_cuts(prep.data, np.isin(group, train), inner, rules, config)
    model = fit_model(prep, np.flatnonzero(np.isin(group, train)), config)
    held = np.isin(group, test)
    scores = np.full(len(group), -np.inf)
    for i in np.flatnonzero(held):
        scores[i] = model.score_pieces(prep.pieces[i])
    return figures(prep.data, held, scores, rules, cut)


def splits(groups: list[str]) -> list[tuple[str, list[str], list[str]]]:
    """Leave-one-file-out, then writer A (dev, dev2) against writer B (the other files)."""
    out = [(f"{g} held out", [h for h in groups if h != g], [g]) for g in groups]
    first = [g for g in groups if g in ("dev", "dev2")]
    rest = [g for g in groups if g not in first]
    if first and rest:
        out.append((f"train {'+'.join(first)} → test {'+'.join(rest)}", first, rest))
        out.append((f"train {'+'.join(rest)} → test {'+'.join(first)}", rest, first))
    return out


def writer_cv(
    prep: Prepared, config: TrainConfig, rules: np.ndarray | None = None
) -> list[tuple[str, Figures]]:
    """Every split of :func:`splits`, nested."""
    rules = rule_hits(prep.data) if rules is None else rules
    groups = sorted(set(prep.data.group.tolist()))
    return [(name, nested_split(prep, config, a, b, rules)) for name, a, b in splits(groups)]


def build(data: Corpus, config: TrainConfig | None = None) -> CrisisModel:
    """Thresholds from leave-one-file-out scores of all dev files, then fit on all: the model
    that ships."""
    config = config or TrainConfig()
    prep = prepare(data, config.spec)
    groups = sorted(set(data.group.tolist()))
    scores = group_out_scores(prep, config, groups)
    everything = np.ones(len(data.texts), dtype=bool)
    crisis, concern = choose_cuts(data, everything, scores, rule_hits(data), config)
    model = fit_model(prep, np.arange(len(data.texts)), config)
    meta: dict[str, object] = {
        "trained_on": "dev phrase files + ordinary career answers",
        "n_texts": len(data.texts),
        "n_crisis": int(data.labels.sum()),
        "config": config_meta(config),
    }
    return CrisisModel(
        model.spec, model.weights, model.bias, crisis, concern, config.gate, meta=meta
    )
