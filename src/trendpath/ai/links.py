"""The person's own words linked to the taxonomy: which fields, roles, skills and goals they name.

Each user sentence (and the profile's free text) is analysed with Kiwi; the alias lexicon
(:mod:`trendpath.ai.aliases`) is matched on content morphemes, longest pattern first. Every match
becomes a :class:`Link` that keeps the quote it came from, and an *intent* read from its clause:

* ``goal`` — wanting it: "~하고 싶어요", 목표, 꿈, 희망, 원하다, 관심이 있다, a profile's target
  role, or any answer to the coach's goals question that says nothing else;
* ``current`` — what the person does or studied: 전공, 학과, 졸업, 경력, 다니다, "~하고 있어요";
* ``avoid`` — aversion or negation: 싫다, 지겹다, 포기, "안 맞다", "자신이 없다", "~지 않다", and
  the left side of "A보다 B";
* ``mention`` — anything else.

A goal sentence that names no trend by alias is compared with each trend's alias text by the
service's encoder (``encoder_threshold``): paraphrases that share no alias still link, marked
``method="encoder"``. :func:`signals` turns links into the persona's inputs: interest and skill
weights and an explicit per-trend goal weight.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Literal

import numpy as np
from pydantic import BaseModel

from trendpath.ai.aliases import KEY_TAGS, AliasLexicon, Kind, Pattern, key_of, load_aliases
from trendpath.ai.embed import Encoder
from trendpath.ai.korean import Morph, sentences

Intent = Literal["goal", "current", "mention", "avoid"]

_GOAL_NOUNS = frozenset({"목표", "꿈", "희망", "지망", "계획", "도전", "전환", "진로"})
_GOAL_VERBS = frozenset({"원하", "바꾸", "노리"})
_CURRENT_NOUNS = frozenset({"전공", "학과", "졸업", "경력", "재직", "근무", "학년", "년차"})
_CURRENT_VERBS = frozenset({"다니"})
_AVOID_STEMS = frozenset({"싫", "지겹", "질리", "포기", "귀찮"})
_CONTRAST = frozenset({"지만", "는데", "은데", "ㄴ데"})


class Link(BaseModel):
    """One taxonomy entry the person named, with the words it came from."""

    kind: Kind
    slug: str
    quote: str
    sentence: str
    source: str
    intent: Intent
    method: Literal["alias", "encoder"] = "alias"
    weight: float


@dataclass(frozen=True)
class Said:
    """A piece of the person's own text: a user turn or a profile field."""

    text: str
    source: str = "conversation"
    stage: str | None = None
    intent: Intent | None = None  # forced (a profile's target role is a goal)


@dataclass(frozen=True)
class LinkConfig:
    """Weights per intent and the encoder fallback (tuned on the dev personas only)."""

    weights: dict[str, float] = field(
        default_factory=lambda: {"goal": 1.0, "current": 0.5, "mention": 0.35, "avoid": -0.6}
    )
    encoder_threshold: float = 0.30
    encoder_share: float = 0.6
    max_gap_chars: int = 4


DEFAULT_LINKS = LinkConfig()


def _cue(clause: Sequence[Morph]) -> Intent | None:
    forms = [(m.form, m.tag) for m in clause]
    for i, (form, tag) in enumerate(forms):
        nxt = forms[i + 1][0] if i + 1 < len(forms) else ""
        if form in _AVOID_STEMS or (tag == "VX" and form == "않"):
            return "avoid"
        if (form == "안" and nxt in ("맞", "되")) or (form == "자신" and "없" in nxt):
            return "avoid"
    for i, (form, tag) in enumerate(forms):
        nxt = forms[i + 1][0] if i + 1 < len(forms) else ""
        if (tag == "VX" and form == "싶") or form in _GOAL_NOUNS or form in _GOAL_VERBS:
            return "goal"
        if form == "관심" and nxt in ("있", "많", "가"):
            return "goal"
    for i, (form, tag) in enumerate(forms):
        nxt = forms[i + 2][0] if i + 2 < len(forms) else ""
        if form in _CURRENT_NOUNS or form in _CURRENT_VERBS or form == "년째":
            return "current"
        if tag.startswith("V") and i + 1 < len(forms) and forms[i + 1][0] == "고" and nxt == "있":
            return "current"
    return None


def _clauses(morphs: Sequence[Morph]) -> list[list[Morph]]:
    """Split at contrast endings (-지만, -는데): each side carries its own intent."""
    out: list[list[Morph]] = [[]]
    for m in morphs:
        out[-1].append(m)
        if m.tag == "EC" and m.form in _CONTRAST:
            out.append([])
    return [c for c in out if c]


_FIELD_SUFFIXES = ("학과", "학부", "전공", "학", "과")
"""A field of study written as one noun ("간호학과", "회계학") names the field."""


def _field_noun(m: Morph, lex: AliasLexicon) -> Pattern | None:
    if m.tag != "NNG":
        return None
    for suffix in _FIELD_SUFFIXES:
        stem = m.form.removesuffix(suffix)
        if stem != m.form and len(stem) >= 2:
            for pat in lex.by_first.get(stem, ()):
                if len(pat.keys) == 1:
                    return pat
    return None


@dataclass
class _Match:
    entries: tuple[tuple[Kind, str], ...]
    start: int
    end: int
    before_boda: bool


