"""News Service throughput: N local feeds on 127.0.0.1, then the analysis steps on their articles.

Measures, on synthetic Korean feeds served by a separate process (so the server does not share our
GIL):

* feeds/s for a full pass (``fetch_feed``: fetch + decode + safety gate + feedparser + dedup +
  policy) and for a 304 pass (the same feeds again with their ETags);
* feeds/s for parsing alone (no network), to show where the full pass spends its time;
* articles/s through keyword extraction (kiwipiepy, batched), trend tagging (the catalog and the
  Korean hash encoder) and deal detection.

Run: ``.venv/bin/python -m bench.news [--feeds 200] [--items 20] [--concurrency 16]``.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import hashlib
import multiprocessing
import os
import random
import socket
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from xml.sax.saxutils import escape

from bench.report import table, write_section
from trendpath.kit.fetch import FetchLimits
from trendpath.news.deals import detect_deal
from trendpath.news.fetcher import DEFAULT_LIMITS, FetchOutcome, fetch_feed
from trendpath.news.keywords import get_extractor
from trendpath.news.parse import parse_feed
from trendpath.news.policy import FeedState, Outcome
from trendpath.news.tagging import ArticleText, TrendTagger

SUBJECTS = ["생성형 AI", "AI 반도체", "2차전지", "핀테크", "클라우드", "자율주행", "로봇", "바이오"]
COMPANIES = ["A테크", "B랩스", "C바이오", "D모빌리티", "E에너지", "F소프트", "G페이", "H로보틱스"]
ROUNDS = ["시드", "프리A", "시리즈A", "시리즈B", "시리즈C", "Pre-IPO"]
BODIES = [
    "{c}는 {s} 분야의 데이터 엔지니어링 인력을 확충하고 백엔드 플랫폼을 고도화한다고 밝혔다.",
    "{c}가 {a}억 원 규모 {r} 투자를 유치했다. 이번 투자에는 국내 벤처캐피털이 참여했다.",
    "{c}의 지난해 매출은 {a}억 원으로 전년 대비 늘었다. 회사는 {s} 사업을 확대할 계획이다.",
    "정부는 {s} 산업 육성을 위해 머신러닝 전문 인재 양성 프로그램을 운영한다.",
]


def article(rng: random.Random, i: int) -> tuple[str, str]:
    """A synthetic Korean news item (title, body)."""
    s, c = rng.choice(SUBJECTS), rng.choice(COMPANIES)
    body = " ".join(
        t.format(s=s, c=c, a=rng.randint(5, 2000), r=rng.choice(ROUNDS))
        for t in rng.sample(BODIES, 3)
    )
    return f"{c}, {s} 사업 확대 ({i})", body


def feed_xml(index: int, items: int) -> bytes:
    """One RSS 2.0 feed with ``items`` entries, deterministic per index."""
    rng = random.Random(index)
    now = dt.datetime(2024, 5, 1, tzinfo=dt.UTC)
    parts = [
        f"<rss version='2.0'><channel><title>피드 {index}</title><link>https://f{index}.kr/</link>"
    ]
    for i in range(items):
        title, body = article(rng, i)
        date = (now - dt.timedelta(hours=i)).strftime("%a, %d %b %Y %H:%M:%S +0000")
        parts.append(
            f"<item><title>{escape(title)}</title><link>https://f{index}.kr/{i}</link>"
            f"<guid>f{index}-{i}</guid><description>{escape(body)}</description>"
            f"<pubDate>{date}</pubDate></item>"
        )
    return ("".join(parts) + "</channel></rss>").encode()


def _serve(port_queue: Any, feeds: int, items: int) -> None:
    bodies = {f"/feed/{i}.xml": feed_xml(i, items) for i in range(feeds)}
    etags = {path: '"' + hashlib.sha1(body).hexdigest() + '"' for path, body in bodies.items()}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            body, etag = bodies.get(self.path), etags.get(self.path)
            if body is None:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
            elif self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", str(etag))
                self.end_headers()
            else:
                self.send_response(200)
                self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
                self.send_header("ETag", str(etag))
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    class Server(ThreadingHTTPServer):
        daemon_threads = True
        request_queue_size = 256  # read by listen() in the constructor: set on the class

    server = Server(("127.0.0.1", 0), Handler)
    port_queue.put(server.server_address[1])
    server.serve_forever()


async def fetch_all(states: list[FeedState], concurrency: int) -> list[FetchOutcome]:
    """Fetch every feed, at most ``concurrency`` at a time."""
    gate = asyncio.Semaphore(concurrency)
    limits = FetchLimits(allow_hosts=frozenset({"127.0.0.1"}), accept=DEFAULT_LIMITS.accept)

    async def one(state: FeedState) -> FetchOutcome:
        async with gate:
            return await fetch_feed(state, limits=limits)

    return await asyncio.gather(*(one(s) for s in states))


def _timed(fn: Any, *args: Any) -> tuple[Any, float]:
    started = time.perf_counter()
    result = fn(*args)
    return result, time.perf_counter() - started


def network_rows(port: int, feeds: int, items: int, concurrency: int) -> list[list[object]]:
    """Full pass, 304 pass and parse-only throughput."""
    states = [FeedState(f"http://127.0.0.1:{port}/feed/{i}.xml") for i in range(feeds)]
    full, t_full = _timed(asyncio.run, fetch_all(states, concurrency))
    assert all(o.outcome is Outcome.UPDATED for o in full), {o.outcome for o in full}
    again, t_304 = _timed(asyncio.run, fetch_all([o.state for o in full], concurrency))
    assert all(o.outcome is Outcome.NOT_MODIFIED for o in again)
    bodies = [feed_xml(i, items) for i in range(feeds)]
    _, t_parse = _timed(lambda: [parse_feed(b) for b in bodies])
    articles = sum(len(o.articles) for o in full)
    return [
        ["full fetch + parse", feeds, feeds / t_full, articles / t_full],
        ["304 pass", feeds, feeds / t_304, "-"],
        ["parse only (no network)", feeds, feeds / t_parse, feeds * items / t_parse],
    ]


def analysis_rows(texts: list[tuple[str, str]]) -> list[list[object]]:
    """Articles/s through keywords, tagging and deal detection."""
    from trendpath.ai.embed import KoreanHashEncoder
    from trendpath.trends.catalog import load_catalog

    extractor = get_extractor()
    tagger = TrendTagger(load_catalog(), KoreanHashEncoder())
    bodies, titles = [b for _, b in texts], [t for t, _ in texts]
    keywords, t_kw = _timed(extractor.extract_batch, bodies, titles)
    tags, t_tag = _timed(tagger.tag_batch, [ArticleText(t, b) for t, b in texts])
    no_enc = TrendTagger(load_catalog())
    _, t_kw_tag = _timed(no_enc.tag_batch, [ArticleText(t, b) for t, b in texts])
    deals, t_deal = _timed(lambda: [detect_deal(f"{t}. {b}") for t, b in texts])
    n = len(texts)
    tagged = sum(1 for t in tags if t) / n
    found = sum(1 for d in deals if d is not None) / n
    assert all(keywords)
    return [
        ["keyword extraction (kiwipiepy, batched)", n, n / t_kw, "-"],
        ["tagging: keywords + hash-encoder embedding", n, n / t_tag, f"{tagged:.0%} tagged"],
        ["tagging: keywords only", n, n / t_kw_tag, "-"],
        ["deal detection", n, n / t_deal, f"{found:.0%} with a deal"],
    ]


def main() -> None:
    """Run the benchmark, print the tables and update docs/benchmarks.md."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--feeds", type=int, default=200)
    parser.add_argument("--items", type=int, default=20)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--articles", type=int, default=2000)
    args = parser.parse_args()

    load = os.getloadavg()[0]  # the bench machine may be shared; say how busy it was
    queue: Any = multiprocessing.get_context("spawn").Queue()
    server = multiprocessing.get_context("spawn").Process(
        target=_serve, args=(queue, args.feeds, args.items), daemon=True
    )
    server.start()
    try:
        port = queue.get(timeout=60)
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            pass
        net = network_rows(port, args.feeds, args.items, args.concurrency)
    finally:
        server.terminate()
        server.join()
    rng = random.Random(7)
    texts = [article(rng, i) for i in range(args.articles)]
    ana = analysis_rows(texts)

    net_table = table(["pass", "feeds", "feeds/s", "articles/s"], net)
    ana_table = table(["step", "articles", "articles/s", "note"], ana)
    print(net_table, "\n", ana_table, sep="\n")
    body = (
        f"{args.feeds} synthetic RSS feeds of {args.items} Korean items each, served from "
        f"127.0.0.1 by a separate process; {args.concurrency} fetches in flight.\n\n"
        f"{net_table}\n\n{args.articles} synthetic Korean articles through the analysis "
        f"steps (single process):\n\n{ana_table}\n\nParsing is feedparser-bound (about 90 % of "
        f"parse time). 1-minute load average at start: {load:.1f}.\n"
    )
    write_section("news", "News Service: fetch, parse and analysis", body)


if __name__ == "__main__":
    main()
