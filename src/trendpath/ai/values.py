"""Value scores from an onboarding conversation: the transparent offline extractor.

For each of the nine work-value axes (:data:`trendpath.kit.taxonomy.VALUE_AXES`) the extractor
returns a score in 0..1 (0.5 = no evidence either way), a confidence in 0..1 and the user's
sentences that moved it, plus the seed's two summaries (growth orientation, stability preference).

Three kinds of evidence are added up per axis, each as a signed amount:

1. cue phrases in the user's sentences (:mod:`trendpath.ai.values_lexicon`: negation, worry,
   indifference, intensity, contrast, comparison, other people's wishes, the coach's question);
2. forced-choice answers recorded by the coach (chosen option's axes up, the other's down);
3. a weak prior: sentences in which no cue fired are compared with short axis descriptions by the
   text encoder, and nudge the closest axis up a little.

``score = 0.5 + 0.5 * tanh(net / score_scale)`` and ``confidence = 1 - exp(-mass / conf_scale)``
where ``net`` is the signed sum and ``mass`` the sum of absolute amounts. Sentences that look like
instructions to a model ("이전 지시를 무시하고 …") are removed first, so they move nothing.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from pydantic import BaseModel, Field

from trendpath.ai.dialogue import Turn
from trendpath.ai.embed import Encoder, KoreanHashEncoder
from trendpath.ai.korean import Sentence, sentences
from trendpath.ai.safety import strip_injection
from trendpath.ai.values_lexicon import (
    AxisDelta,
    Frame,
    Lexicon,
    analyse_sentence,
    has_negator,
    load_lexicon,
    probe_answer,
    question_frame,
)
from trendpath.kit.taxonomy import VALUE_AXES, load_taxonomy

AXIS_LABELS_KO: dict[str, str] = {
    "social_contribution": "사회공헌",
    "achievement": "성취",
    "economic_reward": "경제적 보상",
    "work_life_balance": "일과 삶의 균형",
    "self_development": "자기계발",
    "autonomy": "자율성",
    "social_recognition": "사회적 인정",
    "job_security": "직업안정",
    "change_orientation": "변화지향",
}
MAX_TURN_CHARS = 4000


class AxisScore(BaseModel):
    """One axis: score and confidence in 0..1, and the sentences that moved it."""

    score: float = Field(ge=0.0, le=1.0)
    confidence: float = Field(ge=0.0, le=1.0)
    evidence: list[str] = Field(default_factory=list)


class ValueScores(BaseModel):
    """All nine axes plus the two summaries, and which method produced them."""

    axes: dict[str, AxisScore]
    growth_orientation: float = Field(ge=0.0, le=1.0)
    stability_preference: float = Field(ge=0.0, le=1.0)
    method: str = "lexicon"

    def scores(self) -> dict[str, float]:
        """Axis → score, in :data:`VALUE_AXES` order."""
        return {a: self.axes[a].score for a in VALUE_AXES}

    def confidences(self) -> dict[str, float]:
        """Axis → confidence, in :data:`VALUE_AXES` order."""
        return {a: self.axes[a].confidence for a in VALUE_AXES}

    def ranked(self) -> list[str]:
        """Axes from most to least important (ties broken by confidence, then axis order)."""
        order = {a: i for i, a in enumerate(VALUE_AXES)}
        return sorted(
            VALUE_AXES,
            key=lambda a: (-self.axes[a].score, -self.axes[a].confidence, order[a]),
        )


@dataclass
class ExtractorConfig:
    """The extractor's few numbers (documented in docs/ai.md)."""

    score_scale: float = 1.5
    confidence_scale: float = 1.2
    choice_chosen: float = 1.2
    choice_rejected: float = 0.6
    prior_weight: float = 0.5
    prior_threshold: float = 0.12
    correction_weight: float = 1.5
    max_evidence: int = 3
    summary_stage: str = "summary"
    lexicon_path: str | None = None


@dataclass
class _Tally:
    net: dict[str, float] = field(default_factory=lambda: dict.fromkeys(VALUE_AXES, 0.0))
    mass: dict[str, float] = field(default_factory=lambda: dict.fromkeys(VALUE_AXES, 0.0))
    evidence: dict[str, dict[str, float]] = field(
        default_factory=lambda: {a: {} for a in VALUE_AXES}
    )

    def add(self, axis: str, delta: float, sentence: str, mass_factor: float = 1.0) -> None:
        self.net[axis] += delta
        self.mass[axis] += abs(delta) * mass_factor
        if sentence:
            ev = self.evidence[axis]
            ev[sentence] = ev.get(sentence, 0.0) + abs(delta)


_DEFAULT_ENCODER: Encoder | None = None
_PROTOTYPES: dict[tuple[str, str, int], np.ndarray] = {}


def default_encoder() -> Encoder:
    """The shared offline encoder used for the weak prior."""
    global _DEFAULT_ENCODER
    if _DEFAULT_ENCODER is None:
        _DEFAULT_ENCODER = KoreanHashEncoder()
    return _DEFAULT_ENCODER


