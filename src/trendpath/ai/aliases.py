"""The Korean alias lexicon (``data/taxonomy/aliases.yaml``) compiled into morpheme patterns.

Every alias, and every interest tag's and skill's own Korean label, is analysed with Kiwi once at
load time into the sequence of its content morphemes ("데이터 분석" → 데이터, 분석). The matcher
(:mod:`trendpath.ai.links`) then finds those sequences among a sentence's content morphemes, so
particles and endings never matter: "데이터를 분석하는 일" matches "데이터 분석". A pattern keeps
every entry that spells it (several trends may share a job title), so a match is never guessed
between them: the weight is shared.
"""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from trendpath.ai.korean import Morph, morphemes
from trendpath.kit.settings import default_data_dir
from trendpath.kit.taxonomy import TaxonomyError, load_taxonomy

Kind = Literal["interest", "skill", "trend"]
KEY_TAGS = frozenset({"NNG", "NNP", "NR", "SL", "SH", "XR", "VV", "VA", "SN"})
"""Morphemes that make up a pattern: nouns, foreign words, numbers and verb/adjective stems."""


def key_of(m: Morph) -> str:
    """The matching key of a morpheme (latin lower-cased, so "AI" meets "ai")."""
    return m.form.lower() if m.tag in ("SL", "SH") else m.form


@dataclass(frozen=True)
class Pattern:
    """One alias as morpheme keys, and the entries it names."""

    keys: tuple[str, ...]
    entries: tuple[tuple[Kind, str], ...]


@dataclass(frozen=True)
class AliasLexicon:
    """Patterns indexed by their first key (longest first), and a text per trend."""

    by_first: dict[str, tuple[Pattern, ...]]
    trend_docs: dict[str, str]
    size: int


class _AliasFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int
    trends: dict[str, list[str]]
    interests: dict[str, list[str]] = {}
    skills: dict[str, list[str]] = {}
    generic: list[str] = []


def _label_parts(label: str) -> list[str]:
    """A taxonomy label and its parts: "회계·재무" → 회계·재무, 회계, 재무."""
    parts = [p.strip() for p in re.split(r"[·/()]", label) if p.strip()]
    return [label, *parts]


def _keys(text: str) -> tuple[str, ...]:
    return tuple(key_of(m) for m in morphemes(text) if m.tag in KEY_TAGS)


def _read(path: Path) -> _AliasFile:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        return _AliasFile.model_validate(raw)
    except FileNotFoundError as exc:
        raise TaxonomyError(f"{path}: file not found") from exc
    except (yaml.YAMLError, ValidationError) as exc:
        raise TaxonomyError(f"{path}: invalid alias lexicon: {exc}") from None


def _phrases(root: Path, parsed: _AliasFile) -> dict[tuple[Kind, str], list[str]]:
    tax = load_taxonomy(root)
    out: dict[tuple[Kind, str], list[str]] = {}
    for slug, tag in tax.interests.items():
        out[("interest", slug)] = [*_label_parts(tag.ko), *parsed.interests.get(slug, [])]
    for slug, skill in tax.skills.items():
        out[("skill", slug)] = [*_label_parts(skill.ko), *parsed.skills.get(slug, [])]
    for slug, aliases in parsed.trends.items():
        out[("trend", slug)] = list(aliases)
    unknown = [s for s in parsed.interests if s not in tax.interests]
    unknown += [s for s in parsed.skills if s not in tax.skills]
    if unknown:
        raise TaxonomyError(f"{root}/taxonomy/aliases.yaml: unknown tags or skills {unknown}")
    return out


def _compile(
    phrases: dict[tuple[Kind, str], list[str]], generic: list[str]
) -> dict[str, tuple[Pattern, ...]]:
    skip = {_keys(word) for word in generic}
    named: dict[tuple[str, ...], dict[tuple[Kind, str], None]] = defaultdict(dict)
    for entry, texts in phrases.items():
        for text in texts:
            keys = _keys(text)
            if keys and keys not in skip:
                named[keys][entry] = None
    by_first: dict[str, list[Pattern]] = defaultdict(list)
    for keys, entries in named.items():
        by_first[keys[0]].append(Pattern(keys, tuple(entries)))
    return {k: tuple(sorted(v, key=lambda p: -len(p.keys))) for k, v in by_first.items()}


@functools.lru_cache(maxsize=4)
def _load(root: Path) -> AliasLexicon:
    parsed = _read(root / "taxonomy" / "aliases.yaml")
    phrases = _phrases(root, parsed)
    docs = {slug: ", ".join(aliases) for slug, aliases in parsed.trends.items()}
    by_first = _compile(phrases, parsed.generic)
    return AliasLexicon(by_first, docs, sum(len(v) for v in by_first.values()))


def load_aliases(data_dir: Path | None = None) -> AliasLexicon:
    """The compiled lexicon of ``<data_dir>/taxonomy/aliases.yaml`` (cached per folder)."""
    root = data_dir.resolve() if data_dir is not None else default_data_dir()
    return _load(root)
