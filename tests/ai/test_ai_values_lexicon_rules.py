"""The rules of ``values_lexicon`` one by one: exact amounts, stated through the lexicon's factors.

The behavioural tests (tests/ai/test_ai_values*.py) check directions on whole conversations; these
pin each rule's arithmetic and its edges, on hand-built readings and on real Kiwi analyses.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from trendpath.ai.korean import Morph, Sentence, sentences
from trendpath.ai.values_cues import Clause, Cue, CueHit, find_cues, split_clauses
from trendpath.ai.values_lexicon import (
    AxisDelta,
    Frame,
    _clause_factor,
    _clause_sums,
    _compared_away,
    _hit_sign,
    _honorific,
    _inherited,
    _intensity,
    _quotes,
    _reported_clauses,
    _signed,
    analyse_sentence,
    has_negator,
    load_lexicon,
    probe_answer,
    question_frame,
    reported,
    says_enough,
)
from trendpath.ai.values_reading import Reading, read

LEX = load_lexicon()
F = LEX.factors
INT = LEX.intensifiers


def sent(text: str) -> Sentence:
    (only,) = sentences(text)
    return only


def clause(text: str, weight: float = 1.0, coordinated: bool = False) -> Clause:
    """The whole of ``text`` as one clause (Kiwi's morphemes)."""
    s = sent(text)
    return Clause(list(s.morphs), s.text, weight, coordinated)


def clauses(text: str) -> list[Clause]:
    return split_clauses(sent(text), LEX)


def cue_weight(word: str, axis: str) -> float:
    """The lexicon's weight of the one-morpheme cue ``word`` on ``axis``."""
    for seq, cues in LEX.by_first[word]:
        for cue in cues:
            if seq == (word,) and cue.axis == axis:
                return cue.weight
    raise KeyError((word, axis))


def hit_at(c: Clause, word: str) -> CueHit:
    return next(h for h in find_cues(c, LEX) if c.morphs[h.first].form == word)


def deltas(text: str, frame: Frame = "neutral", weight: float = 1.0) -> dict[str, float]:
    s = sent(text)
    found = analyse_sentence(s, LEX, frame, weight)
    assert all(d.sentence == s.text for d in found)
    return {d.axis: d.delta for d in found}


NOTHING = Reading(
    flips=0,
    evaluative=False,
    indifferent=False,
    sufficient=False,
    concern_flips=None,
    lack_only=False,
    soft=False,
)


def reading(**changes: Any) -> Reading:
    """A reading that says nothing but what ``changes`` set."""
    return dataclasses.replace(NOTHING, **changes)


# --- _signed -------------------------------------------------------------------------------


@pytest.mark.parametrize(("flips", "expected"), [(0, 2.0), (1, -2.0), (2, 2.0), (3, -2.0)])
def test_signed_negates_by_parity(flips: int, expected: float) -> None:
    assert _signed(2.0, flips) == expected


# --- _compared_away ------------------------------------------------------------------------


def test_compared_away_is_the_noun_right_before_boda() -> None:
    c = clause("돈보다 성장이 중요해요.")
    assert _compared_away(hit_at(c, "돈"), c, LEX)
    assert not _compared_away(hit_at(c, "성장"), c, LEX)


@pytest.mark.parametrize(
    "text",
    [
        "돈이 성장보다 중요해요.",  # subject particle 이 (JKS)
        "돈은 성장보다 덜 중요해요.",  # topic 은
        "여유는 돈보다 중요해요.",  # topic 는
        "돈 버는 건 성장보다 덜 중요해요.",  # topic ᆫ fused into 건
    ],
)
def test_a_subject_or_topic_particle_stops_the_comparison(text: str) -> None:
    c = clause(text)
    first = find_cues(c, LEX)[0]
    assert first.first == 0
    assert not _compared_away(first, c, LEX)


# --- _hit_sign -----------------------------------------------------------------------------


def sign(
    r: Reading,
    frame: Frame = "neutral",
    w: float = 1.0,
    text: str = "돈이요.",
    complaint: bool = False,
) -> float:
    """``_hit_sign`` of a cue of weight ``w`` on the first morpheme of ``text``."""
    cue = Cue("economic_reward", ("돈",), w, complaint=complaint)
    return _hit_sign(CueHit(cue, 0, 0, w), clause(text), r, LEX, frame)


def test_compared_away_takes_the_opposite_times_the_comparative_factor() -> None:
    text, k = "돈보다 성장이 중요해요.", F["comparative_factor"]
    assert sign(reading(), text=text) == -k
    assert sign(reading(), w=-1.0, text=text) == -k  # whatever A's own sign
    assert sign(reading(flips=1), text=text) == k  # "돈보다 성장이 덜 중요해요"
    assert sign(reading(flips=2), text=text) == -k
    assert sign(reading(soft=True), text=text) == k  # a soft negator is one more flip
    assert sign(reading(flips=1, soft=True), text=text) == -k


def test_indifference_and_sufficiency_count_against_the_axis() -> None:
    assert sign(reading(indifferent=True, flips=1)) == -1.0
    assert sign(reading(sufficient=True), w=-0.5) == -0.5


def test_a_complaint_or_relief_raises_the_axis_even_negated() -> None:
    assert sign(reading(flips=1), complaint=True) == 1.0
    assert sign(reading(flips=1), w=-0.5, complaint=True) == 0.5
    # no complaint cue, but relief from worry ("걱정 없이") in the clause
    assert sign(reading(flips=1), text="걱정 없이 돈 벌고 싶어요.") == 1.0
    assert sign(reading(flips=1)) == -1.0  # the same reading without it


def test_a_worry_counts_the_axis_and_its_negators_flip_by_parity() -> None:
    assert sign(reading(concern_flips=0), w=-0.5) == 0.5
    assert sign(reading(concern_flips=1), w=-0.5) == -0.5
    assert sign(reading(concern_flips=2), w=-0.5) == 0.5


def test_a_plain_lack_shows_the_axis_matters() -> None:
    assert sign(reading(flips=1, lack_only=True), w=-0.5) == 0.5


def test_negators_flip_by_parity_and_a_soft_negator_is_one_more() -> None:
    assert sign(reading(flips=1, evaluative=True), w=0.5) == -0.5
    assert sign(reading(flips=2, evaluative=True), w=0.5) == 0.5
    assert sign(reading(flips=3), w=0.5) == -0.5
    assert sign(reading(soft=True, evaluative=True), w=0.5) == -0.5
    # flips + soft is even, so the frame is not consulted and the cue stays positive
    assert sign(reading(flips=1, soft=True), "avoid", 0.5) == 0.5


@pytest.mark.parametrize(
    ("frame", "w", "expected"),
    [
        ("neutral", 0.5, 0.5),
        ("neutral", -0.5, -0.5),
        ("avoid", 0.5, -0.5),  # "What would you avoid?" "Money." lowers money
        ("avoid", -0.5, 0.5),
        ("concern", 0.5, 0.5),  # "What worries you?" "Overtime." raises work-life balance
        ("concern", -0.5, 0.5),
    ],
)
def test_the_question_frame_reads_a_bare_mention(frame: Frame, w: float, expected: float) -> None:
    assert sign(reading(), frame, w) == expected


@pytest.mark.parametrize("frame", ["avoid", "concern"])
def test_the_frame_is_ignored_when_the_clause_evaluates_or_negates(frame: Frame) -> None:
    assert sign(reading(evaluative=True), frame, -0.5) == -0.5
    assert sign(reading(flips=1), frame, -0.5) == 0.5
    assert sign(reading(flips=2), frame, -0.5) == -0.5


# --- _intensity ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("돈이 중요해요.", 1.0),
        ("돈이 정말 중요해요.", INT["정말"]),
        ("돈이 좀 중요해요.", INT["좀"]),
        ("돈이 좀 정말 중요해요.", INT["정말"]),  # a strengthener beats a softener
        ("돈이 정말 제일 중요해요.", INT["제일"]),  # the strongest strengthener
        ("돈이 조금 좀 중요해요.", min(INT["조금"], INT["좀"])),  # the weakest softener
    ],
)
def test_intensity_takes_the_strongest_strengthener_else_the_weakest_softener(
    text: str, expected: float
) -> None:
    assert _intensity(clause(text), LEX) == expected


