"""Value semantics across a turn (issue 16, eighth round): concessions a "근데 …" sentence takes
back, trades put as a choice, things put off, hearsay and quotations, rhetorical questions,
"whether or not", and which short answers answer the coach's question at all.

The sentences here are written for these tests; none comes from an evaluation set.
"""

from __future__ import annotations

import pytest

from trendpath.ai.dialogue import Turn
from trendpath.ai.korean import sentences
from trendpath.ai.values import ValueScores, extract_values
from trendpath.ai.values_cues import find_cues, load_lexicon, split_clauses
from trendpath.ai.values_lexicon import (
    analyse_sentence,
    probe_answer,
    reports_others,
    unquoted,
)
from trendpath.ai.values_polarity import plain_fact

LEX = load_lexicon(None)


def said(*texts: str) -> ValueScores:
    return extract_values([Turn(role="user", text=t) for t in texts])


def answered(question: str, axis: str, answer: str) -> ValueScores:
    """One probing question about ``axis`` and the person's answer."""
    return extract_values(
        [Turn(role="coach", text=question, probe_axis=axis), Turn(role="user", text=answer)]
    )


def only(text: str):  # type: ignore[no-untyped-def]
    (sentence,) = sentences(text)
    return sentence


def test_a_concession_taken_back_by_a_turning_sentence_weighs_little() -> None:
    turned = said("봉사하는 일 좋죠. 근데 저는 봉사에 관심 없어요.").axes["social_contribution"]
    plain = said("봉사하는 일 좋죠. 저는 봉사에 관심 없어요.").axes["social_contribution"]
    assert turned.score < 0.4
    assert turned.score < plain.score  # the praise before "근데" was a concession


def test_a_turn_only_takes_back_the_axis_it_contradicts() -> None:
    s = said("연봉이 제일 중요해요. 근데 변화가 많은 곳은 무서워요.")
    assert s.axes["economic_reward"].score > 0.6
    assert s.axes["change_orientation"].score < 0.4


@pytest.mark.parametrize(
    ("text", "chosen", "given_up"),
    [
        ("연봉이랑 주말 바꾸라면 저는 주말이요.", "work_life_balance", "economic_reward"),
        ("안정성하고 새로운 도전 중에 고르라면 도전이죠.", "change_orientation", "job_security"),
        ("승진이랑 워라밸 vs면 워라밸.", "work_life_balance", "social_recognition"),
    ],
)
def test_a_trade_put_as_a_choice_raises_the_answer_and_lowers_the_rest(
    text: str, chosen: str, given_up: str
) -> None:
    s = said(text)
    assert s.axes[chosen].score > 0.6
    assert s.axes[given_up].score < 0.4


def test_a_trade_answered_with_no_named_thing_moves_nothing() -> None:
    s = said("연봉이랑 자유 바꾸라면 저는 안 바꿔요.")
    assert s.axes["economic_reward"].score == pytest.approx(0.5)
    assert s.axes["autonomy"].score == pytest.approx(0.5)


@pytest.mark.parametrize(
    ("text", "put_off", "first"),
    [
        ("쉬는 건 나중에 돈 모으고 하면 돼요.", "work_life_balance", "economic_reward"),
        ("봉사는 승진하고 나서 생각할 문제예요.", "social_contribution", "social_recognition"),
    ],
)
def test_a_thing_put_off_until_another_is_done_counts_against_it(
    text: str, put_off: str, first: str
) -> None:
    s = said(text)
    assert s.axes[put_off].score < 0.5
    assert s.axes[first].score > 0.5


def test_a_wish_for_later_is_not_a_thing_put_off() -> None:
    assert said("돈은 나중에 많이 벌고 싶어요.").axes["economic_reward"].score > 0.6


@pytest.mark.parametrize(
    "text",
    ["누나는 대기업이 최고래요.", "동생은 스타트업이 재밌대요.", "삼촌은 공무원 하라 하세요."],
)
def test_hearsay_answers_no_question_put_to_the_speaker(text: str) -> None:
    assert reports_others(only(text), LEX)


def test_a_rhetorical_wh_question_is_not_hearsay() -> None:
    assert not reports_others(only("승진해서 뭐 한대요."), LEX)


def test_hearsay_after_a_probe_leaves_the_axis_unknown() -> None:
    s = answered("안정적인 직장은 어떠세요?", "job_security", "엄마는 그게 제일 좋대요.")
    assert s.axes["job_security"].score == pytest.approx(0.5)


