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
  event. Each non-control variant is compared with the control on every outcome by a two-sided
  test — Fisher's exact test when any expected cell count is below 5 (small samples), else the
  two-proportion z-test with pooled variance — and the p-values of one variant's outcomes are
  Holm-adjusted (four outcomes are four chances of a false alarm). A comparison gets a verdict
  only when both arms have at least ``users_ab_min_users_per_arm`` exposed users; below that it
  says "아직 판단할 수 없음", whatever the p-value.
"""

from __future__ import annotations

import hashlib
import math
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from trendpath.kit.errors import ConfigError
from trendpath.kit.josa import josa
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


def _log_comb(n: int, k: int) -> float:
    return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)


def fisher_exact(x1: int, n1: int, x2: int, n2: int) -> float:
    """Two-sided Fisher's exact test of x1/n1 against x2/n2: the probability, with the margins
    fixed, of a table at most as likely as the one observed."""
    k, total = x1 + x2, n1 + n2

    def prob(x: int) -> float:
        return math.exp(_log_comb(n1, x) + _log_comb(n2, k - x) - _log_comb(total, k))

    seen = prob(x1)
    tables = range(max(0, k - n2), min(k, n1) + 1)
    return min(1.0, sum(p for p in map(prob, tables) if p <= seen * (1 + 1e-7)))


def compare(x1: int, n1: int, x2: int, n2: int) -> tuple[str, float | None, float | None]:
    """(test, z, p): Fisher's exact test when an expected cell is below 5, else the z-test."""
    if n1 == 0 or n2 == 0:
        return "none", None, None
    k, total = x1 + x2, n1 + n2
    expected = [n * k / total for n in (n1, n2)] + [n * (total - k) / total for n in (n1, n2)]
    if min(expected) < 5:
        return "fisher", None, (fisher_exact(x1, n1, x2, n2) if 0 < k < total else None)
    z, p = two_proportion_z(x1, n1, x2, n2)
    return "z", z, p


def holm(p_values: Sequence[float | None]) -> list[float | None]:
    """Holm–Bonferroni adjusted p-values (None stays None and is not counted)."""
    ranked = sorted((p, i) for i, p in enumerate(p_values) if p is not None)
    m, running = len(ranked), 0.0
    out: list[float | None] = [None] * len(p_values)
    for rank, (p, i) in enumerate(ranked):
        running = max(running, min(1.0, (m - rank) * p))
        out[i] = running
    return out


def verdict(row: Mapping[str, Any], n1: int, n2: int, min_users: int) -> tuple[str, str]:
    """(verdict, Korean sentence) of one comparison."""
    control, variant = row["control"], row["variant"]
    if min(n1, n2) < min_users:
        return "insufficient", (
            f"아직 판단할 수 없음 — 그룹마다 노출 사용자가 {min_users}명 이상 필요해요"
            f"(지금 {control} {n1}명, {variant} {n2}명)."
        )
    p = row["p_adjusted"]
    if p is None:
        return "no_difference", "두 그룹 모두 같은 비율이라 차이가 없어요."
    if p < ALPHA:
        way, word = ("better", "높아요") if row["difference"] > 0 else ("worse", "낮아요")
        return way, f"차이 있음 — {josa(variant, '이')} 더 {word}(보정한 p = {p:.3f})."
    return "no_difference", f"의미 있는 차이가 없어요(보정한 p = {p:.3f})."


def report(
    experiment: str,
    order: Sequence[str],
    exposed: Mapping[str, int],
    outcomes: Mapping[tuple[str, str], int],
    min_users: int = 100,
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
    control = names[0] if names else ""
    comparisons = []
    for name in names[1:]:
        comparisons += _variant_comparisons(control, name, exposed, outcomes, min_users)
    return {
        "experiment": experiment,
        "alpha": ALPHA,
        "min_users_per_arm": min_users,
        "variants": rows,
        "comparisons": comparisons,
    }


def _variant_comparisons(
    control: str,
    name: str,
    exposed: Mapping[str, int],
    outcomes: Mapping[tuple[str, str], int],
    min_users: int,
) -> list[dict[str, Any]]:
    n1, n2 = exposed[control], exposed[name]
    rows: list[dict[str, Any]] = []
    for kind in OUTCOMES:
        x1, x2 = outcomes.get((control, kind), 0), outcomes.get((name, kind), 0)
        test, z, p = compare(x1, n1, x2, n2)
        rows.append(
            {
                "outcome": kind,
                "control": control,
                "variant": name,
                "rate_control": _rate(x1, n1),
                "rate_variant": _rate(x2, n2),
                "difference": round(_rate(x2, n2) - _rate(x1, n1), 6),
                "test": test,
                "z": None if z is None else round(z, 4),
                "p_value": None if p is None else round(p, 6),
            }
        )
    for row, adjusted in zip(rows, holm([r["p_value"] for r in rows]), strict=True):
        row["p_adjusted"] = None if adjusted is None else round(adjusted, 6)
        row["verdict"], row["verdict_ko"] = verdict(row, n1, n2, min_users)
        row["significant"] = row["verdict"] in ("better", "worse")
    return rows


def _rate(x: int, n: int) -> float:
    return round(x / n, 6) if n else 0.0
