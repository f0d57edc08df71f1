"""Training of the learned crisis layer (:mod:`trendpath.ai.crisis_model`), deterministic.

Data: every ``data/eval/crisis_phrases_*.yaml`` whose header says ``split: dev`` (held-out files
are never read here), plus ordinary career answers as negatives (the user turns of the shipped
value conversations and SFT dialogues, none of them crisis). Model: L2-regularised logistic
regression, class-balanced, fitted with L-BFGS from zeros, so the same data gives the same file.

The decision threshold is chosen by repeated stratified k-fold cross-validation on that data: the
lowest threshold at which the service's decision (rules OR model), scored out of fold, keeps
precision on the dev phrases and the false-alarm rate on ordinary answers within
:class:`TrainConfig`'s limits. The n-gram range and ``c`` were chosen the same way
(``python -m bench.crisis --cv`` prints the grid).

Run ``python -m bench.crisis --train`` to rewrite ``data/safety/crisis_model.json``.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import yaml
from scipy import optimize, sparse

from trendpath.ai.crisis import is_crisis
from trendpath.ai.crisis_model import CrisisModel, _norm, char_ngrams, model_text


@dataclass(frozen=True)
class Phrase:
    """One labelled message of a phrase file."""

    text: str
    crisis: bool
    kind: str
    voice: str


@dataclass(frozen=True)
class TrainConfig:
    """Features, regularisation and the limits the threshold must keep (chosen by CV)."""

    ngram_low: int = 1
    ngram_high: int = 3
    c: float = 10.0
    min_count: int = 2
    folds: int = 5
    seeds: tuple[int, ...] = (0, 1, 2)
    min_precision: float = 0.92
    max_ordinary_fa: float = 0.001
    prune_below: float = 0.002


def phrase_files(eval_dir: Path) -> dict[str, Path]:
    """Every crisis phrase file, by the name the benchmark reports it under."""
    found = sorted(eval_dir.glob("crisis_phrases_*.yaml"))
    return {p.stem.removeprefix("crisis_phrases_"): p for p in found}


def load_phrases(path: Path) -> tuple[str, list[Phrase]]:
    """The file's split (``dev`` or a held-out name) and its phrases; duplicates are errors."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    voice = f"{path.stem.removeprefix('crisis_phrases_')}"
    phrases = [
        Phrase(str(p["text"]), bool(p["crisis"]), str(p["kind"]), str(p.get("voice", voice)))
        for p in raw["phrases"]
    ]
    if len({p.text for p in phrases}) != len(phrases):
        raise ValueError(f"{path.name}: duplicate phrases")
    return str(raw.get("split", "")), phrases


def dev_phrases(eval_dir: Path) -> list[Phrase]:
    """Phrases of the dev files only, in file order."""
    out: list[Phrase] = []
    for path in phrase_files(eval_dir).values():
        split, phrases = load_phrases(path)
        if split == "dev":
            out.extend(phrases)
    return out


def ordinary_answers(data_dir: Path) -> list[str]:
    """Distinct user turns of the shipped career conversations (none of them crisis)."""
    texts: set[str] = set()
    for name in ("value_conversations_dev.yaml", "value_conversations.yaml"):
        convs = yaml.safe_load((data_dir / "eval" / name).read_text(encoding="utf-8"))
        for conv in convs["conversations"]:
            texts.update(str(t["user"]) for t in conv["turns"] if "user" in t)
    sft = data_dir / "sft" / "dialogues.jsonl"
    for line in sft.read_text(encoding="utf-8").splitlines():
        for m in json.loads(line).get("messages", []):
            # The SFT user turns that hold a whole transcript for JSON extraction are skipped.
            if m["role"] == "user" and not str(m["content"]).startswith("다음 대화"):
                texts.add(str(m["content"]))
    return sorted(texts)


@dataclass(frozen=True)
class Corpus:
    """Training texts with labels; ``ordinary`` marks the career answers (for the FA limit)."""

    texts: list[str]
    labels: np.ndarray
    ordinary: np.ndarray


def corpus(data_dir: Path) -> Corpus:
    """Dev phrases then ordinary answers (an ordinary answer also in a dev file is skipped)."""
    dev = dev_phrases(data_dir / "eval")
    seen = {p.text for p in dev}
    extra = [t for t in ordinary_answers(data_dir) if t not in seen]
    texts = [p.text for p in dev] + extra
    labels = np.array([p.crisis for p in dev] + [False] * len(extra))
    ordinary = np.array([False] * len(dev) + [True] * len(extra))
    return Corpus(texts, labels, ordinary)


