"""The learned polarity check on the value lexicon (values_polarity.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from trendpath.ai.dialogue import Turn
from trendpath.ai.korean import sentences
from trendpath.ai.values import ExtractorConfig, extract_values
from trendpath.ai.values_lexicon import AxisDelta, analyse_sentence, load_lexicon
from trendpath.ai.values_polarity import (
    FORMAT,
    PolarityModel,
    answer_probe,
    corrected,
    default_polarity_path,
    examples,
    load_polarity,
    read_sentence,
    train,
)


def one(text: str):  # type: ignore[no-untyped-def]
    (sentence,) = sentences(text)
    return sentence


# A model that reads every sentence as a rejection (P(endorse) ≈ 0) and one that reads every
# sentence as an endorsement: real models, with only a bias (and each guard).
REJECTS = PolarityModel({}, -10.0, 0.3)
ENDORSES = PolarityModel({}, 10.0, 0.3)
REJECTS_THREATS = PolarityModel({}, -10.0, 0.3, guard="threat-cues")


@pytest.mark.parametrize("model", [REJECTS, REJECTS_THREATS])
def test_a_confident_rejection_turns_a_single_rise_into_a_fall(model: PolarityModel) -> None:
    lex = load_lexicon()
    sentence = one("안정적인 회사에서 오래 일하고 싶어요.")
    plain = analyse_sentence(sentence, lex)
    assert [d.axis for d in plain] == ["job_security"] and plain[0].delta > 0
    flipped = read_sentence(sentence, lex, model=model)
    assert [(d.axis, d.delta) for d in flipped] == [("job_security", -plain[0].delta)]
    # An endorsing model, or none, leaves the lexicon's reading as it is.
    assert read_sentence(sentence, lex, model=ENDORSES) == plain
    assert read_sentence(sentence, lex, model=None) == plain


@pytest.mark.parametrize(
    ("text", "axis"),
    [
        ("불안정한 건 싫어요.", "job_security"),  # a dislike of a threat: a wish
        ("새로운 일에 도전하는 게 싫지 않아요.", "change_orientation"),  # double negation
        ("자율은 절대 양보 못 해요.", "autonomy"),  # refusing to give it up: insisting
        ("잘릴까 봐 불안해요.", "job_security"),  # a worry about it
    ],
)
def test_readings_the_lexicon_weighed_keep_their_sign(text: str, axis: str) -> None:
    lex = load_lexicon()
    sentence = one(text)
    plain = analyse_sentence(sentence, lex)
    assert any(d.axis == axis and d.delta > 0 for d in plain)
    for model in (REJECTS, REJECTS_THREATS):
        assert read_sentence(sentence, lex, model=model) == plain


def test_the_guards_differ_on_a_single_negative_word() -> None:
    """One negative word and no threat cue: the lexicon may have misjudged its scope. The
    ``negative-words`` guard keeps the lexicon's reading; ``threat-cues`` lets the model read."""
    lex = load_lexicon()
    sentence = one("그런 건 별로예요.")
    rise = [AxisDelta("economic_reward", 1.0, sentence.text)]
    assert corrected(rise, sentence, lex, REJECTS) == rise
    assert corrected(rise, sentence, lex, REJECTS_THREATS) == [
        AxisDelta("economic_reward", -1.0, sentence.text)
    ]


def test_turning_both_ways_also_reads_a_fall_as_a_wish() -> None:
    lex = load_lexicon()
    sentence = one("그런 건 별로예요.")
    fall = [AxisDelta("economic_reward", -1.0, sentence.text)]
    endorses_down = PolarityModel({}, 10.0, 0.3, guard="threat-cues")
    endorses_both = PolarityModel({}, 10.0, 0.3, guard="threat-cues", direction="both")
    assert corrected(fall, sentence, lex, endorses_down) == fall
    assert corrected(fall, sentence, lex, endorses_both) == [
        AxisDelta("economic_reward", 1.0, sentence.text)
    ]


def test_a_turned_sentence_keeps_the_models_weight_of_its_amount() -> None:
    lex = load_lexicon()
    sentence = one("그런 건 별로예요.")
    rise = [AxisDelta("economic_reward", 1.2, sentence.text)]
    half = PolarityModel({}, -10.0, 0.3, guard="threat-cues", weight=0.5)
    assert corrected(rise, sentence, lex, half) == [
        AxisDelta("economic_reward", -0.6, sentence.text)
    ]


def test_both_guards_let_the_model_read_a_refusal_with_no_negative_word() -> None:
    lex = load_lexicon()
    sentence = one("새로운 도전 같은 거, 솔직히 저랑은 거리가 먼 얘기예요.")
    plain = analyse_sentence(sentence, lex)
    assert [d.axis for d in plain] == ["change_orientation"] and plain[0].delta > 0
    for model in (REJECTS, REJECTS_THREATS):
        assert read_sentence(sentence, lex, model=model)[0].delta < 0


def test_two_values_in_one_sentence_keep_the_lexicon_reading() -> None:
    lex = load_lexicon()
    sentence = one("돈보다 안정이 중요해요.")
    deltas = [AxisDelta("economic_reward", -1.0, "x"), AxisDelta("job_security", 1.0, "x")]
    assert corrected(deltas, sentence, lex, REJECTS) == deltas


