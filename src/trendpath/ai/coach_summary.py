"""The coach's summary: saying back what was heard, and the rounds of correction after it.

The summary names the two values that lead and the one that matters least, quoting the person
where the evidence is strong and saying so where it is thin. A correction is said back in a fresh
wording each round (never the same sentence twice in a talk); a bare "아니요" gets a question
about what differs, twice if need be. The talk closes unconfirmed only at the turn limit or after
``max_corrections`` rounds.
"""

from __future__ import annotations

from trendpath.ai import coach_listen as listen
from trendpath.ai import coach_replies as cr
from trendpath.ai import coach_script as cs
from trendpath.ai.coach_state import CoachConfig, CoachState, Plan, Reading, display_name
from trendpath.ai.korean import sentences
from trendpath.ai.values import ValueScores
from trendpath.ai.values_lexicon import load_lexicon
from trendpath.ai.values_polarity import load_polarity, read_sentence


def strongest_signal(text: str) -> tuple[str | None, float]:
    """The value axis the text speaks to most strongly (the lexicon's reading, its signs checked
    by the polarity model as the extractor does), and how strongly."""
    lex, polarity = load_lexicon(), load_polarity()
    totals: dict[str, float] = {}
    for sentence in sentences(text):
        for d in read_sentence(sentence, lex, model=polarity):
            totals[d.axis] = totals.get(d.axis, 0.0) + d.delta
    if not totals:
        return None, 0.0
    return max(totals.items(), key=lambda kv: abs(kv[1]))


TENTATIVE_BELOW = 0.3


def summary_text(state: CoachState, scores: ValueScores, lead: str) -> str:
    """The summary: leading values, the least important one, a quote and the first worry.

    Only values the person spoke to are named: a value without evidence is neither their
    strongest nor their weakest (``ValueScores.strongest`` / ``weakest``); with none at all, the
    summary names nothing and asks for one.
    """
    top, low = scores.strongest(2), scores.weakest()
    name = display_name(state.context)
    if not top:
        return f"{lead} {cr.SUMMARY_OPEN.format(name=name)}".strip()
    top_text = labels(top)
    worry = cr.SUMMARY_WORRY.format(worry=state.worries[0]) if state.worries else ""
    lead_axis = scores.axes[top[0]]
    if lead_axis.confidence < TENTATIVE_BELOW or lead_axis.score < 0.6:
        # Little evidence: say so instead of presenting a guess as a finding.
        body = cr.SUMMARY_TENTATIVE.format(
            name=name, top=top_text, worry=worry, check=cr.SUMMARY_CHECK
        )
        return f"{lead} {body}".strip()
    quote = next((e for e in lead_axis.evidence if len(e) >= 12), "")
    quote_text = cr.SUMMARY_QUOTE.format(quote=listen.clip_quote(quote)) if quote else ""
    template = cr.SUMMARY if low else cr.SUMMARY_NO_LOW
    body = template.format(
        name=name,
        top=top_text,
        low=cs.josa(cr.axis_label(low), "은/는") if low else "",
        quote=quote_text,
        worry=worry,
        check=cr.SUMMARY_CHECK,
    )
    return f"{lead} {body}".strip()


def summary_plan(state: CoachState, lead: str, reading: Reading) -> Plan:
    """The summary turn; an unreadable answer to it gets only its closing question again."""
    state.stage_answers = 0
    text = summary_text(state, reading.scores, lead.strip())
    return Plan("summary", text, "summary", question=cr.SUMMARY_CHECK)


def after_summary(
    state: CoachState, text: str, ack: str, reading: Reading, config: CoachConfig
) -> Plan:
    """Confirmed: close. Corrected: say it back. A bare "아니요": ask what differs (again if
    need be).

    The talk closes unconfirmed only at the turn limit or after ``max_corrections`` rounds.
    """
    name = display_name(state.context)
    if cs.is_confirmation(text):
        return Plan("done", cr.CLOSING.format(name=name), "closing")
    if state.user_turns >= state.max_user_turns or state.corrections >= config.max_corrections:
        return Plan("done", cr.CLOSING_UNCONFIRMED.format(name=name), "closing")
    state.corrections += 1
    top_axes = reading.scores.strongest(2)
    if strongest_signal(text)[0] is not None and top_axes:
        return _resummary(state, text, name, labels(top_axes))
    if cs.is_dissent(text):
        asks = [k for k in state.used if k.startswith("ask_correction:")]
        state.used.append(f"ask_correction:{len(asks)}")
        ask = cr.ASK_CORRECTION[min(len(asks), len(cr.ASK_CORRECTION) - 1)].format(name=name)
        return Plan("summary", ask, "summary_ask", question=ask)
    if "summary_unsure:0" in state.used:
        return Plan("done", cr.CLOSING_UNCONFIRMED.format(name=name), "closing")
    state.used.append("summary_unsure:0")
    return Plan("summary", cr.SUMMARY_UNSURE, "summary_unsure", question=cr.SUMMARY_UNSURE)


def _resummary(state: CoachState, text: str, name: str, top: str) -> Plan:
    """The corrected summary in a wording not yet used in this talk (one per round)."""
    lead = listen.pick(state, "resummary", cr.RESUMMARY)
    i = cr.RESUMMARY.index(lead)
    quote = cr.RESUMMARY_QUOTES[i].format(quote=listen.clip_quote(text, 30))
    check = cr.RESUMMARY_CHECKS[i]
    body = lead.format(name=name, top=top, quote=quote) + check
    return Plan("summary", body, "resummary", question=check)


def labels(axes: list[str]) -> str:
    """ "A를" or "A와 B를": one or two value labels with the right particles."""
    names = [cr.axis_label(a) for a in axes]
    return pair(names[0], names[1]) if len(names) > 1 else cs.josa(names[0], "을/를")


def pair(first: str, second: str) -> str:
    """ "A와 B를" with the right particles."""
    return cs.josa(f"{cs.josa(first, '과/와')} {second}", "을/를")