def test_words_in_quotation_marks_are_not_the_speakers_values() -> None:
    quoted = said('사장님은 맨날 "성장하자, 도전하자" 이러세요.')
    assert quoted.axes["self_development"].score == pytest.approx(0.5, abs=0.05)
    assert unquoted(only('팀장이 "목표 달성!" 외쳤어요.'), LEX).text == "팀장이 그 말 외쳤어요."


def test_a_quote_the_speaker_owns_as_a_thought_stays() -> None:
    sentence = only('저는 "배움이 먼저"라고 생각해요.')
    assert unquoted(sentence, LEX) is sentence


@pytest.mark.parametrize(
    ("text", "axis"),
    [
        ("정규직이냐 아니냐는 제 기준이 아니에요.", "job_security"),
        ("돈을 더 주든 안 주든 상관없어요.", "economic_reward"),
    ],
)
def test_whether_or_not_negates_nothing(text: str, axis: str) -> None:
    assert said(text).axes[axis].score < 0.4


def test_an_indifferent_answer_is_a_no_whatever_else_it_negates() -> None:
    assert probe_answer(only("정규직이든 아니든 상관없어요."), LEX) < 0
    assert probe_answer(only("아니 그런 건 관심 없어요."), LEX) < 0


def test_a_yes_to_something_the_sentence_names_is_no_answer() -> None:
    assert probe_answer(only("하던 일 꾸준히 하는 게 맞아요."), LEX) == 0.0
    assert probe_answer(only("그런 게 좋아요."), LEX) > 0  # points back at the question
    assert probe_answer(only("면접에선 그렇게 말하죠."), LEX) == 0.0  # 그렇게 is no yes


def test_a_condition_is_not_accepted_away() -> None:
    # "배울 게 있는 곳이라면 계약직이어도 괜찮아요": the condition is what they want.
    assert said("배울 게 있는 곳이라면 계약직이어도 괜찮아요.").axes["self_development"].score > 0.5


def test_a_noun_kiwi_reads_as_a_verb_alone_still_matches_in_context() -> None:
    (sentence,) = sentences("제 일이 누군가에게 보탬이 되면 좋겠어요.")
    hits = [h.cue.axis for c in split_clauses(sentence, LEX) for h in find_cues(c, LEX)]
    assert "social_contribution" in hits


@pytest.mark.parametrize(
    ("text", "chosen", "given_up"),
    [
        (
            "야근 많은 정규직 vs 칼퇴하는 계약직이면 계약직이요.",
            "work_life_balance",
            "job_security",
        ),
        (
            "연봉 높은 회사랑 배울 게 많은 회사 고르라면 후자죠.",
            "self_development",
            "economic_reward",
        ),
        (
            "성장할 수 있는 곳이랑 돈 많이 주는 곳 고르라면 전자예요.",
            "self_development",
            "economic_reward",
        ),
    ],
)
def test_the_answer_picks_one_of_the_options_offered(text: str, chosen: str, given_up: str) -> None:
    s = said(text)
    assert s.axes[chosen].score > 0.6
    assert s.axes[given_up].score < 0.4


@pytest.mark.parametrize(
    ("text", "given_up", "kept"),
    [
        (
            "연봉 때문에 좋아하는 공부를 포기하진 않을 거예요.",
            "economic_reward",
            "self_development",
        ),
        ("승진하자고 가족이랑 저녁을 버릴 수는 없어요.", "social_recognition", "work_life_balance"),
    ],
)
def test_what_one_will_not_give_up_for_a_reason_outranks_the_reason(
    text: str, given_up: str, kept: str
) -> None:
    s = said(text)
    assert s.axes[given_up].score < 0.5
    assert s.axes[kept].score > 0.5


@pytest.mark.parametrize(
    "text",
    ["돈 욕심은 0이에요.", "인정은 있어도 그만 없어도 그만이에요.", "명예는 제 순위 밖이에요."],
)
def test_zero_desire_and_either_way_are_indifference(text: str) -> None:
    s = said(text)
    assert min(s.axes[a].score for a in s.axes) < 0.4


def test_a_little_is_a_little() -> None:
    assert probe_answer(only("아주 조금요."), LEX) == pytest.approx(0.6)
    assert probe_answer(only("아주요."), LEX) == pytest.approx(1.5)


