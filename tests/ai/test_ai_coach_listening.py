"""The coach listens: crisis check-ins, reflections, variants, free answers to forced choices."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest

from trendpath.ai import coach_replies as cr
from trendpath.ai import coach_script as cs
from trendpath.ai import coach_state
from trendpath.ai.coach import Coach, CoachReply
from trendpath.ai.coach_listen import STOCK_ACKS, clip_quote, variant_keys
from trendpath.ai.coach_planner import CoachConfig, CoachState, UserContext
from trendpath.ai.crisis import is_crisis
from trendpath.ai.values import extract_values

CTX = UserContext(name="지수", status="job_seeker")
ANON = UserContext(status="student")


CHOICES: list[Any] = [0, "둘 다 중요해요", 1, "앞에 거요"]


def run(coach: Coach, answers: list[Any], ctx: UserContext = CTX) -> tuple[CoachState, list]:
    """Talk: a forced choice is answered from CHOICES in turn (an int clicks, a str is typed),
    every other question with the next answer of ``answers``."""

    async def go() -> tuple[CoachState, list[CoachReply]]:
        state, reply = await coach.start(ctx)
        replies, todo, picks = [reply], list(answers), 0
        while todo and not state.done:
            if reply.options:
                answer, picks = CHOICES[picks % len(CHOICES)], picks + 1
            else:
                answer = todo.pop(0)
            if isinstance(answer, int):
                state, reply = await coach.reply(state, "", choice=answer)
            else:
                state, reply = await coach.reply(state, str(answer))
            replies.append(reply)
        return state, replies

    return asyncio.run(go())


# ---------------------------------------------------------------- crisis
def test_crisis_reply_addresses_the_person_and_keeps_the_lines() -> None:
    for ctx, who in ((CTX, "지수님"), (ANON, "회원님")):
        state, replies = run(Coach(), ["그만 살고 싶어요"], ctx)
        text = replies[-1].text
        assert replies[-1].crisis and who in text and "당신" not in text
        for line in ("109", "1577-0199", "112", "119"):
            assert line in text
        assert "어떠세요?" in text and "이어서" in text
        assert state.user_turns == 0 and state.crisis_open


def test_after_a_crisis_reply_the_coach_checks_in_until_asked_to_go_on() -> None:
    state, replies = run(Coach(), ["공부하면서 지내요", "사는 게 의미가 없어요", "네", "그냥요"])
    first_question = replies[1].text
    for after in replies[3:]:
        assert after.crisis and not after.options
        assert "계속할게요" in after.text or "이어" in after.text
        assert "고민" not in after.text  # no career question
    assert replies[3].text != replies[4].text
    assert state.user_turns == 1 and state.stage == "worries"
    state, resumed = asyncio.run(Coach().reply(state, "이제 괜찮아요. 계속할게요"))
    assert not resumed.crisis and not state.crisis_open
    assert state.question and state.question in resumed.text
    assert state.question in first_question
    # Nothing said in the crisis part moves a value score.
    assert extract_values(state.turns).scores() == extract_values(state.turns[:3]).scores()


def test_crisis_language_is_answered_even_after_the_talk_ended() -> None:
    state, _ = run(Coach(config=CoachConfig(max_turns=3)), ["음", "글쎄요", "네", "네", "네"])
    assert state.done
    _, reply = asyncio.run(Coach().reply(state, "죽고 싶어요"))
    assert reply.crisis and "109" in reply.text


@pytest.mark.parametrize(
    "text",
    ["유서 깊은 회사가 좋아요", "죽을 만큼 바빠요", "배고파 죽겠어요", "죽이는 아이디어예요"],
)
def test_look_alikes_get_the_ordinary_talk(text: str) -> None:
    assert not is_crisis(text)
    _, replies = run(Coach(), [text])
    assert not replies[-1].crisis and replies[-1].stage == "worries"


# ---------------------------------------------------------------- listening
def test_a_plain_fact_is_reflected_not_met_with_stock_sympathy() -> None:
    _, replies = run(Coach(config=CoachConfig(seed=3)), ["요즘 취업 준비해요"])
    assert "취업 준비" in replies[1].text
    assert "충분히 그럴 수 있어요" not in replies[1].text


def test_the_named_worry_is_reflected_and_remembered_in_the_summary() -> None:
    answers = ["공부해요", "포트폴리오가 부족해서 불안해요", "데이터 분석가가 되고 싶어요"]
    _, replies = run(Coach(), [*answers, "네 중요해요", "별로요", "중요해요", "네 맞아요"])
    assert "포트폴리오" in replies[2].text
    assert "데이터 분석가" in replies[3].text
    summary = next(r for r in replies if r.stage == "summary")
    assert "포트폴리오" in summary.text and summary.text.count("정리해 볼게요") == 1


PERSONA = [
    "요즘 취업 준비해요",
    "ㅋㅋ",
    "면접에서 자꾸 떨어져서 걱정돼요",
    "🙂",
    "데이터 분석가가 되고 싶어요",
    "둘 다 중요해요",
    "ㅠㅠ",
    "잘 모르겠어요",
    "...",
    "아니요",
    "아니요",
    "네 맞아요",
]


def _talks(n: int) -> list[tuple[CoachState, list[CoachReply]]]:
    return [run(Coach(config=CoachConfig(seed=seed)), PERSONA) for seed in range(n)]


def test_every_variant_is_reachable_and_no_stock_line_repeats_in_a_talk() -> None:
    talks = _talks(30)
    used = {key for state, _ in talks for key in state.used}
    slots = {
        "q_worries": cs.WORRIES,
        "q_goals": cs.GOALS,
        "fact": ("", "", ""),
        "worry": ("", "", ""),
        "goal": ("", "", ""),
        "chose": cr.CHOSE,
        "choice_both": cr.CHOICE_READS["both"],
        "unsure": ("", ""),
        "odd_laugh": cr.ODD_LEADS["laugh"],
        "odd_emoji": cr.ODD_LEADS["emoji"],
        "odd_dots": cr.ODD_LEADS["dots"],
        "odd_sad": cr.ODD_LEADS["sad"],
    }
    for slot, options in slots.items():
        missing = set(variant_keys(slot, options)) - used
        assert not missing, f"never used: {sorted(missing)}"
    for _, replies in talks:
        coach_text = " ".join(r.text for r in replies)
        for ack in [*STOCK_ACKS, "충분히 그럴 수 있어요"]:
            assert coach_text.count(ack) <= 1


def test_last_only_before_the_last_question_and_no_ordinal_on_the_first_choice() -> None:
    for _, replies in _talks(12):
        first_choice = next(r for r in replies if r.options)
        assert not first_choice.text.split("\n")[0].rstrip().endswith("이번엔")
        assert "이번엔" not in first_choice.text
        for i, r in enumerate(replies):
            if "마지막으로" in r.text and r.stage == "values":
                later = [x for x in replies[i + 1 :] if x.stage != "values"]
                assert later and later[0].stage == "summary"
                assert all(
                    r.question_id == x.question_id for x in replies[i + 1 :] if x.stage == "values"
                )


def test_odd_messages_in_a_row_never_make_replies_longer() -> None:
    _, replies = run(Coach(config=CoachConfig(seed=1)), ["ㅋㅋ", "...", "🙂", "ㅠㅠ"])
    lengths = [len(r.text) for r in replies[1:]]
    assert lengths == sorted(lengths, reverse=True), lengths
    assert all("하루" in r.text for r in replies[1:])


def test_a_second_no_to_the_summary_gets_another_round() -> None:
    coach = Coach(config=CoachConfig(seed=2))
    state, replies = run(coach, ["공부해요", "취업", "개발자", "모델"])
    for _ in range(16):
        reply = replies[-1]
        if reply.stage == "summary" or state.done:
            break
        state, reply = asyncio.run(
            coach.reply(state, "", choice=0) if reply.options else coach.reply(state, "중요해요")
        )
        replies.append(reply)
    assert not state.done
    state, first_no = asyncio.run(coach.reply(state, "아니요"))
    state, second_no = asyncio.run(coach.reply(state, "아니요"))
    assert not state.done and second_no.stage == "summary"
    assert first_no.text != second_no.text and "?" in second_no.text
    state, corrected = asyncio.run(coach.reply(state, "안정적인 직장이 제일 중요해요"))
    assert "직업안정" in corrected.text and "안정적인 직장" in corrected.text
    state, closing = asyncio.run(coach.reply(state, "네 맞아요"))
    assert state.done and closing.text.startswith("좋아요")


def test_the_turn_limit_summary_says_it_will_sum_up_once() -> None:
    _, replies = run(Coach(config=CoachConfig(max_turns=4)), ["음", "글쎄요", "모르겠어요"])
    summary = next(r for r in replies if r.stage == "summary")
    assert summary.text.count("정리해 볼게요") == 1


def test_quotes_are_cut_at_clause_or_word_boundaries() -> None:
    long = "안정적인 회사도 좋지만 솔직히 저는 성장할 수 있는 회사가 훨씬 더 좋아요"
    assert clip_quote(long) == "안정적인 회사도 좋지만"
    one_clause = "누가뭐래도매일매일새로운것을배우는것이가장중요하다고생각하는사람 입니다"
    clipped = clip_quote(one_clause, 20)
    assert clipped.endswith("…") and len(clipped) <= 21
    assert clip_quote("짧은 말이에요", 40) == "짧은 말이에요"


# ---------------------------------------------------------------- free answers
def _at_first_choice(seed: int = 0) -> tuple[Coach, CoachState, CoachReply]:
    coach = Coach(config=CoachConfig(seed=seed))
    state, replies = run(coach, ["공부해요", "취업이 걱정돼요 요즘 많이", "개발자가 되고 싶어요"])
    reply = replies[-1]
    while not reply.options:
        state, reply = asyncio.run(coach.reply(state, "잘 모르겠어요"))
    return coach, state, reply


def test_typed_answers_to_a_forced_choice_are_understood_and_scored() -> None:
    coach, state, reply = _at_first_choice()
    question = cs.FORCED_CHOICE_BY_ID[str(reply.question_id)]
    first, second = question.options
    picked, r1 = asyncio.run(coach.reply(state, f"{first.keywords[0]} 쪽이요"))
    assert picked.turns[-2].choice is not None and picked.turns[-2].choice.label == first.label
    assert first.label in r1.text
    both, r2 = asyncio.run(coach.reply(state, "둘 다 중요해요"))
    recorded = both.turns[-2].choice
    assert recorded is not None and set(recorded.chosen) == set(first.axes) | set(second.axes)
    assert "둘 다" in r2.text
    neither, r3 = asyncio.run(coach.reply(state, "둘 다 별로예요"))
    assert neither.turns[-2].choice is None
    assert "마음에 들지 않" in r3.text or "둘 다 아니" in r3.text
    other, r4 = asyncio.run(coach.reply(state, "저는 재택근무가 되는 곳이면 좋겠어요"))
    assert other.turns[-2].choice is None
    assert extract_values(other.turns).scores() != extract_values(state.turns).scores()
    assert r4.text.split(". ")[0] and not r4.crisis


def test_the_conversation_is_scored_at_most_once_per_turn(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    real = coach_state.extract_values

    def counting(turns: Any, **kw: Any) -> Any:
        calls.append(len(turns))
        return real(turns, **kw)

    monkeypatch.setattr(coach_state, "extract_values", counting)
    coach = Coach(config=CoachConfig(seed=4))

    async def go() -> None:
        state, _ = await coach.start(CTX)
        for answer in PERSONA:
            if state.done:
                break
            before = len(calls)
            state, _ = await coach.reply(state, str(answer))
            assert len(calls) - before <= 1

    asyncio.run(go())
    assert calls  # the values stage and the summary did score the talk


def test_forced_choice_questions_invite_a_typed_answer() -> None:
    for q in cs.FORCED_CHOICES:
        assert "적어 주셔도 돼요" in q.text() and "적어 주셔도" not in q.text(hint=False)
        assert not re.match(r"(마지막으로|이번엔)", q.prompt)
