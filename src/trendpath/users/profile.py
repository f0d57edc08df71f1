"""The onboarding profile: its vocabulary, the checks pydantic cannot do alone, and its history.

Field-level shape (types, ranges, unknown keys) is enforced by the pydantic models in
:mod:`trendpath.users.schemas`; what needs the shared taxonomy (interest tags and skills must
exist) is checked here, and every problem is reported the way FastAPI reports validation errors —
a 422 whose ``details`` name each offending field — so a client handles both the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from trendpath.kit.errors import ApiError
from trendpath.kit.taxonomy import Taxonomy

STATUSES: dict[str, str] = {
    "student": "학생",
    "job_seeker": "구직자",
    "employed": "재직자",
    "career_changer": "커리어 전환 준비",
}
EDUCATION: dict[str, str] = {
    "high_school": "고등학교 졸업",
    "associate": "전문학사",
    "bachelor": "학사",
    "master": "석사",
    "doctorate": "박사",
    "other": "기타",
}
REGIONS: dict[str, str] = {
    "seoul": "서울특별시",
    "busan": "부산광역시",
    "daegu": "대구광역시",
    "incheon": "인천광역시",
    "gwangju": "광주광역시",
    "daejeon": "대전광역시",
    "ulsan": "울산광역시",
    "sejong": "세종특별자치시",
    "gyeonggi": "경기도",
    "gangwon": "강원특별자치도",
    "chungbuk": "충청북도",
    "chungnam": "충청남도",
    "jeonbuk": "전북특별자치도",
    "jeonnam": "전라남도",
    "gyeongbuk": "경상북도",
    "gyeongnam": "경상남도",
    "jeju": "제주특별자치도",
    "overseas": "해외",
}

MIN_WEEKLY_HOURS = 1.0
MAX_WEEKLY_HOURS = 60.0
"""Study hours a week: below one hour no roadmap has a timeline; above 60 nobody keeps it up."""

MAX_INTERESTS = 15
PROFILE_FIELDS: tuple[str, ...] = (
    "status",
    "field",
    "education",
    "weekly_hours",
    "region",
    "interests",
    "skills",
    "extras",
)


def _problem(field: str, message: str) -> dict[str, str]:
    return {"field": field, "message": message}


def taxonomy_problems(
    taxonomy: Taxonomy,
    interests: Iterable[str] | None = None,
    skills: Mapping[str, int] | None = None,
) -> list[dict[str, str]]:
    """Interest tags and skills that the taxonomy does not know, as validation details."""
    problems: list[dict[str, str]] = []
    for i, tag in enumerate(interests or ()):
        if tag not in taxonomy.interests:
            problems.append(_problem(f"interests.{i}", f"unknown interest tag {tag!r}"))
    for skill in skills or {}:
        if skill not in taxonomy.skills:
            problems.append(_problem(f"skills.{skill}", f"unknown skill {skill!r}"))
    return problems


def raise_if_problems(problems: list[dict[str, str]]) -> None:
    """Raise the 422 validation error carrying ``problems`` (no-op when there are none)."""
    if problems:
        first = problems[0]
        raise ApiError(
            422, "validation_error", f"{first['field']}: {first['message']}", details=problems
        )


def check_against_taxonomy(
    taxonomy: Taxonomy,
    interests: Iterable[str] | None = None,
    skills: Mapping[str, int] | None = None,
) -> None:
    """422 when an interest tag or a skill is not in the shared taxonomy."""
    raise_if_problems(taxonomy_problems(taxonomy, interests, skills))


def snapshot(row: Mapping[Any, Any]) -> dict[str, Any]:
    """The JSON-able state of a profile (what a history entry keeps)."""
    return {
        "status": row["status"],
        "field": row["field"],
        "education": row["education"],
        "weekly_hours": float(row["weekly_hours"]),
        "region": row["region"],
        "interests": list(row["interests"]),
        "skills": {k: int(v) for k, v in dict(row["skills"]).items()},
        "extras": dict(row["extras"]),
    }


def changed_fields(before: Mapping[Any, Any] | None, after: Mapping[Any, Any]) -> list[str]:
    """Names of the profile fields whose value differs (all of them for a new profile)."""
    if before is None:
        return list(PROFILE_FIELDS)
    old, new = snapshot(before), snapshot(after)
    return [name for name in PROFILE_FIELDS if old[name] != new[name]]


def labels(row: Mapping[Any, Any]) -> dict[str, str]:
    """Korean labels of the coded profile fields (for display)."""
    return {
        "status": STATUSES.get(row["status"], row["status"]),
        "education": EDUCATION.get(row["education"], row["education"]),
        "region": REGIONS.get(row["region"], row["region"]),
    }
