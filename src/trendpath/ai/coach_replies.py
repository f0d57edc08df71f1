"""The coach's reply texts: value reflections, odd-input nudges, summaries, closings, and the
check-ins after crisis language. Questions live in :mod:`trendpath.ai.coach_script`.

All user-facing text is natural Korean in 해요체; ``{name}`` is "지수님" or "회원님", never "당신".
"""

from __future__ import annotations

from trendpath.ai.values import AXIS_LABELS_KO

REFLECT_UP: dict[str, str] = {
    "social_contribution": "누군가에게 실제로 도움이 되는 일이 {name}에게 중요하군요.",
    "achievement": "목표를 세우고 해냈다는 감각이 {name}에게 큰 힘이 되는군요.",
    "economic_reward": "일한 만큼 제대로 보상받는 게 중요하시군요. 현실적으로 꼭 필요한 기준이죠.",
    "work_life_balance": "일 밖의 시간과 삶도 지켜져야 한다고 보시는군요.",
    "self_development": "계속 배우고 성장할 수 있는 환경을 중요하게 보시는군요.",
    "autonomy": "스스로 판단하고 정할 수 있는 여지가 중요하시군요.",
    "social_recognition": "내가 하는 일이 인정받는 것도 중요한 동기가 되는군요.",
    "job_security": "오래 믿고 다닐 수 있는 안정감을 중요하게 여기시는군요.",
    "change_orientation": "새로운 일에 도전하고 변화하는 걸 즐기시는 편이군요.",
}
REFLECT_DOWN = "{label}{particle} 상대적으로 덜 중요하게 보시는군요."
REFLECT_DOWN_NOTE = " 그것도 분명한 기준이에요."
"""Said after the first "less important" reflection of a talk only."""
FOREIGN_REPLY = (
    "한국어로 대화할 때 제가 가장 정확하게 이해할 수 있어요. "
    "짧게라도 한국어로 답해 주시겠어요? (영어 단어를 섞어 쓰셔도 괜찮아요.)"
)
INJECTION_REPLY = (
    "저는 진로 대화를 돕는 코치라서 그 요청은 따를 수 없어요. 대신 {name} 이야기를 계속 들려주세요."
)
SUMMARY_LEAD = "지금까지 나눈 이야기를 정리해 볼게요."
SUMMARY = (
    "{name}은 {top} 가장 중요하게 여기고, "
    "{low} 상대적으로 덜 중요하게 보시는 것 같아요.{quote}{worry} "
    "{check}"
)
SUMMARY_NO_LOW = "{name}은 {top} 가장 중요하게 여기시는 것 같아요.{quote}{worry} {check}"
SUMMARY_OPEN = (
    "아직은 {name}이 일에서 무엇을 가장 중요하게 여기시는지 뚜렷하게 드러나지 않았어요. "
    "한 가지만 꼽는다면 어떤 게 떠오르세요?"
)
SUMMARY_TENTATIVE = (
    "아직 뚜렷한 기준이 드러나지는 않았지만, "
    "{name}은 {top} 조금 더 중요하게 여기시는 것 같아요.{worry} "
    "{check}"
)
SUMMARY_WORRY = " 처음에 말씀하신 {worry} 고민도 함께 기억해 둘게요."
ENGLISH_NOTE = "영어로 말씀하셔도 괜찮아요. 저는 한국어로 답할게요."
SUMMARY_QUOTE = " 특히 “{quote}”라는 말씀이 기억에 남아요."
# One wording per correction round (a talk has at most ``max_corrections`` of them), so that a
# person who corrects the summary twice never hears the same sentence twice.
RESUMMARY: tuple[str, ...] = (
    "고쳐 주셔서 고마워요.{quote} 다시 정리하면 {name}은 {top} 가장 중요하게 여기시는군요. ",
    "말씀해 주신 대로 다시 볼게요.{quote} 그러면 {name}에게는 {top} 가장 중요하게 보는 게 "
    "맞겠네요. ",
    "네, 알겠어요.{quote} {name}은 무엇보다 {top} 소중히 여기시는 거군요. ",
)
RESUMMARY_QUOTES: tuple[str, ...] = (
    " “{quote}”라는 말씀 잘 새겨 둘게요.",
    " “{quote}”라고 하셨죠.",
    " “{quote}”, 그 말씀 기억할게요.",
)
RESUMMARY_CHECKS: tuple[str, ...] = (
    "이렇게 보면 될까요?",
    "이제 맞게 이해했을까요?",
    "이번에는 제대로 짚었을까요?",
)
SUMMARY_CHECK = "제가 이해한 게 맞나요? 다르면 편하게 고쳐 주세요."
ODD_LIMIT_NOTE = "지금까지 들려주신 이야기로 한 번 정리해 볼게요."
ASK_CORRECTION = (
    "제가 잘못 이해했나 봐요. 어느 부분이 다르게 느껴지세요? "
    "가장 중요한 것 한 가지만 말씀해 주셔도 돼요.",
    "아직 제가 제대로 짚지 못했네요. 그럼 {name}에게 일에서 가장 중요한 것 한 가지를 "
    "직접 말씀해 주시겠어요?",
)
SUMMARY_UNSURE = (
    "혹시 다르게 느껴지는 부분이 있으면 한 가지만 알려 주세요. "
    "이대로 괜찮으시면 '네'라고 답해 주셔도 돼요."
)
CLOSING = (
    "좋아요, 오늘 이야기 정말 고마워요! 말씀해 주신 가치관과 관심사, 역량을 바탕으로 "
    "{name}에게 잘 맞는 트렌드 3가지와 학습 로드맵을 준비할게요."
)
CLOSING_UNCONFIRMED = (
    "오늘 이야기 고마워요. 제가 완전히 맞게 정리하지는 못했지만, 지금까지 들려주신 말씀을 "
    "바탕으로 {name}에게 맞는 트렌드 3가지와 학습 로드맵을 준비할게요. 다르게 느껴지는 "
    "부분이 있으면 새 대화에서 언제든 다시 알려 주세요."
)
AFTER_DONE = (
    "오늘 대화는 정리가 끝났어요. 추천 트렌드와 로드맵 화면에서 결과를 확인해 보세요. "
    "더 이야기하고 싶으시면 새 대화를 시작해 주세요."
)
LIMIT_NOTE = "이야기를 충분히 많이 들었어요. 여기서 한 번 정리해 볼게요."
LAST_QUESTION_LEAD = "마지막으로 하나만 더 여쭤볼게요."

