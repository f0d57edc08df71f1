"""The scopes this server grants, with the Korean wording shown on the consent page."""

from __future__ import annotations

from collections.abc import Iterable

SCOPES: dict[str, str] = {
    "openid": "로그인 여부 확인",
    "profile": "이름과 언어 설정 보기",
    "email": "이메일 주소 보기",
    "account": "계정 관리 (프로필 수정, 비밀번호 변경, 탈퇴)",
    "users:read": "관심사·역량·로드맵 보기",
    "users:write": "관심사·역량·로드맵 수정",
    "trends:read": "트렌드 데이터 보기",
    "trends:write": "트렌드 데이터 수정",
    "news:read": "뉴스 보기",
    "news:write": "뉴스 피드 관리",
    "ai:chat": "AI 코치와 대화",
    "events:read": "계정 이벤트 읽기 (서비스 전용)",
    "ai:embed": "텍스트·프로필·트렌드 임베딩과 페르소나 조회 (서비스 전용)",
    "admin": "관리자 기능",
}

IDENTITY_SCOPES = frozenset({"openid", "profile", "email", "account"})
ADMIN_SCOPES = frozenset({"admin"})
SERVICE_ONLY_SCOPES = frozenset({"events:read", "ai:embed"})
USER_SCOPES = frozenset(SCOPES) - SERVICE_ONLY_SCOPES
"""What a user-facing client may ask for (``admin`` is granted only to admins)."""
SERVICE_SCOPES = frozenset(SCOPES) - IDENTITY_SCOPES - ADMIN_SCOPES
"""What a service may get with client credentials."""
PUBLIC_READ_SCOPES = frozenset({"trends:read", "news:read"})
"""What the dashboard's public pages may read for visitors who are not signed in."""


def parse(scope: str | None) -> list[str]:
    """Split a scope string (RFC 6749 §3.3) into unique names, keeping the given order."""
    seen: dict[str, None] = {}
    for name in (scope or "").split():
        seen.setdefault(name, None)
    return list(seen)


def join(names: Iterable[str]) -> str:
    """The canonical scope string: sorted, space-separated."""
    return " ".join(sorted(set(names)))


def unknown(names: Iterable[str]) -> list[str]:
    """The names that are not scopes of this server."""
    return [n for n in names if n not in SCOPES]


def for_role(names: Iterable[str], role: str) -> list[str]:
    """Drop scopes the account's role may not hold (``admin`` for non-admins)."""
    return [n for n in names if role == "admin" or n not in ADMIN_SCOPES]


def describe(names: Iterable[str]) -> list[tuple[str, str]]:
    """(scope, Korean description) pairs for the consent page."""
    return [(n, SCOPES[n]) for n in sorted(set(names)) if n in SCOPES]
