"""The coach's planner: session state, stage transitions and the choice of the next question.

Deterministic given the state (which carries a seed for the choice of wording), so the scripted
coach is reproducible and a stored session resumes identically. The values stage adapts: it
alternates forced-choice questions and open probes, each time picking the one that covers the
value axes the extractor is least confident about, and ends once most axes are known (or the
question budget is spent). The conversation is scored at most once per turn
(:class:`~trendpath.ai.coach_state.Reading`). The state types live in
:mod:`trendpath.ai.coach_state` (re-exported here) and the summary with its correction rounds in
:mod:`trendpath.ai.coach_summary`.
"""

from __future__ import annotations

import re

from trendpath.ai import coach_listen as listen
from trendpath.ai import coach_replies as cr
from trendpath.ai import coach_script as cs
from trendpath.ai.coach_state import (
    SUMMARY_ROOM,
    CoachConfig,
    CoachState,
    Plan,
    Reading,
    Stage,
    UserContext,
    display_name,
    summary_due,
)
from trendpath.ai.coach_summary import after_summary, strongest_signal, summary_plan
from trendpath.ai.dialogue import ForcedChoice, Turn
from trendpath.ai.korean import sentences
from trendpath.ai.safety import InputKind
from trendpath.ai.values_lexicon import load_lexicon
from trendpath.ai.values_polarity import answer_probe, load_polarity
from trendpath.kit.taxonomy import VALUE_AXES

__all__ = [
    "CoachConfig",
    "CoachState",
    "Plan",
    "Stage",
    "UserContext",
    "display_name",
    "odd_plan",
    "opening_plan",
    "plan_next",
    "repeat_plan",
    "resume_plan",
]


def opening_plan(state: CoachState) -> Plan:
    """The first message: greeting and a light question fitted to the user's status."""
    body = cs.OPENERS.get(state.context.status or "", cs.OPENERS["default"])
    hello = cs.OPENER_HELLO.format(name=display_name(state.context))
    return Plan("rapport", f"{hello} {body}", "rapport", question=body)


def _odd_kind(raw: str, kind: InputKind) -> str:
    """Which lead suits a message with nothing to read: laughter, tears, dots, emoji, empty."""
    t = raw.strip()
    if kind == "empty" or not t:
        return "empty"
    if re.fullmatch(r"[ㅋㅎ\s]+", t):
        return "laugh"
    if re.fullmatch(r"[ㅠㅜ\s.]*[ㅠㅜ][ㅠㅜ\s.]*", t):
        return "sad"
    if re.fullmatch(r"[.\s…?!~,]+", t):
        return "dots"
    return "emoji"


def repeat_plan(state: CoachState, kind: InputKind, raw: str = "") -> Plan:
    """Answer an empty/emoji/foreign/instruction message and ask the pending question again.

    The first such message gets a lead fitted to what it looked like; a second in a row a short
    one; after that only the question, so the replies never grow.
    """
    state.odd_streak += 1
    name = display_name(state.context)
    if state.odd_streak >= 3:
        lead = ""
    elif state.odd_streak == 2:
        lead = listen.pick_fresh(state, "odd_short", cr.ODD_SHORT) or ""
    elif kind == "foreign":
        lead = cr.FOREIGN_REPLY
    elif kind == "injection":
        lead = cr.INJECTION_REPLY.format(name=name)
    else:
        sub = _odd_kind(raw, kind)
        lead = listen.pick_fresh(state, f"odd_{sub}", cr.ODD_LEADS[sub]) or (
            listen.pick_fresh(state, "odd_short", cr.ODD_SHORT) or ""
        )
    choice = cs.FORCED_CHOICE_BY_ID.get(state.pending_choice or "")
    question = choice.text() if choice else _pending_question(state)
    labels = tuple(o.label for o in choice.options) if choice else ()
    last = next((t for t in reversed(state.turns) if t.role == "coach"), None)
    return Plan(
        state.stage,
        f"{lead}\n{question}".strip(),
        state.pending_choice or (state.asked[-1] if state.asked else None),
        probe_axis=last.probe_axis if last else None,
        options=labels,
        must_keep=labels,
        question=question,
    )


