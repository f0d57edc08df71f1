"""Korean text handling shared by the encoders, the value extractor and the coach.

One ``Kiwi`` morphological analyser per process (loading takes ~1 s and the first analysis another
~1.5 s, so it is built once, warmed, and reused), with a user dictionary for domain words Kiwi
would otherwise split (백엔드 → 백/엔드, 머신러닝 → 머신/러닝).
"""

from __future__ import annotations

import functools
import threading
import unicodedata
from dataclasses import dataclass
from typing import Any

DOMAIN_WORDS: tuple[str, ...] = (
    "백엔드",
    "프론트엔드",
    "풀스택",
    "머신러닝",
    "딥러닝",
    "생성형",
    "데이터엔지니어",
    "데이터엔지니어링",
    "헬스케어",
    "이차전지",
    "자율주행",
    "사이버보안",
    "실버산업",
    "연봉협상",
    "사회공헌",
    "자기계발",
    "유연근무",
    "대기업",
    "엠엘옵스",
    "디지털헬스",
    "칼퇴근",
    "워라밸",
    "재택근무",
    "스톡옵션",
    "비정규직",
)
"""Nouns registered with Kiwi so they stay one morpheme."""

PREFERRED_WORDS: tuple[tuple[str, float], ...] = (("안정", 3.0),)
"""Nouns Kiwi must prefer over a competing split ("안정도" is not "안 정도" here)."""

CONTENT_TAGS = frozenset({"NNG", "NNP", "NR", "SL", "SH", "XR", "VV", "VA", "MAG"})
"""POS tags whose morphemes carry meaning (nouns, foreign words, verb/adjective stems)."""


@dataclass(frozen=True, slots=True)
class Morph:
    """One morpheme: surface form, Kiwi POS tag, and character offset in its sentence text."""

    form: str
    tag: str
    start: int


@dataclass(frozen=True, slots=True)
class Sentence:
    """One sentence with its morphemes."""

    text: str
    morphs: tuple[Morph, ...]


_LOCK = threading.Lock()
_KIWI: Any = None


def kiwi() -> Any:
    """The process-wide, warmed ``Kiwi`` instance with the domain user dictionary."""
    global _KIWI
    with _LOCK:
        if _KIWI is None:
            from kiwipiepy import Kiwi

            k = Kiwi()
            for word in DOMAIN_WORDS:
                k.add_user_word(word, "NNG")
            for word, score in PREFERRED_WORDS:
                k.add_user_word(word, "NNG", score)
            k.tokenize("안녕하세요. 준비 중입니다.")
            _KIWI = k
        return _KIWI


def _tag(tag: Any) -> str:
    # Kiwi marks irregular conjugations as "VA-I"/"VV-R"; the base tag is what matters here.
    return str(tag).split("-")[0]


def morphemes(text: str) -> list[Morph]:
    """All morphemes of ``text`` (empty list for blank text)."""
    if not text.strip():
        return []
    return [Morph(t.form, _tag(t.tag), t.start) for t in kiwi().tokenize(text)]


def sentences(text: str) -> list[Sentence]:
    """Split ``text`` into sentences, each with its morphemes (offsets relative to the sentence).

    Remembered for the last :data:`SENTENCE_CACHE` texts: the coach reads a whole talk again at
    every turn (value scores, reflections), and Kiwi's analysis of the same text never changes.
    """
    if not text.strip():
        return []
    return list(_sentences(text))


SENTENCE_CACHE = 4096


@functools.lru_cache(maxsize=SENTENCE_CACHE)
def _sentences(text: str) -> tuple[Sentence, ...]:
    out: list[Sentence] = []
    for sent in kiwi().split_into_sents(text, return_tokens=True):
        morphs = tuple(Morph(t.form, _tag(t.tag), t.start - sent.start) for t in sent.tokens)
        out.append(Sentence(sent.text, morphs))
    return tuple(out)


def script_counts(text: str) -> dict[str, int]:
    """Letters of ``text`` counted by script: hangul, latin, han, kana, other."""
    counts = {"hangul": 0, "latin": 0, "han": 0, "kana": 0, "other": 0}
    for ch in text:
        if not ch.isalpha():
            continue
        name = unicodedata.name(ch, "")
        if name.startswith("HANGUL"):
            counts["hangul"] += 1
        elif name.startswith("LATIN"):
            counts["latin"] += 1
        elif name.startswith("CJK"):
            counts["han"] += 1
        elif name.startswith(("HIRAGANA", "KATAKANA")):
            counts["kana"] += 1
        else:
            counts["other"] += 1
    return counts
