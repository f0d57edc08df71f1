"""HTTP API: the onboarding vocabulary, the profile, its history and skill self-ratings."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path
from sqlalchemy import Row

from trendpath.kit.db import SessionDep
from trendpath.kit.deps import SettingsDep
from trendpath.kit.errors import ApiError, error_responses
from trendpath.kit.taxonomy import SLUG_PATTERN, Taxonomy, load_taxonomy
from trendpath.users import profile as prof
from trendpath.users import store, store_learning
from trendpath.users.access import Reader, Writer
from trendpath.users.schemas import (
    HistoryEntry,
    HistoryOut,
    LabelledTag,
    ProfileExtras,
    ProfileIn,
    ProfileOut,
    ProfilePatch,
    SkillRatingIn,
    TaxonomyGroup,
    TaxonomyOut,
    TaxonomySkill,
    TaxonomyTag,
)

router = APIRouter(prefix="/v1", tags=["profile"])

SkillPath = Annotated[str, Path(pattern=SLUG_PATTERN, max_length=64, description="Skill slug")]


def taxonomy_of(settings: SettingsDep) -> Taxonomy:
    """The shared taxonomy (from the configured data folder)."""
    return load_taxonomy(settings.data_dir)


TaxonomyDep = Annotated[Taxonomy, Depends(taxonomy_of)]


def profile_out(row: Row[Any], taxonomy: Taxonomy) -> ProfileOut:
    """The API shape of a profile row."""
    labels = prof.labels(row._mapping)
    return ProfileOut(
        user_id=row.user_id,
        status=row.status,
        status_ko=labels["status"],
        field=row.field,
        education=row.education,
        education_ko=labels["education"],
        weekly_hours=row.weekly_hours,
        region=row.region,
        region_ko=labels["region"],
        interests=[
            LabelledTag(slug=t, ko=taxonomy.interests[t].ko if t in taxonomy.interests else t)
            for t in row.interests
        ],
        skills={k: int(v) for k, v in dict(row.skills).items()},
        extras=ProfileExtras.model_validate(row.extras),
        revision=row.revision,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


@router.get("/taxonomy", response_model=TaxonomyOut, summary="What the onboarding form offers")
def taxonomy(tax: TaxonomyDep, user: Reader) -> TaxonomyOut:
    """Interest tags by group, skills with prerequisites, and the coded profile fields."""
    return TaxonomyOut(
        interest_groups=[
            TaxonomyGroup(
                slug=g.slug,
                ko=g.ko,
                tags=[TaxonomyTag(slug=t.slug, ko=t.ko, en=t.en) for t in g.tags],
            )
            for g in tax.interest_groups
        ],
        skills=[
            TaxonomySkill(
                slug=s.slug,
                ko=s.ko,
                group=s.group,
                group_ko=tax.skill_groups[s.group].ko,
                description_ko=s.description_ko,
                prerequisites=list(s.prerequisites),
            )
            for s in tax.skills.values()
        ],
        skill_levels=dict(tax.skill_levels),
        statuses=prof.STATUSES,
        education=prof.EDUCATION,
        regions=prof.REGIONS,
        weekly_hours={"min": prof.MIN_WEEKLY_HOURS, "max": prof.MAX_WEEKLY_HOURS},
    )


@router.get(
    "/profile",
    response_model=ProfileOut,
    summary="The signed-in user's profile",
    responses=error_responses(404),
)
def get_profile(tax: TaxonomyDep, session: SessionDep, user: Reader) -> ProfileOut:
    """404 until the profile is created."""
    row = store.get_profile(session, user.user_id)
    if row is None:
        raise ApiError(404, "not_found", "no profile yet: create it with PUT /v1/profile")
    return profile_out(row, tax)


@router.put("/profile", response_model=ProfileOut, summary="Create or replace the profile")
def put_profile(body: ProfileIn, tax: TaxonomyDep, session: SessionDep, user: Writer) -> ProfileOut:
    """Every field is required; unknown interest tags or skills are a 422 and nothing changes.
    The persona is rebuilt with the new profile and the match recomputed by the re-match job."""
    prof.check_against_taxonomy(tax, body.interests, body.skills)
    values = body.model_dump()
    row, _ = store.save_profile(session, user.user_id, values)
    session.commit()
    return profile_out(row, tax)


@router.patch(
    "/profile",
    response_model=ProfileOut,
    summary="Change some profile fields",
    responses=error_responses(404),
)
def patch_profile(
    body: ProfilePatch, tax: TaxonomyDep, session: SessionDep, user: Writer
) -> ProfileOut:
    """Fields left out keep their value; ``skills`` is merged slider by slider."""
    prof.check_against_taxonomy(tax, body.interests, body.skills)
    current = store.get_profile(session, user.user_id, lock=True)
    if current is None:
        raise ApiError(404, "not_found", "no profile yet: create it with PUT /v1/profile")
    values = body.model_dump(exclude_unset=True)
    if "skills" in values:
        values["skills"] = {**dict(current.skills), **values["skills"]}
    row, _ = store.save_profile(session, user.user_id, values)
    session.commit()
    return profile_out(row, tax)


@router.get("/profile/history", response_model=HistoryOut, summary="Profile revisions")
def history(session: SessionDep, user: Reader) -> HistoryOut:
    """Every change to the profile, newest first, with the fields it changed."""
    rows = store.profile_history(session, user.user_id)
    return HistoryOut(
        items=[
            HistoryEntry(
                revision=r.revision,
                changed=list(r.changed),
                source=r.source,
                changed_at=r.changed_at,
                snapshot=dict(r.snapshot),
            )
            for r in rows
        ]
    )


@router.put(
    "/skills/{skill}",
    response_model=ProfileOut,
    summary="Self-rate one skill",
    responses=error_responses(404),
)
def rate_skill(
    skill: SkillPath, body: SkillRatingIn, tax: TaxonomyDep, session: SessionDep, user: Writer
) -> ProfileOut:
    """Moves the slider (and so every roadmap's gap for that skill); logged for streaks."""
    if skill not in tax.skills:
        prof.raise_if_problems([{"field": "skill", "message": f"unknown skill {skill!r}"}])
    current = store.get_profile(session, user.user_id, lock=True)
    if current is None:
        raise ApiError(404, "not_found", "no profile yet: create it with PUT /v1/profile")
    skills = {**dict(current.skills), skill: body.level}
    row, _ = store.save_profile(session, user.user_id, {"skills": skills}, source="skill_rating")
    store_learning.log_progress_event(
        session, user.user_id, kind="skill", skill=skill, level=body.level
    )
    session.commit()
    return profile_out(row, tax)
