"""Coach benchmark: 200 scripted talks of varied personas through the service's coach.

Run: ``.venv/bin/python -m bench.coach [--talks N] [--tiny K]``. Every talk runs
:class:`trendpath.ai.coach.Coach` with its defaults (scripted backend), the persona answering
each question from its own bank (seeded, so a run is reproducible). Reported per persona and
overall:

- repeated stock sentences per talk: coach sentences that are not questions, not option lines and
  not crisis help, said more than once in one talk;
- reflects previous turn: share of coach replies whose lead (the text before the question) uses a
  content word of the person's last message, names the option they chose, or — for a message
  with no content words (ㅋㅋ, 🙂, "네") — answers its form; *content turns* counts only messages
  with content words;
- user turns to a confirmed summary (talks that reach one);
- variant coverage: share of all wording variants (keys of ``coach_listen.pick``) used;
- crisis recall / precision on the messages said in the talks (crisis lines from the second
  held-out set mid-talk; look-alikes from the same file in other talks);
- latency per turn (p50 / p95).

``--tiny K`` also runs K talks with the committed tiny Llama behind ``transformers serve`` and
reports how often its rewrite had to fall back to the draft (it writes nonsense: expect 100 %).
``TRENDPATH_BENCH_LLM_URL`` / ``TRENDPATH_BENCH_LLM_MODEL`` do the same for a real server.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bench.report import ROOT, Target, table, write_section
from trendpath.ai import coach_listen as listen
from trendpath.ai import coach_replies as cr
from trendpath.ai import coach_script as cs
from trendpath.ai.coach import Coach, CoachReply
from trendpath.ai.coach_planner import CoachConfig, UserContext
from trendpath.ai.korean import morphemes
from trendpath.ai.llm.base import LLMBackend

HELD_OUT = ROOT / "data" / "eval" / "crisis_phrases_heldout15.yaml"
"""Crisis and look-alike lines: a blind file no crisis layer was trained on."""
BANKS: dict[str, dict[str, list[str]]] = {
    "terse": {
        "any": [
            "공부해요",
            "취업",
            "개발자요",
            "몰라요",
            "네",
            "아니요",
            "중요해요",
            "별로요",
            "1순위요",
        ],
    },
    "chatty": {
        "any": [
            "요즘은 학교 끝나고 카페에서 데이터 분석 공부를 하면서 포트폴리오를 만들고 있어요",
            "솔직히 제 실력이 부족한 것 같아서 면접 볼 때마다 너무 불안하고 걱정이 많아요",
            "몇 년 뒤에는 병원 데이터를 분석해서 사람들에게 도움이 되는 서비스를 만들고 싶어요",
            "새로운 기술을 계속 배울 수 있는 곳이면 연봉이 조금 낮아도 괜찮을 것 같아요",
            "퇴근 후에 운동하고 책 읽는 시간이 저한테는 정말 소중해서 야근은 피하고 싶어요",
            "안정적인 회사도 좋지만 제 방식대로 일할 수 있는 환경이 더 중요하다고 생각해요",
        ],
    },
    "vague": {
        "any": ["글쎄요", "잘 모르겠어요", "그냥요", "음", "아직 생각 안 해 봤어요", "딱히요"]
    },
    "contradicting": {
        "any": [
            "돈이 제일 중요해요",
            "사실 돈은 별로 상관없어요",
            "안정적인 게 좋아요",
            "아니 생각해 보니 도전하는 게 더 좋아요",
            "성장이 중요해요",
        ],
    },
    "emoji": {
        "any": ["ㅋㅋ", "🙂", "...", "ㅠㅠ", "요즘 취업 준비해요 ㅋㅋ", "개발자 되고 싶어요 🙂"]
    },
    "english": {
        "any": [
            "I'm studying for 정보처리기사 these days",
            "job hunting 때문에 stress 받아요",
            "AI engineer가 되고 싶어요",
            "work-life balance가 제일 중요해요",
            "salary는 그렇게 중요하지 않아요",
        ],
    },
}
PERSONAS = [*BANKS, "crisis"]
STATUSES = ["student", "job_seeker", "employed", "career_changer", None]
TYPED_CHOICES = ["앞에 거요", "2번이요", "둘 다 중요해요", "둘 다 별로예요", "글쎄요"]


@dataclass
class Talk:
    """One scripted talk and what was measured on it."""

    persona: str
    user_turns_to_confirmed: int | None = None
    repeated: int = 0
    reflect: list[bool] = field(default_factory=list)
    reflect_content: list[bool] = field(default_factory=list)
    crisis_said: list[tuple[bool, bool]] = field(default_factory=list)  # (is crisis, flagged)
    latencies_ms: list[float] = field(default_factory=list)
    used: list[str] = field(default_factory=list)


def _phrases() -> tuple[list[str], list[str]]:
    raw = yaml.safe_load(HELD_OUT.read_text(encoding="utf-8"))["phrases"]
    return [p["text"] for p in raw if p["crisis"]], [p["text"] for p in raw if not p["crisis"]]


def _content(text: str) -> set[str]:
    return {m.form for m in morphemes(text) if m.tag in ("NNG", "NNP", "SL", "VV", "VA", "XR")} - {
        "하",
        "있",
        "없",
        "되",
        "좋",
        "싶",
        "네",
        "아니",
        "그렇",
        "모르",
        "중요",
        "생각",
    }


def _lead(reply: CoachReply, question: str) -> str:
    text = reply.text.replace(question, "") if question else reply.text
    return text.split("\n")[0]


def _reflects(said: str, choice_label: str, reply: CoachReply, question: str) -> bool:
    lead = _lead(reply, question)
    if choice_label:
        return choice_label in lead or "둘 다" in lead
    words = _content(said)
    if not words:
        return bool(lead.strip())
    if words & _content(lead):
        return True
    # A stated value is reflected in the coach's words for it (the lexicon read the answer).
    return any(line.split("{")[0][:6] in lead for line in cr.REFLECT_UP.values()) or (
        "덜 중요하게" in lead
    )


def _repeated(replies: list[CoachReply], questions: set[str]) -> int:
    """Sentences said twice, not counting crisis help and re-asked questions (by design)."""
    asked = {s for q in questions for s in _sentences(q)}
    seen: Counter[str] = Counter()
    for r in replies:
        if r.crisis:
            continue
        for sentence in _sentences(r.text):
            if sentence not in asked:
                seen[sentence] += 1
    return sum(n - 1 for n in seen.values() if n > 1)


def _sentences(text: str) -> list[str]:
    out = []
    for line in text.split("\n"):
        for s in line.replace("? ", "?\n").replace(". ", ".\n").replace("! ", "!\n").split("\n"):
            s = s.strip()
            if s and "?" not in s and s[:2] not in ("1)", "2)") and s not in cs.OPENERS.values():
                out.append(s)
    return out


class Persona:
    """Answers as one persona would, from its bank, with a seeded random generator."""

    def __init__(self, kind: str, rng: random.Random, crisis: list[str], looks: list[str]):
        self.kind, self.rng = kind, rng
        self.bank = BANKS.get(kind, BANKS["chatty"])["any"]
        self.crisis_at = rng.randint(2, 6) if kind == "crisis" else -1
        self.crisis_line = rng.choice(crisis)
        self.look_at = rng.randint(1, 6) if kind != "crisis" and rng.random() < 0.3 else -1
        self.look_line = rng.choice(looks)
        self.turn = 0

    def answer(self, reply: CoachReply) -> tuple[str, int | None]:
        self.turn += 1
        if self.crisis_at > 0:  # only crisis personas say a crisis line and ask to go on
            if self.turn == self.crisis_at:
                return self.crisis_line, None
            if self.turn == self.crisis_at + 1:
                return self.rng.choice(["네", "조금 나아졌어요", "모르겠어요"]), None
            if self.turn == self.crisis_at + 2:
                return "이제 괜찮아요. 계속할게요", None
        if self.turn == self.look_at:
            return self.look_line, None
        if reply.stage == "summary":
            if self.kind == "contradicting" and self.rng.random() < 0.5:
                return self.rng.choice(["아니요", "아니요, 안정이 더 중요해요"]), None
            return "네 맞아요", None
        if reply.options:
            if self.kind == "terse" or self.rng.random() < 0.6:
                return "", self.rng.randint(0, 1)
            return self.rng.choice(TYPED_CHOICES), None
        return self.rng.choice(self.bank), None


async def run_talk(coach: Coach, persona: Persona, ctx: UserContext) -> Talk:
    """One talk; stops at the end or after 30 messages."""
    talk = Talk(persona.kind)
    state, reply = await coach.start(ctx)
    replies = [reply]
    questions = {state.question}
    for _ in range(30):
        if state.done:
            break
        text, choice = persona.answer(reply)
        options, was_open = list(reply.options), state.crisis_open
        start = time.perf_counter()
        state, reply = await coach.reply(state, text, choice=choice)
        talk.latencies_ms.append((time.perf_counter() - start) * 1000)
        replies.append(reply)
        questions.add(state.question)
        if not was_open and text:
            talk.crisis_said.append((text == persona.crisis_line, reply.crisis))
        if reply.crisis or state.crisis_open or text == "이제 괜찮아요. 계속할게요":
            continue
        label = options[choice] if choice is not None and options else ""
        picked = state.turns[-2].choice if len(state.turns) >= 2 else None
        label = label or (picked.label if picked else "")
        ok = _reflects(text, label, reply, state.question if reply.stage != "done" else "")
        talk.reflect.append(ok)
        if _content(text) or label:
            talk.reflect_content.append(ok)
        if reply.stage == "done" and reply.text.startswith("좋아요"):
            talk.user_turns_to_confirmed = state.user_turns
    talk.repeated = _repeated(replies, questions)
    talk.used = list(state.used)
    return talk


def _all_variant_keys() -> set[str]:
    slots: dict[str, Any] = {
        "q_worries": cs.WORRIES, "q_worries_follow": cs.WORRIES_FOLLOW, "q_goals": cs.GOALS,
        "fact": listen.FACT_REFLECT, "worry": listen.WORRY_REFLECT, "goal": listen.GOAL_REFLECT,
        "unsure": listen.UNSURE_REFLECT, "again": listen.AGAIN_REFLECT,
        "ack": listen.STOCK_ACKS, "chose": cr.CHOSE,
        "odd_short": cr.ODD_SHORT, "crisis_checkin": cr.CRISIS_CHECKINS,
    }  # fmt: skip
    slots |= {f"choice_{k}": v for k, v in cr.CHOICE_READS.items()}
    slots |= {f"odd_{k}": v for k, v in cr.ODD_LEADS.items()}
    return {key for slot, opts in slots.items() for key in listen.variant_keys(slot, opts)}


async def run_all(n: int, backend: LLMBackend | None = None) -> tuple[list[Talk], Coach]:
    """``n`` talks, personas in turn, seeds 0..n-1."""
    crisis, looks = _phrases()
    coach = Coach(backend)
    talks = []
    for i in range(n):
        rng = random.Random(i)
        kind = PERSONAS[i % len(PERSONAS)]
        coach.config = CoachConfig(seed=i)
        ctx = UserContext(name=rng.choice(["지수", "민준", None]), status=rng.choice(STATUSES))
        talks.append(await run_talk(coach, Persona(kind, rng, crisis, looks), ctx))
    return talks, coach


def _summary(talks: list[Talk]) -> list[object]:
    lengths = sorted(t.user_turns_to_confirmed for t in talks if t.user_turns_to_confirmed)
    reflect = [x for t in talks for x in t.reflect]
    content = [x for t in talks for x in t.reflect_content]
    lat = sorted(x for t in talks for x in t.latencies_ms)
    return [
        len(talks),
        statistics.fmean(t.repeated for t in talks),
        max(t.repeated for t in talks),
        sum(reflect) / max(1, len(reflect)),
        sum(content) / max(1, len(content)),
        f"{statistics.median(lengths):.0f} / {max(lengths)}" if lengths else "—",
        f"{len(lengths)}/{len(talks)}",
        f"{lat[len(lat) // 2]:.1f} / {lat[int(0.95 * (len(lat) - 1))]:.1f}",
    ]


def _crisis_scores(talks: list[Talk]) -> tuple[float, float]:
    said = [x for t in talks for x in t.crisis_said]
    tp = sum(1 for c, f in said if c and f)
    fn = sum(1 for c, f in said if c and not f)
    fp = sum(1 for c, f in said if f and not c)
    return tp / max(1, tp + fn), tp / max(1, tp + fp)


def _fallback_rows(args: argparse.Namespace) -> list[list[object]]:
    rows: list[list[object]] = []
    url, model = (
        os.environ.get("TRENDPATH_BENCH_LLM_URL"),
        os.environ.get("TRENDPATH_BENCH_LLM_MODEL"),
    )
    if url and model:
        from trendpath.ai.llm.openai_compat import OpenAICompatBackend

        rows.append(_fallback(f"openai ({model})", OpenAICompatBackend(url, model), args.llm_talks))
    return rows


def _fallback(name: str, backend: LLMBackend, n: int) -> list[object]:
    _, coach = asyncio.run(run_all(n, backend))
    total = sum(coach.stats.values())
    drafts = sum(v for k, v in coach.stats.items() if k.startswith("draft:"))
    reasons = ", ".join(f"{k[6:]} {v}" for k, v in coach.stats.most_common() if k != "model")
    return [name, n, total, drafts / max(1, total), reasons or "—"]


def _tiny_row(n: int) -> list[object]:
    import socket

    from trendpath.ai.finetune.serve import LocalServer, transformers_serve_command
    from trendpath.ai.llm.openai_compat import OpenAICompatBackend

    tiny = ROOT / "tests" / "fixtures" / "tiny-llama"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    cmd = transformers_serve_command(tiny, host="127.0.0.1", port=port)
    with LocalServer(cmd, url, log_path=Path("/tmp/bench-coach-tiny.log")).start(timeout=180):
        return _fallback(
            "tiny Llama (transformers serve)", OpenAICompatBackend(url, str(tiny.resolve())), n
        )


def main(argv: list[str] | None = None) -> None:
    """Run the talks, print the tables, update docs/benchmarks.md."""
    parser = argparse.ArgumentParser(prog="bench.coach")
    parser.add_argument("--talks", type=int, default=200)
    parser.add_argument("--tiny", type=int, default=0, help="talks with the tiny Llama served")
    parser.add_argument("--llm-talks", type=int, default=20)
    args = parser.parse_args(argv)
    talks, _ = asyncio.run(run_all(args.talks))
    headers = ["persona", "talks", "repeated stock / talk", "max", "reflects previous turn",
               "reflects (content turns)", "turns to confirmed (median / max)", "confirmed",
               "latency ms p50 / p95"]  # fmt: skip
    rows = [[p, *_summary([t for t in talks if t.persona == p])] for p in PERSONAS]
    overall = _summary(talks)
    rows.append(["all", *overall])
    used = {k for t in talks for k in t.used}
    keys = _all_variant_keys()
    coverage = len(used & keys) / len(keys)
    recall, precision = _crisis_scores(talks)
    body = table(headers, rows)
    body += (
        f"\n\nVariant coverage: {coverage:.3f} ({len(used & keys)}/{len(keys)} wording variants"
        f" used; never: {', '.join(sorted(keys - used)) or 'none'}). Crisis in talks: recall "
        f"{recall:.3f}, precision {precision:.3f} (lines from {HELD_OUT.name})."
    )
    llm_rows = _fallback_rows(args)
    if args.tiny:
        llm_rows.append(_tiny_row(args.tiny))
    if llm_rows:
        body += "\n\n" + table(["LLM", "talks", "replies", "fallback rate", "reasons"], llm_rows)
    print(body)
    notes = (
        "\n\nEach talk: the default coach (scripted backend, `CoachConfig()` with the talk's "
        "seed), one persona answering from its bank; 30% of non-crisis talks say one look-alike "
        '("죽어도 대기업은 가기 싫어요"), crisis talks say one crisis line mid-talk, then "네" or '
        'similar, then "계속할게요". *Reflects* is measured by content-word overlap with the '
        "person's message (Kiwi morphemes), a named option, or a value reflection: a proxy, "
        f"not a judgement of quality. Crisis and look-alike lines come from {HELD_OUT.stem}, a "
        "file written blind that no crisis layer was trained on (see the crisis section); a "
        "look-alike that draws the crisis reply puts the talk in crisis mode, and these "
        "personas never ask to go on, so such a talk ends unconfirmed. Run: "
        "`python -m bench.coach`; `--tiny 5` adds the tiny Llama served by `transformers serve`."
    )
    reflect, repeated = float(overall[3]), float(overall[1])  # type: ignore[arg-type]
    lengths = [t.user_turns_to_confirmed for t in talks if t.user_turns_to_confirmed]
    longest = max(lengths) if lengths else 99
    targets = [
        Target("repeated stock sentences per talk", "0", f"{repeated:.2f} (max {overall[2]})",
               repeated == 0),
        Target("replies that reflect the previous turn", ">= 0.90", f"{reflect:.3f}",
               reflect >= 0.9),
        Target("user turns to a confirmed summary", "<= 12", f"max {longest}", longest <= 12),
    ]  # fmt: skip
    write_section("coach", "Coach dialogue (AI service)", body + notes, targets=targets)


if __name__ == "__main__":
    main()