def test_an_order_quoted_before_hada_is_someone_elses() -> None:
    assert reports_others(only("엄마는 맨날 공부하라 하세요."), LEX)
    s = answered("자기계발은 어떠세요?", "self_development", "회사에서 자꾸 배우라 배우라 해요.")
    own = answered("자기계발은 어떠세요?", "self_development", "저는 자꾸 배우고 싶어요.")
    assert s.axes["self_development"].score < 0.65 < own.axes["self_development"].score


# Tenth round: constructions that say what is kept and what given up, satisfaction with what
# one has, what one cannot get, and words that frame a sentence rather than fill it.


@pytest.mark.parametrize(
    ("text", "axis"),
    [
        ("지금 받는 월급으로 사는 데 부족함이 없어요.", "economic_reward"),
        ("연봉은 크게 불만 없습니다.", "economic_reward"),
        ("지금 받는 월급으로도 충분해요.", "economic_reward"),
        ("시골 살아서 돈 쓸 데가 별로 없어요.", "economic_reward"),
    ],
)
def test_satisfaction_with_what_one_has_lowers_the_axis(text: str, axis: str) -> None:
    assert said(text).axes[axis].score < 0.5


@pytest.mark.parametrize(
    ("text", "given_up", "kept"),
    [
        (
            "그 성과급이 아이들이랑 보내는 주말과 바꿀 만한 건 아니에요.",
            "economic_reward",
            "work_life_balance",
        ),
        (
            "승진이 제 건강과 바꿀 만한 가치는 없다고 봐요.",
            "social_recognition",
            "work_life_balance",
        ),
    ],
)
def test_a_thing_not_worth_trading_for_another_is_given_up(
    text: str, given_up: str, kept: str
) -> None:
    s = said(text)
    assert s.axes[given_up].score < 0.5 < s.axes[kept].score


@pytest.mark.parametrize(
    "text",
    [
        "돈이 목표였으면 진작 대기업 갔겠죠.",
        "안정이 중요했으면 공무원 시험 봤을 거예요.",
    ],
)
def test_a_counterfactual_about_what_one_goes_by_rejects_it(text: str) -> None:
    axis = "economic_reward" if "돈" in text else "job_security"
    assert said(text).axes[axis].score < 0.5


def test_a_regret_is_not_a_counterfactual_rejection() -> None:
    assert said("더 일찍 공부를 시작했으면 좋았을 텐데요.").axes["self_development"].score >= 0.5


def test_a_counterfactual_pointing_back_answers_the_probe_with_no() -> None:
    s = answered(
        "안정적인 직장은 어떠세요?", "job_security", "그게 중요했으면 그냥 회사에 남았겠죠."
    )
    assert s.axes["job_security"].score < 0.5


def test_rather_than_x_lowers_x() -> None:
    s = said("자격증 공부할 바에 현장에서 하나라도 더 해 보는 게 낫죠.")
    assert s.axes["self_development"].score < 0.5


def test_a_correction_that_goes_on_takes_back_the_sentence_before() -> None:
    s = answered(
        "안정성은 어떠세요?",
        "job_security",
        "안정적인 것도 중요하긴 하죠. 아니다, 솔직히 별로 안 중요해요.",
    )
    assert s.axes["job_security"].score < 0.5


def test_a_negating_noun_named_in_a_list_negates_nothing() -> None:
    s = said("봉사, 희생 이런 말은 이제 질렸어요.")
    assert s.axes["social_contribution"].score < 0.5


def test_a_purpose_refused_is_given_up() -> None:
    assert said("더 벌려고 대기업 들어가라면 안 할 거예요.").axes["economic_reward"].score < 0.5


def test_a_requirement_in_a_condition_is_not_a_ceiling() -> None:
    # The lexicon's reading; the served polarity model, trained on many "그걸로 충분해요"
    # rejections, still turns this sentence alone (it is read right inside a talk).
    required = analyse_sentence(only("몇 년 뒤에 훨씬 성장해 있다면 그걸로 충분해요."), LEX)
    ceiling = analyse_sentence(only("적당히 배우면 그걸로 충분해요."), LEX)
    assert [d.delta > 0 for d in required if d.axis == "self_development"] == [True]
    assert [d.delta < 0 for d in ceiling if d.axis == "self_development"] == [True]


