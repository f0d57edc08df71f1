"""CSV import/export of indicator values: every bad row reported, good rows stored once."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from trendpath.kit.db import Database
from trendpath.kit.runtime import Runtime
from trendpath.trends import csvio
from trendpath.trends import models as m
from trendpath.trends.demo_data import sync_catalog
from trendpath.trends.indicators import INDICATORS

GOOD = """trend,week,indicator,value,source
generative-ai,2025-03-03,search_volume_growth,12.5,naver-datalab
generative-ai,2025-W11,search_volume_growth,-3.25,naver-datalab
ai-semiconductor,2025-03-03,patent_filing_rate,"1,204",kipris
"""


@pytest.fixture
def catalog(db: Database, runtime: Runtime) -> Database:
    with db.session_scope() as s:
        sync_catalog(s, runtime)
    return db


def _import(db: Database, text: str | bytes) -> csvio.ImportReport:
    raw = text.encode() if isinstance(text, str) else text
    with db.session_scope() as s:
        return csvio.import_csv(s, raw, source="csv:test")


def _stored(db: Database) -> list[tuple[str, str, float, str]]:
    iv = m.indicator_value
    with db.engine.connect() as conn:
        rows = conn.execute(select(iv.c.indicator, iv.c.week, iv.c.value, iv.c.source))
        return sorted((r.indicator, r.week.isoformat(), r.value, r.source) for r in rows)


def test_good_rows_are_stored_and_reimport_changes_nothing(catalog: Database) -> None:
    report = _import(catalog, GOOD)
    assert (report.accepted, report.written, report.rejected_total) == (3, 3, 0)
    assert _stored(catalog) == [
        ("patent_filing_rate", "2025-03-03", 1204.0, "kipris"),
        ("search_volume_growth", "2025-03-03", 12.5, "naver-datalab"),
        ("search_volume_growth", "2025-03-10", -3.25, "naver-datalab"),
    ]
    again = _import(catalog, GOOD)
    assert (again.accepted, again.written) == (3, 0)
    assert len(_stored(catalog)) == 3


def test_changed_value_updates_in_place(catalog: Database) -> None:
    _import(catalog, GOOD)
    report = _import(catalog, GOOD.replace("12.5", "13.0"))
    assert report.written == 1
    assert ("search_volume_growth", "2025-03-03", 13.0, "naver-datalab") in _stored(catalog)


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("no-such-trend,2025-03-03,search_volume_growth,1", "unknown trend 'no-such-trend'"),
        ("generative-ai,2025-03-03,hype_level,1", "unknown indicator 'hype_level'"),
        ("generative-ai,2025-02-30,search_volume_growth,1", "bad week '2025-02-30'"),
        ("generative-ai,2025-03-05,search_volume_growth,1", "not the Monday"),
        ("generative-ai,03/03/2025,search_volume_growth,1", "bad week"),
        ("generative-ai,2025-03-03,search_volume_growth,NaN", "not a finite number"),
        ("generative-ai,2025-03-03,search_volume_growth,inf", "not a finite number"),
        ("generative-ai,2025-03-03,search_volume_growth,많음", "bad value"),
        ("generative-ai,2025-03-03,search_volume_growth,", "bad value"),
        ("generative-ai,9999-12-27,search_volume_growth,5", "is in the future"),
        ("generative-ai,0001-01-01,search_volume_growth,5", "is before 2000-01-03"),
        ("generative-ai,1999-12-27,search_volume_growth,5", "is before 2000-01-03"),
        ("generative-ai,2025-03-03,search_volume_growth,1e300", "outside [-100, 100000]"),
        ("generative-ai,2025-03-03,search_volume_growth,-101", "outside [-100, 100000]"),
        ("generative-ai,2025-03-03,patent_filing_rate,-1", "outside [0, 1e+06] for a count"),
        ("generative-ai,2025-03-03,policy_change_frequency,-1e300", "for a count"),
        ("generative-ai,2025-03-03,search_volume_growth,5,na\x00ver", "control character"),
        ("generative-ai,2025-03-03,search_volume_growth,5,a\x1bb", "control character"),
        ("generative-ai,2025-03-03,search_volume_growth,5," + "x" * 201, "longer than 200"),
        ("generative-ai,2025-03-03,search_volume_growth,5," + "x" * 81, "longer than 80"),
        ("generative-ai,2025-03-03,search_volume_growth,5," + "x" * 140_000, "field larger"),
    ],
)
def test_bad_rows_are_rejected_with_reasons(catalog: Database, row: str, reason: str) -> None:
    text = (
        "trend,week,indicator,value,source\n"
        "generative-ai,2025-03-10,search_volume_growth,5\n"
        + row
        + "\ngenerative-ai,2025-03-17,search_volume_growth,6\n"
    )
    report = _import(catalog, text)
    assert report.accepted == 2
    assert report.rejected_total == 1
    assert report.rejected[0].line == 3
    assert reason in report.rejected[0].reason
    assert len(_stored(catalog)) == 2  # the rows on both sides of the bad one


def test_duplicates_and_conflicts_inside_one_file(catalog: Database) -> None:
    text = (
        "trend,week,indicator,value\n"
        "generative-ai,2025-03-03,search_volume_growth,5\n"
        "generative-ai,2025-03-03,search_volume_growth,5\n"
        "generative-ai,2025-W10,search_volume_growth,7\n"
    )
    report = _import(catalog, text)
    assert report.accepted == 1
    reasons = [r.reason for r in report.rejected]
    assert reasons == [
        "duplicate of line 2 (same trend, indicator and week)",
        "conflicts with line 2 (same trend, indicator and week)",
    ]
    assert _stored(catalog) == [("search_volume_growth", "2025-03-03", 5.0, "csv:test")]


def test_missing_columns_reject_the_whole_file(catalog: Database) -> None:
    with pytest.raises(csvio.CsvFormatError, match="missing column"):
        _import(catalog, "trend,week,value\ngenerative-ai,2025-03-03,1\n")
    assert _stored(catalog) == []


def test_cp949_and_bom_files(catalog: Database) -> None:
    text = GOOD.replace("naver-datalab", "네이버")
    cp949 = _import(catalog, text.encode("cp949"))
    assert cp949.accepted == 3
    assert ("search_volume_growth", "2025-03-03", 12.5, "네이버") in _stored(catalog)
    bom = _import(catalog, b"\xef\xbb\xbf" + GOOD.encode())
    assert bom.accepted == 3


def test_nothing_is_written_when_the_unit_of_work_fails(catalog: Database) -> None:
    with pytest.raises(RuntimeError), catalog.session_scope() as s:
        report = csvio.import_csv(s, GOOD.encode(), source="csv:test")
        assert report.written == 3
        raise RuntimeError("crash before commit")
    with catalog.engine.connect() as conn:
        count = conn.execute(select(func.count()).select_from(m.indicator_value)).scalar_one()
    assert count == 0


def test_export_round_trips(catalog: Database, tmp_path) -> None:
    _import(catalog, GOOD)
    with catalog.session_scope() as s:
        rows = list(csvio.export_rows(s, ["generative-ai"]))
    assert rows[0] == ["trend", "week", "indicator", "value", "source"]
    assert len(rows) == 3
    text = "\n".join(",".join(r) for r in rows) + "\n"
    again = _import(catalog, text)
    assert (again.accepted, again.written, again.rejected_total) == (2, 0, 0)


def test_export_neutralises_spreadsheet_formulas_but_not_numbers(
    catalog: Database, tmp_path: Path
) -> None:
    text = (
        "trend,week,indicator,value,source\n"
        'generative-ai,2025-03-03,search_volume_growth,-3.5,=HYPERLINK("http://x")\n'
        "generative-ai,2025-03-10,search_volume_growth,2,@SUM(A1)\n"
        "generative-ai,2025-03-17,search_volume_growth,2,+cmd\n"
    )
    assert _import(catalog, text).accepted == 3
    with catalog.session_scope() as s:
        rows = list(csvio.export_rows(s, ["generative-ai"]))[1:]
    assert [(r[3], r[4]) for r in rows] == [
        ("-3.5", '\'=HYPERLINK("http://x")'),
        ("2.0", "'@SUM(A1)"),
        ("2.0", "'+cmd"),
    ]
    report = csvio.ImportReport()
    report.reject(2, "bad", {"trend": "=1+1", "value": "-2", "source": "-cmd"})
    csvio.write_rejects(report, tmp_path / "r.csv")
    assert (tmp_path / "r.csv").read_text().splitlines()[1] == "2,bad,'=1+1,,,-2,'-cmd"


_TREND_IDS = {"generative-ai": 1, "ai-semiconductor": 2}
_CELLS = st.one_of(
    st.sampled_from(["generative-ai", "2025-03-03", "search_volume_growth", "1e308", "-0", '"']),
    st.text(max_size=12),
)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(
    raw=st.one_of(
        st.binary(max_size=400),
        st.lists(st.lists(_CELLS, max_size=6), max_size=6).map(
            lambda rows: (
                "trend,week,indicator,value,source\n" + "\n".join(",".join(r) for r in rows)
            ).encode("utf-8", "surrogatepass")
        ),
    )
)
def test_any_bytes_give_a_report_or_a_format_error(raw: bytes) -> None:
    """No input file can raise anything but CsvFormatError; accepted rows pass every rule."""
    report = csvio.ImportReport()
    try:
        rows = csvio.validate(csvio.decode(raw), _TREND_IDS, "csv:x", report)
    except csvio.CsvFormatError:
        return
    assert report.accepted == len(rows)
    for row in rows:
        assert row.week.isoweekday() == 1 and len(row.source) <= 80
        assert "\x00" not in row.source and row.indicator in INDICATORS
