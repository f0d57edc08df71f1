"""A learned check on the lexicon's reading: does the person endorse what a sentence is about?

The lexicon (:mod:`trendpath.ai.values_lexicon`) finds *which* value a sentence speaks to well,
but its sign comes from word lists, and people reject things in words no list foresees
("그거 12년 누렸으면 됐습니다", "손사래부터 쳐요", "간판 큰 데 들어가서 뭐 하는데예"). This
module reads the sign a second way: a logistic regression over the sentence's character n-grams
(the compact form the crisis model reads) and its Kiwi morphemes, trained on the labelled value
conversations, says how likely the sentence *endorses* what it is about.

It corrects the lexicon in two places only, both where a wrong sign costs most:

- a sentence the lexicon reads as moving exactly one value, which the model confidently reads
  the other way (P(endorse) below ``threshold`` for a rise; above ``1 - threshold`` for a fall,
  when ``direction`` is ``both``), is turned, keeping ``weight`` of its amount — unless the
  lexicon weighed that sign itself (:func:`weighed`);
- an answer to a question about one value that the lexicon cannot read at all (no cue, no
  yes or no, no hedge) counts as a yes or a no when the model is that confident.

Sentences about two values ("돈보다 안정이 중요해요") keep the lexicon's reading: one sign
for the sentence cannot say which of the two is rejected.

Training data are weak labels: each labelled conversation names its strongest and its weakest
value, and every user sentence the lexicon ties to exactly one of the two (or that answers a
question about one of them) is an example of endorsing or rejecting. ``python -m bench.values
--train-polarity`` rebuilds ``data/values/polarity.json`` deterministically; ``--polarity-cv``
chooses C and the threshold by leave-one-set-out cross-validation (docs/ai.md).
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from trendpath.ai.crisis_model import char_ngrams, model_text, morph_grams
from trendpath.ai.dialogue import Turn
from trendpath.ai.korean import Sentence, sentences
from trendpath.ai.values_cues import find_cues, is_in, key_of, split_clauses
from trendpath.ai.values_lexicon import (
    AxisDelta,
    Frame,
    Lexicon,
    analyse_sentence,
    answers_something_else,
    constructed_moves,
    framed_user_turns,
    has_negator,
    load_lexicon,
    negative_words,
    probe_answer,
    read_clauses,
    reports_others,
)
from trendpath.ai.values_reading import search

FORMAT = "trendpath-values-polarity/1"


@dataclass(frozen=True)
class PolarityModel:
    """Weights over binary features (L2-normalised per sentence) and the confidence cut."""

    weights: dict[str, float]
    bias: float
    threshold: float
    """Act only when P(endorse) < threshold (a rejection) or > 1 - threshold (an endorsement)."""
    char_high: int = 3
    meta: dict[str, Any] = field(default_factory=dict)
    guard: str = "negative-words"
    """When the lexicon's own reading stands (:func:`weighed`)."""
    direction: str = "down"
    """``down``: only a rise read as a rejection is turned; ``both``: also a fall read as a wish."""
    weight: float = 1.0
    """How much of the lexicon's amount a turned sentence keeps (the model's reading is a guess;
    below 1, what the person said plainly elsewhere weighs more)."""

    def features(self, sentence: Sentence) -> frozenset[str]:
        """Character 1..``char_high``-grams of the compact text and Kiwi morpheme n-grams."""
        grams = char_ngrams(model_text(sentence.text), 1, self.char_high)
        return frozenset(grams | morph_grams(list(sentence.morphs)))

    def endorse(self, sentence: Sentence) -> float:
        """P(the sentence endorses what it is about), from 0 (rejects) to 1."""
        found = self.features(sentence)
        z = sum(self.weights.get(g, 0.0) for g in found) / math.sqrt(max(1, len(found)))
        z += self.bias
        return 0.5 * (1.0 + math.tanh(0.5 * z))

    def to_json(self) -> str:
        """The file form: sorted, rounded weights, so diffs stay readable."""
        payload = {
            "format": FORMAT,
            "char_high": self.char_high,
            "threshold": self.threshold,
            "guard": self.guard,
            "direction": self.direction,
            "weight": self.weight,
            "bias": round(self.bias, 4),
            "meta": self.meta,
            "weights": {k: round(v, 4) for k, v in sorted(self.weights.items())},
        }
        return json.dumps(payload, ensure_ascii=False, indent=0) + "\n"

    @classmethod
    def from_json(cls, text: str) -> PolarityModel:
        """Read the file form; a wrong format is an error, never a silent default."""
        raw = json.loads(text)
        if raw.get("format") != FORMAT:
            raise ValueError(f"unknown values polarity format: {raw.get('format')!r}")
        return cls(
            weights={str(k): float(v) for k, v in raw["weights"].items()},
            bias=float(raw["bias"]),
            threshold=float(raw["threshold"]),
            char_high=int(raw["char_high"]),
            meta=dict(raw.get("meta", {})),
            guard=str(raw.get("guard", "negative-words")),
            direction=str(raw.get("direction", "down")),
            weight=float(raw.get("weight", 1.0)),
        )


