"""The feed store on the test database: claims under concurrency, leases, seeding, admin state."""

from __future__ import annotations

import datetime as dt
import time

from trendpath.kit.db import Database
from trendpath.news import store
from trendpath.news.models import feed as feed_table
from trendpath.news.policy import Outcome

NOW = dt.datetime(2024, 5, 1, 3, 0, tzinfo=dt.UTC)


def add(db: Database, n: int) -> list[int]:
    with db.session_scope() as session:
        rows = [
            store.add_feed(session, f"https://feed{i}.example.kr/rss", added_by="t")
            for i in range(n)
        ]
    return [r.id for r in rows if r is not None]


def test_skip_locked_claims_are_disjoint_while_the_first_is_uncommitted(db: Database) -> None:
    ids = add(db, 5)
    first = db.sessions()
    try:
        held = store.claim_due(first, "worker-a", now=NOW, lease_s=60, limit=2)
        with db.session_scope() as second:  # would block on the locked rows without SKIP LOCKED
            started = time.monotonic()
            other = store.claim_due(second, "worker-b", now=NOW, lease_s=60, limit=10)
            assert time.monotonic() - started < 2.0
        first.commit()
    finally:
        first.close()
    assert [c.id for c in held] == ids[:2] and [c.id for c in other] == ids[2:]
    with db.session_scope() as third:
        assert store.claim_due(third, "worker-c", now=NOW, lease_s=60, limit=10) == []
        assert store.count_due(third, NOW) == 0


def test_an_expired_lease_is_claimed_again_and_the_old_owner_loses_it(db: Database) -> None:
    (fid,) = add(db, 1)
    with db.session_scope() as session:
        (claim,) = store.claim_due(session, "crashed", now=NOW, lease_s=0.2, limit=5)
        assert claim.state.url == "https://feed0.example.kr/rss"
    time.sleep(0.3)
    with db.session_scope() as session:
        assert [c.id for c in store.claim_due(session, "alive", now=NOW, lease_s=60, limit=5)] == [
            fid
        ]
    with db.session_scope() as session:
        assert store.hold_lease(session, fid, "crashed") is None
        assert store.hold_lease(session, fid, "alive") is not None


def test_only_due_enabled_unparked_feeds_are_claimed(db: Database) -> None:
    due, later, parked, off = add(db, 4)
    with db.session_scope() as session:
        session.execute(
            feed_table.update()
            .where(feed_table.c.id == later)
            .values(next_check_at=NOW + dt.timedelta(hours=1))
        )
        session.execute(feed_table.update().where(feed_table.c.id == parked).values(parked=True))
        assert store.set_enabled(session, off, False)
    with db.session_scope() as session:
        assert store.count_due(session, NOW) == 1
        assert [c.id for c in store.claim_due(session, "w", now=NOW, lease_s=60, limit=9)] == [due]
    with db.session_scope() as session:
        claims = store.claim_due(session, "w", now=NOW + dt.timedelta(hours=2), lease_s=60, limit=9)
        assert [c.id for c in claims] == [later]


def test_fetch_now_claims_one_feed_whatever_its_schedule_but_not_a_leased_one(db: Database) -> None:
    (fid,) = add(db, 1)
    with db.session_scope() as session:
        session.execute(
            feed_table.update().where(feed_table.c.id == fid).values(parked=True, error_count=3)
        )
        claim = store.claim_one(session, fid, "admin", lease_s=60)
        assert claim is not None and claim.state.parked and claim.state.error_count == 3
    with db.session_scope() as session:
        assert store.claim_one(session, fid, "someone-else", lease_s=60) is None
        assert store.claim_one(session, 999_999, "admin", lease_s=60) is None


def test_unpark_resets_the_counters_and_makes_the_feed_due(db: Database) -> None:
    (fid,) = add(db, 1)
    with db.session_scope() as session:
        session.execute(
            feed_table.update()
            .where(feed_table.c.id == fid)
            .values(parked=True, error_count=4, parse_error_count=3, last_outcome="malformed")
        )
    with db.session_scope() as session:
        assert store.unpark_feed(session, fid, NOW)
        assert not store.unpark_feed(session, 999_999, NOW)
    with db.session_scope() as session:
        row = store.get_feed(session, fid)
        assert row is not None and not row.parked and row.error_count == 0
        assert row.next_check_at == NOW and row.last_outcome == Outcome.MALFORMED.value
        assert row.status == "new" and row.articles == 0


def test_default_feeds_are_seeded_once_and_a_removed_one_stays_removed(db: Database) -> None:
    feeds = [("https://a.example.kr/rss", "가"), ("https://b.example.kr/rss", "나")]
    with db.session_scope() as session:
        assert store.seed_once(session, "defaults:test", feeds, "default-feeds") == 2
    with db.session_scope() as session:
        (first,) = [r for r in store.list_feeds(session, status=None, limit=9, offset=0)[1]][:1]
        assert store.delete_feed(session, first.id)
    with db.session_scope() as session:
        assert store.seed_once(session, "defaults:test", feeds, "default-feeds") is None
        total, rows = store.list_feeds(session, status=None, limit=9, offset=0)
        assert total == 1 and rows[0].url == "https://b.example.kr/rss" and rows[0].title == "나"


def test_the_shipped_default_feeds_seed_through_the_worker_helper(db: Database) -> None:
    from trendpath.kit.http import ServiceClients
    from trendpath.kit.runtime import Runtime
    from trendpath.kit.settings import Settings
    from trendpath.news.defaults import load_default_feeds
    from trendpath.news.worker import seed_default_feeds

    settings = Settings(env="test", database_url=db.url)
    runtime = Runtime(settings=settings, db=db, clients=ServiceClients(settings))
    assert seed_default_feeds(runtime) == len(load_default_feeds())
    assert seed_default_feeds(runtime) is None
    with db.session_scope() as session:
        total, rows = store.list_feeds(session, status="new", limit=500, offset=0)
    assert total == len(load_default_feeds()) and {r.added_by for r in rows} == {"default-feeds"}
