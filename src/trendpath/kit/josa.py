"""Korean particles (조사) chosen by how the word before them is read aloud.

Korean picks 은/는, 이/가, 을/를, 과/와, 으로/로, 이에요/예요 … by whether the last syllable *as
spoken* ends in a consonant (받침) — and 으로/로 also by whether that consonant is ㄹ. Words in
Hangul carry the answer in their code point; everything else has to be read first:

* **digits** the Sino-Korean way: ``1`` 일 (ㄹ: "1로"), ``9`` 구 ("9는"), ``10`` 십, ``100`` 백,
  ``1000`` 천, ``7.2`` ends in 이;
* **acronyms** letter by letter: ``SQL`` 에스큐엘 ("SQL로"), ``XR`` 엑스알, ``AI`` 에이아이;
* **English words** by their usual Korean loanword reading: a lexicon of the tools and fields the
  product talks about (``Docker`` 도커 → "Docker는", ``Git`` 깃 → "Git은"), then spelling rules
  for the rest (``-ng``/``-m``/``-n`` end in a consonant, ``-l``/``-le`` in ㄹ, ``-er`` in a
  vowel…);
* a **trailing parenthesis** is skipped, as Korean orthography attaches the particle to the word
  before it: "MLOps(머신러닝 운영)는".

When nothing readable is left (symbols only) both forms are written, "은(는)", which is the
conventional fallback and never wrong.
"""

from __future__ import annotations

import re
from typing import Literal

Ending = Literal["vowel", "rieul", "consonant"]

PAIRS: dict[str, tuple[str, str]] = {}
for _with, _without in (
    ("은", "는"),
    ("이", "가"),
    ("을", "를"),
    ("과", "와"),
    ("으로", "로"),
    ("이에요", "예요"),
    ("이었어요", "였어요"),
    ("이나", "나"),
    ("이라", "라"),
    ("이라고", "라고"),
    ("아", "야"),
    ("이랑", "랑"),
):
    PAIRS[_with] = PAIRS[_without] = PAIRS[f"{_with}/{_without}"] = (_with, _without)

_DIGIT: dict[str, Ending] = {
    "0": "consonant",  # 영
    "1": "rieul",  # 일
    "2": "vowel",  # 이
    "3": "consonant",  # 삼
    "4": "vowel",  # 사
    "5": "vowel",  # 오
    "6": "consonant",  # 육
    "7": "rieul",  # 칠
    "8": "rieul",  # 팔
    "9": "vowel",  # 구
}
_LETTER: dict[str, Ending] = {c: "vowel" for c in "abcdefghijkopqstuvwxyz"}
_LETTER.update({"l": "rieul", "r": "rieul", "m": "consonant", "n": "consonant"})


def _words(text: str) -> list[str]:
    return text.split()


# Usual Korean readings of words the product shows (skills, tools, fields), by how they end.
_LEXICON: dict[str, Ending] = {
    **dict.fromkeys(
        _words(
            "excel sql mysql postgresql nosql html xml yaml ansible unreal control "
            "google kernel model tool"
        ),
        "rieul",
    ),
    **dict.fromkeys(
        _words(
            "git python kotlin notion slack photoshop matlab terraform spring app web chip type "
            "pipeline online machine design blockchain bitcoin marketing engineering "
            "computing learning planning branding frame name chat bot kit set stack hack "
            "book notebook facebook llm cam"
        ),
        "consonant",
    ),
    **dict.fromkeys(
        _words(
            "docker kubernetes java javascript typescript swift rust go figma jira tableau "
            "pytorch tensorflow pandas numpy spark kafka airflow linux unity blender "
            "illustrator premiere chatgpt gpt rag mlops devops react vue django flask fastapi "
            "jenkins opencv ros autocad solidworks github hub cloud data android ios "
            "powerpoint word office service code note base page scope network framework "
            "check debug log blog unix windows mac server"
        ),
        "vowel",
    ),
}
_TRAILING_PAREN = re.compile(r"\s*[(\[][^()\[\]]*[)\]]\s*$")
_CLOSERS = " \t\"'’”」』》〉.,!?"
_NUMBER = re.compile(r"(\d[\d,]*)(?:\.(\d+))?$")
_LATIN = re.compile(r"[A-Za-z][A-Za-z.+#]*$")


