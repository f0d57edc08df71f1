"""The coach's planner: session state, stage transitions and the choice of the next question.

Deterministic given the state, so the scripted coach is reproducible and testable. The values
stage adapts: it alternates forced-choice questions and open probes, each time picking the one
that covers the value axes the extractor is least confident about, and ends once most axes are
known (or the question budget is spent).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, Field

from trendpath.ai import coach_script as cs
from trendpath.ai.korean import sentences
from trendpath.ai.safety import InputKind
from trendpath.ai.values import ForcedChoice, Turn, ValueScores, extract_values
from trendpath.ai.values_lexicon import analyse_sentence, load_lexicon
from trendpath.kit.taxonomy import VALUE_AXES

Stage = Literal["rapport", "worries", "goals", "values", "summary", "done"]


class UserContext(BaseModel):
    """What the coach knows before the talk: from the sign-up profile."""

    name: str | None = Field(default=None, max_length=40)
    status: str | None = None
    interests: list[str] = Field(default_factory=list)
    interest_labels: dict[str, str] = Field(default_factory=dict)
    skills: dict[str, int] = Field(default_factory=dict)
    skill_labels: dict[str, str] = Field(default_factory=dict)


class CoachState(BaseModel):
    """Everything needed to resume a session (stored as JSON by the service)."""

    version: int = 1
    stage: Stage = "rapport"
    context: UserContext = Field(default_factory=UserContext)
    turns: list[Turn] = Field(default_factory=list)
    asked: list[str] = Field(default_factory=list)
    pending_choice: str | None = None
    stage_answers: int = 0
    values_asked: int = 0
    user_turns: int = 0
    max_user_turns: int = 16
    corrections: int = 0
    crisis_turns: int = 0
    done: bool = False


@dataclass
class CoachConfig:
    """Coach limits and rendering settings."""

    max_turns: int = 16
    max_input_chars: int = 1000
    min_values_questions: int = 4
    max_values_questions: int = 7
    confident: float = 0.45
    max_reply_chars: int = 700
    max_tokens: int = 300
    temperature: float = 0.6
    history_turns: int = 8


@dataclass
class Plan:
    """The next coach turn as planned: stage, the draft text, and what the dashboard needs."""

    stage: Stage
    text: str
    question_id: str | None = None
    probe_axis: str | None = None
    options: tuple[str, ...] = ()
    must_keep: tuple[str, ...] = field(default_factory=tuple)
    notice: str | None = None


def display_name(ctx: UserContext) -> str:
    """How the coach addresses the user: "지수님", or "회원님" without a name."""
    return f"{ctx.name.strip()}님" if ctx.name and ctx.name.strip() else "회원님"


def _pick(options: tuple[str, ...], state: CoachState) -> str:
    return options[len(state.turns) % len(options)]


def opening_plan(state: CoachState) -> Plan:
    """The first message: greeting and a light question fitted to the user's status."""
    opener = cs.OPENERS.get(state.context.status or "", cs.OPENERS["default"])
    return Plan("rapport", opener.format(name=display_name(state.context)), "rapport")


def repeat_plan(state: CoachState, kind: InputKind) -> Plan:
    """Answer an empty/emoji/foreign/instruction message and ask the last question again."""
    name = display_name(state.context)
    lead = {
        "empty": cs.EMPTY_REPLY,
        "emoji": cs.EMOJI_REPLY,
        "foreign": cs.FOREIGN_REPLY,
        "injection": cs.INJECTION_REPLY.format(name=name),
    }.get(kind, cs.EMPTY_REPLY)
    last = next((t for t in reversed(state.turns) if t.role == "coach"), None)
    question = _last_question(state, last)
    choice = cs.FORCED_CHOICE_BY_ID.get(state.pending_choice or "")
    return Plan(
        state.stage,
        f"{lead}\n{question}".strip(),
        state.pending_choice or (state.asked[-1] if state.asked else None),
        probe_axis=last.probe_axis if last else None,
        options=tuple(o.label for o in choice.options) if choice else (),
        must_keep=tuple(o.label for o in choice.options) if choice else (),
    )


def _last_question(state: CoachState, last: Turn | None) -> str:
    choice = cs.FORCED_CHOICE_BY_ID.get(state.pending_choice or "")
    if choice:
        return choice.text()
    if last is None:
        return ""
    # The question is the last sentence of the coach's turn (acknowledgements come first).
    parts = [p.strip() for p in last.text.replace("\n", " ").split("?") if p.strip()]
    return (parts[-1] + "?") if parts and last.text.rstrip().endswith("?") else last.text


