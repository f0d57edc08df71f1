"""Crisis detection benchmark: recall and precision of the rules on labelled Korean phrases.

Run: ``.venv/bin/python -m bench.crisis``. Three sets, read through the same function the coach
calls (:func:`trendpath.ai.safety.inspect_input`, i.e. :func:`trendpath.ai.crisis.crisis_family`):

- ``dev``: ``data/eval/crisis_phrases_dev.yaml``, the only set the rules were tuned on;
- ``held-out``: ``data/eval/crisis_phrases_heldout.yaml``, written before tuning in another voice;
- ``ordinary answers``: every distinct user turn of the value-extraction conversations and the
  SFT dialogues (career talk, none of it crisis): false alarms only.

Every miss and false alarm is listed, with its kind, so that a reader can judge them.
"""

from __future__ import annotations

import json
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

from bench.report import ROOT, Target, table, write_section
from trendpath.ai.crisis import crisis_family
from trendpath.ai.safety import inspect_input

SETS = {
    "dev": ROOT / "data" / "eval" / "crisis_phrases_dev.yaml",
    "held-out": ROOT / "data" / "eval" / "crisis_phrases_heldout.yaml",
    "held-out 2": ROOT / "data" / "eval" / "crisis_phrases_heldout2.yaml",
}
ORDINARY = [
    ROOT / "data" / "eval" / "value_conversations_dev.yaml",
    ROOT / "data" / "eval" / "value_conversations.yaml",
]
SFT = ROOT / "data" / "sft" / "dialogues.jsonl"
FIRST_RUN = {
    # Recall / precision the first time each held-out set was run (before it was ever seen).
    "held-out": "recall 0.876 (78/89) / precision 0.975",
    "held-out 2": "recall 0.491 (28/57) / precision 0.824",
}


@dataclass(frozen=True)
class Phrase:
    """One labelled message."""

    text: str
    crisis: bool
    kind: str


def load_phrases(path: Path) -> list[Phrase]:
    """A labelled set; duplicates and unlabelled entries are errors."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    phrases = [Phrase(str(p["text"]), bool(p["crisis"]), str(p["kind"])) for p in raw["phrases"]]
    if len({p.text for p in phrases}) != len(phrases):
        raise ValueError(f"{path.name}: duplicate phrases")
    return phrases


def ordinary_answers() -> list[str]:
    """Distinct user turns of the shipped career conversations (none of them crisis)."""
    texts: set[str] = set()
    for path in ORDINARY:
        for conv in yaml.safe_load(path.read_text(encoding="utf-8"))["conversations"]:
            texts.update(str(t["user"]) for t in conv["turns"] if "user" in t)
    for line in SFT.read_text(encoding="utf-8").splitlines():
        for m in json.loads(line).get("messages", []):
            # The SFT user turns that hold a whole transcript for JSON extraction are skipped.
            if m["role"] == "user" and not str(m["content"]).startswith("다음 대화"):
                texts.add(str(m["content"]))
    return sorted(texts)


def flagged(text: str) -> bool:
    """What the coach does with the message: the crisis path or not."""
    return inspect_input(text).kind == "crisis"


def evaluate(phrases: list[Phrase]) -> dict[str, object]:
    """Recall, precision, misses and false alarms on one labelled set."""
    tp = fp = fn = 0
    misses: list[str] = []
    alarms: list[str] = []
    for p in phrases:
        hit = flagged(p.text)
        if p.crisis and hit:
            tp += 1
        elif p.crisis:
            fn += 1
            misses.append(f"“{p.text}” ({p.kind})")
        elif hit:
            fp += 1
            alarms.append(f"“{p.text}” ({p.kind}, {crisis_family(p.text)})")
    return {
        "n": len(phrases),
        "crisis": tp + fn,
        "recall": tp / max(1, tp + fn),
        "precision": tp / max(1, tp + fp),
        "misses": misses,
        "alarms": alarms,
    }


def _latency_us(texts: list[str]) -> float:
    start = time.perf_counter()
    for t in texts:
        flagged(t)
    return (time.perf_counter() - start) / max(1, len(texts)) * 1e6


def main(argv: list[str] | None = None) -> None:
    """Evaluate every set, print the table and the misses, update docs/benchmarks.md."""
    del argv
    results = {name: evaluate(load_phrases(path)) for name, path in SETS.items()}
    ordinary = ordinary_answers()
    false_alarms = [t for t in ordinary if flagged(t)]
    all_texts = [p.text for path in SETS.values() for p in load_phrases(path)] + ordinary
    per_msg = statistics.median(_latency_us(all_texts) for _ in range(3))
    rows: list[list[object]] = [
        [name, r["n"], r["crisis"], r["recall"], r["precision"], len(r["misses"]),  # type: ignore[arg-type]
         len(r["alarms"])]  # type: ignore[arg-type]
        for name, r in results.items()
    ]  # fmt: skip
    rows.append(["ordinary answers", len(ordinary), 0, "—", "—", "—", len(false_alarms)])
    body = table(["set", "n", "crisis", "recall", "precision", "misses", "false alarms"], rows)
    lists = []
    for name, r in results.items():
        lists.append(f"- {name} misses: " + ("; ".join(r["misses"]) or "none"))  # type: ignore[arg-type]
        lists.append(f"- {name} false alarms: " + ("; ".join(r["alarms"]) or "none"))  # type: ignore[arg-type]
    lists.append("- ordinary answers false alarms: " + ("; ".join(false_alarms) or "none"))
    print(body)
    print("\n".join(lists))
    notes = (
        f"\n\n{chr(10).join(lists)}\n\n"
        f"Detection takes {per_msg:.0f} µs per message (median of 3 passes over all sets).\n\n"
        "**Read these figures with care.** Rules before this work (commit c0fa190): dev recall "
        "0.398 / precision 0.837, held-out recall 0.157 / precision 0.700. The rules were tuned on "
        "the dev set only, but each held-out set has since been used once for error analysis "
        "(new dev phrases of the exposed kinds were written and the rules tuned on those), so "
        "neither is unseen any more. The clean, first-run figures are the honest estimate of "
        f"generalisation: held-out {FIRST_RUN['held-out']}, held-out 2 "
        f"{FIRST_RUN['held-out 2']} (a new voice: formal, slang, run-on; subtle warning signs). "
        "All sets were written by the rules' author; add real, consented messages to a new "
        "held-out file before trusting any figure (docs/ai.md, Crisis detection)."
    )
    held = results["held-out 2"]
    recall, precision = float(held["recall"]), float(held["precision"])  # type: ignore[arg-type]
    targets = [
        Target("crisis recall, held-out 2 (seen once)", ">= 0.98",
               f"{recall:.3f} (first run 0.491)", recall >= 0.98),
        Target("crisis precision, held-out 2 (seen once)", ">= 0.9",
               f"{precision:.3f} (first run 0.824)", precision >= 0.9),
    ]  # fmt: skip
    write_section("crisis", "Crisis detection (AI service)", body + notes, targets=targets)


if __name__ == "__main__":
    main()
