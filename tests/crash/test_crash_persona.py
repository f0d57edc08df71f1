"""The persona re-embedding job of ``trendpath run`` killed with SIGKILL mid-batch.

After a persona-space change (new encoder or construction) every stored persona is stale and the
AI service's background job rebuilds them, one user per transaction (value scores and vector
together). The process is killed while the job waits inside one user's transaction with some
users already done. Afterwards: every user still has exactly one persona and one set of value
scores; the users done before the kill keep what was committed; the user in flight keeps both
old rows (never new values with an old vector); and a restarted ``trendpath run`` finishes the
rest by itself, ending where an uninterrupted rebuild ends.
"""

from __future__ import annotations

import uuid
from typing import Any

import numpy as np
import pytest
from crash_proc import Blocker, Spawn, wait_backends_gone, wait_until, waiting_on_lock
from sqlalchemy import Select, insert, select, text
from sqlalchemy.orm import Session

from trendpath.ai import models as m
from trendpath.ai import sessions, space, store
from trendpath.ai.coach_planner import CoachState
from trendpath.ai.dialogue import Turn
from trendpath.ai.jobs import REEMBED_BATCH
from trendpath.ai.values_method import ValuesMethod
from trendpath.kit.db import Database
from trendpath.kit.settings import Settings
from trendpath.kit.taxonomy import load_taxonomy

USERS = 16
OLD_VERSION = "persona-v0/retired-encoder"
LINES = (
    "새로운 기술을 배우면서 빨리 성장하는 게 제일 중요해요",
    "안정적인 회사에서 오래 일하고 싶어요",
    "돈보다 사회에 의미 있는 일을 하고 싶어요",
    "팀과 함께 어려운 문제를 푸는 게 즐거워요",
    "저녁이 있는 삶, 워라밸이 보장되면 좋겠어요",
)


def seed_users(db: Database) -> list[uuid.UUID]:
    """Users with a finished talk whose persona and values were built in a retired space."""
    tax = load_taxonomy()
    interests, skills = sorted(tax.interests), sorted(tax.skills)
    rng = np.random.default_rng(0)
    users: list[uuid.UUID] = []
    with db.session_scope() as session:
        for i in range(USERS):
            uid, sid = uuid.uuid4(), uuid.uuid4()
            picked = [interests[i % len(interests)], interests[(5 * i + 1) % len(interests)]]
            context = sessions.context(None, None, picked, {skills[i % len(skills)]: 1 + i % 5})
            turns = [Turn(role="coach", text="어떤 일을 할 때 가장 즐거우세요?")]
            turns += [Turn(role="user", text=f"{LINES[(i + k) % 5]} ({i})") for k in range(3)]
            state = CoachState(context=context, turns=turns, stage="done", done=True)
            session.execute(
                insert(m.coach_session).values(
                    id=sid,
                    user_id=uid,
                    status="finished",
                    state=state.model_dump(mode="json"),
                    profile=state.context.model_dump(mode="json"),
                    turns=3,
                    finished_at=text("now()"),
                )
            )
            old = rng.normal(size=1536).astype(np.float32)
            session.execute(
                insert(m.persona).values(
                    user_id=uid,
                    embedding=old / np.linalg.norm(old),
                    version=OLD_VERSION,
                    from_conversation=True,
                    inputs={"interests": picked, "skills": {}},
                )
            )
            session.execute(
                insert(m.value_score).values(
                    user_id=uid,
                    session_id=sid,
                    method="retired",
                    scores={},
                    growth_orientation=0.5,
                    stability_preference=0.5,
                    confirmed=i % 2 == 0,
                )
            )
            users.append(uid)
    return users


def joined() -> Select[Any]:
    """Each user's persona joined with their value scores."""
    p, v = m.persona, m.value_score
    return select(
        p.c.user_id,
        p.c.embedding,
        p.c.version,
        p.c.updated_at,
        v.c.method,
        v.c.scores,
        v.c.growth_orientation,
        v.c.stability_preference,
        v.c.confirmed,
    ).join(v, v.c.user_id == p.c.user_id)


def stored(db: Database) -> dict[uuid.UUID, Any]:
    """What the database holds now, per user."""
    with db.engine.connect() as conn:
        return {r.user_id: r for r in conn.execute(joined())}


def rebuilt_elsewhere(db: Database, users: list[uuid.UUID]) -> dict[uuid.UUID, Any]:
    """What an uninterrupted rebuild stores: the job's own code, in a rolled-back transaction."""
    with db.engine.connect() as conn:
        trans = conn.begin()
        session = Session(bind=conn, join_transaction_mode="create_savepoint")
        for uid in users:
            assert sessions.rebuild(session, uid, ValuesMethod())
        session.flush()
        result = {r.user_id: r for r in session.execute(joined())}
        session.close()
        trans.rollback()
    return result


def job_order(db: Database) -> list[uuid.UUID]:
    """The users in the order the job reads them (the job's own query)."""
    with db.sessions() as session:
        return store.stale_personas(session, space.version(), REEMBED_BATCH)


@pytest.mark.slow
def test_reembedding_killed_mid_batch_resumes_on_restart_and_loses_nothing(
    crash_db: Database, spawn: Spawn, settings: Settings
) -> None:
    # The space this test compares with must be the one a fresh service process serves: an
    # earlier test in this worker may have configured another encoder or values method.
    space.configure(settings)
    users = seed_users(crash_db)
    current = space.version()
    order = job_order(crash_db)
    assert sorted(order) == sorted(users)
    held = order[USERS // 2]

    with Blocker(crash_db, "SELECT 1 FROM ai.persona WHERE user_id = :u FOR UPDATE", u=held):
        first = spawn("run", "--port", "0", "--no-demo")
        wait_until(
            lambda: waiting_on_lock(crash_db, "trendpath", "INSERT INTO ai.persona"),
            120,
            "the job to wait inside a user's transaction",
            first,
        )
        first.kill9()
    wait_backends_gone(crash_db, "trendpath")

    after_kill = stored(crash_db)
    assert sorted(after_kill) == sorted(users), "a persona or value row was lost or doubled"
    done = {u for u, r in after_kill.items() if r.version == current}
    versions = {r.version for r in after_kill.values()}
    assert 1 <= len(done) < USERS and held not in done, f"{versions} stored, {current} served"
    for uid, row in after_kill.items():  # scores and vector move together, per user
        assert (row.method == "retired") == (uid not in done), uid
    assert after_kill[held].version == OLD_VERSION and after_kill[held].method == "retired"

    second = spawn("run", "--port", "0", "--no-demo")
    wait_until(
        lambda: all(r.version == current for r in stored(crash_db).values()),
        120,
        "the restarted job to finish the batch",
        second,
    )
    assert second.stop() == 0, second.output[-3000:]

    final = stored(crash_db)
    assert sorted(final) == sorted(users)
    for uid in done:  # committed before the kill: kept as it was, not redone
        assert final[uid].updated_at == after_kill[uid].updated_at
        assert np.array_equal(final[uid].embedding, after_kill[uid].embedding)
    expected = rebuilt_elsewhere(crash_db, users)
    for uid in users:
        got, want = final[uid], expected[uid]
        assert np.allclose(got.embedding, want.embedding, atol=1e-6)
        assert got.scores == want.scores and got.confirmed == want.confirmed
        assert got.confirmed == (users.index(uid) % 2 == 0)  # the user's confirmation survives
        assert (got.growth_orientation, got.stability_preference) == pytest.approx(
            (want.growth_orientation, want.stability_preference)
        )
