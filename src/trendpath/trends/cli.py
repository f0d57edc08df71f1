"""``trendpath trends ...``: the Trend Analysis Service's commands (mounted by the main CLI)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer

from trendpath.kit.commands import command_runtime, fail, work_failed
from trendpath.trends.sources.registry import SOURCE_NAMES

app = typer.Typer(
    name="trends",
    help="Trend Analysis Service: collect, import/export, forecast (트렌드 지표).",
    no_args_is_help=True,
)


@app.callback()
def trends() -> None:
    """Trend Analysis Service commands."""


SourceOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--source",
        help=f"Only this source (repeatable): {', '.join(SOURCE_NAMES)}",
        show_default=False,
    ),
]
WeeksOpt = Annotated[
    int | None,
    typer.Option(min=1, max=520, help="Complete weeks to collect (default: TREND_COLLECT_WEEKS)"),
]


@app.command()
def collect(source: SourceOpt = None, weeks: WeeksOpt = None) -> None:
    """Collect the indicators of the recent weeks from the public APIs and recompute Velocity.

    Sources without keys are skipped (the report says which setting to set), unless named
    with --source, which makes a missing key an error. Exit code: 0 every source ok, 1 a source
    failed, 2 usage or nothing configured, 3 some trends failed (partial).
    """
    from trendpath.trends.collect import CollectReport
    from trendpath.trends.collect import collect as run_collect
    from trendpath.trends.sources.base import recent_weeks
    from trendpath.trends.sources.ratelimit import korean_today

    unknown = [s for s in source or [] if s not in SOURCE_NAMES]
    if unknown:
        raise fail(f"unknown source {unknown[0]!r}; known: {', '.join(SOURCE_NAMES)}")
    with command_runtime("trends-collect") as runtime:
        wanted = recent_weeks(weeks or runtime.settings.trend_collect_weeks, korean_today())

        async def run() -> CollectReport:
            try:
                return await run_collect(runtime, names=source or None, weeks=wanted)
            finally:
                await runtime.clients.aclose()

        report = asyncio.run(run())
    for line in report.lines():
        typer.echo(line)
    named_missing = [s for s in report.sources if s.status == "skipped" and source]
    if named_missing:
        raise fail(named_missing[0].detail)
    # 1 a source failed, 2 nothing configured, 3 partial (see docs/sources.md "Exit codes")
    if report.exit_code:
        raise typer.Exit(report.exit_code)


@app.command("import")
def import_csv(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    rejects: Annotated[
        Path | None, typer.Option(help="Write rejected rows here (default: FILE.rejected.csv)")
    ] = None,
) -> None:
    """Import indicator values from CSV (trend,week,indicator,value[,source]) and recompute.

    Every row is checked first; accepted rows are written in one transaction (re-importing the
    same file changes nothing) and rejected rows are listed with their reasons.
    """
    from trendpath.trends.chain import import_and_recompute
    from trendpath.trends.csvio import CsvFormatError, write_rejects

    try:
        with command_runtime("trends-import") as runtime, runtime.db.session_scope() as session:
            report, scores = import_and_recompute(session, file.read_bytes(), file.name)
    except CsvFormatError as exc:
        raise fail(f"{file}: {exc}") from None
    typer.echo(
        f"{report.accepted} rows accepted, {report.written} written or changed "
        f"({report.new} new, {report.revised} revised), "
        f"{report.rejected_total} rejected; {scores} Velocity Scores recomputed"
    )
    if report.rejected_total:
        out = rejects or file.with_suffix(".rejected.csv")
        write_rejects(report, out)
        for r in report.rejected[:10]:
            typer.echo(f"  line {r.line}: {r.reason}", err=True)
        typer.echo(f"rejected rows with reasons: {out}", err=True)
        raise typer.Exit(1)


@app.command()
def work(
    once: Annotated[bool, typer.Option("--once", help="Run the due jobs, then exit")] = False,
    kind: Annotated[
        list[str] | None, typer.Option(help="Only jobs of this kind (repeatable)")
    ] = None,
) -> None:
    """Run the trend service's job queue (the chain's Velocity and forecast steps) in this
    process, as the service's background worker does; any number may run at once."""
    from trendpath.trends.chain import worker

    with command_runtime("trends-worker") as runtime:
        queue_worker = worker(runtime.settings)

        async def run() -> int:
            try:
                if once:
                    return await queue_worker.drain(runtime, kinds=kind or None)
                await queue_worker.run(runtime)
                return 0
            finally:
                await runtime.clients.aclose()

        done = asyncio.run(run())
    typer.echo(f"{done} jobs run")


@app.command("drop-demo")
def drop_demo(
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation")] = False,
) -> None:
    """Delete every demo-synthetic indicator value (collected and imported values stay) and
    recompute; trends left without data lose their demo scores and forecasts too."""
    from trendpath.trends.chain import drop_demo as run_drop

    if not yes and not typer.confirm("Delete all demo-synthetic indicator values?"):
        raise typer.Exit(1)
    with command_runtime("trends-drop-demo") as runtime, runtime.db.session_scope() as session:
        removed, scores = run_drop(session)
    typer.echo(f"{removed} demo values deleted; {scores} Velocity Scores recomputed")


@app.command("export")
def export_csv(
    file: Annotated[Path, typer.Argument(dir_okay=False)],
    trend: Annotated[list[str] | None, typer.Option(help="Only this trend (repeatable)")] = None,
) -> None:
    """Export stored indicator values as CSV (the import format)."""
    import csv

    from trendpath.trends.csvio import export_rows

    with (
        command_runtime("trends-export") as runtime,
        runtime.db.session_scope() as session,
        file.open("w", newline="") as fh,
    ):
        writer = csv.writer(fh)
        count = sum(1 for row in export_rows(session, trend) if writer.writerow(row))
    typer.echo(f"{count - 1} rows written to {file}")


@app.command("forecast")
def forecast(
    retrain: Annotated[
        bool, typer.Option(help="Train a new model first (the scheduled weekly retrain)")
    ] = False,
    trend: Annotated[list[str] | None, typer.Option(help="Only this trend (repeatable)")] = None,
) -> None:
    """Forecast every trend from the stored indicators; re-forecast weeks whose data changed.

    Trains the served recipe on the database's indicators when no model fits (with --retrain:
    always; the demo panel only when the database holds no indicators). A new model that does
    not beat the naive forecast on validation is kept for the record but not served.
    """
    from trendpath.trends.forecast import PanelError, RegistryError
    from trendpath.trends.forecasting import refresh

    try:
        with command_runtime("trends-forecast") as runtime:
            run = refresh(runtime.db, runtime.settings, slugs=trend, retrain=retrain)
    except (PanelError, RegistryError) as exc:
        raise work_failed(str(exc)) from None
    if run is None:
        raise work_failed(
            "no indicator data yet: run `trendpath demo` or `trendpath trends collect`"
        )
    figure = "—" if run.validation_rel_mse is None else f"{run.validation_rel_mse:.3f}"
    typer.echo(
        f"model {run.model_version} ({run.model}, {run.kind}, {run.status}; trained on "
        f"{run.data_source} data; validation MSE vs naive {figure})"
    )
    if run.week:
        typer.echo(
            f"{run.stored} forecasts stored from {run.weeks} origin week(s), newest {run.week} "
            f"({run.skipped} trends got a baseline forecast: see each one's reason)"
        )
