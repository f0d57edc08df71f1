"""The coach's session state, its configuration and the plan of one coach turn.

Shared by the planner (:mod:`trendpath.ai.coach_planner`: which question comes next) and the
summary (:mod:`trendpath.ai.coach_summary`: saying back what was heard, and corrections).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, Field

from trendpath.ai.dialogue import Turn
from trendpath.ai.values import ValueScores, extract_values

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

    version: int = 2
    stage: Stage = "rapport"
    context: UserContext = Field(default_factory=UserContext)
    turns: list[Turn] = Field(default_factory=list)
    asked: list[str] = Field(default_factory=list)
    pending_choice: str | None = None
    stage_answers: int = 0
    values_asked: int = 0
    user_turns: int = 0
    max_user_turns: int = 12
    corrections: int = 0
    crisis_turns: int = 0
    done: bool = False
    seed: int = 0
    used: list[str] = Field(default_factory=list)
    question: str = ""
    odd_streak: int = 0
    worries: list[str] = Field(default_factory=list)
    crisis_open: bool = False
    concern_score: float | None = None
    """The risk score of the message that last drew a concern check-in (None: none yet)."""


@dataclass
class CoachConfig:
    """Coach limits and rendering settings."""

    max_turns: int = 12
    max_input_chars: int = 1000
    min_values_questions: int = 4
    max_values_questions: int = 6
    confident: float = 0.45
    max_reply_chars: int = 700
    max_tokens: int = 300
    temperature: float = 0.6
    history_turns: int = 8
    max_corrections: int = 3
    render_timeout_s: float = 20.0
    seed: int | None = None


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
    question: str = ""


def display_name(ctx: UserContext) -> str:
    """How the coach addresses the user: "지수님", or "회원님" without a name."""
    return f"{ctx.name.strip()}님" if ctx.name and ctx.name.strip() else "회원님"


class Reading:
    """The conversation's value scores for this turn, computed at most once (and only if asked)."""

    def __init__(self, state: CoachState) -> None:
        self._state = state
        self._scores: ValueScores | None = None

    @property
    def scores(self) -> ValueScores:
        if self._scores is None:
            self._scores = extract_values(self._state.turns)
        return self._scores


SUMMARY_ROOM = 4
"""Answers kept after the summary within the turn limit: enough for "아니요", "아니요" again, the
correction itself and a confirmation of the corrected summary."""


def summary_due(state: CoachState) -> bool:
    """True once the talk must move to the summary to leave room for corrections."""
    return state.user_turns >= max(1, state.max_user_turns - SUMMARY_ROOM)