def test_an_intensifier_of_exactly_one_counts_as_a_strengthener() -> None:
    lex = dataclasses.replace(LEX, intensifiers={**INT, "꽤": 1.0})
    assert _intensity(clause("돈이 꽤 좀 중요해요."), lex) == 1.0


# --- _honorific, _quotes -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("form", "tag", "expected"),
    [
        ("시", "EP", True),
        ("으시", "EP", True),
        ("시", "EC", False),
        ("었", "EP", False),
        ("세요", "EF", True),
        ("셔요", "EF", True),
        ("십시오", "EF", True),
        ("어요", "EF", False),
        ("세요", "EC", False),
    ],
)
def test_honorific_is_the_si_infix_or_a_final_ending_fused_with_it(
    form: str, tag: str, expected: bool
) -> None:
    assert _honorific(Morph(form, tag, 0)) is expected


@pytest.mark.parametrize(
    ("form", "tag", "expected"),
    [
        ("라고", "EC", True),  # the marker alone
        ("라고요", "EF", True),  # fused with a final ending
        ("래요", "EF", True),
        ("라고요", "EC", False),  # only a final ending may carry the fusion
        ("어요", "EF", False),
    ],
)
def test_quotes_matches_a_marker_alone_or_fused_into_a_final_ending(
    form: str, tag: str, expected: bool
) -> None:
    assert _quotes(Morph(form, tag, 0), LEX.words["quotative"]) is expected