def _acknowledge(state: CoachState, text: str, choice: ForcedChoice | None) -> str:
    """A short reflection of the answer: its strongest value signal, a choice, or a warm ack."""
    name = display_name(state.context)
    if choice is not None:
        return f"‘{choice.label}’ 쪽이시군요."
    axis, delta = _strongest_signal(text)
    # Small talk in the first stage is not read back as a value ("공부해요" is not a credo).
    if axis and state.stage != "rapport" and abs(delta) >= REFLECT_MIN:
        if delta > 0:
            return cs.REFLECT_UP[axis].format(name=name)
        label = cs.axis_label(axis)
        return cs.REFLECT_DOWN.format(label=label, particle=cs.josa(label, "은/는")[-1])
    short_used = any(cs.SHORT_ACK in t.text for t in state.turns if t.role == "coach")
    if len(text.strip()) < 8 and not short_used:
        return cs.SHORT_ACK
    return _pick(cs.ACKS, state)


REFLECT_MIN = 1.0


def _strongest_signal(text: str) -> tuple[str | None, float]:
    lex = load_lexicon()
    totals: dict[str, float] = {}
    for sentence in sentences(text):
        for d in analyse_sentence(sentence, lex):
            totals[d.axis] = totals.get(d.axis, 0.0) + d.delta
    if not totals:
        return None, 0.0
    return max(totals.items(), key=lambda kv: abs(kv[1]))


def plan_next(state: CoachState, text: str, choice: int | None, config: CoachConfig) -> Plan:
    """Record the user's answer in ``state`` and plan the coach's next turn."""
    recorded = _record_answer(state, text, choice)
    ack = _acknowledge(state, text, recorded.choice)
    state.stage_answers += 1
    if state.stage == "summary":
        return _after_summary(state, text, ack)
    if state.user_turns >= state.max_user_turns - 1:
        return _summary_plan(state, cs.LIMIT_NOTE)
    nxt = _next_question(state, config)
    if nxt.stage != state.stage:
        state.stage_answers = 0
    if nxt.stage == "summary":
        return _summary_plan(state, ack)
    nxt.text = f"{ack} {nxt.text}"
    return nxt


def _record_answer(state: CoachState, text: str, choice: int | None) -> Turn:
    fc: ForcedChoice | None = None
    question = cs.FORCED_CHOICE_BY_ID.get(state.pending_choice or "")
    if question is not None:
        idx = choice if choice in (0, 1) else cs.parse_choice(question, text)
        if idx is not None:
            picked, other = question.options[idx], question.options[1 - idx]
            fc = ForcedChoice(
                question_id=question.id,
                chosen=list(picked.axes),
                rejected=[a for a in other.axes if a not in picked.axes],
                label=picked.label,
            )
    turn = Turn(role="user", text=text, stage=state.stage, choice=fc)
    state.turns.append(turn)
    state.pending_choice = None
    return turn


def _next_question(state: CoachState, config: CoachConfig) -> Plan:
    ctx, stage, n = state.context, state.stage, state.stage_answers
    last_short = len(state.turns[-1].text.strip()) < 15
    if stage == "rapport":
        return Plan("worries", _pick(cs.WORRIES, state), "worries")
    if stage == "worries" and n == 1 and last_short:
        return Plan("worries", _pick(cs.WORRIES_FOLLOW, state), "worries_follow")
    if stage == "worries":
        return Plan("goals", _pick(cs.GOALS, state), "goals")
    if stage == "goals" and n == 1 and (ctx.interests or ctx.skills):
        return Plan("goals", _context_question(ctx), "goals_context")
    return _values_question(state, config)


def _context_question(ctx: UserContext) -> str:
    """A goals follow-up tied to the user's own interest tags and skill sliders."""
    if ctx.interests:
        labels = [ctx.interest_labels.get(t, t) for t in ctx.interests[:2]]
        joined = f"{cs.josa(labels[0], '과/와')} {labels[1]}" if len(labels) == 2 else labels[0]
        return cs.GOALS_INTEREST.format(interests=cs.josa(joined, "을/를"))
    skill, level = max(ctx.skills.items(), key=lambda kv: (kv[1], kv[0]))
    label = ctx.skill_labels.get(skill, skill)
    if level >= 4:
        return cs.GOALS_STRONG_SKILL.format(skill=label, level=level)
    weakest, low = min(ctx.skills.items(), key=lambda kv: (kv[1], kv[0]))
    label = ctx.skill_labels.get(weakest, weakest)
    particle = cs.josa(label, "은/는")[len(label) :]
    return cs.GOALS_WEAK_SKILL.format(skill=label, particle=particle, level=low)


