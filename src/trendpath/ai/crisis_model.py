"""The learned crisis layer: logistic regression over character n-grams and Kiwi morphemes.

The rules in :mod:`trendpath.ai.crisis` are the floor; this model adds recall for phrasings the
rules were never written for. It reads two views of a message:

- the compact form the rules read (Hangul syllables and Latin letters only, typos mended), as
  character n-grams, so spacing, dots and stray jamo do not matter;
- Kiwi morphemes of the mended, spaced text (form plus coarse tag, unigrams and bigrams), so
  that "죽었으면", "죽기를" and "죽는" share the stem 죽/V and an ending says what it does.

A message is scored whole and, when it is long, sentence by sentence, taking the highest score:
the model was trained on short phrases, and a risk stated in one sentence of a long message must
not be diluted by the rest. The score has two thresholds, both chosen by cross-validation:
``threshold`` (the crisis reply) and the lower ``concern`` (a gentle check-in; see
:mod:`trendpath.ai.safety`).

Weights live in ``data/safety/crisis_model.json``; :mod:`trendpath.ai.crisis_train` rebuilds that
file deterministically (``python -m bench.crisis --train``). Scoring needs Kiwi (loaded by the
service anyway) and the standard library.
"""

from __future__ import annotations

import functools
import itertools
import json
import math
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from trendpath.ai.crisis import TYPO_RES, expand_jamo
from trendpath.ai.korean import kiwi

FORMAT = "trendpath-crisis-logreg/2"

# With a gate, only text that names a risk concept is judged: in a small training set, Korean
# endings shared with crisis language ("모르겠어요", "지쳤어요") pulled ordinary answers over the
# line. The writer-level cross-validation in bench/crisis.py decides which gate pays.
RISK_ANCHOR = re.compile(
    r"죽|자살|자해|목숨|살(?:기|고|아|지|것|게|거|래|란|맛|이유|가치|의미|자격|수|힘|만한)|사는|사라|없어지|없어져|없는편|없으면|없어도"
    r"|지우|지워|끝|그만|놓|포기|떠나|떠날|떠났|등지|하직|마감|마치|영원|영영|깨|깨어|일어나|눈(?:을)?(?:안|감|뜨)|뜨"
    r"|잠들|숨|존재|태어|세상|인생|삶|생을|생이|현생|이번생|뛰어|떨어|투신|옥상|한강|다리|난간|선로|높은|층"
    r"|수면제|약|번개탄|연탄|밧줄|줄|농약|가스|칼|커터|긋|그었|그어|상처|피|아프|해치|벌주|유서|유언|장례"
    r"|마지막|편지|안녕|작별|정리|나눠|짐|민폐|부담|방법|결심|준비|편해|편하|쉬"
    r"|die|dead|death|kill|suicid|end|live|living|exist|harm|cut|pill|jump|goodbye|better"
)
# The wide gate adds the euphemisms and indirect signs of the second writer's files (dev3, dev4):
# "going" for dying ("먼저 갈게", "따라가고 싶어"), a future that will not come ("내년 달력은
# 안 사려고요"), affairs put in order (보험 수익자, 비밀번호), self-punishment (굶다, 때리다).
WIDE_ANCHOR = re.compile(
    RISK_ANCHOR.pattern
    + r"|먼저가|먼저갈|따라가|따라갈|가야지|가야겠|가야쓰|가야돼|갈게|갈래|가불|가뿔|가게해|데려가"
    r"|곁으로|계신데|돌아올|돌아오는|없을|없는게|없이|보험|수익자|비번|비밀번호|삭제|굶|곡기"
    r"|자격(?!증)|치이|치여|치고|들이받|스크린도어|실패했|시도|때렸|때려|박았|박아|쳤|긁|찔"
    r"|화장하|영정|기일|관속|달력|새해|내년|크리스마스|전원|끄려|엔딩|로그아웃|체크아웃|하늘"
    r"|흙으로|강물|바다|깊은|산속|발견|동맥|인슐린|한꺼번|고통|마렵|주글|쥬금|간다|이번주안에"
    r"|gone|around|scratch|notice"
)
_GATES = {"anchor": RISK_ANCHOR, "wide": WIDE_ANCHOR}
_KEEP = re.compile(r"[^가-힣a-z]+")
_SENTENCES = re.compile(r"[^.!?\n。？！…~]+")
# Punctuation, symbols and numbers say nothing here; foreign words (SL) are kept, lower-cased.
_SKIP_TAGS = ("SF", "SP", "SS", "SE", "SO", "SW", "SN", "SH", "SB", "W_", "UN", "Z")


def mend(text: str) -> str:
    """NFKC, lower case, jamo slang and typos mended; spacing kept (what Kiwi reads)."""
    text = unicodedata.normalize("NFKC", expand_jamo(text)).lower()
    for pattern, repl in TYPO_RES:
        text = pattern.sub(repl, text)
    return text


def model_text(text: str) -> str:
    """Lower-cased Hangul syllables and Latin letters with the rules' typo mending applied."""
    squeezed = _KEEP.sub("", mend(text))
    for pattern, repl in TYPO_RES:
        squeezed = pattern.sub(repl, squeezed)
    return squeezed


