"""Value semantics of rejection: aversion, sufficiency, "not my criterion", comparison, scope,
other people's words, corrections, and axes without evidence (issue 16)."""

from __future__ import annotations

import pytest

from trendpath.ai.dialogue import ForcedChoice, Turn
from trendpath.ai.values import ValueScores, extract_values
from trendpath.kit.taxonomy import VALUE_AXES


def said(*texts: str) -> ValueScores:
    return extract_values([Turn(role="user", text=t) for t in texts])


def score(text: str, axis: str) -> float:
    return said(text).axes[axis].score


# The failures measured in issue 16: each sentence rejects the axis it names.
@pytest.mark.parametrize(
    ("text", "axis"),
    [
        ("변화가 많은 곳은 솔직히 무서워요", "change_orientation"),
        ("새로운 도전은 저한테 스트레스예요", "change_orientation"),
        ("돈은 적당히 벌면 그걸로 만족해요", "economic_reward"),
        ("혼자 알아서 결정하는 건 부담스러워요", "autonomy"),
        ("자기계발은 솔직히 귀찮아요", "self_development"),
        ("높은 목표를 세우고 달리는 건 피곤해요", "achievement"),
    ],
)
def test_the_measured_rejections_lower_their_axis(text: str, axis: str) -> None:
    assert score(text, axis) < 0.4


@pytest.mark.parametrize(
    ("text", "axis"),
    [
        ("성장이 멈추는 게 제일 두려워요", "self_development"),  # fear of losing it
        ("잘릴까 봐 무서워요", "job_security"),  # a threat cue flips back
        ("야근이 너무 피곤해요", "work_life_balance"),
        ("돈이 없어서 힘들어요", "economic_reward"),
    ],
)
def test_a_negative_evaluation_of_a_threat_raises_what_is_threatened(text: str, axis: str) -> None:
    assert score(text, axis) > 0.6


def test_negative_evaluations_keep_parity_with_negation() -> None:
    assert score("새로운 일에 도전하는 게 싫지 않아요", "change_orientation") > 0.6
    assert score("변화가 두렵지 않아요", "change_orientation") > 0.6


def test_sufficiency_needs_a_limit_otherwise_it_is_a_requirement() -> None:
    assert score("연봉은 이 정도면 충분해요", "economic_reward") < 0.4
    assert score("월급은 먹고살 만큼만 나오면 돼요", "economic_reward") < 0.4
    assert score("정년까지 다닐 수 있는 안정적인 곳이면 돼요", "job_security") > 0.6
    assert score("돈을 충분히 벌고 싶어요", "economic_reward") > 0.6


def test_not_my_criterion_and_indifference() -> None:
    assert score("회사 네임밸류는 제 기준이 아니에요", "social_recognition") < 0.4
    assert score("승진 같은 건 제 우선순위에 없어요", "social_recognition") < 0.4
    assert score("주말에 출근하는 것도 아무렇지 않아요", "work_life_balance") < 0.4


def test_comparison_lowers_the_compared_away_value_in_either_order() -> None:
    first = said("안정적인 직장보다 내 방식대로 일하는 게 중요해요")
    assert first.axes["job_security"].score < 0.4 < 0.6 < first.axes["autonomy"].score
    second = said("돈은 성장보다 덜 중요해요")
    assert second.axes["economic_reward"].score < 0.4 < 0.6 < second.axes["self_development"].score


def test_negation_keeps_its_scope_across_coordinated_clauses() -> None:
    result = said("연봉을 많이 받고 빨리 승진하는 건 저한테 중요하지 않아요")
    assert result.axes["economic_reward"].score < 0.4
    assert result.axes["social_recognition"].score < 0.4
    # A negation inside a purpose clause does not reach the main clause's cue.
    assert score("사람들이 덜 고생하도록 돕는 일을 하고 싶어요", "social_contribution") > 0.6


def test_acceptance_does_not_reach_a_condition() -> None:
    result = said("연봉만 높으면 야근도 괜찮아요")
    assert result.axes["economic_reward"].score > 0.6
    assert result.axes["work_life_balance"].score < 0.4


@pytest.mark.parametrize(
    "text",
    [
        "아버지는 공기업이 최고라고 하세요.",
        "어머니가 안정적인 직장을 원하셨어요.",
        "공무원이 되면 평생 걱정 없다고요.",
        "친구들은 연봉 높은 데로 옮기라고 해요.",
    ],
)
def test_other_peoples_words_stay_weak(text: str) -> None:
    moved = {a: abs(v - 0.5) for a, v in said(text).scores().items()}
    assert max(moved.values()) < 0.15


def test_the_speakers_own_opinion_is_not_reported_speech() -> None:
    assert score("저는 안정이 제일 중요하다고 생각해요", "job_security") > 0.8


def test_a_correction_overrides_what_it_contradicts() -> None:
    choice = ForcedChoice(
        question_id="fc_recognition_achievement",
        chosen=["social_recognition"],
        rejected=["achievement"],
        label="누구나 아는 유명한 회사의 평범한 역할",
    )
    turns = [
        Turn(role="user", text="1번이요", choice=choice),
        Turn(role="coach", text="사회적 인정을 가장 중요하게 여기시는 것 같아요. 맞나요?"),
        Turn(
            role="user",
            text="아니 그게 아니라, 유명한 회사인지는 상관없어요. 성과를 내는 게 중요해요.",
            stage="summary",
        ),
    ]
    result = extract_values(turns)
    assert result.axes["social_recognition"].score < 0.5
    assert result.strongest(1) == ["achievement"]
    assert result.weakest() == "social_recognition"


