"""The shipped default feed list (``data/news/default_feeds.yaml``), validated.

The service seeds these when an operator enables it; tests never fetch them (they point at the
public internet).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from trendpath.kit.settings import default_data_dir

FEEDS_FILE = Path("news") / "default_feeds.yaml"
CATEGORIES = frozenset({"economy", "industry", "tech", "startup", "dev-blog", "policy"})


class DefaultFeedsError(ValueError):
    """The default feed file is missing or malformed."""


@dataclass(frozen=True)
class DefaultFeed:
    """One shipped feed."""

    url: str
    name: str
    publisher: str
    category: str


def _feed(item: object, index: int, seen: set[str]) -> DefaultFeed:
    if not isinstance(item, dict):
        raise DefaultFeedsError(f"feed #{index}: expected a mapping, got {type(item).__name__}")
    try:
        feed = DefaultFeed(
            url=str(item["url"]).strip(),
            name=str(item["name"]).strip(),
            publisher=str(item["publisher"]).strip(),
            category=str(item["category"]).strip(),
        )
    except KeyError as exc:
        raise DefaultFeedsError(f"feed #{index}: missing field {exc.args[0]!r}") from exc
    parts = urlsplit(feed.url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise DefaultFeedsError(f"feed #{index}: {feed.url!r} is not an absolute http(s) URL")
    if feed.category not in CATEGORIES:
        raise DefaultFeedsError(f"feed #{index}: unknown category {feed.category!r}")
    if not feed.name or not feed.publisher:
        raise DefaultFeedsError(f"feed #{index}: name and publisher must not be empty")
    if feed.url in seen:
        raise DefaultFeedsError(f"feed #{index}: duplicate URL {feed.url!r}")
    seen.add(feed.url)
    return feed


def load_default_feeds(data_dir: Path | None = None) -> list[DefaultFeed]:
    """The default feeds of ``<data_dir>/news/default_feeds.yaml``, in file order."""
    path = (data_dir or default_data_dir()) / FEEDS_FILE
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise DefaultFeedsError(f"cannot read {path}: {exc}") from exc
    items = doc.get("feeds") if isinstance(doc, dict) else None
    if not isinstance(items, list):
        raise DefaultFeedsError(f"{path}: expected a top-level 'feeds' list")
    seen: set[str] = set()
    return [_feed(item, i, seen) for i, item in enumerate(items)]