def test_a_probe_answer_the_lexicon_cannot_read_takes_a_confident_model() -> None:
    lex = load_lexicon()
    unread = one("허허, 그거 12년 누렸으면 됐습니다.")
    assert answer_probe(unread, lex, None) == 0.0
    assert answer_probe(unread, lex, REJECTS) == -1.0
    assert answer_probe(unread, lex, ENDORSES) == 1.0
    unsure = PolarityModel({}, 0.0, 0.3)  # P = 0.5: not confident either way
    assert answer_probe(unread, lex, unsure) == 0.0
    # A hedge answers neither way, whatever the model says.
    assert answer_probe(one("글쎄요."), lex, REJECTS) == 0.0
    assert answer_probe(one("잘 모르겠어요."), lex, ENDORSES) == 0.0
    # A plain yes stays the lexicon's, whatever the model says.
    assert answer_probe(one("네, 중요해요."), lex, REJECTS) > 0


def test_the_shipped_model_reads_idiomatic_refusals_the_lexicon_misses() -> None:
    cases = [
        (
            "법인은 월급이 고정으로 나오는데, 그 든든함을 내려놓는 건 괜찮으십니까?",
            "job_security",
            "허허, 그거 12년 누렸으면 됐습니다.",
        ),
        ("새로운 분야에 도전해 보는 건요?", "change_orientation", "아이고 마, 됐심더."),
        ("교육 기회가 있다면요?", "self_development", "이 나이에 뭘 또 배웁니까."),
    ]
    for question, axis, answer in cases:
        talk = [Turn(role="coach", text=question, probe_axis=axis), Turn(role="user", text=answer)]
        alone = extract_values(talk, config=ExtractorConfig(polarity=False)).scores()[axis]
        served = extract_values(talk).scores()[axis]
        assert alone >= 0.5 > served, (axis, alone, served)


def test_the_shipped_model_keeps_plain_wishes() -> None:
    for text, axis in [
        ("안정적인 직장이 제일 중요해요.", "job_security"),
        ("성장할 수 있는 곳이면 좋겠어요.", "self_development"),
        ("돈 많이 버는 게 최고죠.", "economic_reward"),
        ("사회에 도움이 되는 일을 하고 싶어요.", "social_contribution"),
    ]:
        assert extract_values([Turn(role="user", text=text)]).scores()[axis] > 0.6


def test_weak_labels_come_from_the_labelled_values() -> None:
    turns = [
        Turn(role="coach", text="요즘 어떻게 지내세요?"),
        Turn(role="user", text="안정적인 회사에서 오래 일하고 싶어요."),
        Turn(role="coach", text="새로운 도전은 어떠세요?", probe_axis="change_orientation"),
        Turn(role="user", text="허허, 그건 됐습니다."),
        Turn(role="coach", text="정리해 볼게요.", stage="summary"),
        Turn(role="user", text="네 맞아요, 안정이 제일이에요.", stage="summary"),
    ]
    found = examples([(turns, "job_security", "change_orientation")])
    assert [(e.sentence.text, e.label) for e in found] == [
        ("안정적인 회사에서 오래 일하고 싶어요.", 1),
        ("허허, 그건 됐습니다.", 0),
    ]


def test_training_is_deterministic_and_fits_its_examples() -> None:
    talks = [
        (
            [
                Turn(role="coach", text="돈은 얼마나 중요하세요?", probe_axis="economic_reward"),
                Turn(role="user", text=no),
                Turn(role="coach", text="안정은요?", probe_axis="job_security"),
                Turn(role="user", text=yes),
            ],
            "job_security",
            "economic_reward",
        )
        for no, yes in [
            ("그건 진짜 됐어요.", "그게 제일이죠 정말."),
            ("에이 그건 됐고요.", "그럼요 제일이죠."),
            ("됐어요 그런 건.", "정말 제일이에요."),
        ]
    ]
    found = examples(talks)
    first = train(found, c=30.0, threshold=0.3)
    second = train(found, c=30.0, threshold=0.3)
    assert first == second
    assert all((first.endorse(e.sentence) > 0.5) == (e.label == 1) for e in found)


def test_file_round_trip_and_a_wrong_format_is_refused(tmp_path: Path) -> None:
    model = PolarityModel(
        {"~됐/V": -1.25, "<그": 0.5}, 0.25, 0.3, 3, {"c": 30.0}, "threat-cues", "both", 0.5
    )
    assert PolarityModel.from_json(model.to_json()) == model
    bad = json.loads(model.to_json()) | {"format": "something-else"}
    with pytest.raises(ValueError, match="unknown values polarity format"):
        PolarityModel.from_json(json.dumps(bad))
    path = tmp_path / "polarity.json"
    path.write_text(model.to_json(), encoding="utf-8")
    assert load_polarity(str(path)) == model


def test_the_shipped_file_was_trained_without_the_held_out_set() -> None:
    raw = json.loads(default_polarity_path().read_text(encoding="utf-8"))
    assert raw["format"] == FORMAT and raw["guard"] in ("negative-words", "threat-cues")
    assert raw["meta"]["examples"] > 500
    assert not any("held-out" in name and "v1" not in name for name in raw["meta"]["sets"])