def test_a_bare_retraction_takes_back_the_sentence_before() -> None:
    result = said("연봉이요. 아, 아니다. 사실은 배우는 게 더 중요해요.")
    assert result.axes["economic_reward"].score == 0.5
    assert result.strongest(1) == ["self_development"]


def test_axes_without_evidence_are_never_presented() -> None:
    result = said("야근은 싫어요. 안정성은 별로 안 중요해요. 오늘은 날씨가 좋네요. 밥 먹었어요.")
    spoken = {"work_life_balance", "job_security"}
    assert set(result.ranked()) == spoken
    assert set(result.unknown()) == set(VALUE_AXES) - spoken
    assert result.strongest(2) == ["work_life_balance"]
    assert result.weakest() == "job_security"
    for axis in result.unknown():
        assert result.axes[axis].score == 0.5 and result.axes[axis].confidence == 0.0
    nothing = said("안녕하세요. 오늘 날씨가 좋네요.")
    assert nothing.ranked() == [] and nothing.strongest() == [] and nothing.weakest() is None


def test_conceded_hardship_and_deferral() -> None:
    # "힘들어도 …": the hardship is conceded, not said of the money.
    assert score("힘들어도 연봉이 높으니까 다녀요", "economic_reward") > 0.6
    assert score("승진은 부차적이에요", "social_recognition") < 0.4
    assert score("워라밸은 나중 문제예요", "work_life_balance") < 0.4
    assert score("나중에 창업하고 싶어요", "change_orientation") > 0.6  # the adverb, not a deferral


def test_enough_said_of_the_sentence_before() -> None:
    result = said("인정은 받을 만큼 받아 봤어요. 이제 그걸로 충분해요.")
    assert result.axes["social_recognition"].score < 0.4


def test_a_worry_attached_to_one_cue_is_that_cues() -> None:
    result = said("휴가가 길면 돈 걱정 때문에 스트레스예요")
    assert result.axes["economic_reward"].score > 0.6
    assert result.axes["work_life_balance"].score < 0.4


def test_idioms_that_look_negative() -> None:
    assert score("배울 게 끝이 없어서 좋아요", "self_development") > 0.6
    assert score("전혀 다른 분야에 도전해 보고 싶어요", "change_orientation") > 0.6


@pytest.mark.parametrize(
    ("named", "dismissal", "axis"),
    [
        ("남을 돕는 일이요.", "근데 저는 솔직히 그런 건 잘 안 와닿아요.", "social_contribution"),
        ("목표 달성, 실적 1등.", "그런 건 이제 질렸어요.", "achievement"),
    ],
)
def test_a_sentence_pointing_back_can_dismiss_what_was_just_named(
    named: str, dismissal: str, axis: str
) -> None:
    # The value was named to be set aside: on its own the first sentence reads as a wish.
    assert score(named, axis) > 0.5
    assert said(f"{named} {dismissal}").axes[axis].score < 0.5


@pytest.mark.parametrize(
    ("named", "singling", "axis"),
    [
        ("주말에 연락 안 오는 곳이요.", "그거면 돼요.", "work_life_balance"),
        ("수입이죠 뭐.", "솔직히 이 일 하는 이유가 그거예요.", "economic_reward"),
        ("누구 간섭 없이 제 방식대로 하는 거요.", "그거 하나면 돼요.", "autonomy"),
        (
            "계약 끊길 걱정 없이 오래 다닐 수 있다는 거요.",
            "그게 저한테는 제일 커요.",
            "job_security",
        ),
    ],
)
def test_pointing_back_to_single_a_value_out_keeps_it(named: str, singling: str, axis: str) -> None:
    assert said(f"{named} {singling}").axes[axis].score > 0.5


@pytest.mark.parametrize(
    ("text", "axis"),
    [
        ("쉰일곱에 무슨 공부를 또 합니꺼", "self_development"),
        ("3년 공부했으면 됐지 또 뭘 배워요", "self_development"),
        ("쉬는 게 뭔데요 ㅋㅋ", "work_life_balance"),
        ("이 나이에 무슨 승진을 더 하겠습니까", "social_recognition"),
    ],
)
def test_rhetorical_questions_dismiss_what_they_name(text: str, axis: str) -> None:
    assert score(text, axis) < 0.5


def test_real_questions_and_what_is_wanted_stay() -> None:
    assert score("무슨 일을 해도 배우는 게 제일 중요해요", "self_development") > 0.7
    assert score("뭘 더 배워야 하나요? 데이터 분석 배우고 싶어요", "self_development") > 0.6


def test_a_reason_clause_keeps_its_own_reading() -> None:
    # "-니까" ends a clause: what is accepted in it does not reach the wish after it.
    result = said("적게 벌어도 되니까 새로운 걸 하고 싶었어요")
    assert result.axes["economic_reward"].score < 0.5
    assert result.axes["change_orientation"].score > 0.6
