"""A user's persona as the service builds it: the talk, its links, the values, and the profile.

The stored profile of the users service is the source of truth for interests, skill sliders,
status and field. The users service sends it (``PUT /v1/personas/{user_id}/profile``) whenever it
computes a match; the snapshot is kept with the persona, so a rebuild after the talk or after a
new encoder (the re-embedding job) uses the latest profile, not the one the talk started with.
Only when no snapshot has arrived yet does the talk's own start context stand in.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Row
from sqlalchemy.orm import Session

from trendpath.ai import space, store
from trendpath.ai.coach_planner import CoachState
from trendpath.ai.embed import Encoder
from trendpath.ai.links import Link, Said, find_links, signals
from trendpath.ai.persona import PersonaInputs, build_persona_vector
from trendpath.kit.taxonomy import load_taxonomy

CONFIRMED_MIN_SCORE = 0.6
CONFIRMED_MIN_CONFIDENCE = 0.3


def profile_of(session: Session, user_id: uuid.UUID, state: CoachState) -> dict[str, Any]:
    """The last profile snapshot the users service sent, else the talk's start context."""
    row = store.get_persona(session, user_id)
    kept = (row.inputs or {}).get("profile") if row is not None else None
    if kept:
        return dict(kept)
    ctx = state.context
    return {
        "revision": None,
        "interests": list(ctx.interests),
        "skills": dict(ctx.skills),
        "status": ctx.status,
        "field": None,
        "target_role": None,
    }


def profile_said(profile: dict[str, Any]) -> list[Said]:
    """The profile's free text as the person's words (a target role is a goal)."""
    out = []
    if profile.get("field"):
        out.append(Said(str(profile["field"]), "profile.field", intent="current"))
    if profile.get("target_role"):
        out.append(Said(str(profile["target_role"]), "profile.target_role", intent="goal"))
    return out


def talk_said(state: CoachState) -> list[Said]:
    """The user's turns, each with the coach stage it answered."""
    turns = [t for t in state.turns if t.role == "user" and t.text]
    return [Said(t.text, "conversation", t.stage) for t in turns]


def persona_inputs(
    state: CoachState, values: dict[str, float], profile: dict[str, Any], encoder: Encoder
) -> tuple[PersonaInputs, list[Link]]:
    """The persona's inputs from the talk, its links, the values and the profile (pure)."""
    said = talk_said(state)
    links = find_links([*said, *profile_said(profile)], encoder=encoder)
    sig = signals(links)
    inputs = PersonaInputs(
        conversation=" ".join(s.text for s in said),
        interests=list(profile.get("interests") or []),
        skills={k: int(v) for k, v in (profile.get("skills") or {}).items()},
        values=values,
        linked_interests=sig.interests,
        linked_skills=sig.skills,
        goals=sig.goals,
    )
    return inputs, links


def build_and_save(
    session: Session,
    user_id: uuid.UUID,
    state: CoachState,
    values: dict[str, float],
    profile: dict[str, Any],
    values_method: str | None = None,
) -> list[Link]:
    """Link the person's words, build the persona with the profile, store it; the links.

    It is stored under the space version of ``values_method`` (default: the configured one).
    """
    enc = space.encoder()
    inputs, links = persona_inputs(state, values, profile, enc)
    persona = build_persona_vector(inputs, encoder=enc)
    store.save_persona(
        session,
        user_id,
        persona.vector,
        space.version(values_method),  # construction + encoder + values method
        from_conversation=True,
        inputs={
            "interests": inputs.interests,
            "skills": inputs.skills,
            "profile": profile,
            "links": [link.model_dump() for link in links],
        },
    )
    return links


def rebuild_with_profile(session: Session, user_id: uuid.UUID, profile: dict[str, Any]) -> bool:
    """Rebuild from the latest finished talk and the stored values with a new profile.

    The value scores are not extracted again: they stay what the person confirmed. False when
    the user has no finished talk (the match is then a preliminary one).
    """
    row = store.latest_finished_session(session, user_id)
    values = store.get_values(session, user_id)
    if row is None or values is None:
        return False
    scores = {a: float(s["score"]) for a, s in values.scores.items()}
    build_and_save(session, user_id, CoachState.model_validate(row.state), scores, profile)
    return True


def is_current(row: Row[Any] | None, revision: int) -> bool:
    """Whether a stored persona was built with this profile revision in the current space."""
    if row is None:
        return False
    kept = (row.inputs or {}).get("profile") or {}
    return bool(kept.get("revision") == revision and row.version == space.version())


def confirmed_values(row: Row[Any]) -> list[dict[str, Any]]:
    """The values the person confirmed: the strongest axes with evidence, after a confirmation.

    Nothing when the talk was cut short (``confirmed`` false) or no axis has evidence: an axis
    without the person's own words is never presented as theirs.
    """
    if not row.scores or not getattr(row, "confirmed", False):
        return []
    labels = {a.slug: a.ko for a in load_taxonomy().value_axes}
    strong = [
        (axis, s)
        for axis, s in row.scores.items()
        if s["score"] >= CONFIRMED_MIN_SCORE
        and s["confidence"] >= CONFIRMED_MIN_CONFIDENCE
        and s.get("evidence")
    ]
    strong.sort(key=lambda item: -item[1]["score"])
    return [
        {
            "axis": axis,
            "label_ko": labels.get(axis, axis),
            "score": round(float(s["score"]), 4),
            "quote": s["evidence"][0] if s.get("evidence") else None,
        }
        for axis, s in strong[:2]
    ]
