"""The coach's Korean question bank: openers, stage questions, value probes, forced choices,
reflections, and the few grammar helpers (josa) needed to fill templates naturally.

Every text is our own. Questions are concrete (a situation, a choice, a number) rather than
abstract ("what are your values?"), because short, concrete questions get answers even from
people who type two words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from trendpath.kit.josa import josa as kit_josa


def josa(word: str, pair: str) -> str:
    """``word`` with the right particle from a pair like "은/는", "이/가", "과/와", "을/를",
    read by pronunciation for English words and digits (``kit.josa``)."""
    return kit_josa(word, pair)


OPENER_HELLO = "반가워요, {name}! 저는 진로 이야기를 함께 정리해 볼 AI 코치예요."
OPENERS: dict[str, str] = {
    "student": "요즘 학교생활은 어떠세요? 요즘 가장 시간을 많이 쓰는 일부터 편하게 들려주세요.",
    "job_seeker": "취업 준비하시느라 바쁘시죠. 요즘 하루는 주로 어떻게 보내고 계세요?",
    "employed": "요즘 회사에서는 어떤 일을 주로 하고 계세요? 편하게 한두 줄로 들려주세요.",
    "career_changer": "새로운 길을 고민하고 계시는군요. "
    "지금은 어떤 일을 하고 계시고, 어떤 계기로 고민이 시작됐어요?",
    "default": "정답은 없으니 편하게 답해 주세요. 요즘 하루는 주로 어떻게 보내고 계세요?",
}
"""Openers by sign-up status, said after :data:`OPENER_HELLO`; repeated alone after odd input."""

WORRIES = (
    "요즘 진로나 일 때문에 가장 마음에 걸리는 건 뭐예요? 사소해 보여도 괜찮아요.",
    "커리어를 생각하면 요즘 어떤 고민이 제일 먼저 떠오르세요?",
)
WORRIES_FOLLOW = (
    "조금만 더 들려주실 수 있을까요? 그 고민 때문에 최근에 망설였던 선택이 있었나요?",
    "그 고민이 가장 크게 느껴졌던 순간이 언제였는지 한 가지만 말씀해 주실래요?",
)
GOALS = (
    "3년 뒤 평일 하루를 떠올려 보면, 어떤 일을 하면서 어떤 하루를 보내고 있으면 좋겠어요?",
    "지금부터 몇 년 뒤, '이 정도면 잘 왔다' 싶은 모습은 어떤 모습이에요?",
)
GOALS_INTEREST = (
    "관심 분야로 {interests} 고르셨죠. 그 분야에서 특히 해 보고 싶은 일이 있다면 어떤 일이에요?"
)
GOALS_STRONG_SKILL = (
    "{skill} 역량을 {level}점으로 높게 주셨네요. "
    "그 역량을 살려서 앞으로 어떤 일을 해 보고 싶으세요?"
)
GOALS_WEAK_SKILL = (
    "{skill}{particle} 아직 {level}점이라고 하셨는데, 앞으로 키워 보고 싶은 마음이 있으세요?"
)

PROBES: dict[str, str] = {
    "social_contribution": "내가 한 일이 누군가에게 실제로 도움이 됐다고 느끼는 것, "
    "{name}에게는 얼마나 중요해요?",
    "achievement": "어려운 목표를 끝까지 해냈을 때의 성취감은 {name}에게 얼마나 큰 의미예요?",
    "economic_reward": "솔직하게 여쭤볼게요. 직업을 고를 때 연봉이나 보상은 몇 순위쯤이에요?",
    "work_life_balance": "퇴근 후 시간이나 주말이 지켜지는 것, {name}에게는 얼마나 중요해요?",
    "self_development": "{field}일하면서 새로운 걸 계속 배울 수 있는지는 "
    "{name}에게 얼마나 중요해요?",
    "autonomy": "일하는 방식이나 순서를 내가 직접 정할 수 있는지는 {name}에게 얼마나 중요해요?",
    "social_recognition": "주변이나 업계에서 인정받는 것, 회사 이름이나 직함은 "
    "얼마나 신경 쓰이세요?",
    "job_security": "한 직장에서 오래 안정적으로 일할 수 있는지는 얼마나 중요하게 보세요?",
    "change_orientation": "새로운 일이나 낯선 환경에 도전하는 것, "
    "{name}에게는 얼마나 끌리는 일이에요?",
}


@dataclass(frozen=True)
class Option:
    """One side of a forced-choice question, the value axes it favours, and words that name it."""

    label: str
    axes: tuple[str, ...]
    keywords: tuple[str, ...]


@dataclass(frozen=True)
class ForcedChoiceQuestion:
    """A two-option question; picking one side raises its axes and lowers the other side's."""

    id: str
    prompt: str
    options: tuple[Option, Option]

    def text(self, hint: bool = True) -> str:
        """The question as the coach asks it, options numbered (``hint``: invite free text)."""
        a, b = self.options
        ask = f"{CHOICE_ASK} {CHOICE_HINT}" if hint else CHOICE_ASK
        return f"{self.prompt}\n1) {a.label}\n2) {b.label}\n{ask}"


