"""The cue lexicon as loaded: cues indexed by morpheme, modifier word sets, clause splitting.

``data/values/lexicon.yaml`` holds every phrase and word list; this module loads and compiles it
(phrases are analysed with Kiwi into content morphemes, so "새롭다" matches "새로운"), splits a
sentence into clauses and finds the cues in a clause. How a clause's words then turn each cue
into a signed amount is :mod:`trendpath.ai.values_lexicon`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from trendpath.ai.korean import Morph, Sentence, morphemes

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


def key_of(m: Morph) -> str:
    return m.form.lower() if m.tag == "SL" else m.form


def _phrase_seq(phrase: str) -> tuple[str, ...]:
    return tuple(key_of(m) for m in morphemes(phrase) if m.tag in _MATCH_TAGS)


_CARRIERS = ("{}이 좋아요", "{}은 중요해요", "{}도 있어요")
"""Sentences a one-word phrase is also analysed in: Kiwi reads some nouns differently alone
("보탬" alone is 보태+ㅁ, but "보탬은 중요해요" has the noun 보탬)."""


def _phrase_seqs(phrase: str) -> list[tuple[str, ...]]:
    """The phrase's morpheme sequence alone and, for a one-word phrase that Kiwi reads as a
    noun in some carrier sentence but not alone, the noun itself."""
    seqs = [_phrase_seq(phrase)]
    if " " in phrase or seqs[0] == (phrase.lower(),):
        return seqs
    if phrase.endswith("다") and len(phrase) > 2 and seqs[0] != (phrase[:-1],):
        # Kiwi fuses some verbs in context: "인정받는" is 인정받/VV, "인정받다" alone 인정+받
        seqs.append((phrase[:-1],))
    for carrier in _CARRIERS:
        first = morphemes(carrier.format(phrase))[0]
        if first.form == phrase and first.tag == "NNG":
            return [*seqs, (phrase,)]
    return seqs


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
            seqs = [seq for seq in _phrase_seqs(phrase) if seq]
            if not seqs:
                raise ValueError(f"lexicon cue {phrase!r} ({axis}) has no content morphemes")
            for seq in seqs:
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
    # Lists named *_phrases are regular expressions on the surface text; other lists are words.
    lists = [k for k, v in mods.items() if isinstance(v, list)]
    phrase_keys = [k for k in lists if k.endswith("_phrases")]
    word_keys = [k for k in lists if not k.endswith("_phrases")]
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


def is_in(m: Morph, words: frozenset[str]) -> bool:
    """True when the morpheme is in a word set given as "form" or "form/TAG"."""
    key = key_of(m)
    return key in words or f"{key}/{m.tag}" in words


@dataclass
class Clause:
    """A stretch of one sentence within which negation and intensity apply.

    ``coordinated`` marks a clause joined to the next one by a coordinating ending ("-고",
    "-거나"): when it carries no evaluation of its own, it shares the next clause's ("돈을 많이
    벌고 빨리 승진하는 건 중요하지 않아요" negates both).
    """

    morphs: list[Morph]
    text: str
    weight: float = 1.0
    coordinated: bool = False


def split_clauses(sentence: Sentence, lex: Lexicon) -> list[Clause]:
    """Split a sentence at connective endings and conjunctions; weigh contrast."""
    spans: list[list[int]] = [[]]
    contrast_after: set[int] = set()
    coordinated: set[int] = set()
    morphs = sentence.morphs
    for i, m in enumerate(morphs):
        nxt = morphs[i + 1] if i + 1 < len(morphs) else None
        if m.tag == "MAJ" or (m.tag == "SL" and is_in(m, lex.words["split_adverbs"])):
            if is_in(m, lex.words["contrast_adverbs"]):
                contrast_after.add(len(spans))
            spans.append([])
            continue
        spans[-1].append(i)
        if m.tag != "EC" or nxt is None or nxt.tag in ("VX", "SF"):
            continue
        if is_in(m, lex.words["contrast_endings"]):
            contrast_after.add(len(spans))
            spans.append([])
        elif m.form == "지" and nxt.tag == "SP":
            spans.append([])  # "인정받는 게 낫지, 새 분야 개척은 별로 관심 없어요"
        elif is_in(m, lex.words["split_endings"]):
            if is_in(m, lex.words["coordinating_endings"]):
                coordinated.add(len(spans) - 1)
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
        clauses.append(Clause(sub, sentence.text[start:end], weight, n in coordinated))
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
    stream = [(i, key_of(m)) for i, m in enumerate(clause.morphs) if m.tag in _MATCH_TAGS]
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
    offset = clause.morphs[0].start if clause.morphs else 0
    for cue in lex.regex_cues:
        found = cue.pattern.search(clause.text) if cue.pattern is not None else None
        if found is None:
            continue
        start, end = offset + found.start(), offset + found.end()
        inside = [i for i, m in enumerate(clause.morphs) if start <= m.start < end]
        first, last = (inside[0], inside[-1]) if inside else (0, 0)
        hits.append(CueHit(cue, first, last, cue.weight))
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
