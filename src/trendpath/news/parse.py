"""Feed bytes to clean entries: safe XML, feedparser, plain text, UTC dates.

Steps, in order:

1. :func:`trendpath.news.decode.to_utf8_xml` turns raw bytes into UTF-8 XML (Korean encodings).
2. Safety gate: any ``<!ENTITY`` before the root element, or an entity/external reference that
   ``defusedxml`` refuses, rejects the document (:class:`UnsafeFeedError`) before feedparser, whose
   strict mode runs on the machine's Expat (open to entity bombs), ever sees it. Only the prolog is
   read for this, so the gate costs little; declarations cannot appear after the root starts.
3. feedparser parses from a byte *stream* - given bytes or a str it may treat them as a file name
   or URL and read a local file - with HTML sanitising on; links are joined to ``base_url`` here.
4. A document with no feed version and no entries is :class:`NotAFeedError` (an HTML page, an
   error page, an empty body) or :class:`MalformedFeedError` (broken XML); broken XML that still
   yields entries is kept, flagged ``malformed``.
5. Titles and summaries become plain text. Dates become aware UTC datetimes: a date without a zone
   is read in ``naive_tz`` (Korea by default), a missing or pre-1995 date becomes the fetch time,
   and a date more than ``future_tolerance`` after the fetch time is clamped to the fetch time (a
   KST time mislabelled as UTC would otherwise sit 9 hours in the future at the top of every list).
"""

from __future__ import annotations

import calendar
import datetime as dt
import io
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin
from xml.etree.ElementTree import ParseError

import defusedxml
import defusedxml.ElementTree as safe_et
import feedparser

from trendpath.news.decode import to_utf8_xml

KST = dt.timezone(dt.timedelta(hours=9), "KST")
"""Korea time: UTC+9 with no daylight saving since 1988, so a fixed offset is exact (no tzdata)."""
_EARLIEST = dt.datetime(1995, 1, 1, tzinfo=dt.UTC)
_ROOT_START = re.compile(r"<[A-Za-z_:]")
_ENTITY_DECL = re.compile(r"<!ENTITY", re.IGNORECASE)
_HTML_HINT = re.compile(r"<!doctype\s+html|<html[\s>]", re.IGNORECASE)
_FEED_ROOTS = frozenset({"rss", "rdf", "feed", "channel"})
_NAIVE_FORMATS: tuple[str, ...] = (
    "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y.%m.%d %H:%M:%S",
    "%Y.%m.%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y-%m-%d", "%Y.%m.%d",
)  # fmt: skip
_HAS_ZONE = re.compile(r"(Z|[+-]\d{2}:?\d{2}|\b[A-Z]{2,4})\s*$")
_BLOCK_TAGS = frozenset({"p", "br", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "hr"})
_SKIP_TAGS = frozenset({"script", "style", "noscript", "iframe", "template", "head"})
MAX_TITLE, MAX_SUMMARY, MAX_CONTENT = 500, 2_000, 20_000
_CHARREF = re.compile(rb"&#(?:[xX]([0-9a-fA-F]{1,8})|([0-9]{1,10}));")
_BAD_TEXT = re.compile("[\ud800-\udfff\x00]")
# feedparser flags these on documents that are otherwise fine (we hand it UTF-8 with a fixed
# content type, so they are rare); any other bozo exception means the XML itself is broken.
_BENIGN_BOZO: tuple[type[Exception], ...] = (
    feedparser.CharacterEncodingOverride,
    feedparser.NonXMLContentType,
)


class FeedParseError(Exception):
    """The document could not be turned into a feed."""


class NotAFeedError(FeedParseError):
    """An HTML page, an empty body or some other document that is no RSS/Atom feed."""


class UnsafeFeedError(FeedParseError):
    """Entity declarations or external references: refused before any expansion."""


class MalformedFeedError(FeedParseError):
    """Broken XML from which no entry could be recovered."""


@dataclass(frozen=True)
class ParsedEntry:
    """One feed item in plain text. ``date_source`` is "feed", "fetch_time" or "clamped"."""

    guid: str | None
    link: str | None
    title: str
    summary: str
    content: str
    published: dt.datetime
    date_source: str
    author: str | None
    categories: tuple[str, ...]


@dataclass(frozen=True)
class ParsedFeed:
    """A parsed feed: ``version`` as feedparser names it (rss20, atom10, ...), TTL in minutes."""

    version: str
    title: str
    link: str | None
    language: str | None
    ttl_minutes: int | None
    entries: tuple[ParsedEntry, ...]
    malformed: bool
    encoding: str