def char_ngrams(squeezed: str, low: int, high: int) -> set[str]:
    """Distinct character n-grams (``low``..``high``) of ``<text>``; the marks anchor the ends."""
    padded = f"<{squeezed}>"
    return {padded[i : i + n] for n in range(low, high + 1) for i in range(len(padded) - n + 1)}


def morph_grams(tokens: list[Any]) -> set[str]:
    """Kiwi morpheme unigrams and bigrams ("~죽/V", "~죽/V+고/E"), marked apart from n-grams."""
    units = [f"{t.form}/{str(t.tag)[:1]}" for t in tokens if not str(t.tag).startswith(_SKIP_TAGS)]
    grams = {f"~{u}" for u in units}
    grams.update(f"~{a}+{b}" for a, b in itertools.pairwise(units))
    return grams


# Sentences are scored on their own only in a long message, and only when they have a few
# syllables: a fragment like "아." or "1번" has so few n-grams that its normalised score is noise.
LONG_MESSAGE = 20
MIN_PIECE = 4


@dataclass(frozen=True)
class Piece:
    """One scored unit (the whole message or one sentence): its compact text and features."""

    compact: str
    features: frozenset[str]


@dataclass(frozen=True)
class FeatureSpec:
    """Which features a model reads; stored in the model file so scoring matches training."""

    char_low: int = 1
    char_high: int = 4
    morphs: bool = True

    def of(self, squeezed: str, tokens: list[Any]) -> frozenset[str]:
        """The feature set of one piece."""
        grams = char_ngrams(squeezed, self.char_low, self.char_high)
        if self.morphs:
            grams |= morph_grams(tokens)
        return frozenset(grams)


def pieces(text: str, spec: FeatureSpec) -> list[Piece]:
    """The whole message and, when it is long, each sentence of it."""
    mended = mend(text)
    whole = model_text(text)
    if not whole:
        return []
    tokens = kiwi().tokenize(mended) if spec.morphs else []
    out = [Piece(whole, spec.of(whole, tokens))]
    if len(whole) <= LONG_MESSAGE:
        return out
    for match in _SENTENCES.finditer(mended):
        squeezed = model_text(match.group())
        if len(squeezed) < MIN_PIECE or squeezed == whole:
            continue
        inside = [t for t in tokens if match.start() <= t.start < match.end()]
        out.append(Piece(squeezed, spec.of(squeezed, inside)))
    return out


def whole_features(text: str, spec: FeatureSpec) -> frozenset[str]:
    """The features of the whole message (what training reads)."""
    found = pieces(text, spec)
    return found[0].features if found else frozenset()


@dataclass(frozen=True)
class CrisisModel:
    """Weights of one trained model and the two thresholds chosen by cross-validation."""

    spec: FeatureSpec
    weights: dict[str, float]
    bias: float
    threshold: float
    concern: float
    gate: str
    meta: dict[str, object]

    def piece_score(self, features: frozenset[str]) -> float:
        """The logit for one piece: binary features, L2-normalised, dot the weights."""
        if not features:
            return self.bias
        total = sum(self.weights.get(g, 0.0) for g in features)
        return total / math.sqrt(len(features)) + self.bias

    def score_pieces(self, found: list[Piece]) -> float:
        """The highest logit over the pieces the gate lets through (-inf when none)."""
        gate = _GATES.get(self.gate)
        kept = [p for p in found if gate is None or gate.search(p.compact)]
        if not kept:
            return -math.inf
        return max(self.piece_score(p.features) for p in kept)

    def score(self, text: str) -> float:
        """The highest logit over the message and its sentences."""
        return self.score_pieces(pieces(text, self.spec))

    def flags(self, text: str) -> bool:
        """True when the score reaches the crisis threshold."""
        return self.score(text) >= self.threshold

    def to_json(self) -> str:
        """The file form: sorted, rounded, one feature per line, so diffs stay readable."""
        payload = {
            "format": FORMAT,
            "features": {
                "char_low": self.spec.char_low,
                "char_high": self.spec.char_high,
                "morphs": self.spec.morphs,
            },
            "gate": self.gate,
            "bias": round(self.bias, 4),
            "threshold": round(self.threshold, 4),
            "concern": round(self.concern, 4),
            "meta": self.meta,
            "weights": {g: round(w, 4) for g, w in sorted(self.weights.items())},
        }
        return json.dumps(payload, ensure_ascii=False, indent=0) + "\n"

    @classmethod
    def from_json(cls, text: str) -> CrisisModel:
        """Read the file form back; a wrong format is an error, never a silent default."""
        raw = json.loads(text)
        if raw.get("format") != FORMAT:
            raise ValueError(f"unknown crisis model format: {raw.get('format')!r}")
        feats = raw["features"]
        return cls(
            spec=FeatureSpec(
                int(feats["char_low"]), int(feats["char_high"]), bool(feats["morphs"])
            ),
            weights={str(g): float(w) for g, w in raw["weights"].items()},
            bias=float(raw["bias"]),
            threshold=float(raw["threshold"]),
            concern=float(raw["concern"]),
            gate=str(raw["gate"]),
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