def default_polarity_path() -> Path:
    """``data/values/polarity.json`` of this checkout (or of the installed image)."""
    from trendpath.kit.settings import default_data_dir

    return default_data_dir() / "values" / "polarity.json"


@functools.cache
def load_polarity(path: str | None = None) -> PolarityModel:
    """The model at ``path`` (default: the shipped file), loaded once per process."""
    file = Path(path) if path else default_polarity_path()
    return PolarityModel.from_json(file.read_text(encoding="utf-8"))


def corrected(
    deltas: list[AxisDelta], sentence: Sentence, lex: Lexicon, model: PolarityModel | None
) -> list[AxisDelta]:
    """The lexicon's moves of one sentence, turned where the model confidently reads the other
    sign (a rise as a rejection; with ``direction="both"`` also a fall as a wish) and the
    lexicon did not weigh that sign itself (:func:`weighed`)."""
    if model is None or len({d.axis for d in deltas}) != 1:
        return deltas
    total = sum(d.delta for d in deltas)
    p = model.endorse(sentence)
    down = total > 0 and p < model.threshold
    up = model.direction == "both" and total < 0 and p > 1.0 - model.threshold
    if not (down or up) or weighed(sentence, lex, deltas[0].axis, model.guard):
        return deltas
    sign = -1.0 if down else 1.0
    return [AxisDelta(d.axis, sign * model.weight * abs(d.delta), d.sentence) for d in deltas]


def weighed(sentence: Sentence, lex: Lexicon, axis: str, guard: str = "negative-words") -> bool:
    """Whether the lexicon weighed the sentence's sign itself, so the model leaves it alone.

    ``guard`` (chosen by cross-validation): ``negative-words`` — the sentence has a word of
    negation, negative evaluation or worry; ``threat-cues`` — a worry word, two or more negative
    words (a double negation the lexicon counted by parity: "싫지 않아요", "양보 못 해요"), or
    the value was found through a cue for a threat to it (야근, 불안정, 잘리다), which negative
    words turn into a wish ("불안정한 건 싫어요"); elsewhere the lexicon may have missed a
    negation's scope ("잘릴 걱정 없는 자리, 그게 저한테는 별로 매력이 없어요").
    ``threat-cues+facts``: as ``threat-cues``, and a sentence that tells a plain fact
    (:func:`plain_fact`) keeps the lexicon's reading — compared by cross-validation in the
    eleventh round and not chosen (0.880 against 0.903).
    """
    if any(is_in(m, lex.words["concern"]) for m in sentence.morphs):
        return True
    if search(lex.phrases["indifference_phrases"], sentence.text):
        return True  # "여가라는 게 꼭 있어야 돼요?": the lexicon read a dismissal on purpose
    if guard.endswith("+facts") and plain_fact(sentence, lex):
        return True  # "기부 식품 나눠요", "신사업 TF 들어갔어요": a fact told, no judgement
    if guard == "negative-words":
        return has_negator(sentence, lex)
    if negative_words(sentence, lex) >= 2:
        return True  # negations the lexicon counted by parity ("싫지 않아요", "양보 못 해요")
    if any(m.form == "없" and m.tag.startswith("VA") for m in sentence.morphs):
        return True  # a complaint that something is missing ("쉬는 날이 없어요") wants it
    clauses = split_clauses(sentence, lex)
    return any(
        hit.cue.axis == axis and hit.weight < 0 for c in clauses for hit in find_cues(c, lex)
    )


_JUDGING = (
    "evaluative",
    "aversive",
    "negators",
    "soft_negators",
    "concern",
    "lesser",
    "comparative",
)


def plain_fact(sentence: Sentence, lex: Lexicon) -> bool:
    """A sentence that tells a fact and judges nothing: no evaluative, negative, worry or
    comparing word, no strong intensifier, no question. The polarity model reads tone, and a
    plain fact has none to read."""
    if "?" in sentence.text:
        return False
    for m in sentence.morphs:
        if any(is_in(m, lex.words[k]) for k in _JUDGING):
            return False
        if lex.intensifiers.get(key_of(m), 1.0) >= 1.3 or (m.tag == "VX" and m.form == "싶"):
            return False
    return True


