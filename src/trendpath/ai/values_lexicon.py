"""The cue lexicon and its clause-level rules: which user words move which value axis, and how.

Every rule is in ``data/values/lexicon.yaml`` (cues, negators, intensifiers, clause markers); this
module only applies them. A sentence is split into clauses; in each clause the cues are found over
Kiwi morphemes, then the clause's modifiers decide each cue's sign and strength:

- negators flip (by parity, so "없으면 안 돼요" stays positive; "별로" flips only alone);
- worry words make every cue count for its axis ("잘릴까 봐 걱정" → job security up);
- indifference makes every cue count against its axis ("돈은 상관없어요", "야근해도 괜찮아요");
- "A보다 B" turns A against its axis; intensifiers scale; contrast ("-지만") weighs the later
  clause more; other people's wishes, past statements and questions weigh less.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml

from trendpath.ai.korean import Morph, Sentence, morphemes

Frame = Literal["neutral", "avoid", "concern"]

# Morphemes cues are matched against: meaning-bearing ones, including helping verbs so that
# "알아주다" (알 + 주) stays distinct from "알다".
_MATCH_TAGS = frozenset({"NNG", "NNP", "NR", "SL", "SH", "SN", "XR", "VV", "VA", "VX", "MAG", "NP"})
_NEG_PREFIXES = frozenset({"불", "비", "무", "미"})
_MAX_GAP = 2


def default_lexicon_path() -> Path:
    """``data/values/lexicon.yaml`` of this checkout (or of the installed image)."""
    from trendpath.kit.settings import default_data_dir

    return default_data_dir() / "values" / "lexicon.yaml"


@dataclass(frozen=True, slots=True)
class Cue:
    """A phrase (as a morpheme sequence, or a regex) that moves one axis by ``weight``."""

    axis: str
    seq: tuple[str, ...]
    weight: float
    pattern: re.Pattern[str] | None = None
    complaint: bool = False


CueGroup = tuple[tuple[str, ...], tuple[Cue, ...]]
"""One morpheme sequence and every cue (one per axis) written with it."""


@dataclass(frozen=True)
class Lexicon:
    """The loaded lexicon: cues indexed by first morpheme, and every modifier set."""

    axes: tuple[str, ...]
    by_first: dict[str, tuple[CueGroup, ...]]
    regex_cues: tuple[Cue, ...]
    words: dict[str, frozenset[str]]
    phrases: dict[str, re.Pattern[str] | None]
    intensifiers: dict[str, float]
    factors: dict[str, float]
    prototypes: dict[str, tuple[str, ...]]
    version: int


def _key(m: Morph) -> str:
    return m.form.lower() if m.tag == "SL" else m.form


def _phrase_seq(phrase: str) -> tuple[str, ...]:
    return tuple(_key(m) for m in morphemes(phrase) if m.tag in _MATCH_TAGS)


def _compile(patterns: Sequence[str]) -> re.Pattern[str] | None:
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.I) if patterns else None


def _load_cues(axes: dict[str, Any]) -> tuple[dict[str, tuple[CueGroup, ...]], tuple[Cue, ...]]:
    groups: dict[tuple[str, ...], dict[str, Cue]] = {}
    regex: list[Cue] = []
    for axis, spec in axes.items():
        for phrase, weight in (spec.get("cues") or {}).items():
            phrase = str(phrase)
            complaint = phrase.startswith("!")
            phrase = phrase.lstrip("!")
            if phrase.startswith("re:"):
                pattern = re.compile(phrase[3:], re.I)
                regex.append(Cue(axis, (), float(weight), pattern, complaint))
                continue
            seq = _phrase_seq(phrase)
            if not seq:
                raise ValueError(f"lexicon cue {phrase!r} ({axis}) has no content morphemes")
            cues = groups.setdefault(seq, {})
            # Two spellings of one phrase on one axis ("도전"/"도전하다"): keep the stronger.
            if axis not in cues or abs(weight) > abs(cues[axis].weight):
                cues[axis] = Cue(axis, seq, float(weight), complaint=complaint)
    by_first: dict[str, list[CueGroup]] = {}
    for seq, cues in groups.items():
        by_first.setdefault(seq[0], []).append((seq, tuple(cues.values())))
    # Longest phrases first, so "고용 안정" wins over "고용".
    ordered = {k: tuple(sorted(v, key=lambda g: -len(g[0]))) for k, v in by_first.items()}
    return ordered, tuple(regex)


@lru_cache(maxsize=4)
def load_lexicon(path: str | None = None) -> Lexicon:
    """Load and compile the lexicon (cached per path)."""
    raw = yaml.safe_load(Path(path or default_lexicon_path()).read_text(encoding="utf-8"))
    mods: dict[str, Any] = raw["modifiers"]
    by_first, regex_cues = _load_cues(raw["axes"])
    word_keys = [*("negators", "soft_negators", "concern", "split_endings", "split_adverbs")]
    word_keys += ["contrast_endings", "contrast_adverbs", "comparative", "others", "reporting"]
    word_keys += ["evaluative", "affirmatives", "negative_answers", "lack_predicates", "self_words"]
    phrase_keys = ["relief_phrases", "indifference_phrases", "past_phrases"]
    phrase_keys += ["correction_phrases", "avoid_frame_phrases", "concern_frame_phrases"]
    return Lexicon(
        axes=tuple(raw["axes"]),
        by_first=by_first,
        regex_cues=regex_cues,
        words={k: frozenset(str(w) for w in mods.get(k, [])) for k in word_keys},
        phrases={k: _compile([str(p) for p in mods.get(k, [])]) for k in phrase_keys},
        intensifiers={str(k): float(v) for k, v in mods["intensifiers"].items()},
        factors={k: float(v) for k, v in mods.items() if isinstance(v, int | float)},
        prototypes={a: tuple(raw["prototypes"].get(a, [])) for a in raw["axes"]},
        version=int(raw.get("version", 1)),
    )


def _is(m: Morph, words: frozenset[str]) -> bool:
    """True when the morpheme is in a word set given as "form" or "form/TAG"."""
    key = _key(m)
    return key in words or f"{key}/{m.tag}" in words


@dataclass
class Clause:
    """A stretch of one sentence within which negation and intensity apply."""

    morphs: list[Morph]
    text: str
    weight: float = 1.0


def split_clauses(sentence: Sentence, lex: Lexicon) -> list[Clause]:
    """Split a sentence at connective endings and conjunctions; weigh contrast."""
    spans: list[list[int]] = [[]]
    contrast_after: set[int] = set()
    morphs = sentence.morphs
    for i, m in enumerate(morphs):
        nxt = morphs[i + 1] if i + 1 < len(morphs) else None
        if m.tag == "MAJ" or (m.tag == "SL" and _is(m, lex.words["split_adverbs"])):
            if _is(m, lex.words["contrast_adverbs"]):
                contrast_after.add(len(spans))
            spans.append([])
            continue
        spans[-1].append(i)
        if m.tag != "EC" or nxt is None or nxt.tag in ("VX", "SF"):
            continue
        if _is(m, lex.words["contrast_endings"]):
            contrast_after.add(len(spans))
            spans.append([])
        elif _is(m, lex.words["split_endings"]):
            spans.append([])
    clauses: list[Clause] = []
    for n, idx in enumerate(spans):
        if not idx:
            continue
        sub = [morphs[i] for i in idx]
        start, end = sub[0].start, sub[-1].start + len(sub[-1].form)
        weight = 1.0
        if n in contrast_after:
            weight *= lex.factors["contrast_after"]
        if n + 1 in contrast_after:
            weight *= lex.factors["contrast_before"]
        clauses.append(Clause(sub, sentence.text[start:end], weight))
    return clauses


@dataclass(frozen=True, slots=True)
class CueHit:
    """One cue found in a clause: morpheme span [first, last] and its signed base weight."""

    cue: Cue
    first: int
    last: int
    weight: float


def find_cues(clause: Clause, lex: Lexicon) -> list[CueHit]:
    """Greedy longest-first cue matching over the clause's content morphemes (small gaps ok)."""
    stream = [(i, _key(m)) for i, m in enumerate(clause.morphs) if m.tag in _MATCH_TAGS]
    hits: list[CueHit] = []
    used: set[int] = set()
    for pos, (i, key) in enumerate(stream):
        if i in used:
            continue
        for seq, cues in lex.by_first.get(key, ()):
            span = _match_rest(stream, pos, seq, used)
            if span is None:
                continue
            used.update(span)
            prev = clause.morphs[i - 1] if i > 0 else None
            negated = prev is not None and prev.tag == "XPN" and prev.form in _NEG_PREFIXES
            for cue in cues:
                hits.append(CueHit(cue, i, span[-1], -cue.weight if negated else cue.weight))
            break
    for cue in lex.regex_cues:
        if cue.pattern is not None and cue.pattern.search(clause.text):
            hits.append(CueHit(cue, len(clause.morphs), len(clause.morphs), cue.weight))
    return hits


