"""Validation of a feed URL an admin adds: shape first, then the SSRF guard on its addresses.

The fetcher checks every hop again at fetch time (DNS answers change); this check only refuses at
once what can never be fetched, with a reason the admin can act on.
"""

from __future__ import annotations

from collections.abc import Iterable

import httpx

from trendpath.kit.netguard import (
    BlockedAddressError,
    ConnectionFailedError,
    Resolver,
    resolve_checked,
)

MAX_URL = 2048


class FeedURLError(ValueError):
    """Why a feed URL is refused (the message is shown to the admin)."""


def normalise(raw: str) -> httpx.URL:
    """The URL with scheme and host lower-cased and the fragment dropped; FeedURLError if bad."""
    value = raw.strip()
    if len(value) > MAX_URL:
        raise FeedURLError(f"URL longer than {MAX_URL} characters")
    try:
        url = httpx.URL(value)
    except (httpx.InvalidURL, TypeError) as exc:
        raise FeedURLError(f"not a valid URL ({exc})") from None
    if url.scheme not in ("http", "https"):
        raise FeedURLError("only http and https URLs can be feeds")
    if not url.host:
        raise FeedURLError("the URL has no host")
    if url.userinfo:
        raise FeedURLError("credentials in feed URLs are not accepted")
    return url.copy_with(fragment=None)


async def check_feed_url(raw: str, allow: Iterable[str], resolver: Resolver | None = None) -> str:
    """The normalised URL if its host resolves to allowed addresses only; else FeedURLError."""
    url = normalise(raw)
    host = url.raw_host.decode("ascii")
    port = url.port or (443 if url.scheme == "https" else 80)
    try:
        await resolve_checked(host, port, allow, resolver)
    except BlockedAddressError as exc:
        raise FeedURLError(f"blocked address: {exc}") from None
    except ConnectionFailedError as exc:
        raise FeedURLError(f"host does not resolve: {exc}") from None
    return str(url)
