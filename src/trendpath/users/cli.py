"""``trendpath users ...``: the User Service's commands (mounted by the main CLI)."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from trendpath.kit.commands import command_runtime

app = typer.Typer(
    name="users",
    help="User Service: the chain's re-match worker (사용자 서비스).",
    no_args_is_help=True,
)


@app.callback()
def users() -> None:
    """User Service commands."""


@app.command()
def work(
    once: Annotated[
        bool, typer.Option("--once", help="Follow the pending trend events, run the due jobs, exit")
    ] = False,
) -> None:
    """Follow the trend service's events and re-match the users who follow changed trends
    (inbox notices, live pages), as the service's background worker does. The other services
    are reached over HTTP (``TRENDPATH_<SERVICE>_URL``) or in this process."""
    from trendpath.users import chain

    with command_runtime("users-worker") as runtime:

        async def run() -> tuple[int, int]:
            try:
                if once:
                    events = await chain.sync_trend_events(runtime)
                    return events, await chain.worker(runtime.settings).drain(runtime)
                await chain.chain_job(runtime)
                return 0, 0
            finally:
                await runtime.clients.aclose()

        events, jobs = asyncio.run(run())
    typer.echo(f"{events} trend events followed, {jobs} jobs run")