def _match_rest(
    stream: list[tuple[int, str]], pos: int, seq: tuple[str, ...], used: set[int]
) -> list[int] | None:
    span = [stream[pos][0]]
    j = pos
    for part in seq[1:]:
        for k in range(j + 1, min(len(stream), j + 2 + _MAX_GAP)):
            if stream[k][1] == part and stream[k][0] not in used:
                span.append(stream[k][0])
                j = k
                break
        else:
            return None
    return span


def _intensity(clause: Clause, lex: Lexicon) -> float:
    found = [lex.intensifiers[_key(m)] for m in clause.morphs if _key(m) in lex.intensifiers]
    if not found:
        return 1.0
    strong = [f for f in found if f >= 1.0]
    return max(strong) if strong else min(found)


def _clause_factor(clause: Clause, lex: Lexicon, is_question: bool) -> float:
    words, phrases, f = lex.words, lex.phrases, lex.factors
    factor = clause.weight
    has_other = any(_is(m, words["others"]) for m in clause.morphs)
    if has_other and any(_is(m, words["reporting"]) for m in clause.morphs):
        factor *= f["others_factor"]
    if _search(phrases["past_phrases"], clause.text):
        factor *= f["past_factor"]
    if _search(phrases["correction_phrases"], clause.text):
        factor *= f["correction_factor"]
    if is_question:
        factor *= f["question_factor"]
    return factor * _intensity(clause, lex)