def _xml_char_allowed(code: int) -> bool:
    return code in (0x9, 0xA, 0xD) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0x10FFFF


def scrub_charrefs(xml: bytes) -> bytes:
    """Replace character references to code points XML forbids (lone surrogates, NUL, > U+10FFFF).

    ``&#xD800;`` is not well-formed XML, so feedparser falls back to its loose parser, which
    crashes on it with ``UnicodeEncodeError``; a single such title would lose the whole fetch.
    Each bad reference becomes U+FFFD (a NUL reference is dropped) and the item is kept.
    """

    def fix(m: re.Match[bytes]) -> bytes:
        code = int(m.group(1), 16) if m.group(1) else int(m.group(2))
        if _xml_char_allowed(code):
            return m.group(0)
        return b"" if code == 0 else b"&#xFFFD;"  # NUL is dropped, as raw NUL bytes are

    return _CHARREF.sub(fix, xml) if b"&#" in xml else xml


def clean_text(text: str) -> str:
    """Text that PostgreSQL and UTF-8 can store: lone surrogates become U+FFFD, NUL goes."""
    if not _BAD_TEXT.search(text):
        return text
    return _BAD_TEXT.sub(lambda m: "" if m.group(0) == "\x00" else "\ufffd", text)


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self._skip += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self._skip = max(0, self._skip - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def html_to_text(markup: str, limit: int | None = None) -> str:
    """Plain text of an HTML fragment: tags and scripts gone, entities decoded, spaces collapsed."""
    if "<" not in markup and "&" not in markup:
        text = " ".join(markup.split())
    else:
        parser = _TextExtractor()
        parser.feed(markup)
        parser.close()
        lines = (" ".join(line.split()) for line in "".join(parser.parts).splitlines())
        text = "\n".join(line for line in lines if line)
    text = clean_text(text)
    return text[:limit] if limit is not None else text


def check_safe(xml: bytes) -> str | None:
    """Raise UnsafeFeedError for entity tricks; return the root element's local name if readable."""
    text_head = xml[:65_536].decode("utf-8", errors="replace")
    root_at = _ROOT_START.search(text_head)
    prolog = text_head[: root_at.start()] if root_at else text_head
    if _ENTITY_DECL.search(prolog):
        raise UnsafeFeedError("entity declarations are not accepted in feeds")
    try:
        events = safe_et.iterparse(
            io.BytesIO(xml), events=("start",), forbid_entities=True, forbid_external=True
        )
        for _event, element in events:
            return str(element.tag).rsplit("}", 1)[-1].lower()
    except defusedxml.DefusedXmlException as exc:
        raise UnsafeFeedError(f"refused XML construct: {exc!r}") from exc
    except ParseError:
        return None
    return None


def _naive_tz_date(raw: str, tz: dt.tzinfo) -> dt.datetime | None:
    value = raw.strip()
    if _HAS_ZONE.search(value):
        return None
    for fmt in _NAIVE_FORMATS:
        try:
            return dt.datetime.strptime(value, fmt).replace(tzinfo=tz).astimezone(dt.UTC)
        except ValueError:
            continue
    return None


def _stored(entry: Mapping[str, Any], key: str) -> Any:
    # feedparser's dict answers a missing "updated" with "published" plus a DeprecationWarning;
    # read what the feed really said.
    return dict.get(entry, key) if isinstance(entry, dict) else entry.get(key)


def entry_date(
    entry: Mapping[str, Any],
    fetched_at: dt.datetime,
    naive_tz: dt.tzinfo = KST,
    future_tolerance: dt.timedelta = dt.timedelta(minutes=10),
) -> tuple[dt.datetime, str]:
    """The entry's publication time in UTC and where it came from (see the module docstring)."""
    when: dt.datetime | None = None
    for key in ("published", "updated", "created"):
        raw = _stored(entry, key)
        when = _naive_tz_date(raw, naive_tz) if isinstance(raw, str) else None
        parsed = _stored(entry, f"{key}_parsed")
        if when is None and isinstance(parsed, time.struct_time):
            when = dt.datetime.fromtimestamp(calendar.timegm(parsed), tz=dt.UTC)
        if when is not None and when >= _EARLIEST:
            break
        when = None
    if when is None:
        return fetched_at, "fetch_time"
    if when > fetched_at + future_tolerance:
        return fetched_at, "clamped"
    return when, "feed"


def _safe_link(value: object, base: str | None) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    link = clean_text(urljoin(base, value.strip()) if base else value.strip())
    return link if link.lower().startswith(("http://", "https://")) else None


def _entry(
    raw: Mapping[str, Any], fetched_at: dt.datetime, naive_tz: dt.tzinfo, base: str | None
) -> ParsedEntry:
    contents = raw.get("content") or []
    body_html = "\n".join(str(c.get("value", "")) for c in contents if isinstance(c, Mapping))
    content = html_to_text(body_html, MAX_CONTENT)
    summary = html_to_text(str(raw.get("summary", "")), MAX_SUMMARY) or content[:MAX_SUMMARY]
    published, source = entry_date(raw, fetched_at, naive_tz)
    guid = clean_text(str(raw.get("id") or "")).strip() or None
    tags = raw.get("tags") or []
    categories = tuple(
        html_to_text(str(t.get("term") or ""))
        for t in tags
        if isinstance(t, Mapping) and t.get("term")
    )
    return ParsedEntry(
        guid=guid,
        link=_safe_link(raw.get("link"), base),
        title=html_to_text(str(raw.get("title", "")), MAX_TITLE),
        summary=summary,
        content=content or summary,
        published=published,
        date_source=source,
        author=html_to_text(str(raw.get("author", ""))) or None,
        categories=categories,
    )


def _ttl_minutes(feed: Mapping[str, Any]) -> int | None:
    ttl = str(feed.get("ttl", "")).strip()
    if ttl.isdigit() and int(ttl) > 0:
        return int(ttl)
    period = {"hourly": 60, "daily": 1440, "weekly": 10080, "monthly": 43200, "yearly": 525600}
    base = period.get(str(feed.get("sy_updateperiod", "")).strip().lower())
    freq = str(feed.get("sy_updatefrequency", "1")).strip()
    if base is None:
        return None
    return max(1, base // (int(freq) if freq.isdigit() and int(freq) > 0 else 1))


def parse_feed(
    body: bytes,
    *,
    content_type: str | None = None,
    base_url: str | None = None,
    fetched_at: dt.datetime | None = None,
    naive_tz: dt.tzinfo = KST,
) -> ParsedFeed:
    """Parse untrusted feed bytes; raises a FeedParseError subclass when there is no usable feed."""
    fetched_at = fetched_at or dt.datetime.now(dt.UTC)
    if not body.strip():
        raise NotAFeedError("empty document")
    xml, decoded = to_utf8_xml(body, content_type)
    root = check_safe(xml)
    if root == "html":
        raise NotAFeedError("an HTML page, not a feed")
    # Relative links are joined here, not by feedparser: it would also "resolve" a bare guid
    # against the feed URL, and a guid must stay stable when the feed URL changes.
    result = feedparser.parse(
        io.BytesIO(scrub_charrefs(xml)),
        response_headers={"content-type": "application/xml; charset=utf-8"},
        sanitize_html=True,
        resolve_relative_uris=False,
    )
    version = str(result.get("version") or "")
    entries = result.get("entries") or []
    if not version and not entries:
        if root in _FEED_ROOTS:
            version = root
        elif root is None and not _HTML_HINT.search(decoded.text[:4096]):
            raise MalformedFeedError(f"no feed could be read: {result.get('bozo_exception')!r}")
        else:
            raise NotAFeedError(f"root element {root or 'html'!r} is not RSS or Atom")
    bozo = result.get("bozo_exception")
    if bozo is not None and not entries and not isinstance(bozo, _BENIGN_BOZO):
        # feedparser names a version as soon as it sees the root element, even when the XML
        # breaks right after it: a broken document with nothing recovered is no healthy fetch.
        raise MalformedFeedError(f"no entry could be read: {bozo!r}")
    feed = result.get("feed") or {}
    return ParsedFeed(
        version=version,
        title=html_to_text(str(feed.get("title", "")), MAX_TITLE),
        link=_safe_link(feed.get("link"), base_url),
        language=clean_text(str(feed.get("language") or "")) or None,
        ttl_minutes=_ttl_minutes(feed),
        entries=tuple(_entry(e, fetched_at, naive_tz, base_url) for e in entries),
        malformed=bool(result.get("bozo")),
        encoding=decoded.encoding,
    )