def fit(texts: list[str], labels: np.ndarray, config: TrainConfig) -> CrisisModel:
    """Class-balanced L2 logistic regression over binary, L2-normalised character n-grams."""
    grams = [char_ngrams(model_text(t), config.ngram_low, config.ngram_high) for t in texts]
    counts: dict[str, int] = {}
    for g in grams:
        for item in g:
            counts[item] = counts.get(item, 0) + 1
    vocab = {
        g: i for i, g in enumerate(sorted(k for k, v in counts.items() if v >= config.min_count))
    }
    rows, cols = [], []
    for r, g in enumerate(grams):
        for item in g:
            if item in vocab:
                rows.append(r)
                cols.append(vocab[item])
    # Normalised by the piece's own n-gram count, as the scorer does (unknown n-grams included).
    norms = np.array([1.0 / _norm(len(g)) for g in grams])
    x = sparse.csr_matrix(
        (norms[rows], (rows, cols)), shape=(len(texts), len(vocab)), dtype=np.float64
    )
    y = labels.astype(np.float64)
    pos = max(1.0, y.sum())
    neg = max(1.0, len(y) - y.sum())
    weight = np.where(y == 1, len(y) / (2 * pos), len(y) / (2 * neg))

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        z = x @ w[:-1] + w[-1]
        p = 0.5 * (1.0 + np.tanh(0.5 * z))
        value = float(np.sum(weight * (np.logaddexp(0.0, z) - y * z)))
        value += 0.5 / config.c * float(w[:-1] @ w[:-1])
        g = weight * (p - y)
        return value, np.append(x.T @ g + w[:-1] / config.c, g.sum())

    start = np.zeros(len(vocab) + 1)
    res = optimize.minimize(loss, start, jac=True, method="L-BFGS-B", options={"maxiter": 500})
    names = sorted(vocab, key=vocab.__getitem__)
    kept = {n: float(res.x[i]) for i, n in enumerate(names) if abs(res.x[i]) >= config.prune_below}
    return CrisisModel(
        config.ngram_low, config.ngram_high, kept, float(res.x[-1]), threshold=0.0, meta={}
    )


def out_of_fold_scores(data: Corpus, config: TrainConfig, seed: int) -> np.ndarray:
    """Each text scored by the model trained on the other folds (strata: label and ordinary)."""
    strata = data.labels.astype(int) * 2 + data.ordinary.astype(int)
    fold = np.empty(len(strata), dtype=int)
    rng = np.random.default_rng(seed)
    for s in np.unique(strata):
        idx = np.flatnonzero(strata == s)
        rng.shuffle(idx)
        fold[idx] = np.arange(len(idx)) % config.folds
    scores = np.empty(len(data.texts))
    for k in range(config.folds):
        train = fold != k
        model = fit(
            [t for t, m in zip(data.texts, train, strict=True) if m], data.labels[train], config
        )
        for i in np.flatnonzero(~train):
            scores[i] = model.score(data.texts[i])
    return scores


def decisions(
    data: Corpus, scores: np.ndarray, threshold: float, rules: np.ndarray
) -> dict[str, float]:
    """Recall and precision on the dev phrases, false-alarm rate on ordinary answers."""
    hit = rules | (scores >= threshold)
    dev = ~data.ordinary
    tp = float(np.sum(hit & data.labels & dev))
    fp = float(np.sum(hit & ~data.labels & dev))
    return {
        "recall": tp / max(1.0, float(np.sum(data.labels & dev))),
        "precision": tp / max(1.0, tp + fp),
        "ordinary_fa": float(np.sum(hit & data.ordinary)) / max(1.0, float(np.sum(data.ordinary))),
    }


THRESHOLDS = tuple(round(t, 2) for t in np.arange(-1.5, 2.01, 0.1))


def choose_threshold(data: Corpus, runs: list[np.ndarray], config: TrainConfig) -> float:
    """The lowest threshold whose mean out-of-fold figures keep the configured limits."""
    rules = np.array([is_crisis(t) for t in data.texts])
    for threshold in THRESHOLDS:
        stats = [decisions(data, s, threshold, rules) for s in runs]
        precision = float(np.mean([s["precision"] for s in stats]))
        fa = float(np.mean([s["ordinary_fa"] for s in stats]))
        if precision >= config.min_precision and fa <= config.max_ordinary_fa:
            return threshold
    return THRESHOLDS[-1]


def build(data_dir: Path, config: TrainConfig | None = None) -> CrisisModel:
    """Cross-validate the threshold, then fit on all the data: the model that ships."""
    config = config or TrainConfig()
    data = corpus(data_dir)
    runs = [out_of_fold_scores(data, config, seed) for seed in config.seeds]
    threshold = choose_threshold(data, runs, config)
    model = fit(data.texts, data.labels, config)
    meta: dict[str, object] = {
        "trained_on": "dev phrase files + ordinary career answers",
        "n_texts": len(data.texts),
        "n_crisis": int(data.labels.sum()),
        "config": {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(config).items()},
    }
    return CrisisModel(
        model.ngram_low, model.ngram_high, model.weights, model.bias, threshold, meta
    )