# --- reported ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "팀장님은 야근을 싫어하세요.",  # an honorific final ending on the last predicate
        "그만두셨어요.",  # the honorific infix right after it
        "친구들은 이직을 원해요.",  # a verb of wishing with another person named
        "친구들이 이직을 추천해요.",  # the same through 하다: 추천 + 하
        "추천해요, 친구들이.",  # ... with the person named after it
        "대학원 가면 돈만 쓴다고요.",  # a quotation fused into the final ending
        "돈만 쓴다고",  # a quotation ending the clause
        "'돈이 최고'라고 해요.",  # the quotative particle
        "잘 맞는다고 생각하는 일을 하라고 해요.",  # the second quotation is someone else's
    ],
)
def test_reported_speech(text: str) -> None:
    assert reported(clause(text), LEX)


@pytest.mark.parametrize(
    "text",
    [
        "돈이요.",  # no predicate
        "저는 안정적인 회사를 원해요.",  # the speaker's own wish
        "친구들은 요즘 다 바빠요.",  # another person, but no wishing or telling
        "안정적인 회사가 좋다고 생각해요.",  # a quotation of the speaker's own thinking
        "고객이 고맙다고 하실 때 보람 있어요.",  # a quotation inside a longer clause
    ],
)
def test_not_reported_speech(text: str) -> None:
    assert not reported(clause(text), LEX)


# --- _reported_clauses ---------------------------------------------------------------------


def test_a_quotation_covers_the_coordinated_clauses_before_it() -> None:
    assert _reported_clauses(clauses("남들은 간판도 좋고 경력에 도움이 된다고 하는데"), LEX) == [
        True,
        True,
    ]
    three = clauses("남들은 연봉도 높고 간판도 좋고 경력에 도움이 된다고 하는데")
    assert [c.coordinated for c in three] == [True, True, False]
    assert _reported_clauses(three, LEX) == [True, True, True]


def test_a_clause_about_the_speaker_is_not_covered() -> None:
    two = clauses("저는 연봉이 높으면 좋겠고 부모님은 안정적인 회사를 원하세요.")
    assert two[0].coordinated
    assert _reported_clauses(two, LEX) == [False, True]


def test_a_quotation_does_not_reach_forward() -> None:
    parents = clause("부모님은 안정적인 회사를 원하세요.")
    dangling = clause("연봉도 높고", coordinated=True)
    assert _reported_clauses([parents, dangling], LEX) == [True, False]
    assert _reported_clauses([clause("돈이 중요해요.")], LEX) == [False]


# --- _clause_factor ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "question", "others", "expected"),
    [
        ("돈이 중요해요.", False, False, 1.0),
        ("돈이 중요해요.", False, True, F["others_factor"]),
        ("예전에는 돈이 중요했어요.", False, False, F["past_factor"]),
        ("솔직히 돈이 중요해요.", False, False, F["correction_factor"]),
        ("돈이 중요해요.", True, False, F["question_factor"]),
        ("돈이 정말 중요해요.", False, False, INT["정말"]),
    ],
)
def test_clause_factor_multiplies_the_clause_weight(
    text: str, question: bool, others: bool, expected: float
) -> None:
    c = clause(text, weight=F["contrast_after"])
    assert _clause_factor(c, LEX, question, others) == pytest.approx(F["contrast_after"] * expected)


