"""CSV import and export of weekly indicator values, with a report of every rejected row.

Format (UTF-8, header required; UTF-8 with BOM and CP949/EUC-KR files are accepted too)::

    trend,week,indicator,value[,source]
    generative-ai,2025-03-03,search_volume_growth,12.5,naver-datalab

``week`` is the Monday of an ISO week (``YYYY-MM-DD``) or an ISO week label (``2025-W10``).
Import validates every row first, then writes all accepted rows in one transaction: a crash
mid-way leaves nothing half-written, and re-importing the same file changes nothing.

The import rules (collected API rows follow the same ones, see docs/sources.md):

* a row for an **unknown trend** or indicator, a **future week** (after the current ISO week,
  Korean time), a non-Monday date or a non-finite value is rejected with its reason;
* a **duplicate** (same trend, indicator and week twice in one file) is rejected, named as a
  duplicate when the value is the same and as a conflict when it differs;
* a **revision** (a stored week with a different value or origin) replaces the stored value and
  is counted as revised; an identical row changes nothing;
* every stored value remembers its origin: the file name and line (``import_file``,
  ``import_row``) and the ``source`` the file claimed (``csv:<file>`` when it claimed none).
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session

from trendpath.trends import store
from trendpath.trends.indicators import INDICATORS
from trendpath.trends.sources.base import iso_monday
from trendpath.trends.sources.ratelimit import korean_today

REQUIRED = ("trend", "week", "indicator", "value")
MAX_REJECTS_KEPT = 1000


@dataclass(frozen=True)
class Rejected:
    """A row that was not imported, and why."""

    line: int
    reason: str
    raw: dict[str, str]


@dataclass
class ImportReport:
    """What an import did."""

    accepted: int = 0
    written: int = 0
    new: int = 0
    revised: int = 0
    trend_ids: set[int] = field(default_factory=set)
    """The trends of the accepted rows."""
    rejected: list[Rejected] = field(default_factory=list)
    rejected_total: int = 0

    def reject(self, line: int, reason: str, raw: dict[str, str]) -> None:
        """Record a rejected row (keeps the first MAX_REJECTS_KEPT in full)."""
        self.rejected_total += 1
        if len(self.rejected) < MAX_REJECTS_KEPT:
            self.rejected.append(Rejected(line, reason, raw))


class CsvFormatError(ValueError):
    """The file as a whole is unusable (not CSV, missing columns, undecodable)."""


def decode(raw: bytes) -> str:
    """Text of an uploaded CSV: UTF-8 (with or without BOM), else CP949 (a superset of EUC-KR)."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        try:
            return raw.decode("cp949")
        except UnicodeDecodeError as exc:
            raise CsvFormatError("file is neither UTF-8 nor CP949/EUC-KR text") from exc


def parse_week(text: str) -> date:
    """A Monday date or an ISO week label; raises ValueError with the reason."""
    text = text.strip()
    if "-W" in text.upper():
        year, week = text.upper().split("-W", 1)
        return date.fromisocalendar(int(year), int(week), 1)
    day = date.fromisoformat(text)
    if day.isoweekday() != 1:
        raise ValueError(f"{text} is a {day.strftime('%A')}, not the Monday of its ISO week")
    return day


def _parse_value(text: str) -> float:
    value = float(text.strip().replace(",", ""))
    if not math.isfinite(value):
        raise ValueError(f"value {text.strip()!r} is not a finite number")
    return value


