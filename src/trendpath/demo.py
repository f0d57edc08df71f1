"""Demo data: each service registers a loader; ``trendpath run`` loads them on first start.

Loaders are idempotent: ``is_loaded`` says whether the data is there, ``load`` inserts it in one
transaction (a crash mid-way leaves nothing half-written), ``reset`` removes it first.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from sqlalchemy.orm import Session

from trendpath.kit.runtime import Runtime

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DemoLoader:
    """One service's demo data."""

    name: str
    is_loaded: Callable[[Session], bool]
    load: Callable[[Session, Runtime], str]
    reset: Callable[[Session], None]


def loaders() -> list[DemoLoader]:
    """Every registered demo loader, in dependency order."""
    from trendpath.news.samples import LOADER as NEWS
    from trendpath.trends.demo_data import LOADER as TRENDS

    return [TRENDS, NEWS]


def ensure_demo(runtime: Runtime, *, reset: bool = False, force: bool = False) -> Iterator[str]:
    """Load demo data where missing (all of it with ``force``); yield one line per loader."""
    for loader in loaders():
        started = time.perf_counter()
        with runtime.db.session_scope() as session:
            if reset:
                loader.reset(session)
            elif loader.is_loaded(session):
                if force:
                    yield f"demo {loader.name}: already loaded (use --reset to reload)"
                continue
            summary = loader.load(session, runtime)
        yield f"demo {loader.name}: {summary} ({time.perf_counter() - started:.1f} s)"