def _search(pattern: re.Pattern[str] | None, text: str) -> bool:
    return bool(pattern and pattern.search(text))


def _hit_sign(hit: CueHit, clause: Clause, lex: Lexicon, frame: Frame) -> float:
    """The signed strength of one cue after the clause's negation/worry/indifference rules."""
    words = lex.words
    base = hit.weight
    after = clause.morphs[hit.last + 1 : hit.last + 3]
    if any(_is(m, words["comparative"]) for m in after):
        base *= lex.factors["comparative_factor"]
    if _search(lex.phrases["indifference_phrases"], clause.text):
        return -abs(base)
    if hit.cue.complaint:
        # A complaint ("지루해요", "번아웃이 왔어요") shows the axis matters, negated or not.
        return abs(base)
    if _search(lex.phrases["relief_phrases"], clause.text):
        return abs(base)
    outside = [m for i, m in enumerate(clause.morphs) if not hit.first <= i <= hit.last]
    concern_at = [i for i, m in enumerate(clause.morphs) if _is(m, words["concern"])]
    concern_at = [i for i in concern_at if not hit.first <= i <= hit.last]
    if concern_at:
        later = clause.morphs[concern_at[0] + 1 :]
        flips = sum(_is(m, words["negators"]) for m in later)
        return abs(base) * (-1.0) ** flips
    negators = [m for m in outside if _is(m, words["negators"])]
    evaluative = any(_is(m, words["evaluative"]) for m in clause.morphs)
    lack_only = negators and all(_is(m, words["lack_predicates"]) for m in negators)
    if lack_only and not evaluative and not any(_is(m, words["self_words"]) for m in clause.morphs):
        return abs(base)
    flips = len(negators)
    if flips == 0 and any(_is(m, words["soft_negators"]) for m in outside):
        flips = 1
    if flips == 0 and not evaluative:
        if frame == "avoid":
            flips = 1
        elif frame == "concern":
            return abs(base)
    return base * (-1.0) ** flips


@dataclass(frozen=True, slots=True)
class AxisDelta:
    """How much one sentence moved one axis."""

    axis: str
    delta: float
    sentence: str


def analyse_sentence(
    sentence: Sentence, lex: Lexicon, frame: Frame = "neutral", weight: float = 1.0
) -> list[AxisDelta]:
    """All axis movements of one user sentence, summed per clause and capped."""
    is_question = sentence.text.rstrip().endswith("?") or any(
        m.tag == "EF" and m.form in ("나요", "ᆯ까요", "을까요", "까요") for m in sentence.morphs
    )
    cap = lex.factors["clause_cap"]
    per_axis: dict[str, float] = {}
    for clause in split_clauses(sentence, lex):
        hits = find_cues(clause, lex)
        if not hits:
            continue
        factor = _clause_factor(clause, lex, is_question) * weight
        sums: dict[str, float] = {}
        for hit in hits:
            sums[hit.cue.axis] = sums.get(hit.cue.axis, 0.0) + _hit_sign(hit, clause, lex, frame)
        for axis, total in sums.items():
            clipped = math.copysign(min(abs(total), cap), total) * factor
            per_axis[axis] = per_axis.get(axis, 0.0) + clipped
    return [AxisDelta(a, d, sentence.text) for a, d in per_axis.items() if abs(d) > 1e-9]


def question_frame(coach_text: str, lex: Lexicon) -> Frame:
    """How a short answer to this coach question should be read."""
    if _search(lex.phrases["avoid_frame_phrases"], coach_text):
        return "avoid"
    if _search(lex.phrases["concern_frame_phrases"], coach_text):
        return "concern"
    return "neutral"


def has_negator(sentence: Sentence, lex: Lexicon) -> bool:
    """True when any negator or soft negator occurs in the sentence."""
    words = lex.words["negators"] | lex.words["soft_negators"]
    return any(_is(m, words) for m in sentence.morphs)


def probe_answer(sentence: Sentence, lex: Lexicon) -> float:
    """Signed strength of a cue-less answer to a question about one axis (0.0 = no answer).

    "네, 중요해요" → +1, "정말 중요해요" → +1.5, "별로요" / "아니요" / "중요하지 않아요" → −1.
    """
    words = lex.words
    morphs = sentence.morphs
    negative = any(_is(m, words["negative_answers"]) for m in morphs)
    flips = sum(_is(m, words["negators"]) for m in morphs)
    positive = any(_is(m, words["affirmatives"]) for m in morphs)
    if not (negative or flips or positive):
        return 0.0
    sign = -1.0 if negative and not flips else (-1.0) ** flips
    strength = max(
        (lex.intensifiers[_key(m)] for m in morphs if _key(m) in lex.intensifiers), default=1.0
    )
    return sign * strength
