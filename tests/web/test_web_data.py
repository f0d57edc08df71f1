"""The dashboard tells where its numbers come from (demo badge, sources, laws) and shows the
inbox, over plain HTTP against the real services."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Callable

from sqlalchemy import text

from trendpath.demo import ensure_demo
from trendpath.kit.db import Database
from trendpath.kit.runtime import Runtime
from trendpath.trends import store, store_chain

from .conftest import Visitor

BADGE = "예시 데이터 — 실제 통계가 아닙니다"


def test_a_demo_trend_page_carries_the_badge_its_sources_and_its_laws(
    visitors: Callable[..., Visitor], db: Database, runtime: Runtime
) -> None:
    list(ensure_demo(runtime))
    with db.session_scope() as session:
        tid = store.trend_ids(session)["generative-ai"]
        store_chain.upsert_policy_documents(
            session,
            tid,
            [
                {
                    "target": "eflaw",
                    "serial": "272406",
                    "title": "인공지능 발전과 신뢰 기반 조성 등에 관한 기본법",
                    "kind": "제정",
                    "promulgated": dt.date(2025, 1, 21),
                    "effective": dt.date(2026, 1, 22),
                    "link": "https://www.law.go.kr/LSW/lsInfoP.do?lsiSeq=272406",
                }
            ],
        )
    page = visitors().client.get("/trends/generative-ai")
    assert page.status_code == 200
    html = page.text
    assert html.count(BADGE) >= 3  # the page note, the chart, the contributions
    assert 'id="sources"' in html and "예시 데이터 (합성, 실제 통계 아님)" in html
    assert "인공지능 발전과 신뢰 기반 조성 등에 관한 기본법" in html
    assert 'href="https://www.law.go.kr/LSW/lsInfoP.do?lsiSeq=272406"' in html
    assert "공포 2025-01-21" in html and "시행 2026-01-22" in html
    assert "[예시]" in html and "예시 기사" in html  # the demo's sample news, labelled
    assert 'data-live-url="/live/trend/generative-ai"' in html
    listing = visitors().client.get("/trends").text
    assert BADGE in listing


def test_the_inbox_lists_notices_and_marks_them_read(
    visitors: Callable[..., Visitor], db: Database
) -> None:
    me = visitors()
    with db.session_scope() as session:
        session.execute(
            text(
                "INSERT INTO users.notification (user_id, kind, trend_slug, message_ko, data, "
                "dedup_key) VALUES (:u, 'slowing', 'secondary-battery', :m, '{}', 'k1')"
            ),
            {
                "u": uuid.UUID(me.user_id),
                "m": "2차전지 모멘텀이 3주 연속 하락했어요 — 투자 규모 증가율 −12점",
            },
        )
    inbox = me.client.get("/inbox")
    assert inbox.status_code == 200
    assert "2차전지 모멘텀이 3주 연속 하락했어요 — 투자 규모 증가율 −12점" in inbox.text
    assert "읽지 않음 1개" in inbox.text and 'href="/trends/secondary-battery"' in inbox.text
    assert 'href="/inbox"' in me.client.get("/results").text  # in the navigation
    notice_id = re.search(r'data-id="(\d+)"', inbox.text)
    assert notice_id
    stale = me.client.post("/inbox/read", data={"csrf_token": "wrong", "id": notice_id.group(1)})
    assert stale.status_code == 403
    bad = me.client.post("/inbox/read", data={"csrf_token": me.csrf, "id": "x1"})
    assert bad.status_code == 422
    done = me.client.post("/inbox/read", data={"csrf_token": me.csrf, "id": notice_id.group(1)})
    assert done.status_code == 303
    assert "읽지 않음 0개" in me.client.get("/inbox").text
    other = visitors().client.get("/inbox").text
    assert "모멘텀이" not in other and "아직 알림이 없어요" in other


def test_the_trend_page_says_in_words_which_model_forecast(
    visitors: Callable[..., Visitor], db: Database, runtime: Runtime
) -> None:
    from sqlalchemy import text

    from trendpath.trends.forecasting import save_forecasts

    list(ensure_demo(runtime))
    with db.session_scope() as session:
        tid = store.trend_ids(session)["generative-ai"]
        week = session.execute(
            text("SELECT max(week) FROM trends.velocity WHERE trend_id = :t"), {"t": tid}
        ).scalar_one()
        row = {"trend_id": tid, "week": week, "horizon_weeks": 4, "point": 2.0, "lo": -1.0}
        row |= {"hi": 5.0, "model_version": "v-words", "model": "gru+tst+ridge"}
        save_forecasts(session, [row | {"kind": "network", "validation_rel_mse": 0.8}])
    html = visitors().client.get("/trends/generative-ai").text
    words = "신경망 두 개(GRU, 트랜스포머)와 선형 회귀 모델의 평균"
    said = f"{words} <small><code>gru+tst+ridge</code></small>"
    assert said in html
    assert "(network)" not in html
    # The validation figure is said in words: 0.8 of naive's squared error is 20 % smaller.
    assert "단순 예측보다 오차가 20% 작았어요." in html
    assert "상대 오차 0.80" in html
    with db.session_scope() as session:
        save_forecasts(session, [row | {"kind": "baseline", "validation_rel_mse": 1.0}])
    html = visitors().client.get("/trends/generative-ai").text
    assert "단순 예측보다 나은 점을 확인하지 못했어요." in html
    assert "오차가 0% 작았어요" not in html