def _prototype_matrix(encoder: Encoder, lex: Lexicon) -> np.ndarray:
    key = (encoder.name, encoder.version, lex.version)
    if key not in _PROTOTYPES:
        rows = []
        for axis in VALUE_AXES:
            emb = encoder.encode(list(lex.prototypes.get(axis, ())) or [AXIS_LABELS_KO[axis]])
            rows.append(emb.mean(axis=0))
        mat = np.asarray(rows, dtype=np.float32)
        norms = np.linalg.norm(mat, axis=1, keepdims=True)
        _PROTOTYPES[key] = np.divide(mat, norms, out=np.zeros_like(mat), where=norms > 0)
    return _PROTOTYPES[key]


@dataclass(frozen=True)
class UserSentence:
    """A user sentence with how to read it: the coach's question frame and probed axis."""

    sentence: Sentence
    frame: Frame
    weight: float
    probe_axis: str | None


def user_sentences(
    turns: Sequence[Turn], lex: Lexicon, config: ExtractorConfig
) -> list[UserSentence]:
    """The user's sentences (injection removed, capped) with their reading context.

    Turns marked with the ``crisis`` stage are left out: they are not about work values.
    """
    out: list[UserSentence] = []
    frame: Frame = "neutral"
    probe: str | None = None
    for turn in turns:
        if turn.role == "coach":
            frame, probe = question_frame(turn.text, lex), turn.probe_axis
            continue
        if turn.stage == "crisis":
            continue
        text, _ = strip_injection(turn.text[:MAX_TURN_CHARS])
        weight = config.correction_weight if turn.stage == config.summary_stage else 1.0
        out.extend(UserSentence(s, frame, weight, probe) for s in sentences(text))
    return out


def _add_choices(tally: _Tally, turns: Sequence[Turn], config: ExtractorConfig) -> None:
    for turn in turns:
        if turn.role != "user" or turn.choice is None:
            continue
        c = turn.choice
        said = turn.text.strip() or c.label
        for axis in c.chosen:
            tally.add(axis, config.choice_chosen * c.strength, said)
        for axis in c.rejected:
            tally.add(axis, -config.choice_rejected * c.strength, said)


def _add_prior(
    tally: _Tally, quiet: list[Sentence], encoder: Encoder, lex: Lexicon, config: ExtractorConfig
) -> None:
    if not quiet:
        return
    sims = encoder.encode([s.text for s in quiet]) @ _prototype_matrix(encoder, lex).T
    for sentence, row in zip(quiet, sims, strict=True):
        best = int(np.argmax(row))
        excess = float(row[best]) - config.prior_threshold
        if excess > 0:
            tally.add(VALUE_AXES[best], config.prior_weight * excess, sentence.text)


def extract_values(
    turns: Sequence[Turn],
    *,
    config: ExtractorConfig | None = None,
    encoder: Encoder | None = None,
) -> ValueScores:
    """Score the nine value axes from the conversation (offline, deterministic)."""
    config = config or ExtractorConfig()
    lex = load_lexicon(config.lexicon_path)
    tally = _Tally()
    quiet: list[Sentence] = []
    for us in user_sentences(turns, lex, config):
        deltas: list[AxisDelta] = analyse_sentence(us.sentence, lex, us.frame, us.weight)
        for d in deltas:
            tally.add(d.axis, d.delta, d.sentence)
        if deltas:
            continue
        answer = probe_answer(us.sentence, lex) if us.probe_axis else 0.0
        if us.probe_axis and answer:
            tally.add(us.probe_axis, answer * us.weight, us.sentence.text)
        elif not has_negator(us.sentence, lex) and len(us.sentence.text.strip()) >= 6:
            quiet.append(us.sentence)
    _add_choices(tally, turns, config)
    _add_prior(tally, quiet, encoder or default_encoder(), lex, config)
    return scores_from_tally(tally.net, tally.mass, tally.evidence, config, method="lexicon")


def scores_from_tally(
    net: Mapping[str, float],
    mass: Mapping[str, float],
    evidence: Mapping[str, Mapping[str, float]],
    config: ExtractorConfig,
    method: str,
) -> ValueScores:
    """Turn per-axis signed sums into bounded scores, confidences and ranked evidence."""
    axes: dict[str, AxisScore] = {}
    for axis in VALUE_AXES:
        score = 0.5 + 0.5 * math.tanh(net.get(axis, 0.0) / config.score_scale)
        confidence = 1.0 - math.exp(-mass.get(axis, 0.0) / config.confidence_scale)
        ranked = sorted(evidence.get(axis, {}).items(), key=lambda kv: -kv[1])
        axes[axis] = AxisScore(
            score=round(min(1.0, max(0.0, score)), 4),
            confidence=round(min(1.0, max(0.0, confidence)), 4),
            evidence=[s for s, _ in ranked[: config.max_evidence]],
        )
    return with_summaries(axes, method)


def with_summaries(axes: dict[str, AxisScore], method: str) -> ValueScores:
    """Attach growth orientation and stability preference (means defined in values.yaml)."""
    summary = load_taxonomy().summarise_values({a: s.score for a, s in axes.items()})
    return ValueScores(
        axes=axes,
        growth_orientation=round(summary["growth_orientation"], 4),
        stability_preference=round(summary["stability_preference"], 4),
        method=method,
    )


def neutral_scores(method: str = "none") -> ValueScores:
    """Scores with no evidence at all: every axis 0.5 with zero confidence."""
    return with_summaries({a: AxisScore(score=0.5, confidence=0.0) for a in VALUE_AXES}, method)