def test_clause_factor_compounds_every_factor() -> None:
    c = clause("예전에는 솔직히 돈이 정말 중요했어요.", weight=F["contrast_before"])
    expected = (
        F["contrast_before"]
        * F["others_factor"]
        * F["past_factor"]
        * F["correction_factor"]
        * F["question_factor"]
        * INT["정말"]
    )
    assert _clause_factor(c, LEX, True, True) == pytest.approx(expected)


# --- _inherited ----------------------------------------------------------------------------


def test_a_coordinated_clause_inherits_the_next_evaluation() -> None:
    three = clauses("연봉도 높고 야근은 싫고 워라밸이 중요해요.")
    assert [c.coordinated for c in three] == [True, True, False]
    own = [read(c, LEX) for c in three]
    assert own[1] != own[2]  # "싫고" negates, "중요해요" does not
    assert _inherited(three, 0, LEX) == own[1]  # the nearest clause with its own evaluation
    assert _inherited(three, 1, LEX) == own[2]  # always a later clause, never itself
    assert _inherited(three, 2, LEX) is None  # nothing follows


def test_only_a_coordinated_clause_inherits() -> None:
    two = clauses("돈이 중요하지만 워라밸도 좋아요.")
    assert not two[0].coordinated
    assert _inherited(two, 0, LEX) is None
    assert _inherited([clause("연봉도 높고", coordinated=True)], 0, LEX) is None


# --- _clause_sums --------------------------------------------------------------------------


def test_a_worry_before_the_cue_is_about_the_cue() -> None:
    # 야근 threatens work-life balance, so worrying about it raises the axis
    w = cue_weight("야근", "work_life_balance")
    assert w < 0
    c = clauses("제일 걱정되는 건 야근이에요.")
    assert _clause_sums(c, 0, LEX, "neutral") == {"work_life_balance": abs(w)}


def test_a_cue_word_is_not_read_as_an_evaluation_of_itself() -> None:
    # 스트레스 is a cue and a negative evaluation: it must not negate itself
    w = cue_weight("스트레스", "work_life_balance")
    assert _clause_sums(clauses("요즘 스트레스가 심해요."), 0, LEX, "neutral") == {
        "work_life_balance": w
    }


def test_clause_sums_adds_the_cues_of_one_axis() -> None:
    c = clauses("걱정 없이 돈 벌고 싶어요.")
    w = cue_weight("돈", "economic_reward") + cue_weight("벌", "economic_reward")
    assert _clause_sums(c, 0, LEX, "neutral") == {"economic_reward": w}


# --- analyse_sentence ----------------------------------------------------------------------


MONEY = cue_weight("돈", "economic_reward")


def test_analyse_sentence_default_weight_is_one() -> None:
    s = sent("돈이 중요해요.")
    assert analyse_sentence(s, LEX) == [AxisDelta("economic_reward", MONEY, s.text)]
    assert deltas("돈이 중요해요.", weight=0.5) == {"economic_reward": MONEY * 0.5}
    assert deltas("돈이 중요해요.", weight=2.0) == {"economic_reward": MONEY * 2.0}


@pytest.mark.parametrize(
    "text",
    [
        "돈이 중요해?",  # a question mark
        "돈이 중요하나요.",  # -나요
        "돈 때문에 이직할까요.",  # -ㄹ까요
        "돈 때문에 이직하는 게 맞을까요.",  # -을까요
        "돈 때문에 이직해야 되까요.",  # the common spelling of 될까요
    ],
)
def test_a_question_weighs_less(text: str) -> None:
    assert deltas(text)["economic_reward"] == pytest.approx(MONEY * F["question_factor"])


def test_a_question_mark_before_trailing_space_still_asks() -> None:
    s = sent("돈이 중요해?")
    spaced = Sentence(s.text + "  ", s.morphs)
    (delta,) = analyse_sentence(spaced, LEX)
    assert delta.delta == pytest.approx(MONEY * F["question_factor"])