def test_a_pay_cut_conceded_after_a_condition_does_not_reach_the_condition() -> None:
    s = said("공부를 계속 시켜 주는 곳이면 연봉이 좀 낮아도 괜찮아요.")
    assert s.axes["self_development"].score > 0.5
    assert s.axes["economic_reward"].score < 0.5


def test_what_one_cannot_get_is_a_complaint_unless_said_of_others() -> None:
    assert said("요즘은 애들 저녁을 못 챙겨 줘요.").axes["work_life_balance"].score > 0.5
    assert said("그 선배도 돈은 별로 못 벌어요.").axes["economic_reward"].score <= 0.5


def test_a_worry_about_the_thing_compared_away_stays_with_it() -> None:
    s = said("잘릴 걱정보다 저녁 없는 게 더 싫어요.")
    assert s.axes["job_security"].score < 0.5
    assert s.axes["work_life_balance"].score > 0.5


def test_a_framing_noun_is_no_evidence() -> None:
    assert said("인정받는 것, 그게 제일 큰 보상이에요.").axes["economic_reward"].score == 0.5


def test_the_domain_of_ones_duty_is_no_value() -> None:
    s = said("저는 회사에서 급여 정산을 담당하고 있어요.")
    assert s.axes["economic_reward"].score == 0.5


def test_a_verb_kiwi_fuses_in_context_still_matches() -> None:
    s = said("제 전문성이 인정받는 게 가장 중요합니다.")
    assert s.axes["social_recognition"].score > 0.5


# Eleventh round: short answers, stories of work, offers turned down, what one would leave even
# with, rhetorical denials, and plain facts the polarity model should leave alone.


def test_no_then_a_lack_is_one_no() -> None:
    s = answered("목표를 세우고 달성하는 건 어떠세요?", "achievement", "아니, 그런 거 없어요.")
    assert s.axes["achievement"].score < 0.5


@pytest.mark.parametrize(
    ("text", "axis"),
    [
        ("목표 같은 건 딱히 없어요.", "achievement"),
        ("돈 더 받으면 뭐해요, 쓸 시간도 없는데.", "economic_reward"),
        ("지루하긴 뭐가 지루해요, 매일 같은 게 편하죠.", "change_orientation"),
        ("친구가 자격증 학원 끊어준다는데 됐다 했어요.", "self_development"),
        ("배울 게 없으면 정규직이어도 나갈 거예요.", "job_security"),
    ],
)
def test_dismissals_denials_and_declined_offers_lower_the_axis(text: str, axis: str) -> None:
    assert said(text).axes[axis].score < 0.5


@pytest.mark.parametrize(
    ("text", "axis"),
    [
        ("안 해 본 일이면 다 좋아요.", "change_orientation"),
        ("상사가 이래라저래라 하는 게 제일 싫어요.", "autonomy"),
        ("길에서 사람들이 알아볼 때 뿌듯해요.", "social_recognition"),
        ("다들 불가능하다고 했는데 결국 해냈어요.", "achievement"),
        ("돈만 제대로 주면 아무 말 안 해요.", "economic_reward"),
    ],
)
def test_stories_of_what_matters_raise_the_axis(text: str, axis: str) -> None:
    assert said(text).axes[axis].score > 0.5


def test_a_complaint_conceded_is_accepted() -> None:
    # The lexicon's reading (the served polarity model may still turn a sentence this short).
    moves = analyse_sentence(only("반장이 이래라저래라 해도 참을 만해요."), LEX)
    assert [d.delta < 0 for d in moves if d.axis == "autonomy"] == [True]


def test_a_reason_pointed_back_to_is_no_reason() -> None:
    s = answered(
        "저녁 있는 삶은 어떠세요?", "work_life_balance", "그거 때문에 그만둘 생각은 없어요."
    )
    assert s.axes["work_life_balance"].score < 0.5


def test_giving_up_time_for_money_refused_keeps_the_time() -> None:
    s = said("돈 더 받는다고 주말까지 갖다 바치는 건 이제 안 해요.")
    assert s.axes["economic_reward"].score < 0.5


def test_a_plain_fact_is_told_not_judged() -> None:
    assert plain_fact(only("기부 식품 나눠요."), LEX)
    assert not plain_fact(only("그건 별로예요."), LEX)
    assert not plain_fact(only("돈이 제일 중요해요."), LEX)