FORCED_CHOICES: tuple[ForcedChoiceQuestion, ...] = (
    ForcedChoiceQuestion(
        "fc_salary_security",
        "둘 중 하나만 고를 수 있다면요.",
        (
            Option(
                "연봉이 높지만 불안정한 자리",
                ("economic_reward",),
                ("연봉", "돈", "높은"),
            ),
            Option(
                "안정적이지만 성장이 느린 자리",
                ("job_security",),
                ("안정", "느린"),
            ),
        ),
    ),
    ForcedChoiceQuestion(
        "fc_growth_balance",
        "이런 두 회사가 있다고 해 볼게요.",
        (
            Option(
                "야근이 잦지만 빠르게 배우는 곳",
                ("self_development",),
                ("배우", "성장", "야근"),
            ),
            Option(
                "칼퇴가 보장되지만 배울 게 적은 곳",
                ("work_life_balance",),
                ("칼퇴", "퇴근", "워라밸"),
            ),
        ),
    ),
    ForcedChoiceQuestion(
        "fc_autonomy_structure",
        "일하는 방식으로 보면요.",
        (
            Option(
                "방식과 일정을 스스로 정하는 일",
                ("autonomy",),
                ("스스로", "자율", "알아서"),
            ),
            Option(
                "지시와 체계가 분명한 일",
                ("job_security",),
                ("체계", "지시", "분명"),
            ),
        ),
    ),
    ForcedChoiceQuestion(
        "fc_meaning_money",
        "조금 어려운 질문일 수 있어요.",
        (
            Option(
                "사회에 도움이 되지만 연봉은 평범한 일",
                ("social_contribution",),
                ("사회", "도움", "의미"),
            ),
            Option(
                "연봉은 높지만 사회적 의미는 잘 모르겠는 일",
                ("economic_reward",),
                ("연봉", "돈", "높은"),
            ),
        ),
    ),
    ForcedChoiceQuestion(
        "fc_recognition_achievement",
        "이런 두 자리라면 어떠세요?",
        (
            Option(
                "누구나 아는 유명한 회사의 평범한 역할",
                ("social_recognition",),
                ("유명", "이름", "대기업"),
            ),
            Option(
                "덜 알려진 곳에서 큰 성과를 내는 역할",
                ("achievement",),
                ("성과", "덜 알려진"),
            ),
        ),
    ),
    ForcedChoiceQuestion(
        "fc_change_stability",
        "커리어 전체를 놓고 보면요.",
        (
            Option(
                "새로운 분야로 자주 옮겨 다니는 커리어",
                ("change_orientation",),
                ("새로운", "옮겨", "다양"),
            ),
            Option(
                "한 회사에서 오래 깊게 가는 커리어",
                ("job_security",),
                ("오래", "한 회사", "깊게"),
            ),
        ),
    ),
    ForcedChoiceQuestion(
        "fc_challenge_balance",
        "프로젝트를 고를 수 있다면요.",
        (
            Option(
                "목표가 높고 성과 압박이 큰 프로젝트",
                ("achievement",),
                ("목표", "도전", "압박"),
            ),
            Option(
                "부담 없이 꾸준히 할 수 있는 업무",
                ("work_life_balance",),
                ("부담", "꾸준"),
            ),
        ),
    ),
    ForcedChoiceQuestion(
        "fc_learning_pay",
        "두 회사에서 동시에 연락이 왔어요.",
        (
            Option(
                "교육 지원과 성장 기회가 많은 회사",
                ("self_development",),
                ("교육", "성장", "배우"),
            ),
            Option(
                "연봉이 10% 더 높은 회사",
                ("economic_reward",),
                ("연봉", "돈", "10"),
            ),
        ),
    ),
    ForcedChoiceQuestion(
        "fc_freedom_title",
        "이런 선택은 어떠세요?",
        (
            Option(
                "출퇴근 시간과 장소가 자유로운 곳",
                ("autonomy",),
                ("자유", "재택", "시간"),
            ),
            Option(
                "승진이 빠르고 직함이 멋진 곳",
                ("social_recognition",),
                ("승진", "직함"),
            ),
        ),
    ),
    ForcedChoiceQuestion(
        "fc_impact_security",
        "이런 두 곳에서 제안이 왔다면요.",
        (
            Option(
                "사회 문제를 푸는 신생 단체",
                ("social_contribution", "change_orientation"),
                ("사회", "신생", "단체"),
            ),
            Option(
                "안정적인 공공기관",
                ("job_security",),
                ("안정", "공공"),
            ),
        ),
    ),
)
FORCED_CHOICE_BY_ID = {q.id: q for q in FORCED_CHOICES}
CHOICE_ASK = "둘 중 어느 쪽에 더 마음이 가세요?"
CHOICE_HINT = "다른 생각이 있으면 그대로 적어 주셔도 돼요."

