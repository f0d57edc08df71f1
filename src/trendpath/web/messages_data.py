"""The message catalog's part for data provenance, live updates and the inbox (see
:mod:`trendpath.web.messages`)."""

from __future__ import annotations

DATA_MESSAGES: dict[str, tuple[str, str]] = {
    # --- provenance -------------------------------------------------------------------------
    "demo.badge": ("예시 데이터 — 실제 통계가 아닙니다", "Sample data — not real statistics"),
    "demo.share": ("예시 데이터 비중 {pct}%", "{pct}% sample data"),
    "demo.page_note": (
        "이 화면의 수치 일부 또는 전부는 시연용으로 만든 예시 데이터에서 계산했어요. "
        "실제 통계로 바꾸려면 관리자가 공개 API 키를 설정하거나 CSV를 가져와야 해요.",
        "Some or all numbers on this page are computed from sample data made for the demo. "
        "An administrator replaces them by setting public API keys or importing a CSV.",
    ),
    "sources.title": ("지표 출처", "Where the indicators come from"),
    "sources.caption": (
        "지표마다 가장 최근 값의 출처를 먼저 보여 줘요.",
        "For each indicator, the source of the latest values comes first.",
    ),
    "sources.values": ("{n}개 값 · 최근 {week}", "{n} values · latest {week}"),
    "sources.fetched": ("수집 {at}", "fetched {at}"),
    "sources.none": ("아직 저장된 값이 없어요.", "No values stored yet."),
    # --- laws -------------------------------------------------------------------------------
    "laws.title": ("관련 법령·행정규칙", "Related laws and rules"),
    "laws.caption": (
        "정책 변화 빈도 지표에 반영된 법령이에요. 출처: 국가법령정보센터",
        "Laws counted in the policy change frequency. Source: Korea Law Information Center",
    ),
    "laws.promulgated": ("공포 {d}", "promulgated {d}"),
    "laws.effective": ("시행 {d}", "in force {d}"),
    # --- news samples -----------------------------------------------------------------------
    "news.sample": ("예시 기사", "Sample article"),
    # --- live updates -----------------------------------------------------------------------
    "live.updated": ("방금 새 데이터로 바뀌었어요.", "Just updated with new data."),
    # --- inbox ------------------------------------------------------------------------------
    "nav.inbox": ("알림", "Notifications"),
    "inbox.title": ("알림", "Notifications"),
    "inbox.h1": ("알림함", "Inbox"),
    "inbox.empty": (
        "아직 알림이 없어요. 추천 트렌드나 로드맵의 트렌드가 몇 주 연속 움직이면 알려 드릴게요.",
        "No notifications yet. We tell you when a trend you follow moves for several weeks.",
    ),
    "inbox.unread": ("읽지 않음 {n}개", "{n} unread"),
    "inbox.new": ("새 알림", "New"),
    "inbox.read_all": ("모두 읽음으로 표시", "Mark all as read"),
    "inbox.mark_read": ("읽음", "Mark read"),
    "inbox.trend": ("트렌드 보기", "See the trend"),
    "inbox.roadmap": ("로드맵 보기", "See the roadmap"),
    "msg.inbox": ("알림", "Notifications"),
    "msg.bad_notification": (
        "알림 번호가 올바르지 않습니다.",
        "That notification number is not valid.",
    ),
}
