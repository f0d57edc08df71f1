"""Coach sessions as the service runs them: load, advance one turn, persist, finalise.

A turn is one unit of work: the new state is stored only if nobody advanced the session in the
meantime (optimistic lock on the turn counter), together with both messages. When the coach
closes the talk, the value scores and the persona vector are stored in the same transaction.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from trendpath.ai import personas, store
from trendpath.ai.coach import CoachReply
from trendpath.ai.coach_planner import CoachState, UserContext
from trendpath.ai.values import ValueScores
from trendpath.ai.values_method import ValuesMethod
from trendpath.kit.errors import ApiError
from trendpath.kit.taxonomy import load_taxonomy


@dataclass(frozen=True)
class Loaded:
    """A session's row state, ready for the coach."""

    id: uuid.UUID
    user_id: uuid.UUID
    turns: int
    status: str
    state: CoachState


def context(
    name: str | None, status: str | None, interests: list[str], skills: dict[str, int]
) -> UserContext:
    """The coach's view of the profile, with Korean labels for what the user picked."""
    tax = load_taxonomy()
    return UserContext(
        name=name,
        status=status,
        interests=interests,
        interest_labels={t: tax.interests[t].ko for t in interests},
        skills=skills,
        skill_labels={s: tax.skills[s].ko for s in skills},
    )


def load(session: Session, session_id: uuid.UUID, user_id: uuid.UUID) -> Loaded:
    """The user's own session, or 404 (someone else's session looks like a missing one)."""
    row = store.get_session(session, session_id, user_id)
    if row is None:
        raise ApiError(404, "not_found", "no such coach session")
    state = CoachState.model_validate(row.state)
    return Loaded(row.id, row.user_id, row.turns, row.status, state)


def require_open(loaded: Loaded) -> None:
    """Refuse turns on a finished session."""
    if loaded.status == "finished" or loaded.state.done:
        raise ApiError(409, "conflict", "this session is finished; start a new one")


def reply_meta(reply: CoachReply) -> dict[str, Any]:
    """What the transcript keeps about a coach message besides its text."""
    return {
        "stage": reply.stage,
        "question_id": reply.question_id,
        "options": reply.options,
        "crisis": reply.crisis,
    }


def save_turn(
    session: Session,
    loaded: Loaded,
    text: str,
    choice: int | None,
    new_state: CoachState,
    reply: CoachReply,
    *,
    values: ValuesMethod,
    scores: ValueScores | None = None,
) -> None:
    """Persist one turn (both messages and the new state); finalise when the talk closed.

    ``scores`` are the closed talk's value scores when the caller computed them already
    (outside the transaction: a language model may take seconds).
    """
    status = "finished" if new_state.done else "active"
    if not store.advance_session(
        session, loaded.id, loaded.turns, new_state.model_dump(mode="json"), status
    ):
        raise ApiError(409, "conflict", "the session moved on meanwhile; reload and retry")
    user_meta: dict[str, Any] = {"choice": choice} if choice is not None else {}
    store.add_messages(
        session,
        loaded.id,
        [
            {"role": "user", "content": text, "meta": user_meta},
            {"role": "assistant", "content": reply.text, "meta": reply_meta(reply)},
        ],
    )
    if new_state.done:
        finalise(
            session,
            loaded.user_id,
            loaded.id,
            new_state,
            confirmed=True,
            values=values,
            scores=scores,
        )


def rebuild(session: Session, user_id: uuid.UUID, values: ValuesMethod) -> bool:
    """Rebuild a user's values and persona from their latest finished talk (current space).

    Returns False when the user has no finished talk. Used after a new encoder or persona
    construction (the re-embedding job) and on the user's request.
    """
    row = store.latest_finished_session(session, user_id)
    if row is None:
        return False
    stored = store.get_values(session, user_id)
    finalise(
        session,
        user_id,
        row.id,
        CoachState.model_validate(row.state),
        confirmed=bool(stored.confirmed) if stored is not None else False,
        values=values,
    )
    return True


def finalise(
    session: Session,
    user_id: uuid.UUID,
    session_id: uuid.UUID,
    state: CoachState,
    *,
    confirmed: bool,
    values: ValuesMethod,
    scores: ValueScores | None = None,
) -> ValueScores:
    """Store the value scores and rebuild the persona from the whole conversation.

    The scores come from the configured values method (``scores`` when already computed); the
    persona is stored under the space version that names that method.
    """
    scores = scores if scores is not None else values.score(state.turns)
    store.save_values(
        session,
        user_id,
        session_id,
        {a: s.model_dump() for a, s in scores.axes.items()},
        method=scores.method,
        growth=scores.growth_orientation,
        stability=scores.stability_preference,
        confirmed=confirmed,
    )
    profile = personas.profile_of(session, user_id, state)
    personas.build_and_save(session, user_id, state, scores.scores(), profile, values.name)
    return scores
