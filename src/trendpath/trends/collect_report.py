"""What a collection run reports: per source a status, the reasons, and the run's exit code.

A source is ``ok`` when no requested trend had a problem, ``partial`` when some trends failed and
others were delivered, ``failed`` when every requested trend failed (every request refused,
unreachable, out of quota or unreadable) or the connector crashed, and ``skipped`` when its key is
not configured. Problems with the same reason are grouped, so fifty trends refused by one HTTP 401
read as one line, not fifty.

Exit codes (documented in docs/sources.md): 0 every source that ran is ok; 1 at least one source
failed; 2 nothing could run (every source skipped for want of configuration); 3 no source failed
but at least one was partial.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

from trendpath.trends.sources.base import Problem

Status = Literal["ok", "partial", "failed", "skipped"]

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_NOT_CONFIGURED = 2
EXIT_PARTIAL = 3

MAX_REASONS = 20
MAX_NAMED_TRENDS = 10


@dataclass
class SourceReport:
    """What one source did in a collection run."""

    source: str
    indicator: str
    status: Status
    values: int = 0
    """Valid values the source delivered."""
    rows: int = 0
    """Stored rows that were new or changed (a repeated run over the same data writes none)."""
    problems: list[Problem] = field(default_factory=list)
    detail: str = ""
    trends: int = 0
    """Trends the source was asked for."""

    @property
    def failed_trends(self) -> list[str]:
        """Trends that got no value because of a problem, sorted."""
        return sorted({p.trend for p in self.problems if p.trend})

    def settle(self) -> None:
        """Set ``status`` and ``detail`` from the problems (the source ran and returned)."""
        failed = self.failed_trends
        if not failed:
            self.status = "ok"
            return
        if len(failed) >= self.trends:
            self.status = "failed"
            self.detail = f"all {self.trends} trends failed"
            return
        self.status = "partial"
        named = ", ".join(failed[:MAX_NAMED_TRENDS])
        more = (
            f", ... (+{len(failed) - MAX_NAMED_TRENDS})" if len(failed) > MAX_NAMED_TRENDS else ""
        )
        self.detail = f"{len(failed)} of {self.trends} trends failed: {named}{more}"

    def reason_lines(self) -> list[str]:
        """The problems grouped by message, most frequent first."""
        groups: dict[str, list[str]] = {}
        for problem in self.problems:
            groups.setdefault(problem.message, []).append(problem.trend or "*")
        ordered = sorted(groups.items(), key=lambda kv: -len(kv[1]))
        out = []
        for message, trends in ordered[:MAX_REASONS]:
            who = trends[0] if len(trends) == 1 else f"{len(trends)} trends"
            out.append(f"    - {who}: {message}")
        if len(ordered) > MAX_REASONS:
            out.append(f"    ... and {len(ordered) - MAX_REASONS} more reasons")
        return out


@dataclass
class CollectReport:
    """The outcome of a collection run, per source."""

    weeks: list[dt.date]
    sources: list[SourceReport] = field(default_factory=list)
    velocity_rows: int = 0

    @property
    def rows(self) -> int:
        """Indicator rows inserted or changed by all sources."""
        return sum(s.rows for s in self.sources)

    @property
    def values(self) -> int:
        """Valid values delivered by all sources."""
        return sum(s.values for s in self.sources)

    @property
    def exit_code(self) -> int:
        """0 all ran sources ok, 1 a source failed, 2 nothing configured, 3 partial."""
        statuses = {s.status for s in self.sources}
        if "failed" in statuses:
            return EXIT_FAILED
        if statuses == {"skipped"}:
            return EXIT_NOT_CONFIGURED
        if "partial" in statuses:
            return EXIT_PARTIAL
        return EXIT_OK

    def lines(self) -> list[str]:
        """A human-readable summary, one line per source plus its grouped reasons."""
        first, last = self.weeks[0].isoformat(), self.weeks[-1].isoformat()
        out = [f"weeks {first} .. {last} ({len(self.weeks)})"]
        for s in self.sources:
            counts = f"{s.values:>6} values {s.rows:>6} changed"
            head = f"{s.source:<14} {s.status:<7} {counts}  {s.indicator}"
            out.append(f"{head}  {s.detail}".rstrip())
            out += s.reason_lines()
        if self.rows or self.velocity_rows:
            out.append(f"velocity: {self.velocity_rows} weekly scores recomputed")
        else:
            out.append("velocity: unchanged (no indicator changed)")
        if self.sources and self.exit_code == EXIT_NOT_CONFIGURED:
            out.append("nothing collected: no source is configured (see docs/sources.md)")
        return out
