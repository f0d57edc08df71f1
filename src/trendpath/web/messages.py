"""The dashboard's message catalog: message id → (Korean, English).

Korean is the product's language and the default, written in one speech level (해요체) on every
page; English is the ``?lang=en`` switch. Ids are ``<page>.<what>``; ``{name}`` placeholders are
filled by ``i18n.text``. The ``msg.*`` entries are the Korean sentences the dashboard's Python code
hands to templates (errors, expired forms): code takes them with :func:`ko`, and the ``tr`` filter
finds their English by the Korean text. The pages added later (roadmap, values, news, account,
privacy, errors) live in :mod:`trendpath.web.messages_pages`, the admin pages' in
:mod:`trendpath.web.messages_admin`; all are merged here.
"""

from __future__ import annotations

from trendpath.web.messages_admin import ADMIN_MESSAGES
from trendpath.web.messages_data import DATA_MESSAGES
from trendpath.web.messages_pages import PAGE_MESSAGES

MESSAGES: dict[str, tuple[str, str]] = {
    # --- chrome -----------------------------------------------------------------------------
    "brand.sub": ("트렌드패스", "trendpath"),
    "nav.skip": ("본문으로 건너뛰기", "Skip to content"),
    "nav.label": ("주요 메뉴", "Main menu"),
    "nav.onboarding": ("프로필", "Profile"),
    "nav.coach": ("AI 코치", "AI coach"),
    "nav.values": ("나의 가치관", "My values"),
    "nav.results": ("추천 트렌드", "My trends"),
    "nav.roadmap": ("로드맵", "Roadmap"),
    "nav.news": ("뉴스", "News"),
    "nav.trends": ("트렌드 탐색", "Explore trends"),
    "nav.account": ("설정", "Settings"),
    "nav.admin": ("관리", "Admin"),
    "nav.login": ("로그인", "Sign in"),
    "nav.lang_other": ("English", "한국어"),
    "nav.lang_other_code": ("en", "ko"),
    "foot.velocity": ("성장 속도 지수란?", "What is the Velocity Score?"),
    "foot.privacy": ("개인정보 처리방침", "Privacy notice"),
    "common.home": ("처음으로", "Back to the start"),
    "common.login_again": ("다시 로그인", "Sign in again"),
    "common.points": ("{v}점", "{v} pts"),
    "common.hours": ("{h}시간", "{h} h"),
    "common.level": ("수준 {n}", "level {n}"),
    "common.level_change": ("수준 {a} → {b}", "level {a} → {b}"),
    # --- the two indices, named once --------------------------------------------------------
    "velocity.name": ("성장 속도 지수", "Velocity Score"),
    "velocity.none": ("성장 속도 지수 없음", "No Velocity Score yet"),
    "velocity.explain": (
        "성장 속도 지수는 투자·특허·학습 수요·검색량·정책 변화 다섯 흐름이 평소(50점)보다 "
        "얼마나 빠른지 0–100점으로 나타내요.",
        "The Velocity Score shows, from 0 to 100, how much faster than usual (50) the money, "
        "patents, learning demand, search and policy around a trend are moving.",
    ),
    "velocity.how": ("계산 방법 보기", "How it is computed"),
    "stability.name": ("안정성 지수", "Stability index"),
    "stability.explain": (
        "안정성 지수는 관련 정책이 얼마나 자주 바뀌는지로 계산해요. 높을수록 제도 변화가 적은 "
        "분야예요.",
        "The stability index comes from how often the rules around a trend change. Higher means "
        "fewer policy changes.",
    ),
    "status.surging": ("급상승", "Surging"),
    "status.rising": ("상승", "Rising"),
    "status.steady": ("정체", "Steady"),
    "status.falling": ("하락", "Falling"),
    # --- charts -----------------------------------------------------------------------------
    "chart.no_history": ("아직 성장 속도 지수 기록이 없어요.", "No Velocity Score history yet."),
    "chart.no_contributions": ("지표별 기여도가 아직 없어요.", "No indicator contributions yet."),
    "chart.history": ("성장 속도 지수", "Velocity Score"),
    "chart.forecast": ("4주 예측", "4-week forecast"),
    "chart.band": ("80% 예측 구간", "80% prediction interval"),
    "chart.usual": ("평소 속도(50점)", "Usual pace (50)"),
    "chart.yaxis": ("성장 속도 지수 (0–100점)", "Velocity Score (0–100)"),
    "chart.xaxis": ("주 (월요일 기준)", "Week (starting Monday)"),
    "chart.unit": ("점", " pts"),
    "chart.week": ("주", "week"),
    "chart.table": ("표로 보기", "Show as a table"),
    "chart.table_caption": ("주별 성장 속도 지수", "Velocity Score by week"),
    "chart.col_week": ("주", "Week"),
    "chart.col_score": ("성장 속도 지수", "Velocity Score"),
    "chart.forecast_row": ("{h}주 뒤 (예측)", "In {h} weeks (forecast)"),
    "chart.forecast_cell": (
        "{point}점 (80% 예측 구간 {lo}–{hi}점)",
        "{point} pts (80% interval {lo}–{hi})",
    ),
    # --- home -------------------------------------------------------------------------------
    "home.title": ("대시보드", "Dashboard"),
    "home.h1": (
        "나에게 맞는 기술 트렌드와 학습 로드맵",
        "The technology trends that fit you, and what to learn next",
    ),
    "home.lead": (
        "관심사와 역량, AI 코치와의 대화로 드러난 가치관을 바탕으로 지금 가장 잘 맞는 트렌드 "
        "3가지와 무엇을 배우면 좋을지 알려 드려요.",
        "From your interests, your skills and the values that come out in a talk with the AI "
        "coach, trendpath finds the three trends that fit you best and what to learn next.",
    ),
    "home.steps": ("진행 순서", "Steps"),
    "home.step1": ("관심사·역량·프로필 입력", "Interests, skills and profile"),
    "home.step2": ("AI 코치와 대화", "Talk with the AI coach"),
    "home.step3": ("나에게 맞는 트렌드 3가지", "Your three trends"),
    "home.step4": ("학습 로드맵", "Learning roadmap"),
    "home.start": ("시작하기", "Get started"),
    "home.start_note": (
        "회원가입부터 시작해요. 5분쯤 걸려요.",
        "You start by creating an account; it takes about five minutes.",
    ),
    "home.have_account": ("이미 계정이 있나요? 로그인", "Already have an account? Sign in"),
    "home.explore": (
        "가입하지 않고 트렌드 둘러보기",
        "Look around the trends without an account",
    ),
    "home.services": ("서비스 상태", "Service status"),
    "home.all_ok": ("모두 정상", "All healthy"),
    "home.check": ("점검 필요", "Needs attention"),
    "home.api_docs": ("API 문서", "API docs"),
    "svc.ok": ("정상", "Healthy"),
    "svc.starting": ("준비 중", "Starting"),
    "svc.unreachable": ("연결할 수 없음", "Unreachable"),
    "svc.auth": ("인증 서비스", "Auth service"),
    "svc.auth.blurb": ("계정과 로그인, 프로필", "Accounts, sign-in, profile"),
    "svc.users": ("사용자 서비스", "User service"),
    "svc.users.blurb": (
        "관심사·역량, 트렌드 매칭, 로드맵",
        "Interests and skills, trend matching, roadmaps",
    ),
    "svc.news": ("뉴스 서비스", "News service"),
    "svc.news.blurb": ("RSS 수집과 키워드 분석", "RSS collection and keyword analysis"),
    "svc.trends": ("트렌드 분석 서비스", "Trend analysis service"),
    "svc.trends.blurb": ("지표, 성장 속도 지수, 예측", "Indicators, Velocity Score, forecasts"),
    "svc.ai": ("AI 서비스", "AI service"),
    "svc.ai.blurb": ("코치 대화와 가치관 분석", "Coach conversations and value analysis"),
    # --- coach (the coach page's own words; unchanged here) ---------------------------------
    "coach.title": ("AI 코치", "AI coach"),
    "coach.h1": ("AI 코치와 대화", "Talk with the AI coach"),
    "coach.intro": (
        "코치가 몇 가지 열린 질문으로 커리어 고민, 목표, 중요하게 여기는 가치를 여쭤봅니다. "
        "정답은 없어요. 편하게 답해 주세요. 대화는 10분 정도 걸립니다.",
        "The coach asks a few open questions about your career worries, goals and what you "
        "value. There are no right answers. The talk takes about ten minutes (in Korean).",
    ),
    "coach.start": ("대화 시작하기", "Start the talk"),
    "coach.progress": ("진행: {n} / {total}번째 답변", "Progress: answer {n} of {total}"),
    "coach.transcript": ("대화 내용", "Conversation"),
    "coach.coach": ("코치", "Coach"),
    "coach.me": ("나", "Me"),
    "coach.done": ("대화를 마쳤습니다", "The talk is over"),
    "coach.done_text": (
        "대화에서 드러난 가치관을 반영해 나에게 맞는 트렌드를 골랐어요.",
        "Your trends now reflect the values that came out in the talk.",
    ),
    "coach.see_results": ("추천 트렌드 보기", "See my trends"),
    "coach.restart": ("새 대화 시작", "Start a new talk"),
    "coach.pick_one": ("하나를 골라 주세요", "Pick one"),
    "coach.summary_hint": (
        "요약이 맞다면 “네, 맞아요”라고, 다르다면 고칠 점을 적어 주세요.",
        "If the summary is right, press “Yes, that's right”; otherwise write what to change.",
    ),
    "coach.answer": ("내 답변", "My answer"),
    "coach.or_type": (
        "버튼을 누르거나, 아래에 내 생각을 직접 적어도 돼요.",
        "Pick a button, or write your own answer below.",
    ),
    "coach.too_long": (
        "답변은 {max}자까지 보낼 수 있어요. 조금 줄이거나 나눠서 보내 주세요.",
        "Answers can be up to {max} characters. Please shorten it or send it in parts.",
    ),
    "coach.send": ("보내기", "Send"),
    "coach.confirm": ("네, 맞아요", "Yes, that's right"),
    "coach.finish": ("여기까지 하고 결과 보기", "Stop here and see the results"),
    "coach.busy": ("코치가 답하는 중…", "The coach is answering…"),
    "coach.lost": (
        "연결이 끊겼습니다. 페이지를 새로 고쳐 주세요.",
        "The connection dropped. Please reload the page.",
    ),
    "coach.failed": ("오류가 발생했습니다.", "Something went wrong."),
    # --- results ----------------------------------------------------------------------------
    "results.title": ("추천 트렌드", "My trends"),
    "results.h1": ("나에게 맞는 트렌드 3가지", "Three trends that fit you"),
    "results.rank": ("{n}위", "Rank {n}"),
    "results.need_profile": (
        "아직 추천할 정보가 부족해요. 먼저 관심사와 역량을 알려 주세요.",
        "There is not enough to go on yet. Tell us your interests and skills first.",
    ),
    "results.make_profile": ("프로필 만들기", "Create my profile"),
    "results.talk_link": ("AI 코치와 대화하면", "Talking with the AI coach"),
    "results.talk_more": (
        "가치관까지 반영해 더 정확해져요.",
        "adds your values and makes this more accurate.",
    ),
    "results.none": (
        "지금은 추천할 트렌드가 없어요. 트렌드 데이터가 준비되면 다시 확인해 주세요.",
        "No trends to suggest yet. Check again once trend data is ready.",
    ),
    "results.similarity": ("나와의 유사도", "Similarity to you"),
    "results.why": ("왜 잘 맞나요?", "Why it fits"),
    "results.skills": ("키울 역량", "Skills to build"),
    "results.velocity": ("성장 속도 지수와 4주 예측", "Velocity Score and 4-week forecast"),
    "results.stability": ("안정성과 나의 선호", "Stability and my preference"),
    "results.my_preference": ("나의 안정 선호도", "My preference for stability"),
    "results.no_data": ("정보 부족", "Not enough data"),
    "results.after_talk": ("대화 후 표시", "Shown after the talk"),
    "results.details": ("자세히 보기", "Details"),
    "results.roadmap": ("로드맵 보기", "See the roadmap"),
    "results.your_words": ("내가 한 말", "In your words"),
    "results.your_values": ("확인한 가치관", "Values you confirmed"),
    "results.recomputed": ("마지막 계산: {when}", "Last recomputed: {when}"),
    # --- trends -----------------------------------------------------------------------------
    "trends.title": ("트렌드 탐색", "Explore trends"),
    "trends.lead": (
        "기술·산업 트렌드를 이름, 키워드, 역량으로 찾아보고 상태와 분야로 골라 보세요. "
        "가입하지 않아도 볼 수 있어요.",
        "Find technology and industry trends by name, keyword or skill, and filter them by "
        "status and field. No account needed.",
    ),
    "trends.search": ("트렌드 검색", "Search trends"),
    "trends.search_example": ("예: 마케팅, 배터리, 파이썬", "e.g. marketing, battery, Python"),
    "trends.search_button": ("찾기", "Search"),
    "trends.status": ("상태", "Status"),
    "trends.skill": ("필요한 역량", "Skill needed"),
    "trends.sort": ("정렬", "Sort"),
    "trends.all": ("전체", "All"),
    "trends.sort_default": ("기본 (검색어와 가까운 순)", "Default (best match)"),
    "trends.sort_velocity": ("성장 속도 지수가 높은 순", "Highest Velocity Score"),
    "trends.sort_forecast": ("4주 예측 변화가 큰 순", "Largest 4-week forecast change"),
    "trends.sort_name": ("이름순", "By name"),
    "trends.no_match": (
        "‘{q}’에 맞는 트렌드가 없어요. 다른 말로 찾아보세요.",
        "No trend matches ‘{q}’. Try other words.",
    ),
    "trends.no_filter_match": (
        "조건에 맞는 트렌드가 없어요.",
        "No trend matches these filters.",
    ),
    "trends.reset": ("조건 지우기", "Clear filters"),
    "trends.count": ("트렌드 {n}개", "{n} trends"),
    "trends.col_category": ("분야", "Category"),
    "trends.forecast_up": ("4주 뒤 오를 전망", "expected to rise in 4 weeks"),
    "trends.forecast_down": ("4주 뒤 내릴 전망", "expected to fall in 4 weeks"),
    "trends.forecast_uncertain": ("4주 뒤 방향 불확실", "direction uncertain in 4 weeks"),
    "trends.forecast_flat": ("4주 뒤에도 비슷할 전망", "about the same in 4 weeks"),
    "trends.pages": ("페이지", "Pages"),
    "trends.prev": ("이전", "Previous"),
    "trends.next": ("다음", "Next"),
    "trend.title": ("트렌드", "Trend"),
    "trend.back": ("트렌드 목록", "All trends"),
    "trend.missing": ("트렌드를 찾을 수 없어요", "Trend not found"),
    "trend.missing_hint": (
        "주소를 확인하거나 목록에서 골라 주세요.",
        "Check the address or pick one from the list.",
    ),
    "trend.share": ("링크 복사", "Copy link"),
    "trend.copied": ("링크를 복사했어요", "Link copied"),
    "trend.velocity": ("성장 속도 지수 추이와 4주 예측", "Velocity Score and 4-week forecast"),
    "trend.details": ("자세히", "Details"),
    "trend.forecast_about": (
        "예측은 지난 지표로 학습한 모델이 4주 뒤 성장 속도 지수의 변화를 계산한 값이고, 80% 예측 "
        "구간은 실제 값이 열에 여덟 번 들어오도록 잡은 범위예요.",
        "The forecast is a model's estimate of the Velocity Score's change in four weeks; the 80% "
        "interval is the range the actual value should fall in eight times out of ten.",
    ),
    "trend.model": ("예측 모델", "Forecast model"),
    "trend.model.gru+tst+ridge": (
        "신경망 두 개(GRU, 트랜스포머)와 선형 회귀 모델의 평균",
        "The average of two neural networks (GRU, Transformer) and a linear regression",
    ),
    "trend.model.ridge": (
        "선형 회귀 모델 (학습된 모델 대신 쓰는 기본 예측)",
        "A linear regression (the fallback used instead of the trained model)",
    ),
    "trend.model.mean": (
        "최근 4주 평균 (학습된 모델 대신 쓰는 기본 예측)",
        "The mean of the last 4 weeks (the fallback used instead of the trained model)",
    ),
    "trend.model.naive": (
        "이번 주 값이 그대로 간다고 보는 기본 예측",
        "The fallback that assumes this week's value holds",
    ),
    "trend.validation": ("검증 결과", "Validation"),
    "trend.validation_better": (
        "학습에 쓰지 않은 최근 주들로 검증했을 때, ‘이번 주 값이 그대로 간다’는 단순 예측보다 "
        "오차가 {pct}% 작았어요.",
        "On recent weeks held out from training, its squared error was {pct}% smaller than that "
        "of the simple forecast that this week's value holds.",
    ),
    "trend.validation_worse": (
        "학습에 쓰지 않은 최근 주들로 검증했을 때, ‘이번 주 값이 그대로 간다’는 단순 예측보다 "
        "나은 점을 확인하지 못했어요.",
        "On recent weeks held out from training, it did no better than the simple forecast that "
        "this week's value holds.",
    ),
    "trend.validation_figure": (
        "상대 오차 {v} · 1보다 작을수록 단순 예측보다 정확",
        "relative MSE {v} · below 1 beats the simple forecast",
    ),
    "trend.forecast_week": ("예측 기준 주", "Forecast made for the week of"),
    "trend.contributions": ("지표별 기여도", "Contribution by indicator"),
    "trend.contributions_caption": (
        "이번 주 성장 속도 지수를 움직인 지표 (점)",
        "What moved this week's Velocity Score (points)",
    ),
    "trend.core_skills": ("핵심 역량", "Core skills"),
    "trend.related": ("관련 트렌드", "Related trends"),
    "trend.news": ("관련 뉴스", "Related news"),
    "trend.no_news": ("아직 관련 뉴스가 없어요.", "No related news yet."),
}
MESSAGES.update(PAGE_MESSAGES)
MESSAGES.update(ADMIN_MESSAGES)

MESSAGES.update(DATA_MESSAGES)


def ko(key: str) -> str:
    """The Korean text of ``key`` (what the dashboard's code hands to templates)."""
    return MESSAGES[key][0]
