"""Connectors from Korean public APIs to the five trend indicators (see docs/sources.md).

``build_source(name, settings, clients)`` gives one :class:`Source`; its ``fetch(trends, weeks)``
returns a :class:`SourceResult` with values in the units of :mod:`trendpath.trends.indicators`.
"""

from trendpath.trends.sources.base import (
    Problem,
    QuotaExhausted,
    Source,
    SourceAuthError,
    SourceError,
    SourceNotConfigured,
    SourceResponseError,
    SourceResult,
    SourceUnavailable,
    recent_weeks,
)
from trendpath.trends.sources.registry import SOURCE_NAMES, build_source

__all__ = [
    "SOURCE_NAMES",
    "Problem",
    "QuotaExhausted",
    "Source",
    "SourceAuthError",
    "SourceError",
    "SourceNotConfigured",
    "SourceResponseError",
    "SourceResult",
    "SourceUnavailable",
    "build_source",
    "recent_weeks",
]