# Leads for a message with nothing to read, by what it looked like; the question follows.
ODD_LEADS: dict[str, tuple[str, ...]] = {
    "empty": (
        "괜찮아요, 천천히 생각해 보셔도 돼요. 떠오르는 대로 한 단어만 적어 주셔도 좋아요.",
        "급하지 않아요. 생각나는 대로 짧게 적어 주셔도 돼요.",
    ),
    "emoji": (
        "표정으로 답해 주셨네요 🙂 어떤 마음인지 한두 단어로만 더 들려주실 수 있을까요?",
        "이모티콘으로 답해 주셨네요. 어떤 마음인지 말로도 살짝 들려주세요.",
    ),
    "laugh": (
        "웃음이 나셨군요 😄 어떤 마음인지 한두 단어로 더 들려주실래요?",
        "ㅎㅎ 편하게 웃으며 이야기해요. 한두 단어로만 더 들려주세요.",
    ),
    "sad": (
        "마음이 좀 무거우신가 봐요. 괜찮으시면 한두 단어로만 들려주세요.",
        "속상한 일이 있으셨나 봐요. 편한 만큼만 이야기해 주세요.",
    ),
    "dots": (
        "말을 고르고 계시는군요. 천천히 하셔도 돼요.",
        "생각이 많으신가 봐요. 떠오르는 것 하나만 적어 주셔도 돼요.",
    ),
}
ODD_SHORT = ("편하게 답해 주세요.", "괜찮아요, 편할 때 답해 주세요.")
"""Leads for the second odd message in a row: shorter, so that repeats never grow."""

CRISIS_CHECKINS = (
    "이야기해 주셔서 고마워요. {name}, 지금 마음은 좀 어떠세요? "
    "진로 이야기는 원하실 때 언제든 이어서 할 수 있어요. 이어 가고 싶으시면 "
    "‘계속할게요’라고 말씀해 주세요. "
    "힘든 마음이 커지면 109(자살예방상담전화)에 언제든 전화해 주세요.",
    "말씀 잘 들었어요. 지금 {name}의 마음이 가장 중요해요. 오늘은 여기서 쉬어도 괜찮고, "
    "원하시면 ‘계속할게요’라고 해 주세요. 그때 진로 이야기를 이어 갈게요. "
    "도움이 필요하면 109나 1577-0199에 24시간 전화할 수 있어요.",
    "곁에서 계속 듣고 있을게요. 지금은 좀 어떠세요? 진로 이야기는 급하지 않아요. "
    "나중에 이어 가고 싶으시면 ‘계속할게요’라고만 말씀해 주세요.",
)
"""After a crisis reply: ask how the person is and offer to continue later; no career question."""

RESUME_LEAD = "네, 다시 이어 갈게요. 힘들어지면 언제든 멈춰도 괜찮아요."


def axis_label(axis: str) -> str:
    """The Korean label of a value axis."""
    return AXIS_LABELS_KO[axis]


CHOSE = (
    "‘{label}’ 쪽이시군요.",
    "‘{label}’ 쪽에 마음이 가시는군요.",
    "‘{label}’ 쪽을 고르셨네요.",
)
CHOICE_READS: dict[str, tuple[str, ...]] = {
    "both": ("둘 다 놓치고 싶지 않으시군요.", "둘 다 중요하게 보시는군요."),
    "neither": (
        "두 쪽 다 마음에 들지 않으시군요. 그것도 중요한 답이에요.",
        "둘 다 아니라는 것도 분명한 기준이에요.",
    ),
    "unsure": (
        "고르기 어려우시군요. 그만큼 둘 다 고민되는 거죠.",
        "딱 잘라 고르기 어려운 질문이었죠.",
    ),
}
"""Reflections of a typed answer to a forced choice that picks both, neither, or cannot pick."""
