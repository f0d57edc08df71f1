"""The dashboard's message catalog: message id → (Korean, English); the admin pages' ids live
in :mod:`trendpath.web.messages_admin` and are merged in.

Korean is the product's language and the default; English is the ``?lang=en`` switch. Ids are
``<page>.<what>``; ``{name}`` placeholders are filled by ``i18n.text``. The ``msg.*`` entries are
the Korean sentences the dashboard's Python code hands to templates (errors, expired forms); the
``tr`` filter finds their English by the Korean text.
"""

from __future__ import annotations

from trendpath.web.messages_admin import ADMIN_MESSAGES
from trendpath.web.messages_data import DATA_MESSAGES

MESSAGES: dict[str, tuple[str, str]] = {
    # --- chrome -----------------------------------------------------------------------------
    "brand.sub": ("트렌드패스", "trendpath"),
    "nav.skip": ("본문으로 건너뛰기", "Skip to content"),
    "nav.label": ("주요 메뉴", "Main menu"),
    "nav.onboarding": ("프로필", "Profile"),
    "nav.coach": ("AI 코치", "AI coach"),
    "nav.results": ("추천 트렌드", "My trends"),
    "nav.roadmap": ("로드맵", "Roadmap"),
    "nav.trends": ("트렌드 탐색", "Explore trends"),
    "nav.account": ("설정", "Settings"),
    "nav.admin": ("관리", "Admin"),
    "nav.login": ("로그인", "Sign in"),
    "nav.lang_other": ("English", "한국어"),
    "nav.lang_other_code": ("en", "ko"),
    "common.home": ("처음으로", "Back to the start"),
    "common.login_again": ("다시 로그인", "Sign in again"),
    "common.points": ("{v}점", "{v} pts"),
    "common.hours": ("{h}시간", "{h} h"),
    "common.level": ("수준 {n}", "level {n}"),
    "common.level_change": ("수준 {a} → {b}", "level {a} → {b}"),
    "chart.no_history": ("아직 Velocity Score 기록이 없습니다.", "No Velocity Score history yet."),
    "chart.no_contributions": (
        "지표별 기여도가 아직 없습니다.",
        "No indicator contributions yet.",
    ),
    # --- home -------------------------------------------------------------------------------
    "home.title": ("대시보드", "Dashboard"),
    "home.h1": (
        "나에게 맞는 기술 트렌드와 학습 로드맵",
        "The technology trends that fit you, and what to learn next",
    ),
    "home.lead": (
        "관심사와 역량, AI 코치와의 대화로 드러난 가치관을 바탕으로 지금 가장 잘 맞는 트렌드 "
        "3가지와 무엇을 배워야 할지 알려 드립니다.",
        "From your interests, your skills and the values that come out in a talk with the AI "
        "coach, trendpath finds the three trends that fit you best and what to learn next.",
    ),
    "home.steps": ("진행 순서", "Steps"),
    "home.step1": ("1. 관심사·역량·프로필 입력", "1. Interests, skills and profile"),
    "home.step2": ("2. AI 코치와 대화", "2. Talk with the AI coach"),
    "home.step3": ("3. 나에게 맞는 트렌드 3가지", "3. Your three trends"),
    "home.step4": ("4. 학습 로드맵", "4. Learning roadmap"),
    "home.start": ("시작하기", "Get started"),
    "home.start_note": (
        "회원가입부터 시작합니다. 약 5분이면 끝납니다.",
        "You start by creating an account; it takes about five minutes.",
    ),
    "home.have_account": ("이미 계정이 있나요? 로그인", "Already have an account? Sign in"),
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
    "svc.trends.blurb": ("지표, Velocity Score, 예측", "Indicators, Velocity Score, forecasts"),
    "svc.ai": ("AI 서비스", "AI service"),
    "svc.ai.blurb": ("코치 대화와 가치관 분석", "Coach conversations and value analysis"),
    # --- onboarding -------------------------------------------------------------------------
    "onb.title": ("프로필 만들기", "Your profile"),
    "onb.h1": ("나를 알려 주세요", "Tell us about yourself"),
    "onb.lead": (
        "세 단계만 채우면 AI 코치와 대화를 시작합니다. 나중에 언제든 바꿀 수 있어요.",
        "Fill in three steps and you can talk with the AI coach. You can change them any time.",
    ),
    "onb.not_saved": ("저장하지 못했습니다.", "Not saved."),
    "onb.step": ("{n}단계", "Step {n}"),
    "onb.interests": ("관심 분야", "Interests"),
    "onb.interests_hint": ("(하나 이상, 최대 15개)", "(at least one, up to 15)"),
    "onb.skills": ("역량 수준", "Skill levels"),
    "onb.skills_hint": ("(0 = 평가 안 함, 1–5)", "(0 = not rated, 1–5)"),
    "onb.profile": ("기본 프로필", "Basic profile"),
    "onb.status": ("현재 상태", "Current situation"),
    "onb.field": ("전공 또는 직무 분야", "Major or field of work"),
    "onb.field_example": ("예: 경영학, 백엔드 개발", "e.g. business, backend development"),
    "onb.education": ("최종 학력", "Education"),
    "onb.hours": ("주당 학습 가능 시간 (시간)", "Hours a week for learning"),
    "onb.region": ("지역", "Region"),
    "onb.target_role": ("목표 직무", "Target role"),
    "onb.optional": ("(선택)", "(optional)"),
    "onb.target_example": ("예: 데이터 분석가", "e.g. data analyst"),
    "onb.save": ("저장하고 AI 코치와 대화하기", "Save and talk with the AI coach"),
    # --- coach ------------------------------------------------------------------------------
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
    "results.need_profile": (
        "아직 추천할 정보가 부족합니다. 먼저 관심사와 역량을 알려 주세요.",
        "There is not enough to go on yet. Tell us your interests and skills first.",
    ),
    "results.make_profile": ("프로필 만들기", "Create my profile"),
    "results.talk_link": ("AI 코치와 대화하면", "Talking with the AI coach"),
    "results.talk_more": (
        "가치관까지 반영해 더 정확해집니다.",
        "adds your values and makes this more accurate.",
    ),
    "results.none": (
        "지금은 추천할 트렌드가 없습니다. 트렌드 데이터가 준비되면 다시 확인해 주세요.",
        "No trends to suggest yet. Check again once trend data is ready.",
    ),
    "results.similarity": ("나와의 유사도", "Similarity to you"),
    "results.why": ("왜 잘 맞나요?", "Why it fits"),
    "results.top_block": ("가장 큰 근거", "Strongest reason"),
    "results.skills": ("키울 역량", "Skills to build"),
    "results.velocity": ("Velocity Score와 4주 예측", "Velocity Score and 4-week forecast"),
    "results.stability": ("안정성 vs 나의 선호", "Stability vs my preference"),
    "results.trend_stability": ("트렌드 안정성", "Trend stability"),
    "results.my_preference": ("나의 안정 선호", "My preference for stability"),
    "results.no_data": ("정보 부족", "Not enough data"),
    "results.after_talk": ("대화 후 표시", "Shown after the talk"),
    "results.details": ("자세히 보기", "Details"),
    "results.roadmap": ("로드맵 보기", "See the roadmap"),
    # --- roadmap ----------------------------------------------------------------------------
    "roadmap.title": ("학습 로드맵", "Learning roadmap"),
    "roadmap.this_week": ("이번 주 학습", "This week"),
    "roadmap.week_goal": (
        "주간 목표 {goal}시간 중 {done}시간",
        "{done} of the week's {goal} hours",
    ),
    "roadmap.streak": ("연속 학습 {now}일 · 최장 {best}일", "Streak {now} days · best {best} days"),
    "roadmap.offer": (
        "이 트렌드를 향한 로드맵을 아직 시작하지 않았습니다.",
        "You have not started the roadmap towards this trend yet.",
    ),
    "roadmap.start": ("로드맵 시작하기", "Start the roadmap"),
    "roadmap.empty": (
        "아직 시작한 로드맵이 없습니다. 추천 트렌드에서 ‘로드맵 보기’를 눌러 시작하세요.",
        "No roadmap started yet. Open ‘See the roadmap’ on one of your trends to start.",
    ),
    "roadmap.see_results": ("추천 트렌드 보기", "See my trends"),
    "roadmap.suffix": ("로드맵", "roadmap"),
    "roadmap.overall": ("전체 진행률 {pct}%", "Overall progress {pct}%"),
    "roadmap.plan": (
        "주 {hours}시간 기준 남은 {left}시간 · 약 {weeks}주 · 예상 완료 {finish}",
        "At {hours} h a week: {left} h left · about {weeks} weeks · done by {finish}",
    ),
    "roadmap.timeline": ("타임라인 ({weeks}주)", "Timeline ({weeks} weeks)"),
    "roadmap.weeks": ("{a}–{b}주차", "weeks {a}–{b}"),
    "roadmap.prerequisite": ("선수 역량", "prerequisite"),
    "roadmap.done": ("완료", "Done"),
    "roadmap.step_progress": ("단계 진행률 {pct}%", "Step progress {pct}%"),
    "roadmap.course": ("강의", "Course"),
    "roadmap.book": ("도서", "Book"),
    "roadmap.search_link": ("검색 링크", "search link"),
    "roadmap.progress_of": ("{title} 진행 상태", "Progress of {title}"),
    "roadmap.in_progress": ("진행 중 {pct}%", "In progress {pct}%"),
    "roadmap.not_started": ("시작 전", "Not started"),
    "roadmap.begin": ("시작", "Start"),
    "roadmap.mark_done": ("완료 표시", "Mark done"),
    "roadmap.undo": ("완료 취소", "Undo done"),
    "roadmap.no_resources": (
        "연결된 학습 자료가 아직 없습니다.",
        "No learning resources linked yet.",
    ),
    # --- trends -----------------------------------------------------------------------------
    "trends.title": ("트렌드 탐색", "Explore trends"),
    "trends.search": ("트렌드 검색", "Search trends"),
    "trends.search_example": ("예: 생성형 AI, 배터리", "e.g. generative AI, battery"),
    "trends.search_button": ("검색", "Search"),
    "trends.no_match": (
        "‘{q}’에 맞는 트렌드가 없습니다. 다른 말로 찾아보세요.",
        "No trend matches ‘{q}’. Try other words.",
    ),
    "trends.no_data": ("아직 트렌드 데이터가 없습니다.", "No trend data yet."),
    "trends.count": ("{n}개 트렌드 · Velocity Score가 높은 순", "{n} trends · fastest first"),
    "trends.caption": ("트렌드 목록", "Trends"),
    "trends.col_trend": ("트렌드", "Trend"),
    "trends.col_category": ("분야", "Category"),
    "trends.col_forecast": ("4주 예측", "4-week forecast"),
    "trends.pages": ("페이지", "Pages"),
    "trends.prev": ("이전", "Previous"),
    "trends.next": ("다음", "Next"),
    "trend.title": ("트렌드", "Trend"),
    "trend.back": ("트렌드 목록", "All trends"),
    "trend.missing": ("트렌드를 찾을 수 없습니다", "Trend not found"),
    "trend.missing_hint": (
        "주소를 확인하거나 목록에서 골라 주세요.",
        "Check the address or pick one from the list.",
    ),
    "trend.velocity": ("Velocity Score 추이와 4주 예측", "Velocity Score and 4-week forecast"),
    "trend.forecast": (
        "예측 모델 {model}: {h}주 뒤 {point}점 (범위 {lo} ~ {hi})",
        "Forecast model {model}: {point} pts in {h} weeks (range {lo} to {hi})",
    ),
    "trend.stability": ("정책 안정성", "Policy stability"),
    "trend.contributions": ("지표별 기여도", "Contribution by indicator"),
    "trend.contributions_caption": (
        "이번 주 Velocity Score를 움직인 지표 (점)",
        "What moved this week's Velocity Score (points)",
    ),
    "trend.core_skills": ("핵심 역량", "Core skills"),
    "trend.news": ("관련 뉴스", "Related news"),
    "trend.no_news": ("아직 관련 뉴스가 없습니다.", "No related news yet."),
    # --- settings ---------------------------------------------------------------------------
    "account.title": ("설정", "Settings"),
    "account.basics": ("계정", "Account"),
    "account.saved": ("저장했습니다.", "Saved."),
    "account.email": ("이메일", "Email"),
    "account.name": ("이름", "Name"),
    "account.language": ("언어", "Language"),
    "account.save": ("저장", "Save"),
    "account.profile": ("관심사·역량·프로필", "Interests, skills and profile"),
    "account.profile_note": (
        "온보딩에서 입력한 내용을 고치면 추천 트렌드와 로드맵에 반영됩니다.",
        "Changes to what you entered at onboarding update your trends and roadmap.",
    ),
    "account.edit_profile": ("프로필 수정", "Edit profile"),
    "account.logout": ("로그아웃", "Sign out"),
    "account.delete": ("계정 삭제", "Delete account"),
    "account.delete_note": (
        "계정을 삭제하면 프로필, 코치 대화, 로드맵과 학습 기록이 모두 지워지며 되돌릴 수 없습니다.",
        "Deleting the account erases your profile, coach talks, roadmaps and learning record. "
        "It cannot be undone.",
    ),
    "account.delete_password": ("비밀번호 확인", "Confirm with your password"),
    "account.delete_confirm": (
        "계정과 모든 데이터를 삭제하는 데 동의합니다",
        "I agree to delete my account and all its data",
    ),
    "account.delete_button": ("계정 삭제", "Delete account"),
    "goodbye.title": ("계정이 삭제되었습니다", "Your account has been deleted"),
    "goodbye.text": (
        "그동안 트렌드패스를 이용해 주셔서 감사합니다. 모든 데이터가 지워졌습니다.",
        "Thank you for using trendpath. All your data has been erased.",
    ),
    "forbidden.title": ("관리자 전용 페이지", "Admins only"),
    "forbidden.text": (
        "이 페이지는 관리자만 볼 수 있습니다.",
        "Only administrators can see this page.",
    ),
    "forbidden.hint": (
        "관리자 권한을 방금 받았다면 로그아웃한 뒤 다시 로그인해 주세요.",
        "If you were just made an administrator, sign out and sign in again.",
    ),
    # --- sentences from the dashboard's code (translated by the ``tr`` filter) ---------------
    "msg.unavailable": (
        "지금은 정보를 불러올 수 없습니다. 잠시 후 다시 시도해 주세요.",
        "This cannot be loaded right now. Please try again in a moment.",
    ),
    "msg.expired": (
        "요청이 만료되었습니다. 페이지를 새로 고친 뒤 다시 시도해 주세요.",
        "The request has expired. Reload the page and try again.",
    ),
    "msg.expired_title": ("요청 만료", "Request expired"),
    "msg.login_problem": ("로그인 문제", "Sign-in problem"),
    "msg.login_expired": (
        "로그인 요청이 만료되었거나 올바르지 않습니다. 다시 시도해 주세요.",
        "The sign-in request expired or is not valid. Please try again.",
    ),
    "msg.login_refused": (
        "로그인이 취소되었거나 거절되었습니다.",
        "The sign-in was cancelled or refused.",
    ),
    "msg.login_failed": (
        "로그인을 완료하지 못했습니다. 다시 시도해 주세요.",
        "The sign-in could not be completed. Please try again.",
    ),
    "msg.name_or_lang": (
        "이름은 1~50자, 언어는 한국어 또는 English로 입력해 주세요.",
        "Enter a name of 1–50 characters and choose 한국어 or English.",
    ),
    "msg.not_saved_login": (
        "저장하지 못했습니다. 다시 로그인한 뒤 시도해 주세요.",
        "Not saved. Sign in again and retry.",
    ),
    "msg.wrong_password": (
        "비밀번호가 올바르지 않습니다. 계정은 삭제되지 않았습니다.",
        "The password is not correct. Your account was not deleted.",
    ),
    "msg.confirm_delete": (
        "삭제에 동의한다는 확인란을 선택해 주세요. 계정은 삭제되지 않았습니다.",
        "Tick the box to agree to the deletion. Your account was not deleted.",
    ),
    "msg.not_deleted": (
        "계정을 삭제하지 못했습니다. 잠시 후 다시 시도해 주세요.",
        "The account could not be deleted. Please try again in a moment.",
    ),
    "msg.delete_title": ("계정 삭제", "Delete account"),
    "msg.interests_needed": ("관심 분야를 하나 이상 골라 주세요.", "Pick at least one interest."),
    "msg.check_input": ("입력값을 확인해 주세요.", "Please check what you entered."),
    "msg.roadmap": ("로드맵", "Roadmap"),
    "msg.pick_trend_again": ("트렌드를 다시 골라 주세요.", "Please pick the trend again."),
    "msg.top3_only": (
        "추천 트렌드 3가지 중 하나로만 로드맵을 시작할 수 있습니다.",
        "A roadmap can only be started for one of your three trends.",
    ),
    "msg.pick_progress_again": (
        "진행 상태를 다시 골라 주세요.",
        "Please pick the progress state again.",
    ),
    "msg.not_saved": ("저장하지 못했습니다.", "Not saved."),
    "msg.news_unavailable": (
        "관련 뉴스를 불러올 수 없습니다.",
        "Related news cannot be loaded right now.",
    ),
    "msg.feed_admin": ("피드 관리", "Feed administration"),
    "msg.feed_missing": ("피드를 찾을 수 없습니다.", "No such feed."),
    "msg.chat_limit_title": ("대화 제한", "Conversation limit"),
    "msg.chat_limit": (
        "대화를 너무 많이 시작했습니다. 기존 대화를 이어 주세요.",
        "You have started too many talks. Please continue an existing one.",
    ),
    "msg.coach_down": ("코치 연결 실패", "Coach unavailable"),
    "msg.answer_needed": ("답변을 입력해 주세요.", "Please write an answer."),
}
MESSAGES.update(ADMIN_MESSAGES)
MESSAGES.update(DATA_MESSAGES)
