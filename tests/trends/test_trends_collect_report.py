"""The collection report: statuses, grouped reasons and exit codes (no database needed)."""

from __future__ import annotations

import datetime as dt

from trendpath.trends.collect_report import CollectReport, SourceReport
from trendpath.trends.sources.base import Problem

WEEKS = [dt.date(2025, 9, 1)]


def settled(problems: list[Problem], trends: int = 3, values: int = 0) -> SourceReport:
    report = SourceReport(
        "kipris-plus", "patent_filing_rate", "ok", values, 0, problems, "", trends
    )
    report.settle()
    return report


def test_status_follows_the_trends_that_failed() -> None:
    assert settled([]).status == "ok"
    notes_only = settled(
        [Problem(None, "no official total for 2025-10; nearest factor used")], values=3
    )
    assert notes_only.status == "ok", "a source-level note is not a failed trend"
    partial = settled([Problem("mlops", "HTTP 500 after 4 attempts")], values=2)
    assert (partial.status, partial.detail) == ("partial", "1 of 3 trends failed: mlops")
    failed = settled([Problem(t, "HTTP 401: refused") for t in ("a", "b", "c")])
    assert (failed.status, failed.detail) == ("failed", "all 3 trends failed")


def test_identical_reasons_are_grouped_into_one_line() -> None:
    problems = [Problem(f"t{i}", "news-deals GET /v1/signals/deals: HTTP 401") for i in range(50)]
    problems.append(Problem("t50", "not valid XML"))
    report = settled(problems, trends=51)
    assert report.reason_lines() == [
        "    - 50 trends: news-deals GET /v1/signals/deals: HTTP 401",
        "    - t50: not valid XML",
    ]


def test_exit_code_is_the_worst_status() -> None:
    def report(*statuses: str) -> CollectReport:
        sources = [SourceReport(f"s{i}", "x", s) for i, s in enumerate(statuses)]  # type: ignore[arg-type]
        return CollectReport(WEEKS, sources)

    assert report("ok", "skipped").exit_code == 0
    assert report("ok", "partial", "skipped").exit_code == 3
    assert report("partial", "failed").exit_code == 1
    assert report("skipped", "skipped").exit_code == 2
    assert "nothing collected" in report("skipped").lines()[-1]