def read_sentence(
    sentence: Sentence,
    lex: Lexicon,
    frame: Frame = "neutral",
    weight: float = 1.0,
    model: PolarityModel | None = None,
) -> list[AxisDelta]:
    """:func:`~trendpath.ai.values_lexicon.analyse_sentence`, checked by ``model`` unless the
    sentence is built as a choice (:func:`~trendpath.ai.values_lexicon.constructed_moves`):
    the construction, not the tone, says what is kept."""
    built = constructed_moves(sentence, lex, weight)
    if built is not None:
        return built
    return corrected(read_clauses(sentence, lex, frame, weight), sentence, lex, model)


def answer_probe(sentence: Sentence, lex: Lexicon, model: PolarityModel | None = None) -> float:
    """:func:`~trendpath.ai.values_lexicon.probe_answer`; where the lexicon reads no answer,
    a confident model reads a plain yes (+1) or no (−1)."""
    if reports_others(sentence, lex):
        return 0.0  # "동생은 재밌대요": someone else's view answers nothing about the speaker
    answer = probe_answer(sentence, lex)
    if answer or model is None or any(is_in(m, lex.words["hedges"]) for m in sentence.morphs):
        return answer  # a hedge ("글쎄요") answers neither way
    p = model.endorse(sentence)
    if p < model.threshold:
        return -1.0
    if p > 1.0 - model.threshold and not answers_something_else(sentence):
        return 1.0  # not "지금은 필요한 집에 가는 게 다예요": a yes to what it names itself
    return 0.0


def dismisses_previous(sentence: Sentence, lex: Lexicon, model: PolarityModel | None) -> bool:
    """Whether a sentence that names no value dismisses what the sentence before it named.

    It must open by pointing back ("그게", "솔직히 이런 건", "저는 아니에요":
    ``dismissal_phrases``), not single the thing out ("그거면 돼요", "그게 전부예요":
    ``singling_phrases``), hedge nothing, and read as a rejection to the model: "세상을
    바꾸겠다, 누굴 돕겠다. 이런 건 제 동기가 아니라서…" — the first sentence quoted a value
    to set it aside, it did not endorse it.
    """
    text = sentence.text
    if model is None or not search(lex.phrases["dismissal_phrases"], text):
        return False
    if search(lex.phrases["singling_phrases"], text):
        return False  # "그거면 돼요", "그게 전부예요": it singles the thing out
    if any(is_in(m, lex.words["hedges"]) for m in sentence.morphs):
        return False
    return model.endorse(sentence) < model.threshold


# ----------------------------------------------------------------------------- training
@dataclass(frozen=True)
class Example:
    """One weakly labelled sentence: 1 endorses, 0 rejects."""

    sentence: Sentence
    label: int


def examples(
    conversations: Iterable[tuple[Sequence[Turn], str, str]], lex: Lexicon | None = None
) -> list[Example]:
    """Weak labels from conversations labelled (turns, strongest, weakest).

    A user sentence whose lexicon reading (or the question it answers) touches the weakest value
    and not the strongest is a rejection; the other way round, an endorsement. Summary answers
    and crisis turns are left out (they confirm or are not about values).
    """
    lex = lex or load_lexicon()
    out: list[Example] = []
    for turns, strongest, weakest in conversations:
        for turn, frame, probe in framed_user_turns(turns, lex):
            if turn.stage in ("summary", "crisis"):
                continue
            for sentence in sentences(turn.text):
                axes = {d.axis for d in analyse_sentence(sentence, lex, frame)}
                if not axes and probe:
                    axes = {probe}
                if weakest in axes and strongest not in axes:
                    out.append(Example(sentence, 0))
                elif strongest in axes and weakest not in axes:
                    out.append(Example(sentence, 1))
    return out


def train(
    found: Sequence[Example],
    *,
    c: float,
    threshold: float,
    char_high: int = 3,
    guard: str = "negative-words",
    direction: str = "down",
    weight: float = 1.0,
) -> PolarityModel:
    """A class-balanced L2 logistic regression on ``found`` (deterministic)."""
    from trendpath.ai.crisis_train import TrainConfig, fit

    probe = PolarityModel({}, 0.0, threshold, char_high)
    features = [probe.features(e.sentence) for e in found]
    labels = np.array([e.label for e in found], dtype=np.int64)
    weights, bias = fit(features, labels, TrainConfig(c=c, min_count=2))
    meta = {"examples": len(found), "rejections": int((labels == 0).sum()), "c": c}
    return PolarityModel(weights, bias, threshold, char_high, meta, guard, direction, weight)
