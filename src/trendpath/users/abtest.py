"""A/B testing of the recommender: named variants, deterministic assignment, and the report.

* **Variants** are ranking algorithms: ``similarity`` (cosine only) and ``momentum`` (similarity
  blended with forecast momentum at ``users_ab_momentum_weight``). The experiment is configured by
  ``TRENDPATH_USERS_AB_VARIANTS`` as ``name=weight`` pairs, e.g. ``similarity=50,momentum=50``;
  the first variant is the control. Empty means no experiment: everyone gets the ``default``
  ranking (``users_rerank_momentum_weight``).
* **Assignment** hashes ``"<experiment>:<user id>"`` (SHA-256, first 8 bytes) into 10,000 buckets
  laid out by the weights, so a user always lands in the same variant and renaming the experiment
  reshuffles everyone.
* **Report**: per variant, the users exposed (a match served to them) and, for each outcome
  (viewed, clicked, roadmap_started, item_completed), the exposed users with at least one such
  event; each non-control variant is compared with the control by a two-sided two-proportion
  z-test with pooled variance.
"""

from __future__ import annotations

import hashlib
import math
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from trendpath.kit.errors import ConfigError
from trendpath.kit.settings import Settings

BUCKETS = 10_000
OUTCOMES: tuple[str, ...] = ("viewed", "clicked", "roadmap_started", "item_completed")
ALGORITHMS: tuple[str, ...] = ("similarity", "momentum")
ALPHA = 0.05
EVENT_NAMESPACE = uuid.UUID("5d1b8a56-0f6e-4c55-9a43-2f0d3c7a9e11")
"""Namespace of the event ids the service derives itself (exposures, roadmap starts, ...)."""


@dataclass(frozen=True)
class Variant:
    """A named ranking algorithm and its share of users (percent)."""

    name: str
    weight: int
    momentum_weight: float


@dataclass(frozen=True)
class Assignment:
    """What a user gets: the experiment (None when none runs), variant and momentum weight."""

    experiment: str | None
    variant: str
    momentum_weight: float


def parse_variants(spec: str, momentum_weight: float) -> tuple[Variant, ...]:
    """``"similarity=50,momentum=50"`` → variants; ConfigError naming the problem otherwise."""
    variants: list[Variant] = []
    for part in (p.strip() for p in spec.split(",") if p.strip()):
        name, sep, weight = part.partition("=")
        name = name.strip()
        if not sep or name not in ALGORITHMS or not weight.strip().isdigit():
            raise ConfigError(
                f"TRENDPATH_USERS_AB_VARIANTS: bad entry {part!r}",
                hint=f"use name=percent pairs with names from {', '.join(ALGORITHMS)}",
            )
        w = momentum_weight if name == "momentum" else 0.0
        variants.append(Variant(name, int(weight), w))
    names = [v.name for v in variants]
    if len(set(names)) != len(names):
        raise ConfigError("TRENDPATH_USERS_AB_VARIANTS: a variant is listed twice")
    if variants and (len(variants) < 2 or sum(v.weight for v in variants) <= 0):
        raise ConfigError(
            "TRENDPATH_USERS_AB_VARIANTS needs at least two variants with a positive total weight"
        )
    return tuple(variants)


def bucket(experiment: str, user_id: uuid.UUID) -> int:
    """The user's bucket (0..9999) in ``experiment``; stable across processes and releases."""
    digest = hashlib.sha256(f"{experiment}:{user_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % BUCKETS


def assign(experiment: str, variants: Sequence[Variant], user_id: uuid.UUID) -> Variant:
    """The variant of ``user_id``: buckets are split in proportion to the weights, in order."""
    total = sum(v.weight for v in variants)
    point = bucket(experiment, user_id) * total / BUCKETS
    edge = 0.0
    for v in variants:
        edge += v.weight
        if point < edge:
            return v
    return variants[-1]


def assignment(settings: Settings, user_id: uuid.UUID) -> Assignment:
    """The ranking a user gets under the current settings."""
    variants = parse_variants(settings.users_ab_variants, settings.users_ab_momentum_weight)
    if not variants:
        return Assignment(None, "default", settings.users_rerank_momentum_weight)
    chosen = assign(settings.users_ab_experiment, variants, user_id)
    return Assignment(settings.users_ab_experiment, chosen.name, chosen.momentum_weight)


def derived_event_id(*parts: object) -> uuid.UUID:
    """A deterministic event id for an event the service records itself (idempotent replays)."""
    return uuid.uuid5(EVENT_NAMESPACE, ":".join(str(p) for p in parts))


def two_proportion_z(x1: int, n1: int, x2: int, n2: int) -> tuple[float | None, float | None]:
    """Two-sided two-proportion z-test (pooled): ``(z, p)``; ``(None, None)`` when undefined."""
    if n1 == 0 or n2 == 0:
        return None, None
    pooled = (x1 + x2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if se == 0:
        return None, None
    z = (x2 / n2 - x1 / n1) / se
    return z, math.erfc(abs(z) / math.sqrt(2))


def report(
    experiment: str,
    order: Sequence[str],
    exposed: Mapping[str, int],
    outcomes: Mapping[tuple[str, str], int],
) -> dict[str, Any]:
    """The report body from counts: ``exposed[variant]``, ``outcomes[(variant, kind)]``.

    ``order`` lists the variants with the control first (variants seen only in the data follow).
    """
    names = list(dict.fromkeys([*order, *sorted(exposed)]))
    names = [n for n in names if n in exposed]
    rows = []
    for name in names:
        n = exposed[name]
        rates = {
            kind: {
                "users": outcomes.get((name, kind), 0),
                "rate": _rate(outcomes.get((name, kind), 0), n),
            }
            for kind in OUTCOMES
        }
        rows.append({"variant": name, "users_exposed": n, "outcomes": rates})
    comparisons = []
    control = names[0] if names else ""
    for name in names[1:]:
        for kind in OUTCOMES:
            x1, n1 = outcomes.get((control, kind), 0), exposed[control]
            x2, n2 = outcomes.get((name, kind), 0), exposed[name]
            z, p = two_proportion_z(x1, n1, x2, n2)
            comparisons.append(
                {
                    "outcome": kind,
                    "control": control,
                    "variant": name,
                    "rate_control": _rate(x1, n1),
                    "rate_variant": _rate(x2, n2),
                    "difference": round(_rate(x2, n2) - _rate(x1, n1), 6),
                    "z": None if z is None else round(z, 4),
                    "p_value": None if p is None else round(p, 6),
                    "significant": p is not None and p < ALPHA,
                }
            )
    return {"experiment": experiment, "alpha": ALPHA, "variants": rows, "comparisons": comparisons}


def _rate(x: int, n: int) -> float:
    return round(x / n, 6) if n else 0.0
