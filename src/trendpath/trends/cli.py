"""``trendpath trends ...``: the Trend Analysis Service's commands (mounted by the main CLI)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer

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
    with --source, which makes a missing key an error.
    """
    # The main CLI imports this module, so its helpers are imported late (no import cycle).
    from trendpath.cli import command_runtime, fail
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
    if any(s.status == "failed" for s in report.sources):
        raise typer.Exit(1)


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
    from trendpath.cli import command_runtime, fail
    from trendpath.trends.csvio import CsvFormatError, write_rejects
    from trendpath.trends.csvio import import_csv as run_import
    from trendpath.trends.recompute import recompute_all

    try:
        with command_runtime("trends-import") as runtime, runtime.db.session_scope() as session:
            report = run_import(session, file.read_bytes(), source=f"csv:{file.name}")
            scores = recompute_all(session) if report.written else 0
    except CsvFormatError as exc:
        raise fail(f"{file}: {exc}") from None
    typer.echo(
        f"{report.accepted} rows accepted, {report.written} written or changed, "
        f"{report.rejected_total} rejected; {scores} Velocity Scores recomputed"
    )
    if report.rejected_total:
        out = rejects or file.with_suffix(".rejected.csv")
        write_rejects(report, out)
        for r in report.rejected[:10]:
            typer.echo(f"  line {r.line}: {r.reason}", err=True)
        typer.echo(f"rejected rows with reasons: {out}", err=True)
        raise typer.Exit(1)


@app.command("export")
def export_csv(
    file: Annotated[Path, typer.Argument(dir_okay=False)],
    trend: Annotated[list[str] | None, typer.Option(help="Only this trend (repeatable)")] = None,
) -> None:
    """Export stored indicator values as CSV (the import format)."""
    import csv

    from trendpath.cli import command_runtime
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
    from trendpath.cli import command_runtime, fail
    from trendpath.trends.forecast import PanelError, RegistryError
    from trendpath.trends.forecasting import refresh

    try:
        with command_runtime("trends-forecast") as runtime:
            run = refresh(runtime.db, runtime.settings, slugs=trend, retrain=retrain)
    except (PanelError, RegistryError) as exc:
        raise fail(str(exc)) from None
    if run is None:
        raise fail("no indicator data yet: run `trendpath demo` or `trendpath trends collect`")
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
