"""Raw feed bytes to text, the way Korean feeds need it.

Korean outlets often declare EUC-KR only in the XML prolog while the server says UTF-8 (or nothing,
or ISO-8859-1) in the HTTP header, so we never trust ``response.text``. Candidates, first that
decodes strictly wins:

1. a byte-order mark (unambiguous, so it outranks everything, as in the WHATWG sniffing rules);
2. UTF-8, when the bytes are valid UTF-8: legacy multi-byte text (EUC-KR Hangul uses lead bytes
   0xB0-0xC8, which UTF-8 never starts a sequence with) is practically never valid UTF-8 by
   accident, while a UTF-8 body under a wrong ``charset=euc-kr`` header is common - and CP949
   would "decode" it without error into nonsense;
3. the HTTP header charset, unless it is a single-byte Latin charset (those decode *any* bytes, so
   success proves nothing; typically a server default);
4. the ``encoding`` in the XML declaration;
5. CP949 (the superset of EUC-KR that Korean Windows and most "EUC-KR" pages really use);
6. a single-byte Latin header charset;
7. UTF-8 with replacement characters, so a feed is never dropped for one bad byte.

EUC-KR and its aliases decode as CP949, ISO-8859-1 as windows-1252 (what every browser does).
:func:`to_utf8_xml` returns UTF-8 bytes with the XML declaration rewritten to say so, ready for an
XML parser.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: it starts with the same two bytes
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_ALIASES = {
    "euc-kr": "cp949",
    "euckr": "cp949",
    "ks_c_5601-1987": "cp949",
    "ks_c_5601": "cp949",
    "ksc5601": "cp949",
    "ksc_5601": "cp949",
    "korean": "cp949",
    "x-windows-949": "cp949",
    "windows-949": "cp949",
    "uhc": "cp949",
    "iso-8859-1": "cp1252",
    "latin-1": "cp1252",
    "latin1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "utf8": "utf-8",
}
_WEAK = frozenset({"cp1252"})  # decodes any byte string, so success proves nothing
_CHARSET_RE = re.compile(r"""charset\s*=\s*["']?([\w.:-]+)""", re.IGNORECASE)
_PROLOG_RE = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([\w.:-]+)["']""", re.IGNORECASE)
_DECL_RE = re.compile(r"""^(\s*<\?xml[^>]*?encoding\s*=\s*)(["'])[\w.:-]+\2""", re.IGNORECASE)


@dataclass(frozen=True)
class Decoded:
    """Decoded document text, the codec that produced it, and which rule picked it."""

    text: str
    encoding: str
    source: str  # "bom" | "header" | "prolog" | "utf-8" | "cp949" | "replace"


def normalize_charset(name: str | None) -> str | None:
    """A Python codec name for an HTTP/XML charset label, or None when unknown."""
    if not name:
        return None
    label = name.strip().strip("\"'").lower()
    label = _ALIASES.get(label, label)
    try:
        codec = codecs.lookup(label).name
    except LookupError:
        return None
    return _ALIASES.get(codec, codec)


def header_charset(content_type: str | None) -> str | None:
    """The charset parameter of a Content-Type header, as a codec name."""
    if not content_type:
        return None
    match = _CHARSET_RE.search(content_type)
    return normalize_charset(match.group(1)) if match else None


def prolog_charset(body: bytes) -> str | None:
    """The encoding named in the XML declaration (looked for in ASCII-compatible bytes only)."""
    match = _PROLOG_RE.match(body[:512])
    return normalize_charset(match.group(1).decode("ascii")) if match else None


def _try(body: bytes, codec: str | None) -> str | None:
    if codec is None:
        return None
    try:
        return body.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def decode_document(body: bytes, content_type: str | None = None) -> Decoded:
    """Decode raw feed bytes using the candidate order in the module docstring."""
    for bom, bom_codec in _BOMS:
        if body.startswith(bom):
            text = _try(body[len(bom) :], bom_codec)
            if text is not None:
                return Decoded(text, bom_codec, "bom")
    from_header = header_charset(content_type)
    weak = from_header in _WEAK
    candidates: list[tuple[str | None, str]] = [
        ("utf-8", "utf-8"),
        (None if weak else from_header, "header"),
        (prolog_charset(body), "prolog"),
        ("cp949", "cp949"),
        (from_header if weak else None, "header"),
    ]
    for codec, source in candidates:
        decoded = _try(body, codec)
        if decoded is not None and codec is not None:
            return Decoded(decoded, codec, source)
    return Decoded(body.decode("utf-8", errors="replace"), "utf-8", "replace")


def to_utf8_xml(body: bytes, content_type: str | None = None) -> tuple[bytes, Decoded]:
    """UTF-8 bytes of the document with its XML declaration (if any) saying ``UTF-8``.

    Leading whitespace before the declaration is dropped: XML forbids it and strict parsers reject
    the whole document for it.
    """
    decoded = decode_document(body, content_type)
    text = decoded.text.lstrip("\ufeff\r\n\t ")
    text = _DECL_RE.sub(r"\1\2UTF-8\2", text, count=1)
    return text.encode("utf-8"), decoded