def odd_plan(state: CoachState, kind: InputKind, raw: str = "") -> Plan:
    """A message with nothing to read still counts against the turn limit.

    So such a talk is steered like any other: to the summary when its time has come (a talk of
    emoji and dots gets a tentative summary it can confirm or correct), and closed at the limit.
    """
    if state.stage == "summary" and state.user_turns >= state.max_user_turns:
        state.pending_choice = None
        name = display_name(state.context)
        return Plan("done", cr.CLOSING_UNCONFIRMED.format(name=name), "closing")
    if state.stage not in ("summary", "done") and summary_due(state):
        state.pending_choice = None
        state.odd_streak = 0
        return summary_plan(state, cr.ODD_LIMIT_NOTE, Reading(state))
    return repeat_plan(state, kind, raw)


def resume_plan(state: CoachState) -> Plan:
    """After a crisis check-in, when the person asked to go on: the pending question again."""
    plan = repeat_plan(state, "empty")
    state.odd_streak = 0
    plan.text = f"{cr.RESUME_LEAD}\n{plan.question}".strip()
    return plan


def _pending_question(state: CoachState) -> str:
    if state.question:
        return state.question
    last = next((t for t in reversed(state.turns) if t.role == "coach"), None)
    return last.text if last else ""


REFLECT_MIN = 1.0


def _reflect_value(state: CoachState, text: str, probe_axis: str | None) -> str | None:
    """The value the answer states, once per axis in a talk; a probe's yes or no."""
    name = display_name(state.context)
    axis, delta = strongest_signal(text)
    if axis is None and probe_axis is not None:
        lex, polarity = load_lexicon(), load_polarity()
        answer = sum(answer_probe(s, lex, polarity) for s in sentences(text))
        axis, delta = (probe_axis, answer * 2) if answer else (None, 0.0)
    if axis is None or abs(delta) < REFLECT_MIN or f"axis:{axis}" in state.used:
        return None
    state.used.append(f"axis:{axis}")
    if delta > 0:
        return cr.REFLECT_UP[axis].format(name=name)
    label = cr.axis_label(axis)
    said = cr.REFLECT_DOWN.format(label=label, particle=cs.josa(label, "은/는")[-1])
    if "down_note:0" not in state.used:
        state.used.append("down_note:0")
        said += cr.REFLECT_DOWN_NOTE
    return said


def _reflect(state: CoachState, text: str, read: cs.ChoiceKind | None, label: str) -> str:
    """A reflection of the answer: the option chosen, a value, a worry, a goal, or its topic."""
    if read in ("first", "second"):
        return listen.pick(state, "chose", cr.CHOSE).format(label=label)
    if read in ("both", "neither", "unsure"):
        said = listen.pick_fresh(state, f"choice_{read}", cr.CHOICE_READS[read])
        if said:
            return said
    last = next((t for t in reversed(state.turns[:-1]) if t.role == "coach"), None)
    if state.stage != "rapport":
        value = _reflect_value(state, text, last.probe_axis if last else None)
        if value:
            return value
    if state.stage == "worries" and (np := listen.gist(text)):
        state.worries.append(np)
    return listen.content_reflection(state, text, state.stage) or listen.stock_ack(state, text)


def plan_next(state: CoachState, text: str, choice: int | None, config: CoachConfig) -> Plan:
    """Record the user's answer in ``state`` and plan the coach's next turn."""
    read, label = _record_answer(state, text, choice)
    reading = Reading(state)
    ack = _reflect(state, text, read, label)
    state.stage_answers += 1
    state.odd_streak = 0
    if state.stage == "summary":
        return after_summary(state, text, ack, reading, config)
    if summary_due(state):
        return summary_plan(state, f"{ack} {cr.LIMIT_NOTE}", reading)
    nxt = _next_question(state, config, reading)
    if nxt.stage != state.stage:
        state.stage_answers = 0
    if nxt.stage == "summary":
        return summary_plan(state, f"{ack} {cr.SUMMARY_LEAD}", reading)
    nxt.question = nxt.question or nxt.text
    nxt.text = f"{ack} {nxt.text}".strip()
    return nxt