def _reader(text: str) -> Iterator[tuple[int, dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(text))
    try:
        header = [h.strip().lower() for h in (reader.fieldnames or [])]
        missing = [c for c in REQUIRED if c not in header]
        if missing:
            need = ", ".join(REQUIRED)
            raise CsvFormatError(f"missing column(s) {', '.join(missing)}; need {need}")
        reader.fieldnames = header
        for row in reader:
            yield reader.line_num, {k: (v or "").strip() for k, v in row.items() if k is not None}
    except csv.Error as exc:  # a NUL byte, an unterminated quote at the end: not CSV
        raise CsvFormatError(f"not readable as CSV (line {reader.line_num}): {exc}") from None


@dataclass(frozen=True)
class _Context:
    trend_ids: dict[str, int]
    default_source: str
    last_week: date
    file_name: str | None


def validate(
    text: str,
    trend_ids: dict[str, int],
    default_source: str,
    report: ImportReport,
    *,
    today: date | None = None,
    file_name: str | None = None,
) -> list[store.IndicatorRow]:
    """Check every row; return the accepted ones and fill ``report.rejected`` with the rest.

    Weeks after ``today``'s ISO week (default: today in Korea) are rejected as future weeks.
    """
    day = today or korean_today()
    ctx = _Context(trend_ids, default_source, iso_monday(day), file_name)
    seen: dict[tuple[int, str, date], tuple[int, float]] = {}
    accepted: list[store.IndicatorRow] = []
    for line, raw in _reader(text):
        try:
            row = _row(raw, ctx, line)
        except ValueError as exc:
            report.reject(line, str(exc), raw)
            continue
        key = (row.trend_id, row.indicator, row.week)
        if key in seen:
            first, value = seen[key]
            kind = "duplicate of" if value == row.value else "conflicts with"
            report.reject(line, f"{kind} line {first} (same trend, indicator and week)", raw)
            continue
        seen[key] = (line, row.value)
        accepted.append(row)
    report.accepted = len(accepted)
    return accepted


def _row(raw: dict[str, str], ctx: _Context, line: int) -> store.IndicatorRow:
    slug, indicator = raw.get("trend", ""), raw.get("indicator", "")
    if slug not in ctx.trend_ids:
        raise ValueError(f"unknown trend {slug!r}")
    if indicator not in INDICATORS:
        raise ValueError(f"unknown indicator {indicator!r}; known: {', '.join(INDICATORS)}")
    try:
        week = parse_week(raw.get("week", ""))
    except ValueError as exc:
        raise ValueError(f"bad week {raw.get('week', '')!r}: {exc}") from None
    if week > ctx.last_week:
        raise ValueError(f"week {week.isoformat()} is in the future (current week {ctx.last_week})")
    try:
        value = _parse_value(raw.get("value", ""))
    except ValueError as exc:
        raise ValueError(f"bad value {raw.get('value', '')!r}: {exc}") from None
    source = raw.get("source") or ctx.default_source
    if len(source) > 80:
        raise ValueError("source longer than 80 characters")
    if any(ord(ch) < 32 for ch in source):  # PostgreSQL text cannot hold NUL; none are names
        raise ValueError("source contains control characters")
    return store.IndicatorRow(
        ctx.trend_ids[slug], indicator, week, value, source, ctx.file_name, line
    )


def import_csv(
    session: Session,
    raw: bytes,
    *,
    source: str,
    file_name: str | None = None,
    today: date | None = None,
) -> ImportReport:
    """Validate and upsert a CSV of indicator values (caller commits; nothing written on error).

    ``file_name`` is recorded with every row (with its line) as the values' origin.
    """
    report = ImportReport()
    trend_ids = store.trend_ids(session)
    rows = validate(decode(raw), trend_ids, source, report, today=today, file_name=file_name)
    report.trend_ids = {r.trend_id for r in rows}
    report.new, report.revised = store.upsert_indicators_counted(session, rows)
    report.written = report.new + report.revised
    return report


def write_rejects(report: ImportReport, path: Path) -> None:
    """Write rejected rows with their reasons next to the input, for fixing and re-import."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["line", "reason", *REQUIRED, "source"])
        for r in report.rejected:
            writer.writerow([r.line, r.reason, *(r.raw.get(c, "") for c in (*REQUIRED, "source"))])


def export_rows(session: Session, slugs: Iterable[str] | None = None) -> Iterator[list[str]]:
    """CSV rows (header first) of stored indicator values, optionally for some trends."""
    ids = store.trend_ids(session)
    wanted = set(slugs) if slugs else None
    names = {tid: slug for slug, tid in ids.items() if wanted is None or slug in wanted}
    yield ["trend", "week", "indicator", "value", "source"]
    for r in store.indicator_rows(session, list(names)):
        yield [names[r.trend_id], r.week.isoformat(), r.indicator, repr(r.value), r.source]
