"""The message catalog of onboarding, roadmap, values, news, settings, privacy and error pages,
and the Korean sentences the dashboard's code hands to templates (``msg.*``); see
:mod:`trendpath.web.messages`. Korean in 해요체 throughout.
"""

from __future__ import annotations

PAGE_MESSAGES: dict[str, tuple[str, str]] = {
    # --- onboarding -------------------------------------------------------------------------
    "onb.title": ("프로필 만들기", "Your profile"),
    "onb.h1": ("나를 알려 주세요", "Tell us about yourself"),
    "onb.lead": (
        "세 단계로 나눠 여쭤볼게요. 저장한 뒤에도 언제든 바꿀 수 있어요.",
        "Three short steps. You can change everything later.",
    ),
    "onb.not_saved": (
        "저장하지 못했어요. 표시된 칸을 확인해 주세요.",
        "Not saved. Please check the marked fields.",
    ),
    "onb.progress": ("진행 단계", "Progress"),
    "onb.step_of": ("{n}/3단계", "Step {n} of 3"),
    "onb.basics": ("기본 정보", "About you"),
    "onb.interests": ("관심 분야", "Interests"),
    "onb.interests_hint": (
        "하나 이상, 최대 15개까지 골라 주세요.",
        "Pick at least one and up to 15.",
    ),
    "onb.skills": ("역량 수준", "Skill levels"),
    "onb.skills_hint": (
        "고른 관심 분야에 필요한 역량부터 보여 드려요. 0은 ‘평가 안 함’이에요.",
        "Skills your interests need come first. 0 means ‘not rated’.",
    ),
    "onb.relevant": ("관심 분야와 가까운 역량", "Skills close to your interests"),
    "onb.relevant_none": (
        "관심 분야를 고르면 가까운 역량을 먼저 보여 드려요.",
        "Pick interests and the skills they need appear here first.",
    ),
    "onb.more_skills": ("역량 더 보기 (그룹별 전체)", "More skills (all, by group)"),
    "onb.status": ("현재 상태", "Current situation"),
    "onb.field": ("전공 또는 직무 분야", "Major or field of work"),
    "onb.field_example": ("예: 경영학, 백엔드 개발", "e.g. business, backend development"),
    "onb.education": ("최종 학력", "Education"),
    "onb.hours": ("주당 학습 가능 시간 (시간)", "Hours a week for learning"),
    "onb.region": ("지역", "Region"),
    "onb.target_role": ("목표 직무", "Target role"),
    "onb.optional": ("(선택)", "(optional)"),
    "onb.choose": ("선택해 주세요", "Please choose"),
    "onb.target_example": ("예: 데이터 분석가", "e.g. data analyst"),
    "onb.prev": ("이전", "Back"),
    "onb.next": ("다음", "Next"),
    "onb.save": ("저장하고 AI 코치와 대화하기", "Save and talk with the AI coach"),
    "onb.skill_not_rated": ("평가 안 함", "Not rated"),
    # --- roadmap ----------------------------------------------------------------------------
    "roadmap.title": ("학습 로드맵", "Learning roadmap"),
    "roadmap.this_week": ("이번 주 학습", "This week"),
    "roadmap.week_goal": (
        "주간 목표 {goal}시간 중 {done}시간",
        "{done} of the week's {goal} hours",
    ),
    "roadmap.streak": ("연속 학습 {now}일 · 최장 {best}일", "Streak {now} days · best {best} days"),
    "roadmap.offer": (
        "이 트렌드를 향한 로드맵을 아직 시작하지 않았어요.",
        "You have not started the roadmap towards this trend yet.",
    ),
    "roadmap.start": ("로드맵 시작하기", "Start the roadmap"),
    "roadmap.empty": (
        "아직 시작한 로드맵이 없어요. 추천 트렌드에서 ‘로드맵 보기’를 눌러 시작해 보세요.",
        "No roadmap started yet. Open ‘See the roadmap’ on one of your trends to start.",
    ),
    "roadmap.see_results": ("추천 트렌드 보기", "See my trends"),
    "roadmap.suffix": ("로드맵", "roadmap"),
    "roadmap.overall": ("전체 진행률 {pct}%", "Overall progress {pct}%"),
    "roadmap.plan": (
        "주 {hours}시간씩이면 남은 {left}시간, 약 {weeks}주 뒤({finish}) 끝나요.",
        "At {hours} h a week: {left} h left, about {weeks} weeks (done by {finish}).",
    ),
    "roadmap.plan_done": ("모든 단계를 마쳤어요.", "Every step is done."),
    "roadmap.already": (
        "이미 갖춘 역량 {n}개는 시간 계산에서 뺐어요.",
        "{n} skills you already have are left out of the time estimate.",
    ),
    "roadmap.graph": ("역량 지도", "Skill map"),
    "roadmap.graph_hint": (
        "화살표는 ‘먼저 배우면 좋은 역량 → 그다음 역량’이에요. 단계를 누르면 해당 단계로 이동해요.",
        "Arrows point from a skill to the one that builds on it. Select a step to jump to it.",
    ),
    "roadmap.timeline": ("타임라인 (약 {weeks}주)", "Timeline (about {weeks} weeks)"),
    "roadmap.week_one": ("{a}주차", "week {a}"),
    "roadmap.weeks": ("{a}–{b}주차", "weeks {a}–{b}"),
    "roadmap.prerequisite": ("선수 역량", "prerequisite"),
    "roadmap.step_have": ("이미 갖춤", "Already have"),
    "roadmap.step_done": ("완료", "Done"),
    "roadmap.step_skipped": ("건너뜀", "Skipped"),
    "roadmap.step_in_progress": ("진행 중", "In progress"),
    "roadmap.step_todo": ("시작 전", "Not started"),
    "roadmap.step_state": ("단계 상태", "Step state"),
    "roadmap.mark_step_done": ("단계 완료", "Mark step done"),
    "roadmap.skip_step": ("건너뛰기", "Skip"),
    "roadmap.reopen_step": ("다시 하기", "Reopen"),
    "roadmap.step_hours": (
        "{done}/{effort}시간 학습 · 남은 {left}시간",
        "{done}/{effort} h studied · {left} h left",
    ),
    "roadmap.have_note": (
        "지금 수준 {cur} ≥ 목표 {target}: 시간 계산에서 뺐어요.",
        "Your level {cur} ≥ target {target}: left out of the time estimate.",
    ),
    "roadmap.implied": (
        "{skill} 수준을 보면 이미 갖췄다고 볼 수 있어요.",
        "Your {skill} level implies it.",
    ),
    "roadmap.course": ("강의", "Course"),
    "roadmap.book": ("도서", "Book"),
    "roadmap.search_link": (
        "검색 링크 (정확한 강의·도서를 아직 찾지 못했어요)",
        "search link (no exact course or book found yet)",
    ),
    "roadmap.in_english": ("영어 자료", "in English"),
    "roadmap.progress_of": ("{title} 학습 기록", "Study log of {title}"),
    "roadmap.logged": ("{done}/{total}시간 학습", "{done}/{total} h studied"),
    "roadmap.res_done": ("완료", "Done"),
    "roadmap.res_not_started": ("시작 전", "Not started"),
    "roadmap.log_hours": ("공부한 시간 (시간)", "Hours studied"),
    "roadmap.add_hours": ("기록하기", "Log"),
    "roadmap.mark_done": ("다 봤어요", "Finished"),
    "roadmap.undo": ("완료 취소", "Undo"),
    "roadmap.no_resources": (
        "연결된 학습 자료가 아직 없어요.",
        "No learning resources linked yet.",
    ),
    # --- values -----------------------------------------------------------------------------
    "values.title": ("나의 가치관", "My work values"),
    "values.lead": (
        "AI 코치와 나눈 대화에서 드러난 일에 대한 가치관 아홉 가지예요. 점수는 0–100점이고, "
        "아래에 그렇게 본 이유가 된 나의 말을 함께 보여 드려요.",
        "The nine work values that came out in your talk with the AI coach, from 0 to 100, "
        "with your own words that led to each score.",
    ),
    "values.none": (
        "아직 가치관 분석 결과가 없어요. AI 코치와 대화하면 여기에 나타나요.",
        "No value profile yet. It appears here after a talk with the AI coach.",
    ),
    "values.talk": ("AI 코치와 대화하기", "Talk with the AI coach"),
    "values.summary": ("내가 확인한 요약", "The summary I confirmed"),
    "values.summary_unconfirmed": (
        "대화 요약을 아직 확인하지 않았어요. 코치 대화를 끝까지 하면 요약을 확인할 수 있어요.",
        "You have not confirmed a summary yet. Finish the coach talk to confirm one.",
    ),
    "values.chart": ("가치관 점수", "Value scores"),
    "values.chart_caption": (
        "높을수록 일에서 중요하게 여기는 가치예요. 50점은 ‘대화에서 특별히 드러나지 않음’이에요.",
        "Higher means more important to you at work. 50 means it did not come up.",
    ),
    "values.col_value": ("가치", "Value"),
    "values.col_score": ("점수", "Score"),
    "values.col_evidence": ("나의 말", "My words"),
    "values.no_evidence": ("대화에서 직접 드러나지 않았어요.", "Not stated in the talk."),
    "values.unknown": ("아직 몰라요", "Not known yet"),
    "values.top": ("가장 중요하게 여기는 가치", "What matters most"),
    "values.matches": ("추천에 어떻게 쓰이나요?", "How this shapes my trends"),
    "values.matches_text": (
        "추천 트렌드를 고를 때 이 아홉 점수를 각 트렌드가 보상하는 가치와 비교해요. 안정성은 "
        "‘직업안정’과 ‘일과 삶의 균형’의 평균인 나의 안정 선호도로, 트렌드의 안정성 지수와 "
        "맞춰 봐요.",
        "Your trends are chosen by comparing these nine scores with the values each trend "
        "rewards; your stability preference (job security and work-life balance) is set "
        "against each trend's stability index.",
    ),
    "values.stability_pref": ("나의 안정 선호도 {v}점", "My stability preference: {v}"),
    "values.growth": ("나의 성장 지향성 {v}점", "My growth orientation: {v}"),
    "values.see_results": ("추천 트렌드 보기", "See my trends"),
    "values.official": (
        "검증된 검사로 확인해 보고 싶다면 고용24의 ‘직업가치관검사’를 무료로 받아 보세요.",
        "For a validated test, take the free ‘Work Values Test’ (직업가치관검사) on Work24.",
    ),
    "values.official_link": ("고용24 직업심리검사 바로 가기", "Go to Work24 career tests"),
    "values.not_a_test": (
        "이 결과는 대화에서 추정한 것이라 공식 심리검사를 대신하지 않아요.",
        "These scores are estimated from a conversation; they are not a psychological test.",
    ),
    # --- news -------------------------------------------------------------------------------
    "news.title": ("뉴스", "News"),
    "news.lead": (
        "나에게 맞는 트렌드 3가지의 최근 기사예요. 출처, 날짜, 키워드와 투자 소식을 함께 보여 "
        "드려요.",
        "Recent articles about your three trends, with source, date, keywords and deals.",
    ),
    "news.none": ("아직 이 트렌드의 기사가 없어요.", "No articles about this trend yet."),
    "news.keywords": ("키워드", "Keywords"),
    "news.deal": ("투자", "Deal"),
    "news.copies": ("같은 소식 {n}건", "{n} reports of this story"),
    "news.need_match": (
        "추천 트렌드가 생기면 관련 뉴스를 모아 보여 드려요.",
        "Once you have trends, their news shows up here.",
    ),
    "news.trend_link": ("트렌드 보기", "See the trend"),
    # --- settings ---------------------------------------------------------------------------
    "account.title": ("설정", "Settings"),
    "account.basics": ("계정", "Account"),
    "account.saved": ("저장했어요.", "Saved."),
    "account.email": ("이메일", "Email"),
    "account.name": ("이름", "Name"),
    "account.language": ("언어", "Language"),
    "account.save": ("저장", "Save"),
    "account.profile": ("관심사·역량·프로필", "Interests, skills and profile"),
    "account.profile_note": (
        "온보딩에서 입력한 내용을 고치면 추천 트렌드와 로드맵에 반영돼요.",
        "Changes to what you entered at onboarding update your trends and roadmap.",
    ),
    "account.edit_profile": ("프로필 수정", "Edit profile"),
    "account.logout": ("로그아웃", "Sign out"),
    "account.data": ("내 데이터", "My data"),
    "account.export_note": (
        "계정, 프로필, 코치 대화, 가치관, 추천, 로드맵과 학습 기록을 JSON 파일 하나로 내려받을 "
        "수 있어요.",
        "Download your account, profile, coach talks, values, trends, roadmaps and study log as "
        "one JSON file.",
    ),
    "account.export": ("내 데이터 내려받기 (JSON)", "Download my data (JSON)"),
    "account.delete": ("계정 삭제", "Delete account"),
    "account.delete_note": (
        "계정을 삭제하면 프로필, 코치 대화, 로드맵과 학습 기록이 모두 지워지고 되돌릴 수 없어요.",
        "Deleting the account erases your profile, coach talks, roadmaps and learning record. "
        "It cannot be undone.",
    ),
    "account.delete_password": ("비밀번호 확인", "Confirm with your password"),
    "account.delete_confirm": (
        "계정과 모든 데이터를 삭제하는 데 동의해요",
        "I agree to delete my account and all its data",
    ),
    "account.delete_button": ("계정 삭제", "Delete account"),
    "goodbye.title": ("계정을 삭제했어요", "Your account has been deleted"),
    "goodbye.text": (
        "그동안 트렌드패스를 이용해 주셔서 고마워요. 모든 데이터를 지웠어요.",
        "Thank you for using trendpath. All your data has been erased.",
    ),
    "forbidden.title": ("관리자 전용 페이지", "Admins only"),
    "forbidden.text": (
        "이 페이지는 관리자만 볼 수 있어요.",
        "Only administrators can see this page.",
    ),
    "forbidden.hint": (
        "관리자 권한을 방금 받았다면 로그아웃한 뒤 다시 로그인해 주세요.",
        "If you were just made an administrator, sign out and sign in again.",
    ),
    # --- privacy, about, errors -------------------------------------------------------------
    "privacy.title": ("개인정보 처리방침", "Privacy notice"),
    "about.title": ("성장 속도 지수는 이렇게 계산해요", "How the Velocity Score is computed"),
    "error.404_title": ("페이지를 찾을 수 없어요", "Page not found"),
    "error.404_text": (
        "주소가 바뀌었거나 없는 페이지예요. 주소를 확인하거나 처음 화면에서 다시 찾아 주세요.",
        "The address may have changed or the page does not exist.",
    ),
    "error.500_title": ("잠시 문제가 생겼어요", "Something went wrong"),
    "error.500_text": (
        "요청을 처리하지 못했어요. 잠시 후 다시 시도해 주세요. 문제가 계속되면 아래 요청 번호를 "
        "알려 주세요.",
        "The request could not be handled. Please try again in a moment; if it keeps happening, "
        "tell us the request id below.",
    ),
    "error.request_id": ("요청 번호", "Request id"),
    "error.405_title": ("이 방법으로는 열 수 없는 주소예요", "Method not allowed"),
    # --- sentences from the dashboard's code (translated by the ``tr`` filter) ---------------
    "msg.unavailable": (
        "지금은 정보를 불러올 수 없어요. 잠시 후 다시 시도해 주세요.",
        "This cannot be loaded right now. Please try again in a moment.",
    ),
    "msg.expired": (
        "요청이 만료됐어요. 페이지를 새로 고친 뒤 다시 시도해 주세요.",
        "The request has expired. Reload the page and try again.",
    ),
    "msg.expired_title": ("요청 만료", "Request expired"),
    "msg.login_problem": ("로그인 문제", "Sign-in problem"),
    "msg.login_expired": (
        "로그인 요청이 만료됐거나 올바르지 않아요. 다시 시도해 주세요.",
        "The sign-in request expired or is not valid. Please try again.",
    ),
    "msg.login_refused": (
        "로그인이 취소됐거나 거절됐어요.",
        "The sign-in was cancelled or refused.",
    ),
    "msg.login_failed": (
        "로그인을 마치지 못했어요. 다시 시도해 주세요.",
        "The sign-in could not be completed. Please try again.",
    ),
    "msg.name_or_lang": (
        "이름은 1~50자, 언어는 한국어 또는 English로 입력해 주세요.",
        "Enter a name of 1–50 characters and choose 한국어 or English.",
    ),
    "msg.not_saved_login": (
        "저장하지 못했어요. 다시 로그인한 뒤 시도해 주세요.",
        "Not saved. Sign in again and retry.",
    ),
    "msg.wrong_password": (
        "비밀번호가 맞지 않아요. 계정은 삭제되지 않았어요.",
        "The password is not correct. Your account was not deleted.",
    ),
    "msg.confirm_delete": (
        "삭제에 동의한다는 확인란을 선택해 주세요. 계정은 삭제되지 않았어요.",
        "Tick the box to agree to the deletion. Your account was not deleted.",
    ),
    "msg.not_deleted": (
        "계정을 삭제하지 못했어요. 잠시 후 다시 시도해 주세요.",
        "The account could not be deleted. Please try again in a moment.",
    ),
    "msg.delete_title": ("계정 삭제", "Delete account"),
    "msg.interests_needed": ("관심 분야를 하나 이상 골라 주세요.", "Pick at least one interest."),
    "msg.too_many_interests": (
        "관심 분야는 15개까지 고를 수 있어요.",
        "Pick at most 15 interests.",
    ),
    "msg.choose_status": ("현재 상태를 골라 주세요.", "Choose your current situation."),
    "msg.choose_education": ("최종 학력을 골라 주세요.", "Choose your education."),
    "msg.choose_region": ("지역을 골라 주세요.", "Choose your region."),
    "msg.field_needed": (
        "전공이나 직무 분야를 1~60자로 적어 주세요.",
        "Write your major or field (1–60 characters).",
    ),
    "msg.hours_range": (
        "주당 학습 시간은 {lo}~{hi}시간 사이의 숫자로 적어 주세요.",
        "Weekly hours must be a number from {lo} to {hi}.",
    ),
    "msg.check_input": ("입력값을 확인해 주세요.", "Please check what you entered."),
    "msg.roadmap": ("로드맵", "Roadmap"),
    "msg.pick_trend_again": ("트렌드를 다시 골라 주세요.", "Please pick the trend again."),
    "msg.top3_only": (
        "추천 트렌드 3가지 중 하나로만 로드맵을 시작할 수 있어요.",
        "A roadmap can only be started for one of your three trends.",
    ),
    "msg.pick_progress_again": (
        "진행 상태를 다시 골라 주세요.",
        "Please pick the progress state again.",
    ),
    "msg.hours_to_log": (
        "공부한 시간은 0.5~100시간 사이의 숫자로 적어 주세요.",
        "Log a number of hours between 0.5 and 100.",
    ),
    "msg.not_saved": ("저장하지 못했어요.", "Not saved."),
    "msg.news_unavailable": (
        "관련 뉴스를 불러올 수 없어요.",
        "Related news cannot be loaded right now.",
    ),
    "msg.feed_admin": ("피드 관리", "Feed administration"),
    "msg.feed_missing": ("피드를 찾을 수 없어요.", "No such feed."),
    "msg.not_found": ("주소를 다시 확인해 주세요.", "Please check the address."),
    "msg.chat_limit_title": ("대화 제한", "Conversation limit"),
    "msg.chat_limit": (
        "대화를 너무 많이 시작했습니다. 기존 대화를 이어 주세요.",
        "You have started too many talks. Please continue an existing one.",
    ),
    "msg.coach_down": ("코치 연결 실패", "Coach unavailable"),
    "msg.answer_needed": ("답변을 입력해 주세요.", "Please write an answer."),
}
