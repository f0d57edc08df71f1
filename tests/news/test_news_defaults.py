"""The shipped default feed list loads and is well formed (it is never fetched in tests)."""

from __future__ import annotations

from pathlib import Path

import pytest

from trendpath.news.defaults import DefaultFeedsError, load_default_feeds


def test_shipped_default_feeds_load() -> None:
    feeds = load_default_feeds()
    assert len(feeds) >= 10
    assert all(f.url.startswith("https://") for f in feeds)
    assert len({f.url for f in feeds}) == len(feeds)
    assert {"economy", "tech", "startup", "dev-blog"} <= {f.category for f in feeds}


def _write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "news").mkdir()
    (tmp_path / "news" / "default_feeds.yaml").write_text(text, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("feeds: {}", "'feeds' list"),
        ("feeds: [{url: 'ftp://x/y', name: a, publisher: b, category: tech}]", "http"),
        ("feeds: [{url: 'https://x/y', name: a, publisher: b, category: gossip}]", "category"),
        ("feeds: [{url: 'https://x/y', name: a, category: tech}]", "publisher"),
        (
            "feeds: [{url: 'https://x/y', name: a, publisher: b, category: tech},"
            " {url: 'https://x/y', name: c, publisher: d, category: tech}]",
            "duplicate",
        ),
        ("feeds: [ unclosed", "cannot read"),
    ],
)
def test_malformed_files_are_reported(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(DefaultFeedsError, match=message):
        load_default_feeds(_write(tmp_path, text))


def test_missing_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(DefaultFeedsError, match="cannot read"):
        load_default_feeds(tmp_path)
