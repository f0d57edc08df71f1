"""Article identity: a per-feed dedup hash and a cross-feed near-duplicate key.

* :func:`article_hash` - what makes an item "the same item" within one feed: its guid when it has
  one, else its (normalised) link, else its title and content. Stored unique per feed, so fetching
  the same feed twice adds nothing.
* :func:`near_duplicate_key` - what makes two outlets' items "the same story": the title with
  bracketed tags ([속보], (종합)), outlet suffixes and punctuation removed. Signals count a story
  once per key, so one wire story republished by ten outlets is not ten articles about a trend.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from trendpath.news.parse import ParsedEntry

_TRACKING_PARAMS = re.compile(r"^(utm_\w+|fbclid|gclid|ref|from|cmpid|ncid)$", re.IGNORECASE)
# [속보], [단독], (종합), (2보), 【포토】 ... anywhere in a headline.
_BRACKETED = re.compile(r"[\[(【〈<「『][^\])】〉>」』]{0,12}[\])】〉>」』]")
# " - 한국경제", " | 조선비즈": an outlet name after a dash or bar at the very end.
_OUTLET_SUFFIX = re.compile(r"\s+[-|–—]\s+[^-|–—]{1,12}$")
_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)
MIN_KEY_CHARS = 8


def normalize_link(link: str) -> str:
    """Lower-case scheme and host, drop the fragment and tracking parameters, sort the query."""
    parts = urlsplit(link.strip())
    query = sorted(
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not _TRACKING_PARAMS.match(k)
    )
    path = parts.path or "/"
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, urlencode(query), ""))


def _digest(kind: str, value: str) -> str:
    return hashlib.sha256(f"{kind}\x00{value}".encode()).hexdigest()


def article_hash(
    guid: str | None, link: str | None, title: str | None, content: str | None = None
) -> str:
    """Stable SHA-256 hex of the item's identity: guid, then link, then title + content."""
    if guid and guid.strip():
        return _digest("guid", guid.strip())
    if link and link.strip():
        return _digest("link", normalize_link(link))
    text = " ".join(f"{title or ''}\n{content or ''}".split())
    return _digest("text", text)


def normalize_title(title: str) -> str:
    """The title reduced to comparable characters (see the module docstring)."""
    text = unicodedata.normalize("NFKC", title)
    text = _OUTLET_SUFFIX.sub("", text)
    text = _BRACKETED.sub(" ", text)
    return _NON_WORD.sub("", text).lower()


def near_duplicate_key(title: str) -> str | None:
    """A short key shared by the same story across outlets; None when the title is too generic.

    Titles shorter than ``MIN_KEY_CHARS`` after normalisation ("오늘의 뉴스", "사진") would merge
    unrelated items, so they get no key and count on their own.
    """
    core = normalize_title(title)
    if len(core) < MIN_KEY_CHARS:
        return None
    return hashlib.sha256(core.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Article:
    """A parsed entry with its identity: ``hash`` unique per feed, ``near_key`` across feeds."""

    entry: ParsedEntry
    hash: str
    near_key: str | None


def identify(entries: Iterable[ParsedEntry]) -> list[Article]:
    """Attach identities and keep the first entry of each hash (feeds repeat guids)."""
    seen: set[str] = set()
    articles: list[Article] = []
    for entry in entries:
        digest = article_hash(entry.guid, entry.link, entry.title, entry.content)
        if digest in seen:
            continue
        seen.add(digest)
        articles.append(Article(entry, digest, near_duplicate_key(entry.title)))
    return articles
