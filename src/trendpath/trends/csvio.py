"""CSV import and export of weekly indicator values, with a report of every rejected row.

Format (UTF-8, header required; UTF-8 with BOM and CP949/EUC-KR files are accepted too)::

    trend,week,indicator,value[,source]
    generative-ai,2025-03-03,search_volume_growth,12.5,naver-datalab

``week`` is the Monday of an ISO week (``YYYY-MM-DD``) or an ISO week label (``2025-W10``).

A row is rejected, with its reason, when: the trend or indicator is unknown; the week is not a
Monday, lies before 2000-01-03 or after the current ISO week (Korean time); the value is not a
finite number or lies outside its indicator's range (growth rates in [-100, 100000] %, counts in
[0, 1000000]); any field holds a control character (NUL included) or more than
:data:`MAX_FIELD_CHARS` characters (the source at most 80); the row cannot be read as CSV; or it
repeats an earlier row's trend, indicator and week. On export, text cells that a spreadsheet
would run as a formula (``=``, ``+``, ``-``, ``@``, tab, CR) are prefixed with ``'``.

A **revision** (a stored week with a different value or origin) replaces the stored value and is
counted as revised; an identical row changes nothing. Every stored value remembers its origin: the
file name and line (``import_file``, ``import_row``) and the ``source`` the file claimed
(``csv:<file>`` when it claimed none). Collected API rows follow the same week and value rules.

Import validates every row first, then writes all accepted rows in one transaction: a crash
mid-way leaves nothing half-written, and re-importing the same file changes nothing.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session

from trendpath.trends import store
from trendpath.trends.indicators import INDICATORS, check_value, check_week
from trendpath.trends.sources.ratelimit import korean_today

REQUIRED = ("trend", "week", "indicator", "value")
MAX_REJECTS_KEPT = 1000
MAX_FIELD_CHARS = 200
"""Longest field accepted; longer ones (up to the CSV reader's limit) reject only their row."""
MAX_SOURCE_CHARS = 80
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


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


def _parse_value(text: str, indicator: str) -> float:
    value = float(text.strip().replace(",", ""))
    check_value(indicator, value)
    return value


def _reader(text: str) -> Iterator[tuple[int, dict[str, str] | str]]:
    """Rows by line number; a row the CSV reader cannot read comes as the reader's message."""
    reader = csv.DictReader(io.StringIO(text))
    try:
        fieldnames = reader.fieldnames
    except csv.Error as exc:
        raise CsvFormatError(f"header is not CSV: {exc}") from None
    header = [h.strip().lower() for h in (fieldnames or [])]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise CsvFormatError(f"missing column(s) {', '.join(missing)}; need {', '.join(REQUIRED)}")
    reader.fieldnames = header
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            # The reader resumes at the next line, so one oversized field costs only its row.
            # DictReader updates its own line_num only after a successful read.
            yield reader.reader.line_num, f"unreadable CSV row: {exc}"
            continue
        yield reader.line_num, {k: _text(v) for k, v in row.items() if k is not None}


def _text(value: object) -> str:
    # DictReader puts surplus cells in a list under the None key (dropped above) and fills
    # missing ones with None.
    return value.strip() if isinstance(value, str) else ""


@dataclass(frozen=True)
class _Context:
    trend_ids: dict[str, int]
    default_source: str
    today: date
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

    ``today`` (default: today in Korea) bounds the weeks; ``file_name`` is recorded with each row.
    """
    ctx = _Context(trend_ids, default_source, today or korean_today(), file_name)
    seen: dict[tuple[int, str, date], tuple[int, float]] = {}
    accepted: list[store.IndicatorRow] = []
    for line, raw in _reader(text):
        if isinstance(raw, str):
            report.reject(line, raw, {})
            continue
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
    _check_fields(raw)
    slug, indicator = raw.get("trend", ""), raw.get("indicator", "")
    if slug not in ctx.trend_ids:
        raise ValueError(f"unknown trend {slug!r}")
    if indicator not in INDICATORS:
        raise ValueError(f"unknown indicator {indicator!r}; known: {', '.join(INDICATORS)}")
    try:
        week = parse_week(raw.get("week", ""))
        check_week(week, ctx.today)
    except ValueError as exc:
        raise ValueError(f"bad week {raw.get('week', '')!r}: {exc}") from None
    try:
        value = _parse_value(raw.get("value", ""), indicator)
    except ValueError as exc:
        raise ValueError(f"bad value {raw.get('value', '')!r}: {exc}") from None
    source = raw.get("source") or ctx.default_source[:MAX_SOURCE_CHARS]
    if len(source) > MAX_SOURCE_CHARS:
        raise ValueError(f"source longer than {MAX_SOURCE_CHARS} characters")
    return store.IndicatorRow(
        ctx.trend_ids[slug], indicator, week, value, source, ctx.file_name, line
    )


def _check_fields(raw: dict[str, str]) -> None:
    for name, value in raw.items():
        if len(value) > MAX_FIELD_CHARS:
            raise ValueError(f"field {name!r} longer than {MAX_FIELD_CHARS} characters")
        if _CONTROL.search(value):
            raise ValueError(f"field {name!r} contains a control character")


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
            cells = (r.raw.get(c, "") for c in (*REQUIRED, "source"))
            writer.writerow([r.line, r.reason, *(neutralise_formula(c) for c in cells)])


def export_rows(session: Session, slugs: Iterable[str] | None = None) -> Iterator[list[str]]:
    """CSV rows (header first) of stored indicator values, optionally for some trends."""
    ids = store.trend_ids(session)
    wanted = set(slugs) if slugs else None
    names = {tid: slug for slug, tid in ids.items() if wanted is None or slug in wanted}
    yield ["trend", "week", "indicator", "value", "source"]
    for r in store.indicator_rows(session, list(names)):
        yield [
            names[r.trend_id],
            r.week.isoformat(),
            r.indicator,
            repr(r.value),
            neutralise_formula(r.source),
        ]


def neutralise_formula(cell: str) -> str:
    """A text cell a spreadsheet will show as text, never run (OWASP "CSV injection").

    Numbers (``-3.5``) are left alone: they are data, and a spreadsheet runs nothing in them.
    """
    if not cell.startswith(_FORMULA_START):
        return cell
    try:
        float(cell)
    except ValueError:
        return "'" + cell
    return cell