@pytest.mark.parametrize(
    "text",
    ["돈이 그렇게 중요해?", "근데 연봉이 뭐 그렇게 중요한가요?", "여가라는 게 꼭 있어야 돼요?"],
)
def test_a_rhetorical_question_dismisses_what_it_names(text: str) -> None:
    (delta,) = analyse_sentence(sent(text), LEX)
    assert delta.delta < 0


def test_a_statement_is_not_a_question() -> None:
    assert deltas("돈이 중요해요.") == {"economic_reward": MONEY}


def test_a_clause_without_cues_is_skipped_not_the_end() -> None:
    assert deltas("잘 모르겠지만 돈이 중요해요.") == {
        "economic_reward": MONEY * F["contrast_after"]
    }


def test_clauses_of_one_axis_add_up() -> None:
    pay = cue_weight("연봉", "economic_reward")
    assert deltas("돈도 중요하고 연봉도 중요해요.") == {
        "economic_reward": pytest.approx(MONEY + pay)
    }


@pytest.mark.parametrize(
    ("frame", "money", "overtime"),
    [("neutral", 1, -1), ("avoid", -1, 1), ("concern", 1, 1)],
)
def test_analyse_sentence_passes_the_frame_to_each_cue(
    frame: Frame, money: int, overtime: int
) -> None:
    w = cue_weight("야근", "work_life_balance")
    assert deltas("돈이요.", frame) == {"economic_reward": money * abs(MONEY)}
    assert deltas("야근이요.", frame) == {"work_life_balance": overtime * abs(w)}


# --- question_frame ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("coach", "frame"),
    [
        ("일할 때 제일 싫은 건 뭐예요?", "avoid"),
        ("절대 포기할 수 없는 건 뭔가요?", "avoid"),
        ("요즘 가장 걱정되는 게 뭐예요?", "concern"),
        ("직장을 고를 때 마음에 걸리는 점이 있나요?", "concern"),
        ("걱정되거나 싫은 건 뭐예요?", "avoid"),  # avoidance is checked first
        ("어떤 일을 할 때 즐거우세요?", "neutral"),
    ],
)
def test_question_frame(coach: str, frame: Frame) -> None:
    assert question_frame(coach, LEX) == frame


# --- has_negator, says_enough --------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("안 해요.", True),  # a negator
        ("별로요.", True),  # a soft negator
        ("싫어요.", True),  # a negative evaluation
        ("좋아요.", False),
    ],
)
def test_has_negator(text: str, expected: bool) -> None:
    assert has_negator(sent(text), LEX) is expected


def test_says_enough_needs_a_limit_and_enough() -> None:
    assert says_enough(sent("그걸로 족합니다."), LEX)
    assert not says_enough(sent("만족해요."), LEX)
    assert not says_enough(sent("돈이 중요해요."), LEX)


# --- probe_answer --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("네, 중요해요.", 1.0),
        ("정말 중요해요.", INT["정말"]),
        ("매우요.", INT["매우"]),  # an intensifier alone answers "how much?"
        ("더요.", INT["더"]),  # ... from 1.3 up
        ("조금요.", 0.0),  # a softener alone is no answer
        ("별로요.", -1.0),
        ("아니요.", -1.0),
        ("중요하지 않아요.", -1.0),
        ("정말 싫어요.", -INT["정말"]),
        ("싫지 않아요.", 1.0),  # two flips
        ("이 정도면 충분해요.", -1.0),  # sufficiency
        ("음, 글쎄요.", 0.0),
    ],
)
def test_probe_answer(text: str, expected: float) -> None:
    assert probe_answer(sent(text), LEX) == expected


def test_sentences_are_analysed_once_and_handed_out_as_fresh_lists() -> None:
    """The coach reads the whole talk at every turn: Kiwi analyses each text once."""
    from trendpath.ai.korean import _sentences, sentences

    text = "캐시 확인용 문장이에요. 두 번째 문장도 있어요."
    first = sentences(text)
    hits = _sentences.cache_info().hits
    second = sentences(text)
    assert _sentences.cache_info().hits == hits + 1
    assert first == second and first is not second
    first.clear()  # a caller changing its list changes nothing for the next caller
    assert [s.text for s in sentences(text)] == [
        "캐시 확인용 문장이에요.",
        "두 번째 문장도 있어요.",
    ]
    assert sentences("   ") == []
