"""The learned crisis layer: logistic regression over character n-grams, shipped as a JSON file.

The rules in :mod:`trendpath.ai.crisis` are the floor; this model adds recall for phrasings the
rules were never written for. It reads the same compact form of a message as the rules (Hangul
syllables and Latin letters only, typos mended), so spacing, dots and stray jamo do not matter,
and it scores every sentence of a message as well as the whole, taking the highest score: the
model was trained on short phrases, and a risk stated in one sentence of a long message must not
be diluted by the rest.

Weights live in ``data/safety/crisis_model.json``; :mod:`trendpath.ai.crisis_train` rebuilds that
file deterministically from the dev phrase files and ordinary career answers
(``python -m bench.crisis --train``). Scoring needs nothing but the standard library.
"""

from __future__ import annotations

import functools
import json
import math
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from trendpath.ai.crisis import JAMO_SLANG, TYPO_RES

# The model judges only text that names a risk concept: death, living, disappearing, ending,
# leaving, not waking, jumping or falling, means, self-harm, farewells, burden. In short career
# answers Korean endings ("모르겠어요", "지쳤어요", "없어요") are shared with crisis language,
# and an n-gram model trained on a few hundred phrases cannot tell them apart without this gate.
RISK_ANCHOR = re.compile(
    r"죽|자살|자해|목숨|살(?:기|고|아|지|것|게|거|래|란|맛|이유|가치|의미|자격|수|힘|만한)|사는|사라|없어지|없어져|없는편|없으면|없어도"
    r"|지우|지워|끝|그만|놓|포기|떠나|떠날|떠났|등지|하직|마감|마치|영원|영영|깨|깨어|일어나|눈(?:을)?(?:안|감|뜨)|뜨"
    r"|잠들|숨|존재|태어|세상|인생|삶|생을|생이|현생|이번생|뛰어|떨어|투신|옥상|한강|다리|난간|선로|높은|층"
    r"|수면제|약|번개탄|연탄|밧줄|줄|농약|가스|칼|커터|긋|그었|그어|상처|피|아프|해치|벌주|유서|유언|장례"
    r"|마지막|편지|안녕|작별|정리|나눠|짐|민폐|부담|방법|결심|준비|편해|편하|쉬"
    r"|die|dead|death|kill|suicid|end|live|living|exist|harm|cut|pill|jump|goodbye|better"
)
_KEEP = re.compile(r"[^가-힣a-z]+")
_SENTENCES = re.compile(r"[.!?\n。？！…~]+")


def model_text(text: str) -> str:
    """Lower-cased Hangul syllables and Latin letters with the rules' typo mending applied."""
    text = unicodedata.normalize("NFKC", JAMO_SLANG.sub("자살", text)).lower()
    squeezed = _KEEP.sub("", text)
    for pattern, repl in TYPO_RES:
        squeezed = pattern.sub(repl, squeezed)
    return squeezed


def char_ngrams(squeezed: str, low: int, high: int) -> set[str]:
    """Distinct character n-grams (``low``..``high``) of ``<text>``; the marks anchor the ends."""
    padded = f"<{squeezed}>"
    return {padded[i : i + n] for n in range(low, high + 1) for i in range(len(padded) - n + 1)}


# Sentences are scored on their own only in a long message, and only when they have a few
# syllables: a fragment like "아." or "1번" has so few n-grams that its normalised score is noise.
LONG_MESSAGE = 20
MIN_PIECE = 4


def pieces(text: str) -> list[str]:
    """The whole message and, when it is long, each sentence of it (compact forms)."""
    whole = model_text(text)
    if len(whole) <= LONG_MESSAGE:
        return [whole] if whole else []
    parts = [model_text(p) for p in _SENTENCES.split(text)]
    return [whole, *(p for p in parts if len(p) >= MIN_PIECE and p != whole)]


NORM = "sqrt"


def _norm(count: int) -> float:
    return math.sqrt(max(1, count)) if NORM == "sqrt" else 1.0


@dataclass(frozen=True)
class CrisisModel:
    """Weights of one trained model and the decision threshold chosen by cross-validation."""

    ngram_low: int
    ngram_high: int
    weights: dict[str, float]
    bias: float
    threshold: float
    meta: dict[str, object]

    def piece_score(self, squeezed: str) -> float:
        """The logit for one compact piece: binary n-grams, L2-normalised, dot the weights."""
        grams = char_ngrams(squeezed, self.ngram_low, self.ngram_high)
        if not grams:
            return self.bias
        total = sum(self.weights.get(g, 0.0) for g in grams)
        return total / _norm(len(grams)) + self.bias

    def score(self, text: str) -> float:
        """The highest logit over the message and its sentences that name a risk concept."""
        found = [p for p in pieces(text) if RISK_ANCHOR.search(p)]
        if not found:
            return -math.inf
        return max(self.piece_score(p) for p in found)

    def flags(self, text: str) -> bool:
        """True when the score reaches the threshold."""
        return self.score(text) >= self.threshold

    def to_json(self) -> str:
        """The file form: sorted, rounded, one n-gram per line, so diffs stay readable."""
        payload = {
            "format": "trendpath-crisis-charngram-logreg/1",
            "ngram_low": self.ngram_low,
            "ngram_high": self.ngram_high,
            "bias": round(self.bias, 4),
            "threshold": round(self.threshold, 4),
            "meta": self.meta,
            "weights": {g: round(w, 4) for g, w in sorted(self.weights.items())},
        }
        text = json.dumps(payload, ensure_ascii=False, indent=0, sort_keys=False)
        return text + "\n"

    @classmethod
    def from_json(cls, text: str) -> CrisisModel:
        """Read the file form back; a wrong format is an error, never a silent default."""
        raw = json.loads(text)
        if raw.get("format") != "trendpath-crisis-charngram-logreg/1":
            raise ValueError(f"unknown crisis model format: {raw.get('format')!r}")
        return cls(
            ngram_low=int(raw["ngram_low"]),
            ngram_high=int(raw["ngram_high"]),
            weights={str(g): float(w) for g, w in raw["weights"].items()},
            bias=float(raw["bias"]),
            threshold=float(raw["threshold"]),
            meta=dict(raw.get("meta", {})),
        )


def default_model_path() -> Path:
    """``data/safety/crisis_model.json`` of this checkout (or of the installed image)."""
    from trendpath.kit.settings import default_data_dir

    return default_data_dir() / "safety" / "crisis_model.json"


@functools.lru_cache(maxsize=4)
def load_model(path: Path | None = None) -> CrisisModel:
    """The shipped model, read once per process (a missing file is an error: it ships)."""
    return CrisisModel.from_json((path or default_model_path()).read_text(encoding="utf-8"))
