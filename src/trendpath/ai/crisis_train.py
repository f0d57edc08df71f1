"""Training of the learned crisis layer (:mod:`trendpath.ai.crisis_model`), deterministic.

Data: every ``data/eval/crisis_phrases_*.yaml`` whose header says ``split: dev`` (held-out files
are never read here), plus ordinary career answers as negatives (the user turns of the shipped
value conversations and SFT dialogues, none of them crisis). Model: L2-regularised logistic
regression, class-balanced, fitted with L-BFGS from zeros, so the same data gives the same file.

Both thresholds are chosen by leave-one-writer-file-out scores (:mod:`trendpath.ai.crisis_cv`):
each dev file is scored by a model trained on the others, because a new writer is what the model
meets in service. The crisis threshold is the lowest at which the service's decision (rules OR
model) keeps precision and the false-alarm rate on ordinary answers within
:class:`TrainConfig`'s limits; the concern threshold is the lowest at which the check-in rate on
ordinary answers stays within its limit. Features, ``c`` and the class weight were chosen the
same way (``python -m bench.crisis --cv`` prints the grid).

Run ``python -m bench.crisis --train`` to rewrite ``data/safety/crisis_model.json``.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import yaml
from scipy import optimize, sparse

from trendpath.ai.crisis_model import CrisisModel, FeatureSpec, Piece, pieces


@dataclass(frozen=True)
class Phrase:
    """One labelled message of a phrase file."""

    text: str
    crisis: bool
    kind: str
    voice: str


@dataclass(frozen=True)
class TrainConfig:
    """Features, regularisation and the limits the thresholds must keep (chosen by CV)."""

    char_low: int = 1
    char_high: int = 4
    morphs: bool = True
    gate: str = "wide"
    c: float = 10.0
    pos_weight: float = 1.0
    min_count: int = 2
    min_precision: float = 0.9
    max_ordinary_fa: float = 0.001
    max_ordinary_concern: float = 0.01
    prune_below: float = 0.002

    @property
    def spec(self) -> FeatureSpec:
        """The feature spec this config trains."""
        return FeatureSpec(self.char_low, self.char_high, self.morphs)


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


def dev_files(eval_dir: Path) -> dict[str, list[Phrase]]:
    """The phrases of each dev file, by file name, in file order."""
    out: dict[str, list[Phrase]] = {}
    for name, path in phrase_files(eval_dir).items():
        split, phrases = load_phrases(path)
        if split == "dev":
            out[name] = phrases
    return out


def dev_phrases(eval_dir: Path) -> list[Phrase]:
    """Phrases of the dev files only, in file order."""
    return [p for phrases in dev_files(eval_dir).values() for p in phrases]


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
    """Training texts with labels; ``group`` is the dev file a text comes from (an ordinary
    answer is dealt to a file's group in turn, so each writer fold has its share of them)."""

    texts: list[str]
    labels: np.ndarray
    ordinary: np.ndarray
    group: np.ndarray


def corpus(data_dir: Path) -> Corpus:
    """Dev phrases then ordinary answers (an ordinary answer also in a dev file is skipped)."""
    files = dev_files(data_dir / "eval")
    names = list(files)
    texts: list[str] = []
    labels: list[bool] = []
    group: list[str] = []
    for name, phrases in files.items():
        texts += [p.text for p in phrases]
        labels += [p.crisis for p in phrases]
        group += [name] * len(phrases)
    seen = set(texts)
    extra = [t for t in ordinary_answers(data_dir) if t not in seen]
    group += [names[i % len(names)] for i in range(len(extra))]
    return Corpus(
        texts + extra,
        np.array(labels + [False] * len(extra)),
        np.array([False] * len(labels) + [True] * len(extra)),
        np.array(group),
    )


@dataclass(frozen=True)
class Prepared:
    """A corpus read once for one feature spec: each text's pieces (the first is the whole)."""

    data: Corpus
    pieces: list[list[Piece]]

    def whole(self, idx: np.ndarray) -> list[frozenset[str]]:
        """The whole-message features of the texts at ``idx`` (what training reads)."""
        return [self.pieces[i][0].features if self.pieces[i] else frozenset() for i in idx]


def prepare(data: Corpus, spec: FeatureSpec) -> Prepared:
    """Read every text of ``data`` into pieces and features (Kiwi runs once per text)."""
    return Prepared(data, [pieces(t, spec) for t in data.texts])


def fit(
    features: list[frozenset[str]], labels: np.ndarray, config: TrainConfig
) -> tuple[dict[str, float], float]:
    """Class-balanced L2 logistic regression over binary, L2-normalised features."""
    counts: dict[str, int] = {}
    for f in features:
        for item in f:
            counts[item] = counts.get(item, 0) + 1
    vocab = {
        g: i for i, g in enumerate(sorted(k for k, v in counts.items() if v >= config.min_count))
    }
    rows, cols, vals = [], [], []
    for r, f in enumerate(features):
        # Normalised by the piece's own feature count, as the scorer does (unknown ones too).
        norm = 1.0 / np.sqrt(max(1, len(f)))
        for item in f:
            if item in vocab:
                rows.append(r)
                cols.append(vocab[item])
                vals.append(norm)
    x = sparse.csr_matrix((vals, (rows, cols)), shape=(len(features), len(vocab)))
    y = labels.astype(np.float64)
    pos = max(1.0, y.sum())
    neg = max(1.0, len(y) - y.sum())
    weight = np.where(y == 1, config.pos_weight * len(y) / (2 * pos), len(y) / (2 * neg))

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        z = x @ w[:-1] + w[-1]
        p = 0.5 * (1.0 + np.tanh(0.5 * z))
        value = float(np.sum(weight * (np.logaddexp(0.0, z) - y * z)))
        value += 0.5 / config.c * float(w[:-1] @ w[:-1])
        g = weight * (p - y)
        return value, np.append(x.T @ g + w[:-1] / config.c, g.sum())

    start = np.zeros(len(vocab) + 1)
    res = optimize.minimize(loss, start, jac=True, method="L-BFGS-B", options={"maxiter": 800})
    names = sorted(vocab, key=vocab.__getitem__)
    kept = {n: float(res.x[i]) for i, n in enumerate(names) if abs(res.x[i]) >= config.prune_below}
    return kept, float(res.x[-1])


def fit_model(prep: Prepared, idx: np.ndarray, config: TrainConfig) -> CrisisModel:
    """A model (thresholds unset) trained on the texts at ``idx``."""
    weights, bias = fit(prep.whole(idx), prep.data.labels[idx], config)
    return CrisisModel(config.spec, weights, bias, 0.0, 0.0, config.gate, meta={})


def config_meta(config: TrainConfig) -> dict[str, object]:
    """The config as stored in the model file (and read back by the benchmark)."""
    return dict(asdict(config))


def config_from_meta(meta: dict[str, object]) -> TrainConfig:
    """The config a model file was trained with."""
    return TrainConfig(**meta["config"])  # type: ignore[arg-type]