_NEUTRAL = re.compile(r"둘\s*다|상관\s*없|모르겠|글쎄|반반|비슷|고르기\s*(어렵|힘들)|both|either")
_FIRST = re.compile(
    r"^\s*(1|①|a\b|첫|앞|전자|왼)|1\s*번|첫\s*번째|앞(에|의)?\s*(거|것|꺼|쪽)|전자", re.I
)
_SECOND = re.compile(
    r"^\s*(2|②|b\b|두\s*번|뒤|후자|오른)|2\s*번|두\s*번째|뒤(에|의)?\s*(거|것|꺼|쪽)|후자|뒷",
    re.I,
)
_REFUSE = re.compile(r"싫|아니|별로|no\b|not\b", re.I)
_CONFIRM = re.compile(
    r"^\s*(네|넵|예|응|ㅇㅇ|맞|그렇|좋아요|정확|완벽|yes|yep|ok|okay|오케이|그럼요|당연)", re.I
)
_DISSENT = re.compile(r"아니|아뇨|틀|다르|다른|근데|그런데|하지만|그래도|but|\bno\b", re.I)


ChoiceKind = Literal["first", "second", "both", "neither", "unsure", "other"]
_BOTH = re.compile(
    r"둘\s*다\s*(좋|중요|괜찮|끌|원|필요|마음에\s*들)|다\s*좋아|both|양쪽\s*다\s*(좋|중요)", re.I
)
_NEITHER = re.compile(
    r"둘\s*다\s*(싫|별로|아니|아닌|안\s*끌|마음에\s*안|별루)|neither|어느\s*쪽도\s*(아니|싫|별로|안)"
    r"|둘\s*중\s*(아무것도|어느\s*것도)",
    re.I,
)
_UNSURE_CHOICE = re.compile(r"모르겠|글쎄|반반|비슷|고르기\s*(어렵|힘들)|either|상관\s*없", re.I)


def read_choice(question: ForcedChoiceQuestion, text: str) -> ChoiceKind:
    """What a typed answer to a forced choice says: an option, both, neither, unsure, or else."""
    t = text.strip()
    if _NEITHER.search(t):
        return "neither"
    if _BOTH.search(t):
        return "both"
    picked = parse_choice(question, t)
    if picked is not None:
        return "first" if picked == 0 else "second"
    return "unsure" if _UNSURE_CHOICE.search(t) else "other"


def parse_choice(question: ForcedChoiceQuestion, text: str) -> int | None:
    """Which option (0 or 1) a free-text answer picks; None when it picks neither or both."""
    t = text.strip()
    if not t or _NEUTRAL.search(t):
        return None
    first, second = bool(_FIRST.search(t)), bool(_SECOND.search(t))
    if first != second:
        picked = 0 if first else 1
        return 1 - picked if _REFUSE.search(t) else picked
    counts = [sum(t.count(k) for k in opt.keywords) for opt in question.options]
    if counts[0] != counts[1]:
        return 0 if counts[0] > counts[1] else 1
    return None


def is_confirmation(text: str) -> bool:
    """True when an answer to the summary agrees without correcting anything."""
    return bool(_CONFIRM.search(text)) and not _DISSENT.search(text)


def is_dissent(text: str) -> bool:
    """True when an answer to the summary disagrees or adds a "but"."""
    return bool(_DISSENT.search(text))
