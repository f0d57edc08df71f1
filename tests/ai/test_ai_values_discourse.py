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
from trendpath.ai.values_lexicon import probe_answer, reports_others, unquoted

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
