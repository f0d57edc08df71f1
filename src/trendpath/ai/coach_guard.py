"""Is a model's rewrite of the coach's draft a sensible coach turn? Else the draft is sent.

The planner's draft is always a good reply; a model may only make it warmer. A rewrite passes
when it is, as a whole:

- safe: non-empty, not too long, no special tokens, no stretch of the system prompt;
- Korean: at least 70 % of its letters Hangul, and no Chinese or Japanese characters;
- the same question: it keeps the forced-choice options word for word, and it still asks the
  draft's question (a question mark, and most of the question's content words);
- on topic and truthful about the person: every number, Latin word and proper noun it uses comes
  from the draft, the conversation or the profile, and most of its content words do too (60 %
  of the whole reply, half of each sentence).

:func:`sentence_problem` applies the per-sentence parts while a reply streams, so that nonsense
is stopped before it reaches the screen.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from trendpath.ai.korean import morphemes, script_counts
from trendpath.ai.safety import leaks_prompt

_NUMBER = re.compile(r"\d+")
_LATIN = re.compile(r"[A-Za-z]{2,}")
_CONTENT = frozenset({"NNG", "NNP", "VV", "VA", "XR"})
# Words a warm rewrite may add without inventing anything about the person.
_FREE = frozenset(
    [
        "마음",
        "이야기",
        "얘기",
        "말씀",
        "생각",
        "질문",
        "답",
        "고민",
        "시간",
        "오늘",
        "지금",
        "요즘",
        "함께",
        "같이",
        "정말",
        "조금",
        "천천히",
        "편하",
        "좋",
        "고맙",
        "감사",
        "궁금",
        "듣",
        "들",
        "알",
        "보",
        "하",
        "되",
        "있",
        "없",
        "괜찮",
        "중요",
        "소중",
        "느끼",
        "반갑",
        "기쁘",
        "다행",
        "응원",
        "이해",
        "정리",
        "여쭈",
        "묻",
        "말하",
        "들려주",
        "나누",
        "떠올리",
        "고르",
        "선택",
        "기억",
        "기대",
        "부분",
        "점",
        "쪽",
        "일",
        "코치",
        "님",
        "회원",
    ]
)


@dataclass(frozen=True)
class Sources:
    """What a rewrite may draw on: the draft, its question and options, and what the person said."""

    draft: str
    question: str
    options: tuple[str, ...]
    said: tuple[str, ...]
    system_prompt: str
    max_chars: int


def _content(text: str) -> set[str]:
    return {m.form for m in morphemes(text) if m.tag in _CONTENT and len(m.form) >= 1}


def _facts(text: str) -> set[str]:
    """Numbers, Latin words and proper nouns: the things a model could invent about a person."""
    found = set(_NUMBER.findall(text)) | {w.lower() for w in _LATIN.findall(text)}
    found |= {m.form for m in morphemes(text) if m.tag == "NNP"}
    return found


def _known(sources: Sources) -> str:
    return " ".join([sources.draft, *sources.said])


def _korean(text: str) -> bool:
    counts = script_counts(text)
    letters = sum(counts.values())
    if counts["han"] or counts["kana"]:
        return False
    return letters < 6 or counts["hangul"] >= 0.7 * letters


def sentence_problem(sentence: str, sources: Sources) -> str | None:
    """Why one streamed sentence cannot be shown, or None when it may."""
    if "<|" in sentence or leaks_prompt(sentence, sources.system_prompt):
        return "unsafe"
    if not _korean(sentence):
        return "not Korean"
    known = _known(sources)
    known_facts = _facts(known)
    invented = [f for f in _facts(sentence) if f not in known_facts and f.lower() not in known]
    if invented:
        return f"invented {invented[:3]}"
    if not _on_topic(sentence, sources, share=0.5):
        return "off topic"
    return None


def _asks_the_question(reply: str, question: str) -> bool:
    if not question.strip():
        return True
    if "?" not in reply and "？" not in reply:
        return False
    asked = " ".join(s for s in split_sentences(question) if "?" in s) or question
    wanted = _content(asked) - _FREE
    if not wanted:
        return True
    return len(wanted & _content(reply)) >= 0.6 * len(wanted)


def _on_topic(reply: str, sources: Sources, share: float = 0.6) -> bool:
    words = _content(reply) - _FREE
    if not words:
        return True
    known = _content(_known(sources))
    return len(words & known) >= share * len(words)


def reply_problem(reply: str, sources: Sources) -> str | None:
    """Why a whole rewrite cannot be used (so the draft is sent), or None when it can."""
    text = reply.strip()
    if not text:
        return "empty"
    if len(text) > sources.max_chars:
        return "too long"
    if not _korean(text):
        return "not Korean"
    for sentence in split_sentences(text):
        problem = sentence_problem(sentence, sources)
        if problem:
            return problem
    if any(option not in text for option in sources.options):
        return "options changed"
    if not _asks_the_question(text, sources.question):
        return "question dropped"
    if not _on_topic(text, sources):
        return "off topic"
    return None


_SENTENCE_END = re.compile(r"(?<=[.!?？。\n])\s+")


def split_sentences(text: str) -> list[str]:
    """Sentences of a reply (split after . ! ? and line breaks)."""
    return [p for p in _SENTENCE_END.split(text) if p.strip()]


class SentenceGate:
    """Holds streamed text until a sentence is complete, then releases whole sentences."""

    def __init__(self) -> None:
        self._buffer = ""

    def feed(self, chunk: str) -> list[str]:
        """Add a chunk; return the sentences it completed (with their trailing space)."""
        self._buffer += chunk
        cut = max((m.end() for m in _SENTENCE_END.finditer(self._buffer)), default=0)
        if not cut:
            return []
        done, self._buffer = self._buffer[:cut], self._buffer[cut:]
        return [done]

    def flush(self) -> str:
        """Whatever is left when the stream ends."""
        rest, self._buffer = self._buffer, ""
        return rest


def said_by_person(texts: Iterable[str]) -> tuple[str, ...]:
    """The person's own words, for :class:`Sources`."""
    return tuple(t for t in texts if t)