def _matches(clause: Sequence[Morph], lex: AliasLexicon, gap: int) -> list[_Match]:
    keyed = [m for m in clause if m.tag in KEY_TAGS]
    boda = next((m.start for m in clause if m.form == "보다" and m.tag.startswith("J")), None)
    out: list[_Match] = []
    i = 0
    while i < len(keyed):
        hit = None
        for pat in lex.by_first.get(key_of(keyed[i]), ()):
            n = len(pat.keys)
            span = keyed[i : i + n]
            same = len(span) == n and all(
                key_of(m) == k for m, k in zip(span, pat.keys, strict=True)
            )
            if same and all(b.start - (a.start + len(a.form)) <= gap for a, b in pairwise(span)):
                hit = (pat, span)
                break
        if hit is None:
            whole = _field_noun(keyed[i], lex)
            if whole is not None:
                end = keyed[i].start + len(keyed[i].form)
                out.append(_Match(whole.entries, keyed[i].start, end, False))
            i += 1
            continue
        pat, span = hit
        end = span[-1].start + len(span[-1].form)
        out.append(_Match(pat.entries, span[0].start, end, boda is not None and end <= boda))
        i += len(pat.keys)
    return out


def _sentence_links(
    said: Said, text: str, morphs: Sequence[Morph], lex: AliasLexicon, cfg: LinkConfig
) -> tuple[list[Link], list[str]]:
    """Links of one sentence, and its goal clauses that named no trend (for the encoder)."""
    links: list[Link] = []
    unlinked_goals: list[str] = []
    for clause in _clauses(morphs):
        intent = said.intent or _cue(clause) or ("goal" if said.stage == "goals" else "mention")
        found = _matches(clause, lex, cfg.max_gap_chars)
        for match in found:
            why: Intent = "avoid" if match.before_boda else intent
            per_kind: dict[str, int] = defaultdict(int)
            for kind, _ in match.entries:
                per_kind[kind] += 1
            for kind, slug in match.entries:
                links.append(
                    Link(
                        kind=kind,
                        slug=slug,
                        quote=text[match.start : match.end],
                        sentence=text.strip(),
                        source=said.source,
                        intent=why,
                        weight=round(cfg.weights[why] / per_kind[kind], 4),
                    )
                )
        if intent == "goal" and not any(k == "trend" for m in found for k, _ in m.entries):
            start, end = clause[0].start, clause[-1].start + len(clause[-1].form)
            unlinked_goals.append(text[start:end].strip())
    return links, unlinked_goals


_DOC_CACHE: dict[tuple[str, str, int], tuple[list[str], np.ndarray]] = {}


def _trend_docs(lex: AliasLexicon, encoder: Encoder) -> tuple[list[str], np.ndarray]:
    """Each trend's alias text embedded once per encoder (and lexicon)."""
    key = (encoder.name, encoder.version, id(lex))
    if key not in _DOC_CACHE:
        slugs = sorted(lex.trend_docs)
        _DOC_CACHE[key] = (slugs, encoder.encode([lex.trend_docs[s] for s in slugs]))
    return _DOC_CACHE[key]


def _encoder_links(
    goals: list[tuple[Said, str, str]], lex: AliasLexicon, encoder: Encoder, cfg: LinkConfig
) -> list[Link]:
    """A goal clause that named no trend: the nearest trend text, when it is near enough."""
    if not goals:
        return []
    slugs, docs = _trend_docs(lex, encoder)
    emb = encoder.encode([clause for _, clause, _ in goals])
    out: list[Link] = []
    for (said, clause, sentence), row in zip(goals, emb, strict=True):
        sims = docs @ row
        best = int(np.argmax(sims))
        if float(sims[best]) < cfg.encoder_threshold:
            continue
        weight = cfg.weights["goal"] * cfg.encoder_share
        out.append(
            Link(
                kind="trend",
                slug=slugs[best],
                quote=clause,
                sentence=sentence,
                source=said.source,
                intent="goal",
                method="encoder",
                weight=round(weight, 4),
            )
        )
    return out


def find_links(
    texts: Iterable[Said],
    *,
    encoder: Encoder | None = None,
    lexicon: AliasLexicon | None = None,
    config: LinkConfig = DEFAULT_LINKS,
) -> list[Link]:
    """Every taxonomy entry the texts name, in order, each with its quote and intent."""
    lex = lexicon or load_aliases()
    links: list[Link] = []
    goals: list[tuple[Said, str, str]] = []
    for said in texts:
        for sent in sentences(said.text):
            found, unlinked = _sentence_links(said, sent.text, sent.morphs, lex, config)
            links += found
            goals += [(said, clause, sent.text.strip()) for clause in unlinked if clause]
    if encoder is not None:
        links += _encoder_links(goals, lex, encoder, config)
    return links


@dataclass(frozen=True)
class Signals:
    """What links add to a persona: weights per interest tag, per skill, per goal trend."""

    interests: dict[str, float]
    skills: dict[str, float]
    goals: dict[str, float]


def signals(links: Iterable[Link], cap: float = 1.5) -> Signals:
    """Sum the link weights per entry, each clipped to ``[-1, cap]``."""
    sums: dict[str, dict[str, float]] = {"interest": {}, "skill": {}, "trend": {}}
    for link in links:
        bucket = sums[link.kind]
        bucket[link.slug] = bucket.get(link.slug, 0.0) + link.weight
    clip = {k: {s: max(-1.0, min(cap, w)) for s, w in v.items()} for k, v in sums.items()}
    return Signals(clip["interest"], clip["skill"], clip["trend"])
