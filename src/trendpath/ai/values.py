"""Value scores from an onboarding conversation: the transparent offline extractor.

For each of the nine work-value axes (:data:`trendpath.kit.taxonomy.VALUE_AXES`) the extractor
returns a score in 0..1 (0.5 = no evidence either way), a confidence in 0..1 and the user's
sentences that moved it, plus the seed's two summaries (growth orientation, stability preference).

Turns are read in order and three kinds of evidence are added up per axis, each as a signed
amount:

1. cue phrases in the user's sentences (:mod:`trendpath.ai.values_lexicon`: negation, negative
   evaluations, worry, indifference, sufficiency, intensity, contrast, comparison, other people's
   words, the coach's question), and cue-less answers to a question about one axis;
2. forced-choice answers recorded by the coach (chosen option's axes up, the other's down);
3. a weak prior: sentences in which no cue fired are compared with short axis descriptions by the
   text encoder and nudge the closest axis up a little — only axes that already have evidence.

A correction ("아니 그게 아니라 …", and any answer to the coach's summary) overrides the earlier
evidence it contradicts. ``score = 0.5 + 0.5 * tanh(net / score_scale)`` and ``confidence = 1 -
exp(-mass / conf_scale)`` where ``net`` is the signed sum and ``mass`` the sum of absolute
amounts; an axis nothing spoke to stays at exactly 0.5 with confidence 0, and is never presented
as a strongest or weakest value (:meth:`ValueScores.ranked`). Sentences that look like
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
from trendpath.ai.korean import Sentence, morphemes, sentences
from trendpath.ai.safety import said_text
from trendpath.ai.values_lexicon import (
    AxisDelta,
    Frame,
    Lexicon,
    framed_user_turns,
    has_negator,
    load_lexicon,
    says_enough,
    unquoted,
)
from trendpath.ai.values_polarity import (
    PolarityModel,
    answer_probe,
    dismisses_previous,
    load_polarity,
    read_sentence,
)
from trendpath.ai.values_reader import ReaderLayer, reader
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
        """Axes with evidence, from most to least important (see :func:`rank_axes`)."""
        return rank_axes(self.scores(), self.confidences())

    def unknown(self) -> list[str]:
        """Axes nothing in the talk spoke to: never presented as a strongest or weakest value."""
        return [a for a in VALUE_AXES if self.axes[a].confidence < EVIDENCE_CONFIDENCE]

    def strongest(self, n: int = 2) -> list[str]:
        """Up to ``n`` axes the person values (evidence and a score above neutral)."""
        return [a for a in self.ranked() if self.axes[a].score > 0.5][:n]

    def weakest(self) -> str | None:
        """The axis the person values least, if they lowered one (evidence, score below neutral)."""
        low = [a for a in self.ranked() if self.axes[a].score < 0.5]
        return low[-1] if low else None


EVIDENCE_CONFIDENCE = 0.2
"""Below this confidence an axis has no evidence worth presenting (no statement, choice or
answer moved it more than someone else's reported wish or the weak embedding prior can)."""


def rank_axes(scores: Mapping[str, float], confidences: Mapping[str, float]) -> list[str]:
    """Axes with evidence, most to least important (ties: confidence, then axis order).

    An axis without evidence (confidence below :data:`EVIDENCE_CONFIDENCE`) is left out, so it
    is never shown as a top or bottom value; :meth:`ValueScores.unknown` lists those.
    """
    order = {a: i for i, a in enumerate(VALUE_AXES)}
    known = [a for a in VALUE_AXES if confidences.get(a, 0.0) >= EVIDENCE_CONFIDENCE]
    return sorted(known, key=lambda a: (-scores[a], -confidences[a], order[a]))


@dataclass
class ExtractorConfig:
    """The extractor's few numbers (documented in docs/ai.md)."""

    score_scale: float = 1.5
    confidence_scale: float = 1.2
    choice_chosen: float = 1.2
    choice_rejected: float = 0.6
    prior_weight: float = 0.5
    prior_threshold: float = 0.12
    prior_cap: float = 0.3
    correction_weight: float = 1.5
    max_evidence: int = 3
    summary_stage: str = "summary"
    lexicon_path: str | None = None
    polarity: bool = True
    """Check the lexicon's signs with the learned polarity model (:mod:`.values_polarity`)."""
    polarity_path: str | None = None
    reader: bool = True
    """Add the learned reading of the whole conversation (:mod:`.values_reader`) to the axes the
    person spoke to (off by itself where the encoder cannot load)."""
    reader_path: str | None = None


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


def _turn_moves(
    turn: Turn,
    frame: Frame,
    probe: str | None,
    lex: Lexicon,
    config: ExtractorConfig,
    quiet: list[Sentence],
    polarity: PolarityModel | None = None,
) -> list[AxisDelta]:
    """Every axis movement of one user turn: its sentences, probe answers and forced choice.

    Sentences that moved nothing (no cue, no answer, no negation) go to ``quiet`` for the prior.
    """
    moves: list[AxisDelta] = []
    text = said_text(turn.text)
    weight = config.correction_weight if turn.stage == config.summary_stage else 1.0
    retraction = lex.phrases["retraction_phrases"]
    reversal = lex.phrases["reversal_phrases"]
    previous = 0  # where the moves of the previous sentence start
    adjacent = False  # whether the sentence just before this one moved anything
    lead = lex.phrases["retraction_lead_phrases"]
    for said in sentences(text):
        if retraction is not None and retraction.search(said.text):
            del moves[previous:]
            continue
        opening = lead.match(said.text) if lead is not None else None
        if opening is not None and said.text[opening.end() :].strip():
            # "…중요하긴 하죠… 아니다, 솔직히 말하면 별로 안 중요해요": a correction that goes on
            del moves[previous:]
            rest = said.text[opening.end() :]
            said = Sentence(rest, tuple(morphemes(rest)))
        sentence = unquoted(said, lex)  # "팀장이 맨날 '목표 달성하자!' 했는데": their words
        deltas = [
            AxisDelta(d.axis, d.delta, said.text)
            for d in read_sentence(sentence, lex, frame, weight, polarity)
        ]
        moved_before, adjacent = adjacent, bool(deltas)
        turning = reversal is not None and reversal.search(said.text) is not None
        if deltas and turning:
            _concede(moves, deltas, lex.factors["override_keep"])
        if deltas:
            previous = len(moves)
            moves.extend(deltas)
            continue
        if moved_before and dismisses_previous(sentence, lex, polarity):
            # "세상을 바꾸겠다, 누굴 돕겠다. 이런 건 제 동기가 아니라서…": named to be set aside.
            moves[previous:] = [
                AxisDelta(m.axis, -abs(m.delta), m.sentence) for m in moves[previous:]
            ]
            if turning:
                # "봉사 좋죠. 의미 있는 일이에요. 근데 저한테는 별로예요.": the whole concession
                _concede(moves, moves[previous:], lex.factors["override_keep"])
            continue
        if says_enough(sentence, lex) and previous < len(moves):
            # "명예는 누릴 만큼 누렸습니다. 그걸로 족합니다.": a ceiling on what was just named.
            moves[previous:] = [
                AxisDelta(m.axis, -abs(m.delta), m.sentence) for m in moves[previous:]
            ]
            continue
        answer = answer_probe(sentence, lex, polarity) if probe else 0.0
        if probe and answer:
            moves.append(AxisDelta(probe, answer * weight, said.text))
        elif not has_negator(sentence, lex) and len(sentence.text.strip()) >= 6:
            quiet.append(sentence)
    if turn.choice is not None:
        c = turn.choice
        label = turn.text.strip() or c.label
        moves.extend(AxisDelta(a, config.choice_chosen * c.strength, label) for a in c.chosen)
        moves.extend(AxisDelta(a, -config.choice_rejected * c.strength, label) for a in c.rejected)
    return moves


def _concede(moves: list[AxisDelta], deltas: Sequence[AxisDelta], keep: float) -> None:
    """A turn's earlier moves that a "근데 …" sentence contradicts were a concession: they keep
    only ``keep`` of their weight."""
    said: dict[str, float] = {}
    for d in deltas:
        said[d.axis] = said.get(d.axis, 0.0) + d.delta
    for n, m in enumerate(moves):
        if m.delta * said.get(m.axis, 0.0) < 0:
            moves[n] = AxisDelta(m.axis, m.delta * keep, m.sentence)


def _overrides(turn: Turn, lex: Lexicon, config: ExtractorConfig) -> bool:
    """A correction ("아니 그게 아니라…") or any answer to the coach's summary."""
    pattern = lex.phrases["override_phrases"]
    return turn.stage == config.summary_stage or bool(pattern and pattern.search(turn.text))


def _override(tally: _Tally, moves: Sequence[AxisDelta], keep: float) -> None:
    """Earlier evidence that a correction contradicts keeps only ``keep`` of its weight."""
    said: dict[str, float] = {}
    for m in moves:
        said[m.axis] = said.get(m.axis, 0.0) + m.delta
    for axis, delta in said.items():
        if delta * tally.net[axis] < 0:
            tally.net[axis] *= keep


def _add_prior(
    tally: _Tally, quiet: list[Sentence], encoder: Encoder, lex: Lexicon, config: ExtractorConfig
) -> None:
    """Nudge axes the person already spoke to by the similarity of their cue-less sentences.

    A guess from similarity is not evidence: it adds no confidence, never touches an axis
    without evidence (which stays at exactly 0.5, so it is never shown as a value), and adds
    at most ``prior_cap`` per axis.
    """
    if not quiet:
        return
    spoken = {a for a in VALUE_AXES if tally.mass[a] > 0}
    if not spoken:
        return
    sims = encoder.encode([s.text for s in quiet]) @ _prototype_matrix(encoder, lex).T
    added = dict.fromkeys(VALUE_AXES, 0.0)
    for sentence, row in zip(quiet, sims, strict=True):
        best = int(np.argmax(row))
        axis = VALUE_AXES[best]
        excess = float(row[best]) - config.prior_threshold
        if excess <= 0 or axis not in spoken:
            continue
        amount = min(config.prior_weight * excess, config.prior_cap - added[axis])
        if amount > 0:
            added[axis] += amount
            tally.add(axis, amount, sentence.text, mass_factor=0.0)


READING_FLOOR = 1e-3
"""What is left of an axis's signed sum when the reader would have turned its sign."""


def _add_reading(tally: _Tally, turns: Sequence[Turn], layer: ReaderLayer) -> None:
    """Add the conversation reader's shift to each axis the person spoke to.

    A guess, not evidence: no confidence, no quote, nothing for an axis without evidence (it
    stays at 0.5, never presented), and it never turns what the person said: a value the lexicon
    read as wanted stays (barely) wanted, a rejected one stays rejected. It can reorder the
    values on each side of neutral and tip an axis whose evidence cancelled out.
    """
    shift = layer.shift(turns)
    if not shift:
        return
    for axis in VALUE_AXES:
        if tally.mass[axis] <= 0:
            continue
        net = tally.net[axis]
        moved = net + shift[axis]
        if net * moved < 0:
            moved = math.copysign(READING_FLOOR, net)
        tally.net[axis] = moved


def extract_values(
    turns: Sequence[Turn],
    *,
    config: ExtractorConfig | None = None,
    encoder: Encoder | None = None,
    polarity_model: PolarityModel | None = None,
    reader_layer: ReaderLayer | None = None,
) -> ValueScores:
    """Score the nine value axes from the conversation (offline, deterministic).

    ``polarity_model`` and ``reader_layer`` replace the shipped polarity model and conversation
    reader (cross-validation trains its own); ``config.polarity=False`` and
    ``config.reader=False`` read without them.

    Turns are read in order: each coach question sets how short answers are read, and a
    correction overrides what it contradicts. Turns marked with the ``crisis`` stage are left
    out: they are not about work values.
    """
    config = config or ExtractorConfig()
    lex = load_lexicon(config.lexicon_path)
    polarity = None
    if config.polarity:
        polarity = polarity_model or load_polarity(config.polarity_path)
    tally = _Tally()
    quiet: list[Sentence] = []
    for turn, frame, probe in framed_user_turns(turns, lex):
        if turn.stage == "crisis":
            continue
        moves = _turn_moves(turn, frame, probe, lex, config, quiet, polarity)
        if _overrides(turn, lex, config):
            _override(tally, moves, lex.factors["override_keep"])
        for m in moves:
            tally.add(m.axis, m.delta, m.sentence)
    _add_prior(tally, quiet, encoder or default_encoder(), lex, config)
    if config.reader or reader_layer is not None:
        _add_reading(tally, turns, reader_layer or reader(config.reader_path))
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