def _record_answer(
    state: CoachState, text: str, choice: int | None
) -> tuple[cs.ChoiceKind | None, str]:
    """Store the user's turn; for a forced choice, what it picked (click or typed) and its label."""
    fc: ForcedChoice | None = None
    read: cs.ChoiceKind | None = None
    label = ""
    question = cs.FORCED_CHOICE_BY_ID.get(state.pending_choice or "")
    if question is not None:
        if choice in (0, 1):
            read = "first" if choice == 0 else "second"
        else:
            read = cs.read_choice(question, text)
        if read in ("first", "second"):
            idx = 0 if read == "first" else 1
            picked, other = question.options[idx], question.options[1 - idx]
            label = picked.label
            fc = ForcedChoice(
                question_id=question.id,
                chosen=list(picked.axes),
                rejected=[a for a in other.axes if a not in picked.axes],
                label=label,
            )
        elif read == "both":
            # Both matter: each side's axes up, at half the weight of a clear pick.
            axes = list(dict.fromkeys(a for o in question.options for a in o.axes))
            fc = ForcedChoice(question_id=question.id, chosen=axes, label="둘 다", strength=0.5)
    state.turns.append(Turn(role="user", text=text, stage=state.stage, choice=fc))
    state.pending_choice = None
    return read, label


def _next_question(state: CoachState, config: CoachConfig, reading: Reading) -> Plan:
    ctx, stage, n = state.context, state.stage, state.stage_answers
    last_short = len(state.turns[-1].text.strip()) < 15
    if stage == "rapport":
        return Plan("worries", listen.pick(state, "q_worries", cs.WORRIES), "worries")
    if stage == "worries" and n == 1 and last_short:
        follow = listen.pick(state, "q_worries_follow", cs.WORRIES_FOLLOW)
        return Plan("worries", follow, "worries_follow")
    if stage == "worries":
        return Plan("goals", listen.pick(state, "q_goals", cs.GOALS), "goals")
    if stage == "goals" and n == 1 and (ctx.interests or ctx.skills):
        return Plan("goals", _context_question(ctx), "goals_context")
    return _values_question(state, config, reading)


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


def _values_question(state: CoachState, config: CoachConfig, reading: Reading) -> Plan:
    conf = reading.scores.confidences()
    unknown = sum(c < config.confident for c in conf.values())
    if state.values_asked >= config.max_values_questions or (
        state.values_asked >= config.min_values_questions and unknown <= 2
    ):
        return Plan("summary", "", "summary")
    state.values_asked += 1
    # "마지막으로" only when this question is certainly the last one: the budget is spent, or
    # the next answer reaches the turn limit.
    last = state.values_asked >= config.max_values_questions or state.user_turns + 1 >= max(
        1, state.max_user_turns - SUMMARY_ROOM
    )
    plan = _values_pick(state, conf)
    plan.question = plan.text  # repeated after odd input without the lead below
    if last:
        plan.text = f"{cr.LAST_QUESTION_LEAD} {plan.text}"
    return plan


def _values_pick(state: CoachState, conf: dict[str, float]) -> Plan:
    asked = set(state.asked)
    choices = [q for q in cs.FORCED_CHOICES if q.id not in asked]
    probes = [a for a in VALUE_AXES if f"probe_{a}" not in asked]
    want_choice = state.values_asked % 2 == 1
    if choices and (want_choice or not probes):
        q = max(choices, key=lambda q: _choice_gain(q, conf))
        labels = tuple(o.label for o in q.options)
        # The invitation to answer in one's own words comes with the first choice only.
        first = not any(a in cs.FORCED_CHOICE_BY_ID for a in asked)
        return Plan("values", q.text(hint=first), q.id, options=labels, must_keep=labels)
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
