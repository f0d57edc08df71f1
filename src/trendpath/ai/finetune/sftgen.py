"""Generator of the Korean SFT coaching dialogues from hand-written building blocks.

Every dialogue follows the product's onboarding flow: the user introduces themselves, the coach
asks an open question about worries, then goals, then a forced-choice question, then what matters
less, optionally one axis probe and a summary the user confirms; finally the user turn
:data:`~trendpath.ai.finetune.schema.ANALYSIS_INSTRUCTION` asks for the value-score JSON, and the
last assistant turn is that JSON with evidence quoted verbatim from the user's turns.

Labels are balanced by construction: the strongest axis cycles through all nine axes and the
weakest through the eight others. Scores come from the cues actually placed in the dialogue
(``0.5 + 0.45·tanh(0.6·Σ signed strength)``), so the JSON is consistent with the text.
The output is deterministic for a given seed and blocks file.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from trendpath.ai.finetune.schema import (
    ANALYSIS_INSTRUCTION,
    AXES,
    COACH_SYSTEM_PROMPT,
    AxisScore,
    ValueScores,
    growth_orientation,
    stability_preference,
)

DEFAULT_BLOCKS = Path("data/sft/blocks.yaml")
DEFAULT_OUTPUT = Path("data/sft/dialogues.jsonl")
VALIDATION_EVERY = 10  # every 10th dialogue of each strongest-axis group goes to validation

_PLACEHOLDER = re.compile(r"\{(\w+)(?:\|(을|이|은|으로))?\}")
_JOSA = {"을": ("을", "를"), "이": ("이", "가"), "은": ("은", "는"), "으로": ("으로", "로")}


def attach_josa(word: str, josa: str) -> str:
    """``word`` followed by the right form of a Korean particle (을/를, 이/가, 은/는, 으로/로)."""
    last = word[-1] if word else ""
    code = ord(last) - 0xAC00
    final = code % 28 if 0 <= code < 11172 else 1  # non-Hangul endings read as closed syllables
    with_final, without_final = _JOSA[josa]
    if josa == "으로" and final == 8:  # ㄹ takes 로 (e.g. 서울로)
        return word + without_final
    return word + (with_final if final else without_final)


def fill(template: str, **values: str) -> str:
    """Fill ``{name}`` / ``{name|을}`` placeholders, choosing particles by the filled word."""

    def sub(m: re.Match[str]) -> str:
        word = values[m.group(1)]
        return attach_josa(word, m.group(2)) if m.group(2) else word

    return _PLACEHOLDER.sub(sub, template)


@dataclass
class Evidence:
    """Signed cue placed in a dialogue: which axis, which way, how strongly, in which words."""

    axis: str
    signed: float
    sentence: str


@dataclass
class DialoguePlan:
    """The random choices behind one dialogue, before it is written out."""

    primary: str
    weakest: str
    evidence: list[Evidence] = field(default_factory=list)
    messages: list[dict[str, str]] = field(default_factory=list)


def load_blocks(path: Path = DEFAULT_BLOCKS) -> dict[str, Any]:
    """Read and sanity-check the building blocks file."""
    blocks = yaml.safe_load(path.read_text(encoding="utf-8"))
    for key in ("personas", "greetings", "worries", "goals", "value_cues", "forced_choices"):
        if not blocks.get(key):
            raise ValueError(f"{path}: building block section {key!r} is missing or empty")
    missing = [a for a in AXES if a not in blocks["value_cues"]]
    if missing:
        raise ValueError(f"{path}: value_cues lacks axes {missing}")
    for fc in blocks["forced_choices"]:
        if set(fc["answers"]) != set(fc["axes"]) or not set(fc["axes"]) <= set(AXES):
            raise ValueError(f"{path}: forced choice {fc['question'][:30]!r} has bad axes/answers")
    return blocks


def score_from(signed_sum: float) -> float:
    """Map the summed signed cue strength of an axis to a 0–1 importance score."""
    return round(0.5 + 0.45 * math.tanh(0.6 * signed_sum), 2)


def confidence_from(items: list[Evidence]) -> float:
    """More and agreeing evidence → more confidence; an axis never mentioned stays at 0.1."""
    if not items:
        return 0.1
    conf = min(0.95, 0.35 + 0.2 * len(items))
    if len({e.signed > 0 for e in items}) > 1:
        conf -= 0.2  # contradicting cues: the user's stance is mixed
    return round(conf, 2)


def value_scores(evidence: list[Evidence]) -> ValueScores:
    """The value-score object implied by the cues placed in a dialogue."""
    per_axis: dict[str, list[Evidence]] = {a: [] for a in AXES}
    for e in evidence:
        per_axis[e.axis].append(e)
    axes = {
        a: AxisScore(
            score=score_from(sum(e.signed for e in items)),
            confidence=confidence_from(items),
            evidence=list(dict.fromkeys(e.sentence for e in items)),
        )
        for a, items in per_axis.items()
    }
    scores = {a: s.score for a, s in axes.items()}
    return ValueScores(
        values=axes,
        growth_orientation=growth_orientation(scores),
        stability_preference=stability_preference(scores),
    )


def _cue(
    rng: random.Random, blocks: dict[str, Any], axis: str, polarity: str, below: float = 3.0
) -> dict[str, Any]:
    """A random cue of the axis and polarity whose strength is strictly below ``below``."""
    options = [c for c in blocks["value_cues"][axis][polarity] if c["strength"] < below]
    return dict(rng.choice(options))


def _forced_choice(
    rng: random.Random, blocks: dict[str, Any], primary: str, weakest: str
) -> tuple[dict[str, Any], str]:
    """A forced choice that involves the primary axis, preferably against the weakest one."""
    with_primary = [fc for fc in blocks["forced_choices"] if primary in fc["axes"]]
    against_weakest = [fc for fc in with_primary if weakest in fc["axes"]]
    fc = rng.choice(against_weakest or with_primary)
    other = next(a for a in fc["axes"] if a != primary)
    return fc, other


FC_CHOSEN, FC_REJECTED = 1.0, -0.5
"""Weights of a forced-choice answer: picking a side says more than passing over the other."""


class _Writer:
    """Appends turns to a plan and records evidence for user sentences as they are placed."""

    def __init__(self, plan: DialoguePlan) -> None:
        self.plan = plan

    def say(self, role: str, content: str) -> None:
        self.plan.messages.append({"role": role, "content": content})

    def user_cues(self, prefix: str, cues: list[tuple[str, float, str]]) -> None:
        self.say("user", " ".join(x for x in [prefix, *dict.fromkeys(t for _, _, t in cues)] if x))
        self.plan.evidence.extend(Evidence(a, s, t) for a, s, t in cues)


def plan_dialogue(
    rng: random.Random, blocks: dict[str, Any], primary: str, weakest: str
) -> DialoguePlan:
    """Write one dialogue whose strongest axis is ``primary`` and weakest is ``weakest``."""
    plan, ph = DialoguePlan(primary, weakest), blocks["phrasings"]
    w = _Writer(plan)
    persona = rng.choice(blocks["personas"])
    worry = rng.choice([x for x in blocks["worries"] if persona["stage"] in x["stages"]])
    goal = rng.choice([x for x in blocks["goals"] if persona["stage"] in x["stages"]])
    fc, fc_other = _forced_choice(rng, blocks, primary, weakest)
    p_cue = _cue(rng, blocks, primary, "positive")
    primary_sum = p_cue["strength"] + FC_CHOSEN
    taken = {primary, weakest, fc_other}
    secondary = rng.choice([a for a in AXES if a not in taken])
    s_cue = _cue(rng, blocks, secondary, "positive", below=primary_sum)
    weak_cue = _cue(rng, blocks, weakest, "negative")
    weak_sum = -weak_cue["strength"] + (FC_REJECTED if fc_other == weakest else 0.0)

    w.say("system", COACH_SYSTEM_PROMPT)
    w.say("user", f"{persona['intro']} {rng.choice(blocks['greetings'])}")
    w.say("assistant", fill(rng.choice(ph["openers"]), label=persona["label"]))
    w.user_cues(worry["text"], [(primary, p_cue["strength"], p_cue["text"])])
    w.say("assistant", fill(rng.choice(ph["worry_followups"]), topic=worry["topic"]))
    w.user_cues(goal["text"], [(secondary, s_cue["strength"], s_cue["text"])])
    w.say("assistant", fill(rng.choice(ph["choice_leads"]), topic=goal["topic"]) + fc["question"])
    answer = rng.choice(fc["answers"][primary])
    w.user_cues("", [(primary, FC_CHOSEN, answer), (fc_other, FC_REJECTED, answer)])
    w.say("assistant", rng.choice(ph["contrast_questions"]))
    w.user_cues("", [(weakest, -weak_cue["strength"], weak_cue["text"])])
    _maybe_probe(rng, blocks, w, taken | {secondary}, primary_sum, weak_sum)
    if rng.random() < 0.6:
        strong_name, weak_name = AXES[primary], AXES[weakest]
        w.say("assistant", fill(rng.choice(ph["summaries"]), strong=strong_name, weak=weak_name))
        w.say("user", rng.choice(ph["confirmations"]))
    w.say("user", ANALYSIS_INSTRUCTION)
    w.say("assistant", value_scores(plan.evidence).to_json())
    return plan


def _maybe_probe(
    rng: random.Random,
    blocks: dict[str, Any],
    w: _Writer,
    taken: set[str],
    primary_sum: float,
    weak_sum: float,
) -> None:
    """Half the time, probe one more axis; its cue never outranks the strongest or weakest."""
    if rng.random() < 0.5:
        return
    axis = rng.choice([a for a in AXES if a not in taken])
    negative_ok = -weak_sum > 1.0  # a strength-1 negative cue would still stay above the weakest
    polarity = "negative" if negative_ok and rng.random() < 0.5 else "positive"
    below = primary_sum if polarity == "positive" else -weak_sum
    cue = _cue(rng, blocks, axis, polarity, below=below)
    sign = 1 if polarity == "positive" else -1
    w.say("assistant", blocks["phrasings"]["axis_probes"][axis])
    w.user_cues("", [(axis, sign * cue["strength"], cue["text"])])


def label_schedule(n: int) -> list[tuple[str, str]]:
    """(strongest, weakest) pairs: strongest cycles through all axes, weakest through the rest."""
    axes = list(AXES)
    pairs = []
    for i in range(n):
        primary = axes[i % len(axes)]
        others = [a for a in axes if a != primary]
        pairs.append((primary, others[(i // len(axes)) % len(others)]))
    return pairs


def generate(
    n: int = 360, seed: int = 13, blocks_path: Path = DEFAULT_BLOCKS
) -> list[dict[str, Any]]:
    """Generate ``n`` unique dialogues as JSONL records with a recorded train/validation split."""
    blocks = load_blocks(blocks_path)
    rng = random.Random(seed)
    records: list[dict[str, Any]] = []
    seen: set[str] = set()
    per_primary: Counter[str] = Counter()
    for primary, weakest in label_schedule(n):
        for _attempt in range(50):
            plan = plan_dialogue(rng, blocks, primary, weakest)
            key = _user_key(plan.messages)
            if key not in seen:
                break
        else:
            raise ValueError("building blocks are too few to produce unique dialogues")
        seen.add(key)
        per_primary[primary] += 1
        split = "validation" if per_primary[primary] % VALIDATION_EVERY == 0 else "train"
        records.append(
            {
                "id": f"sft-{len(records):04d}",
                "split": split,
                "labels": {"strongest": primary, "weakest": weakest},
                "messages": plan.messages,
            }
        )
    return records


def _user_key(messages: list[dict[str, str]]) -> str:
    text = "\n".join(m["content"] for m in messages if m["role"] == "user")
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def variety_report(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Counts that show the set is varied and balanced; :func:`check_variety` judges them."""
    strongest = Counter(r["labels"]["strongest"] for r in records)
    weakest = Counter(r["labels"]["weakest"] for r in records)
    user_turns = [m["content"] for r in records for m in r["messages"] if m["role"] == "user"]
    return {
        "dialogues": len(records),
        "unique_dialogues": len({_user_key(r["messages"]) for r in records}),
        "splits": dict(Counter(r["split"] for r in records)),
        "strongest": dict(strongest),
        "weakest": dict(weakest),
        "distinct_user_turn_ratio": round(len(set(user_turns)) / max(1, len(user_turns)), 3),
        "mean_turns": round(sum(len(r["messages"]) for r in records) / max(1, len(records)), 1),
    }


def check_variety(records: list[dict[str, Any]], min_dialogues: int = 300) -> list[str]:
    """Problems with variety and balance (empty when the set passes)."""
    rep = variety_report(records)
    problems = []
    if rep["dialogues"] < min_dialogues:
        problems.append(f"only {rep['dialogues']} dialogues; need at least {min_dialogues}")
    if rep["unique_dialogues"] != rep["dialogues"]:
        problems.append(f"{rep['dialogues'] - rep['unique_dialogues']} duplicate dialogues")
    for name in ("strongest", "weakest"):
        counts = [rep[name].get(a, 0) for a in AXES]
        if min(counts) == 0 or max(counts) / min(counts) > 1.25:
            problems.append(f"{name} labels are unbalanced: {rep[name]}")
    if not rep["splits"].get("validation"):
        problems.append("no validation split")
    return problems


def write_jsonl(records: list[dict[str, Any]], path: Path = DEFAULT_OUTPUT) -> None:
    """Write records one JSON object per line, Korean kept readable."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        for r in records:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