def _values_question(state: CoachState, config: CoachConfig) -> Plan:
    scores = extract_values(state.turns)
    conf = scores.confidences()
    unknown = sum(c < config.confident for c in conf.values())
    if state.values_asked >= config.max_values_questions or (
        state.values_asked >= config.min_values_questions and unknown <= 2
    ):
        return Plan("summary", "", "summary")
    state.values_asked += 1
    asked = set(state.asked)
    choices = [q for q in cs.FORCED_CHOICES if q.id not in asked]
    probes = [a for a in VALUE_AXES if f"probe_{a}" not in asked]
    want_choice = state.values_asked % 2 == 1
    if choices and (want_choice or not probes):
        q = max(choices, key=lambda q: _choice_gain(q, conf))
        labels = tuple(o.label for o in q.options)
        return Plan("values", q.text(), q.id, options=labels, must_keep=labels)
    axis = max(probes, key=lambda a: 1.0 - conf[a])
    text = cs.PROBES[axis].format(name=display_name(state.context), field=_field(state.context))
    return Plan("values", text, f"probe_{axis}", probe_axis=axis)


def _choice_gain(q: cs.ForcedChoiceQuestion, conf: dict[str, float]) -> float:
    axes = [a for o in q.options for a in o.axes]
    return sum(1.0 - conf[a] for a in axes) / len(axes)


def _field(ctx: UserContext) -> str:
    if not ctx.interests:
        return ""
    label = ctx.interest_labels.get(ctx.interests[0], ctx.interests[0])
    return f"{cs.josa(label, '은/는')} 빠르게 바뀌는 분야인데, "


def _summary_text(state: CoachState, scores: ValueScores, lead: str) -> str:
    # Only axes the person spoke to are named: an axis without evidence is neither their
    # strongest nor their weakest value (ValueScores.strongest / weakest).
    top, low = scores.strongest(2), scores.weakest()
    name = display_name(state.context)
    if not top:
        return f"{lead} {cs.SUMMARY_OPEN.format(name=name)}".strip()
    top_text = _labels(top)
    lead_axis = scores.axes[top[0]]
    if lead_axis.confidence < TENTATIVE_BELOW or lead_axis.score < 0.6:
        # Little evidence: say so instead of presenting a guess as a finding.
        return f"{lead} {cs.SUMMARY_TENTATIVE.format(name=name, top=top_text)}".strip()
    quote = next((e for e in lead_axis.evidence if len(e) >= 12), "")
    quote_text = cs.SUMMARY_QUOTE.format(quote=quote[:40].rstrip()) if quote else ""
    low_text = cs.josa(cs.axis_label(low), "은/는") if low else ""
    template = cs.SUMMARY if low else cs.SUMMARY_NO_LOW
    body = template.format(name=name, top=top_text, low=low_text, quote=quote_text)
    return f"{lead} {body}".strip()


TENTATIVE_BELOW = 0.3


def _summary_plan(state: CoachState, lead: str) -> Plan:
    state.stage_answers = 0
    text = _summary_text(state, extract_values(state.turns), lead)
    return Plan("summary", text, "summary")


def _after_summary(state: CoachState, text: str, ack: str) -> Plan:
    name = display_name(state.context)
    finished = state.corrections >= 1 or state.user_turns >= state.max_user_turns
    if cs.is_confirmation(text) or finished:
        return Plan("done", cs.CLOSING.format(name=name), "closing")
    state.corrections += 1
    if not cs.is_dissent(text) and _strongest_signal(text)[0] is None:
        return Plan("summary", cs.SUMMARY_UNSURE, "summary_unsure")
    top = extract_values(state.turns).strongest(2)
    if not top:
        return Plan("summary", cs.SUMMARY_UNSURE, "summary_unsure")
    return Plan("summary", cs.RESUMMARY.format(name=name, top=_labels(top)), "resummary")


def _labels(axes: list[str]) -> str:
    """ "A를" or "A와 B를": one or two axis labels with the right particles."""
    labels = [cs.axis_label(a) for a in axes]
    return _pair(labels[0], labels[1]) if len(labels) > 1 else cs.josa(labels[0], "을/를")


def _pair(first: str, second: str) -> str:
    """ "A와 B를" with the right particles."""
    return cs.josa(f"{cs.josa(first, '과/와')} {second}", "을/를")
