"""Feed admin over HTTP: tokens and scopes, URL validation (SSRF guard), the admin actions."""

from __future__ import annotations

import pytest

from .conftest import News, send

ENDPOINTS = [
    ("GET", "/v1/feeds"),
    ("POST", "/v1/feeds"),
    ("GET", "/v1/feeds/1"),
    ("PATCH", "/v1/feeds/1"),
    ("DELETE", "/v1/feeds/1"),
    ("POST", "/v1/feeds/1/unpark"),
    ("POST", "/v1/feeds/1/fetch"),
    ("GET", "/v1/trends/generative-ai/articles"),
    ("GET", "/v1/search?q=반도체"),
    ("GET", "/v1/signals/articles?from=2024-04-29&to=2024-04-29"),
    ("GET", "/v1/signals/deals?from=2024-04-29&to=2024-04-29"),
]


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_every_endpoint_needs_a_token(news: News, method: str, path: str) -> None:
    with news.api(None) as api:
        resp = api.request(method, path, json={"url": "http://127.0.0.1/x"})
        assert resp.status_code == 401, resp.text
        assert resp.json()["error"]["code"] == "unauthorized"
        bad = api.request(method, path, headers={"Authorization": "Bearer not.a.jwt"})
        assert bad.status_code == 401


def test_feed_admin_needs_admin_or_a_service_with_news_write(news: News) -> None:
    reader = news.token("news-reader", "news:read")
    with news.api(reader) as api:
        resp = api.get("/v1/feeds")
        assert resp.status_code == 403 and resp.json()["error"]["code"] == "insufficient_scope"
        assert api.post("/v1/feeds", json={"url": news.feeds.url("/x")}).status_code == 403
    service = news.token("news-service", "news:write")
    with news.api(service) as api:
        assert api.get("/v1/feeds").status_code == 200
    writer_without_read = news.token("news-service", "news:write")
    with news.api(writer_without_read) as api:
        assert api.get("/v1/signals/articles?from=2024-04-29&to=2024-04-29").status_code == 403


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://127.0.0.1/feed.xml", "only http and https"),
        ("not a url", "only http and https"),
        ("http://user:pw@127.0.0.1/feed.xml", "credentials"),
        ("http://10.0.0.1/rss", "blocked address"),
        ("http://169.254.169.254/latest/meta-data/", "blocked address"),
        ("http://127.0.0.2:8080/feed.xml", "blocked address"),
        ("http://[::ffff:192.168.0.1]/feed.xml", "blocked address"),
        ("http://2130706434/feed.xml", "blocked address"),  # 127.0.0.2 spelled as a number
    ],
)
def test_bad_or_private_urls_are_refused_with_a_reason(news: News, url: str, reason: str) -> None:
    with news.api(news.token("news-admin", "admin")) as api:
        resp = api.post("/v1/feeds", json={"url": url})
    assert resp.status_code == 422, resp.text
    error = resp.json()["error"]
    assert error["code"] == "validation_error" and reason in error["message"]
    assert error["details"][0]["field"] == "url"
    assert news.scalar("SELECT count(*) FROM news.feed") == 0


def test_add_list_fetch_disable_unpark_and_remove(news: News) -> None:
    news.feeds.serve_file("/ko.xml", "rss20_ko.xml")
    with news.api(news.token("news-admin", "admin")) as api:
        added = api.post("/v1/feeds", json={"url": news.feeds.url("/ko.xml") + "#top"})
        assert added.status_code == 201, added.text
        feed = added.json()
        assert feed["url"] == news.feeds.url("/ko.xml") and feed["status"] == "new"
        again = api.post("/v1/feeds", json={"url": news.feeds.url("/ko.xml")})
        assert again.status_code == 409
        fid = feed["id"]

        fetched = api.post(f"/v1/feeds/{fid}/fetch")
        assert fetched.status_code == 200, fetched.text
        body = fetched.json()
        assert body["outcome"] == "updated" and body["new_articles"] == 3
        assert body["feed"]["status"] == "ok" and body["feed"]["articles"] == 3
        assert body["feed"]["title"] == "테크 뉴스 & 경제" and not body["feed"]["fetching"]

        assert api.patch(f"/v1/feeds/{fid}", json={"enabled": False}).json()["status"] == "disabled"
        page = api.get("/v1/feeds", params={"status": "disabled"}).json()
        assert page["total"] == 1 and page["items"][0]["id"] == fid
        assert api.get("/v1/feeds", params={"status": "ok"}).json()["total"] == 0
        assert api.patch(f"/v1/feeds/{fid}", json={"enabled": True}).status_code == 200

        assert api.delete(f"/v1/feeds/{fid}").status_code == 204
        assert api.get(f"/v1/feeds/{fid}").status_code == 404
        assert api.delete(f"/v1/feeds/{fid}").status_code == 404
    assert news.scalar("SELECT count(*) FROM news.article") == 0


def test_a_parked_feed_is_listed_and_can_be_unparked(news: News) -> None:
    news.feeds.routes["/gone.xml"] = lambda h: send(h, 410, b"gone")
    with news.api(news.token("news-admin", "admin")) as api:
        fid = api.post("/v1/feeds", json={"url": news.feeds.url("/gone.xml")}).json()["id"]
        fetched = api.post(f"/v1/feeds/{fid}/fetch").json()
        assert fetched["outcome"] == "gone" and fetched["error"] == "HTTP 410"
        parked = api.get("/v1/feeds", params={"status": "parked"}).json()["items"]
        assert [(f["id"], f["parked"], f["last_status"]) for f in parked] == [(fid, True, 410)]
        assert parked[0]["next_check_at"] is None and parked[0]["error_count"] == 1
        unparked = api.post(f"/v1/feeds/{fid}/unpark").json()
        assert not unparked["parked"] and unparked["error_count"] == 0
        assert unparked["next_check_at"] is not None and unparked["last_error"] is None
        assert api.post("/v1/feeds/999999/unpark").status_code == 404


def test_validation_errors_use_the_common_shape(news: News) -> None:
    with news.api(news.token("news-admin", "admin news:read")) as api:
        extra = api.post("/v1/feeds", json={"url": news.feeds.url("/x"), "owner": "me"})
        assert extra.status_code == 422 and extra.json()["error"]["code"] == "validation_error"
        assert api.get("/v1/feeds", params={"status": "weird"}).status_code == 422
        assert api.get("/v1/feeds/0").status_code == 422
        assert api.get("/v1/trends/Not_A_Slug/articles").status_code == 422
        assert api.get("/v1/search", params={"q": "x", "mode": "psychic"}).status_code == 422


def test_fetch_now_refuses_a_feed_a_worker_holds_and_unknown_feeds(news: News) -> None:
    from trendpath.news import store

    news.feeds.serve_file("/ko.xml", "rss20_ko.xml")
    fid = news.add_feed("/ko.xml")
    with news.db.session_scope() as session:
        assert store.claim_one(session, fid, "busy-worker", lease_s=60) is not None
    with news.api(news.token("news-admin", "admin")) as api:
        busy = api.post(f"/v1/feeds/{fid}/fetch")
        assert busy.status_code == 409 and "being fetched" in busy.json()["error"]["message"]
        assert api.get(f"/v1/feeds/{fid}").json()["fetching"] is True
        assert api.post("/v1/feeds/999999/fetch").status_code == 404
    assert news.feeds.count("/ko.xml") == 0
