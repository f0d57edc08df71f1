"""Raw feed bytes to text: header, prolog, BOM, UTF-8 and CP949 in the right order."""

from __future__ import annotations

from pathlib import Path

import pytest

from trendpath.news.decode import decode_document, header_charset, normalize_charset, to_utf8_xml

FIXTURES = Path(__file__).parent / "fixtures"
KOREAN = "핀테크 기업, 프리A 투자 유치… 똠방각하"  # 똠 exists in CP949 only, not in strict EUC-KR


def _prolog_doc(text: str, declared: str, codec: str) -> bytes:
    return f'<?xml version="1.0" encoding="{declared}"?><rss><t>{text}</t></rss>'.encode(codec)


@pytest.mark.parametrize(
    "content_type",
    [None, "text/xml", "application/rss+xml; charset=UTF-8", "text/xml; charset=ISO-8859-1"],
)
def test_euc_kr_declared_only_in_the_prolog(content_type: str | None) -> None:
    raw = (FIXTURES / "euckr_prolog.xml").read_bytes()
    decoded = decode_document(raw, content_type)
    assert decoded.encoding == "cp949" and decoded.source == "prolog"
    assert "똠방각하" in decoded.text and "핀테크" in decoded.text


def test_utf8_body_under_a_wrong_euc_kr_header() -> None:
    raw = _prolog_doc(KOREAN, "UTF-8", "utf-8")
    decoded = decode_document(raw, "text/xml; charset=euc-kr")
    assert KOREAN in decoded.text and decoded.encoding == "utf-8"


def test_header_charset_wins_when_it_decodes_and_utf8_does_not() -> None:
    raw = f"<rss><t>{KOREAN}</t></rss>".encode("cp949")  # no prolog at all
    decoded = decode_document(raw, "text/xml; charset=ks_c_5601-1987")
    assert KOREAN in decoded.text and decoded.source == "header"


def test_cp949_fallback_without_any_declaration() -> None:
    raw = f"<rss><t>{KOREAN}</t></rss>".encode("cp949")
    decoded = decode_document(raw, None)
    assert KOREAN in decoded.text and decoded.source == "cp949"


def test_latin1_header_is_used_only_as_a_last_resort() -> None:
    raw = "<rss><t>café crème</t></rss>".encode("latin-1")
    decoded = decode_document(raw, "text/xml; charset=iso-8859-1")
    assert "café crème" in decoded.text and decoded.encoding == "cp1252"


@pytest.mark.parametrize(("bom_codec", "codec"), [("utf-8-sig", "utf-8"), ("utf-16", "utf-16-le")])
def test_byte_order_mark_beats_a_contradicting_header(bom_codec: str, codec: str) -> None:
    raw = f'<?xml version="1.0"?><rss><t>{KOREAN}</t></rss>'.encode(bom_codec)
    decoded = decode_document(raw, "text/xml; charset=euc-kr")
    assert decoded.source == "bom" and decoded.encoding == codec
    assert KOREAN in decoded.text and not decoded.text.startswith("\ufeff")


def test_undecodable_bytes_are_replaced_not_fatal() -> None:
    raw = b"<rss><t>\xff\xfe\xfa broken \x80</t></rss>"  # invalid in UTF-8 and in CP949
    decoded = decode_document(raw, None)
    assert decoded.source == "replace" and "broken" in decoded.text


def test_to_utf8_xml_rewrites_the_declaration_and_strips_leading_space() -> None:
    raw = b"\n  " + _prolog_doc(KOREAN, "EUC-KR", "cp949")
    xml, decoded = to_utf8_xml(raw, None)
    assert xml.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    assert KOREAN in xml.decode("utf-8") and decoded.encoding == "cp949"


def test_charset_labels() -> None:
    assert normalize_charset("EUC-KR") == "cp949"
    assert normalize_charset("x-windows-949") == "cp949"
    assert normalize_charset("utf8") == "utf-8"
    assert normalize_charset("no-such-charset") is None
    assert header_charset('text/xml; charset="euc-kr"') == "cp949"
    assert header_charset("text/xml") is None
