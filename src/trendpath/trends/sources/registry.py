"""Every trend source by name, and building one from settings."""

from __future__ import annotations

from trendpath.kit.http import ServiceClients
from trendpath.kit.settings import Settings
from trendpath.trends.sources.base import Source
from trendpath.trends.sources.funding import NewsFundingSource
from trendpath.trends.sources.kipris import KiprisPatentSource
from trendpath.trends.sources.lawgo import LawGoKrSource
from trendpath.trends.sources.naver import NaverDataLabSource
from trendpath.trends.sources.work24 import Work24CourseSource

SOURCES: dict[str, type[Source]] = {
    cls.name: cls
    for cls in (
        NewsFundingSource,
        KiprisPatentSource,
        Work24CourseSource,
        NaverDataLabSource,
        LawGoKrSource,
    )
}
"""Source name → class, in the order of :data:`~trendpath.trends.indicators.INDICATORS`."""

SOURCE_NAMES: tuple[str, ...] = tuple(SOURCES)


def build_source(name: str, settings: Settings, clients: ServiceClients) -> Source:
    """The named source; raises SourceNotConfigured (naming the setting) when keys are absent."""
    return source_class(name).from_settings(settings, clients)


def source_class(name: str) -> type[Source]:
    """The class of the named source; ValueError listing the known names otherwise."""
    try:
        return SOURCES[name]
    except KeyError:
        raise ValueError(f"unknown source {name!r}; known: {', '.join(SOURCE_NAMES)}") from None
