"""Crisis detection benchmark: writer-level cross-validation and every labelled Korean phrase file.

Run: ``.venv/bin/python -m bench.crisis`` (report), ``--train`` (rebuild the learned layer's
``data/safety/crisis_model.json``), ``--cv`` (the writer-level grid the defaults were chosen
from). Every message goes through what the coach runs, :func:`trendpath.ai.safety.inspect_input`
(rules OR learned model; a score between the two thresholds is *concern*: the coach adds one
gentle check-in with the 109 line). Reported:

- leave-one-writer-file-out on the dev files (the model trained on the other files, thresholds
  chosen inside them), and writer A (dev, dev2) against writer B (dev3, dev4): the figures that
  predict a new writer's messages, and the ones every setting was chosen by;
- every ``data/eval/crisis_phrases_*.yaml``, each on its own row, marked trained on (``split:
  dev``), seen once (held-out files that were run once and then read) or unseen, with the
  recall and precision of the crisis reply and the recall of any safety response;
- ordinary answers (every distinct user turn of the shipped career conversations, none of them
  crisis): crisis false alarms and concern check-ins;
- latency of ``inspect_input`` per message (p50 / p99).

Every miss and false alarm is listed with its kind and the layer that fired.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from bench.report import ROOT, Target, table, write_section
from trendpath.ai import crisis_cv as cv
from trendpath.ai import crisis_train as ct
from trendpath.ai.crisis_model import default_model_path, load_model
from trendpath.ai.safety import crisis_source, inspect_input

DATA = ROOT / "data"
SEEN_ONCE = {
    # The first run of each held-out file, before anyone read it; each has since been read once
    # for error analysis, so its row below is no longer a clean test.
    "heldout": "rules alone, recall 0.876 (78/89) / precision 0.975",
    "heldout2": "rules alone, recall 0.491 (28/57) / precision 0.824",
    "heldout3": "service, recall 0.683 / precision 0.896",
}
FIRST_RUNS = {
    # Dev files measured before anything was trained or tuned on them.
    "dev2": "rules alone 0.449 / 0.930",
    "dev3": "service 0.459 / 0.900 (rules alone 0.329 / 0.866)",
    "dev4": "service 0.213 / 0.600 (rules alone 0.167 / 0.548)",
}


def status(name: str, split: str) -> str:
    """How far a file can be trusted as a test of generalisation."""
    if split == "dev":
        return "trained on"
    return "seen once" if name in SEEN_ONCE else "unseen"


def evaluate(phrases: list[ct.Phrase]) -> dict[str, object]:
    """Crisis recall/precision, any-response recall, misses and false alarms on one set."""
    tp = fp = fn = caught = 0
    misses: list[str] = []
    alarms: list[str] = []
    for p in phrases:
        seen = inspect_input(p.text)
        hit = seen.kind == "crisis"
        if p.crisis and hit:
            tp += 1
        elif p.crisis:
            fn += 1
            concern = seen.concern is not None
            caught += concern
            misses.append(f"“{p.text}” ({p.kind}{', concern' if concern else ''})")
        elif hit:
            fp += 1
            alarms.append(f"“{p.text}” ({p.kind}, {crisis_source(p.text)})")
    return {
        "n": len(phrases),
        "crisis": tp + fn,
        "recall": tp / max(1, tp + fn),
        "precision": tp / max(1, tp + fp),
        "any": (tp + caught) / max(1, tp + fn),
        "misses": misses,
        "alarms": alarms,
    }


def _mean_sd(values: list[float]) -> str:
    sd = statistics.pstdev(values) if len(values) > 1 else 0.0
    return f"{statistics.mean(values):.3f} ± {sd:.3f}"


def writer_rows(config: ct.TrainConfig) -> tuple[list[list[object]], dict[str, str]]:
    """One row per writer split, and the mean ± sd over the leave-one-file-out folds."""
    prep = ct.prepare(ct.corpus(DATA), config.spec)
    results = cv.writer_cv(prep, config)
    rows: list[list[object]] = [
        [name, f"{f.rules_recall:.3f} / {f.rules_precision:.3f}", f.recall, f.precision,
         f.any_recall, f"{f.ordinary_fa:.2%}", f"{f.ordinary_concern:.2%}"]
        for name, f in results
    ]  # fmt: skip
    folds = [f for name, f in results if name.endswith("held out")]
    means = {
        key: _mean_sd([getattr(f, key) for f in folds])
        for key in ("recall", "precision", "any_recall", "ordinary_fa", "ordinary_concern")
    }
    rows.append(["mean ± sd, one file out", "", means["recall"], means["precision"],
                 means["any_recall"], means["ordinary_fa"], means["ordinary_concern"]])  # fmt: skip
    return rows, means


GRID: tuple[dict[str, object], ...] = (
    {"char_high": 3, "morphs": False, "gate": "anchor", "c": 10.0},
    {"morphs": False, "gate": "none", "c": 3.0},
    {"morphs": True, "gate": "none", "c": 3.0},
    {"morphs": True, "gate": "anchor", "c": 3.0},
    {"morphs": True, "gate": "wide", "c": 3.0},
    {"morphs": True, "gate": "wide", "c": 10.0},
    {"morphs": True, "gate": "wide", "c": 3.0, "pos_weight": 2.0},
)


def grid() -> None:
    """The writer-level grid the defaults of :class:`TrainConfig` were chosen from."""
    rows = []
    data = ct.corpus(DATA)
    rules = cv.rule_hits(data)
    for settings in GRID:
        config = ct.TrainConfig(**settings)  # type: ignore[arg-type]
        results = cv.writer_cv(ct.prepare(data, config.spec), config, rules)
        folds = [f for name, f in results if name.endswith("held out")]
        rows.append([
            ", ".join(f"{k}={v}" for k, v in settings.items()),
            *(_mean_sd([getattr(f, key) for f in folds])
              for key in ("recall", "precision", "any_recall", "ordinary_fa", "ordinary_concern")),
        ])  # fmt: skip
        print(rows[-1], flush=True)
    print(table(["settings", "recall", "precision", "any", "ordinary FA", "concern"], rows))


def latency(texts: list[str]) -> tuple[float, float]:
    """p50 and p99 of ``inspect_input`` per message, in microseconds."""
    inspect_input("워밍업 문장이에요")
    times = []
    for text in texts:
        start = time.perf_counter()
        inspect_input(text)
        times.append((time.perf_counter() - start) * 1e6)
    return float(np.percentile(times, 50)), float(np.percentile(times, 99))


def main(argv: list[str] | None = None) -> None:
    """Evaluate every set, print the tables and the misses, update docs/benchmarks.md."""
    parser = argparse.ArgumentParser(prog="python -m bench.crisis")
    parser.add_argument(
        "--train", action="store_true", help="rebuild data/safety/crisis_model.json"
    )
    parser.add_argument("--cv", action="store_true", help="print the writer-level grid")
    args = parser.parse_args(argv)
    if args.train:
        model = cv.build(ct.corpus(DATA))
        default_model_path().parent.mkdir(parents=True, exist_ok=True)
        default_model_path().write_text(model.to_json(), encoding="utf-8")
        print(
            f"wrote {default_model_path()} ({len(model.weights)} features, "
            f"threshold {model.threshold}, concern {model.concern})"
        )
        return
    if args.cv:
        grid()
        return
    report()


def report() -> None:
    """The benchmark proper (see the module docstring)."""
    model = load_model()
    config = ct.config_from_meta(model.meta)
    sets = {name: ct.load_phrases(path) for name, path in ct.phrase_files(DATA / "eval").items()}
    results = {name: evaluate(phrases) for name, (_, phrases) in sets.items()}
    ordinary = ct.ordinary_answers(DATA)
    seen = [inspect_input(t) for t in ordinary]
    false_alarms = [t for t, s in zip(ordinary, seen, strict=True) if s.kind == "crisis"]
    concerns = [t for t, s in zip(ordinary, seen, strict=True) if s.concern is not None]
    p50, p99 = latency([p.text for _, ph in sets.values() for p in ph] + ordinary)
    rows: list[list[object]] = [
        [name, status(name, split), r["n"], r["crisis"], r["recall"], r["precision"], r["any"],
         len(r["misses"]), len(r["alarms"])]  # type: ignore[arg-type]
        for name, (split, _), r in zip(sets, sets.values(), results.values(), strict=True)
    ]  # fmt: skip
    rows.append(["ordinary answers", "trained on", len(ordinary), 0, "—", "—", "—", "—",
                 f"{len(false_alarms)} ({len(false_alarms) / len(ordinary):.2%}); concern "
                 f"{len(concerns)} ({len(concerns) / len(ordinary):.2%})"])  # fmt: skip
    body = table(
        ["set", "status", "n", "crisis", "crisis recall", "crisis precision", "any-response recall",
         "misses", "false alarms"], rows,
    )  # fmt: skip
    writer, means = writer_rows(config)
    writer_body = table(
        ["split", "rules recall / precision", "crisis recall", "crisis precision",
         "any-response recall", "ordinary FA", "ordinary concern"], writer,
    )  # fmt: skip
    lists = []
    for name, r in results.items():
        lists.append(f"- {name} misses: " + ("; ".join(r["misses"]) or "none"))  # type: ignore[arg-type]
        lists.append(f"- {name} false alarms: " + ("; ".join(r["alarms"]) or "none"))  # type: ignore[arg-type]
    lists.append("- ordinary answers false alarms: " + ("; ".join(false_alarms) or "none"))
    lists.append("- ordinary answers with a concern check-in: " + ("; ".join(concerns) or "none"))
    print(writer_body, body, "\n".join(lists), sep="\n\n")
    recall = float(means["recall"].split(" ")[0])
    precision = float(means["precision"].split(" ")[0])
    concern_rate = len(concerns) / len(ordinary)
    targets = [
        Target("crisis recall, one writer file out (mean)", ">= 0.98", means["recall"],
               recall >= 0.98),
        Target("crisis precision, one writer file out (mean)", ">= 0.9", means["precision"],
               precision >= 0.9),
        Target("concern check-ins on ordinary answers", "<= 1 %", f"{concern_rate:.2%}",
               concern_rate <= 0.01),
    ]  # fmt: skip
    section = (
        f"**Leave one writer file out** (nested: the model is trained on the other dev files and "
        f"its thresholds chosen by leave-one-file-out inside them; the rules are as shipped, and "
        f"were written with all four dev files in view, so their share of each row is "
        f"optimistic — the rules' first runs are below):\n\n{writer_body}\n\n"
        f"**Every phrase file** (the shipped model, trained on all dev files):\n\n{body}\n\n"
        + "\n".join(lists)
        + _notes(model.threshold, model.concern, config, p50, p99)
    )
    write_section("crisis", "Crisis detection (AI service)", section, targets=targets)


def _notes(threshold: float, concern: float, config: ct.TrainConfig, p50: float, p99: float) -> str:
    seen_once = "; ".join(f"{k}: {v}" for k, v in SEEN_ONCE.items())
    first = "; ".join(f"{k}: {v}" for k, v in FIRST_RUNS.items())
    return (
        f"\n\n`inspect_input` takes {p50:.0f} µs per message at the median and {p99:.0f} µs at "
        f"p99 (rules + Kiwi + model, one pass over all sets). Learned layer: logistic regression "
        f"over character {config.char_low}–{config.char_high}-grams of the compact text"
        f"{' and Kiwi morpheme unigrams and bigrams' if config.morphs else ''}, C = {config.c}, "
        f"gate “{config.gate}”, crisis threshold {threshold} (the lowest whose "
        f"leave-one-file-out precision is ≥ {config.min_precision} with ≤ "
        f"{config.max_ordinary_fa:.1%} false alarms on ordinary answers) and concern threshold "
        f"{concern} (the lowest with ≤ {config.max_ordinary_concern:.0%} check-ins on ordinary "
        f"answers).\n\n"
        "**Read these figures with care.** *Trained on* rows are in-sample. *Seen once*: each "
        "held-out file was run once, blind, and then read for error analysis; its first run was "
        f"{seen_once}. Dev files before they were trained on (crisis recall / precision): "
        f"{first}. The honest estimate of a new writer is the leave-one-writer-file-out table; "
        "a fourth, blind held-out set is measured by the lead after merging. All sets were "
        "written by trendpath's contributors; add real, consented messages to a new held-out "
        "file before trusting any figure (docs/ai.md, Crisis detection)."
    )


if __name__ == "__main__":
    main()
