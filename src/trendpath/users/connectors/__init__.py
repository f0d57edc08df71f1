"""Connectors that fill the learning catalog from K-MOOC, the national ISBN registry and Aladin."""

from __future__ import annotations

from typing import Protocol

from trendpath.kit.settings import Settings
from trendpath.users.connectors.aladin import AladinConnector
from trendpath.users.connectors.base import CatalogItem
from trendpath.users.connectors.kmooc import KmoocConnector
from trendpath.users.connectors.seoji import SeojiConnector


class Connector(Protocol):
    """What every connector offers."""

    source: str

    async def search(self, query: str, limit: int) -> list[CatalogItem]:
        """Up to ``limit`` items matching ``query``."""
        ...


def connector(source: str, settings: Settings) -> Connector:
    """The connector for ``source``; raises ConnectorNotConfigured when its key is missing."""
    if source == "kmooc":
        return KmoocConnector(settings)
    if source == "seoji":
        return SeojiConnector(settings)
    if source == "aladin":
        return AladinConnector(settings)
    raise ValueError(f"unknown connector {source!r}")
