"""``trendpath news ...``: the News Service's commands (mounted by the main CLI).

Also runnable alone as ``python -m trendpath.news.cli``.
"""

from __future__ import annotations

import asyncio
import signal
from typing import Annotated, cast, get_args

import typer

from trendpath.kit.commands import clear_errors, fail, load_settings, work_failed

app = typer.Typer(
    name="news",
    help="News Service: feed worker and feed admin (뉴스 피드 수집).",
    no_args_is_help=True,
)


@app.command()
def worker(
    once: Annotated[bool, typer.Option("--once", help="Run one cycle, print it, exit")] = False,
) -> None:
    """Fetch due feeds until stopped (Ctrl+C / SIGTERM); several workers may run at once."""
    from trendpath.kit.logs import configure_logging
    from trendpath.kit.migrate import upgrade
    from trendpath.kit.runtime import open_runtime
    from trendpath.news.config import seed_enabled
    from trendpath.news.worker import Worker, seed_default_feeds

    settings = load_settings()
    configure_logging(settings.log_level, settings.log_json)
    with clear_errors():
        runtime = open_runtime(settings, name="news-worker")
        if settings.embedded:
            upgrade(runtime.db)  # a lone embedded worker has no migrate job in front of it

    async def main() -> None:
        try:
            if seed_enabled(settings):
                await asyncio.to_thread(seed_default_feeds, runtime)
            news = Worker(runtime)
            if once:
                report = await news.run_once()
                for f in report.feeds:
                    typer.echo(f"{f.feed_id}\t{f.outcome}\t+{f.new_articles}\t{f.url}")
                typer.echo(
                    f"{len(report.feeds)} feeds, {report.new_articles} new articles, "
                    f"{report.caught_up} caught up"
                )
                return
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, stop.set)
            typer.echo(f"news worker {news.owner} started")
            await news.run_forever(stop)
        finally:
            await runtime.clients.aclose()

    try:
        asyncio.run(main())
    finally:
        runtime.close()


@app.command("add-feed")
def add_feed(
    url: Annotated[str, typer.Argument(help="RSS/Atom feed URL")],
    title: Annotated[str, typer.Option(help="Display name (default: the feed's own)")] = "",
) -> None:
    """Add a feed (checked against the SSRF guard like the API does)."""
    from trendpath.kit.runtime import open_runtime
    from trendpath.news import store
    from trendpath.news.config import allow_hosts
    from trendpath.news.feed_url import FeedURLError, check_feed_url

    settings = load_settings()
    try:
        checked = asyncio.run(check_feed_url(url, allow_hosts(settings)))
    except FeedURLError as exc:
        raise fail(f"refused {url}: {exc}") from None
    with clear_errors():
        runtime = open_runtime(settings, name="news-cli")
    try:
        with runtime.db.session_scope() as session:
            row = store.add_feed(session, checked, added_by="cli", title=title.strip())
    finally:
        runtime.close()
    if row is None:
        raise work_failed(f"{checked} is already registered")
    typer.echo(f"added feed {row.id}: {checked}")


@app.command("list-feeds")
def list_feeds(
    status: Annotated[
        str | None, typer.Option(help="Only feeds that are new, ok, failing, parked or disabled")
    ] = None,
) -> None:
    """List feeds with their state."""
    from trendpath.kit.runtime import open_runtime
    from trendpath.news import store

    if status is not None and status not in get_args(store.FeedStatus):
        raise fail(f"unknown status {status!r}")
    settings = load_settings()
    with clear_errors():
        runtime = open_runtime(settings, name="news-cli")
    try:
        with runtime.db.session_scope() as session:
            wanted = cast("store.FeedStatus | None", status)
            total, rows = store.list_feeds(session, status=wanted, limit=10_000, offset=0)
    finally:
        runtime.close()
    typer.echo("id\tstatus\terrors\tarticles\tnext check\turl\ttitle")
    for r in rows:
        nxt = r.next_check_at.isoformat(timespec="minutes") if r.next_check_at else "-"
        errors = f"{r.error_count}/{r.parse_error_count}"
        typer.echo(f"{r.id}\t{r.status}\t{errors}\t{r.articles}\t{nxt}\t{r.url}\t{r.title}")
    typer.echo(f"{total} feeds")


if __name__ == "__main__":
    app()