def _hangul(ch: str) -> Ending:
    final = (ord(ch) - 0xAC00) % 28
    return "vowel" if final == 0 else "rieul" if final == 8 else "consonant"


def _number(whole: str, fraction: str | None) -> Ending:
    if fraction:
        return _DIGIT[fraction[-1]]
    digits = whole.replace(",", "").lstrip("0") or "0"
    if digits == "0":
        return "consonant"
    zeros = len(digits) - len(digits.rstrip("0"))
    if zeros == 0:
        return _DIGIT[digits[-1]]
    # 십 (ㅂ), 백 (ㄱ), 천 (ㄴ), 만 (ㄴ), 억 (ㄱ), 조 (vowel)
    return "consonant" if zeros < 12 else "vowel"


def _spelled(word: str) -> Ending:
    """An English word's ending by spelling rules (the lexicon failed)."""
    w = word.lower()
    if w.endswith(("ng", "m", "n")):
        return "consonant"
    if w.endswith(("l", "le")):
        return "rieul"
    if w.endswith(("me", "ne")):
        return "consonant"
    if w.endswith(("p", "b", "ck", "ook")):
        return "consonant"
    # A short word of one vowel letter ending in t (git, chat, bot) is read with ㅅ: 깃, 챗, 봇.
    if re.fullmatch(r"[^aeiou]+[aeiou][t]", w):
        return "consonant"
    return "vowel"


def _latin(token: str) -> Ending:
    if token.endswith("++"):
        return "vowel"  # 플러스플러스
    if token.endswith("#"):
        return "consonant"  # 샵
    token = token.rstrip(".+#")
    if token.lower().endswith(".js"):
        return "vowel"  # 제이에스
    last = re.split(r"[.]", token)[-1] or token
    if last.lower() in _LEXICON:
        return _LEXICON[last.lower()]
    if last.isupper() or len(last) == 1:
        return _LETTER[last[-1].lower()]
    # CamelCase: the reading is decided by its last part ("MLOps" → Ops, "PyTorch" → Torch).
    parts = re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+", last)
    tail = parts[-1] if parts else last
    if tail.lower() in _LEXICON:
        return _LEXICON[tail.lower()]
    if tail.isupper():
        return _LETTER[tail[-1].lower()]
    return _spelled(tail)


def ending(word: str) -> Ending | None:
    """How ``word`` ends when read aloud; None when nothing in it can be read."""
    text = word.rstrip(_CLOSERS)
    while _TRAILING_PAREN.search(text):
        text = _TRAILING_PAREN.sub("", text).rstrip(_CLOSERS)
    if not text:
        return None
    if text.endswith("%"):
        return "vowel"  # 퍼센트
    last = text[-1]
    if "가" <= last <= "힣":
        return _hangul(last)
    number = _NUMBER.search(text)
    if number:
        return _number(number.group(1), number.group(2))
    latin = _LATIN.search(text)
    if latin:
        return _latin(latin.group(0))
    return None


def particle(word: str, which: str) -> str:
    """The form of particle ``which`` (either form, or ``"은/는"``) that fits ``word``."""
    with_batchim, without = PAIRS[which]
    end = ending(word)
    if end is None:
        return f"{with_batchim}({without})"
    if with_batchim == "으로":
        return "으로" if end == "consonant" else "로"
    return without if end == "vowel" else with_batchim


def josa(word: str, which: str) -> str:
    """``word`` followed by the fitting form of ``which``: ``josa("Docker", "은")`` → "Docker는"."""
    return word + particle(word, which)
