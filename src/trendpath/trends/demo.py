"""Synthetic weekly indicator history for every catalog trend (clearly labelled demo data).

THE VALUES PRODUCED HERE ARE SYNTHETIC. They let ``trendpath run`` show multi-year charts and let
the forecasting models train before any real connector has run; they are never real statistics.
Every panel carries ``source = "demo-synthetic"`` and the API/dashboard must show that label.

How a series is made (units as in :mod:`trendpath.trends.indicators`):

* **Life cycle.** Each trend has a latent level ``L(t) = floor + (adoption + hype) * decline``:
  a logistic adoption curve (emergence → plateau), a Gaussian hype bump near the adoption
  midpoint, and for about half the trends a decline that starts years after the midpoint.
  Timing, speed, hype height and decline are drawn from a generator seeded by ``(seed, slug)``,
  so adding or removing a trend never changes another trend's series. On top of the life cycle,
  interest moves in smooth waves of a few months (Gaussian-filtered noise on the log level).
* **Channels and lead/lag.** Funding volume follows ``L`` at once (amplified, exponent > 1) and
  is scaled by a slow market-wide funding climate (seeded by ``seed`` only, shared by all
  trends). Search volume follows "attention" = ``L`` times news spikes. Learning demand follows
  attention 5–10 weeks later (people search and money moves before courses fill). Patent
  filings follow the 13-week average of funding 8–16 weeks later.
* **Seasonality.** Learning demand peaks in January and at the March and September semester
  starts and dips over the year-end and in August; funding bunches at quarter ends and in
  December; patent filings surge before the year-end; laws tend to change in January and July.
* **Shocks.** Policy shocks (0.3–1.5 a year per trend) cause a burst of law changes, briefly
  depress funding (uncertainty) and lift search a little; news shocks lift attention.
* **Noise.** Multiplicative log-normal noise on volumes (funding is lumpiest), Poisson counts.

Growth indicators are the 4-over-4-week growth of those volumes in percent; patent and policy
indicators are non-negative integer counts per week. Every trend is simulated on one fixed
calendar grid (``GRID_START`` … ``GRID_END``) and then sliced, so a given trend-week has the same
values whatever ``weeks`` or ``end_week`` a caller asks for.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np

from trendpath.trends.indicators import INDICATORS

DEMO_SOURCE = "demo-synthetic"
GRID_START = dt.date(2000, 1, 3)  # a Monday
GRID_WEEKS = 52 * 50
GRID_END = GRID_START + dt.timedelta(weeks=GRID_WEEKS - 1)
WARMUP_WEEKS = 52  # lags and 4-over-4 rates need history before the first usable week
WEEKS_PER_YEAR = 365.2425 / 7
_MACRO_KEY = 0x6D6163726F  # seeds the market-wide funding climate (independent of slugs)


@dataclass
class DemoPanel:
    """Synthetic weekly indicators: ``values[i, w, k]`` = trend ``slugs[i]``, week ``weeks[w]``,
    indicator ``INDICATORS[k]``."""

    slugs: list[str]
    weeks: list[dt.date]
    values: np.ndarray
    source: str = DEMO_SOURCE
    indicators: tuple[str, ...] = field(default=INDICATORS)

    def indicator(self, slug: str) -> np.ndarray:
        """The (n_trends, n_weeks) slice of one indicator."""
        return self.values[:, :, self.indicators.index(slug)]

    def rows(self) -> Iterator[tuple[str, dt.date, str, float]]:
        """Long format ``(trend_slug, week_monday, indicator, value)`` for storage or CSV."""
        for i, slug in enumerate(self.slugs):
            for w, week in enumerate(self.weeks):
                for k, name in enumerate(self.indicators):
                    yield slug, week, name, float(self.values[i, w, k])


def monday_of(day: dt.date) -> dt.date:
    """The Monday that starts ``day``'s ISO week."""
    return day - dt.timedelta(days=day.weekday())


def generate_panel(
    slugs: Sequence[str],
    *,
    weeks: int = 260,
    end_week: dt.date | None = None,
    seed: int = 7,
) -> DemoPanel:
    """Synthetic history of the five indicators for ``slugs`` (see the module docstring).

    ``weeks`` Mondays ending with the Monday of ``end_week`` (default: the current week).
    Deterministic in ``(slug, seed)``; raises ``ValueError`` for duplicate slugs, a negative
    seed, or a range outside the simulation grid (2001 to 2049).
    """
    if len(set(slugs)) != len(slugs):
        raise ValueError("slugs must be unique")
    if weeks < 1:
        raise ValueError("weeks must be >= 1")
    if seed < 0:
        raise ValueError("seed must be >= 0")
    last = monday_of(end_week if end_week is not None else dt.date.today())
    first = last - dt.timedelta(weeks=weeks - 1)
    lo = GRID_START + dt.timedelta(weeks=WARMUP_WEEKS)
    if first < lo or last > GRID_END:
        raise ValueError(f"demo weeks must lie within {lo} .. {GRID_END}, got {first} .. {last}")
    start = (first - GRID_START).days // 7
    grid = _grid(seed)
    values = np.empty((len(slugs), weeks, len(INDICATORS)), dtype=np.float64)
    for i, slug in enumerate(slugs):
        values[i] = _simulate(grid, slug, seed)[start : start + weeks]
    return DemoPanel(
        slugs=list(slugs),
        weeks=[first + dt.timedelta(weeks=w) for w in range(weeks)],
        values=values,
    )


@dataclass(frozen=True)
class _Grid:
    """Calendar facts shared by every trend: decimal years, seasonal shapes, funding climate."""

    years: np.ndarray
    season: dict[str, np.ndarray]
    climate: np.ndarray

    @staticmethod
    def build(seed: int) -> _Grid:
        days = np.arange(GRID_WEEKS) * 7
        years = 2000.0 + (days + 2) / 365.2425  # GRID_START is 2 days into 2000
        dates = np.datetime64(GRID_START.isoformat(), "D") + days
        doy = (dates - dates.astype("datetime64[Y]")).astype(np.int64) + 1

        def bump(month: int, day: int, width_weeks: float) -> np.ndarray:
            centre = dt.date(2001, month, day).timetuple().tm_yday
            dist = np.abs(doy - centre)
            dist = np.minimum(dist, 365.25 - dist)
            return np.exp(-0.5 * (dist / (7.0 * width_weeks)) ** 2)

        season = {
            "learning": 0.12 * bump(1, 10, 2.5)
            + 0.15 * bump(3, 4, 2.0)
            + 0.11 * bump(9, 2, 2.0)
            - 0.10 * bump(12, 27, 1.2)
            - 0.08 * bump(8, 5, 2.5),
            "search": -0.06 * bump(12, 30, 1.2) - 0.04 * bump(9, 20, 1.0),
            "funding": 0.05 * (bump(3, 28, 1.0) + bump(6, 27, 1.0) + bump(9, 27, 1.0))
            + 0.10 * bump(12, 15, 1.5)
            - 0.08 * bump(8, 8, 2.0)
            - 0.08 * bump(1, 3, 1.0),
            "patents": 0.20 * bump(12, 20, 1.5) - 0.15 * bump(1, 2, 1.0) - 0.08 * bump(8, 5, 2.0),
            "policy": 0.60 * bump(1, 1, 1.5) + 0.35 * bump(7, 1, 1.5),
        }
        rng = np.random.default_rng([seed, _MACRO_KEY])
        p1, p2 = rng.uniform(0.0, 7.0), rng.uniform(0.0, 3.0)
        climate = 0.22 * np.sin(2 * np.pi * (years - p1) / 6.5)
        climate += 0.10 * np.sin(2 * np.pi * (years - p2) / 2.7)
        return _Grid(years=years, season=season, climate=climate)


@dataclass(frozen=True)
class _LifeCycle:
    """Latent level of one trend as a function of the decimal year."""

    midpoint: float
    speed: float
    hype_peak: float
    hype_height: float
    hype_width: float
    decline_start: float | None
    decline_depth: float
    decline_years: float

    @staticmethod
    def draw(rng: np.random.Generator) -> _LifeCycle:
        midpoint = rng.uniform(2006.0, 2030.0)
        declines = rng.random() < 0.45
        return _LifeCycle(
            midpoint=midpoint,
            speed=rng.uniform(0.5, 1.5),
            hype_peak=midpoint + rng.uniform(-0.8, 0.4),
            hype_height=rng.uniform(0.4, 1.6),
            hype_width=rng.uniform(0.35, 0.9),
            decline_start=midpoint + rng.uniform(2.5, 7.0) if declines else None,
            decline_depth=rng.uniform(0.3, 0.75),
            decline_years=rng.uniform(1.0, 3.0),
        )

    def level(self, years: np.ndarray) -> np.ndarray:
        """``floor + (adoption + hype) * decline`` at each decimal year."""
        adoption = 1.0 / (1.0 + np.exp(-(years - self.midpoint) / self.speed))
        hype = self.hype_height * np.exp(-0.5 * ((years - self.hype_peak) / self.hype_width) ** 2)
        decline = np.ones_like(years)
        if self.decline_start is not None:
            after = np.clip(years - self.decline_start, 0.0, None)
            decline -= self.decline_depth * (1.0 - np.exp(-after / self.decline_years))
        return 0.03 + (adoption + hype) * decline


@functools.lru_cache(maxsize=4)
def _grid(seed: int) -> _Grid:
    return _Grid.build(seed)


def _slug_key(slug: str) -> int:
    return int.from_bytes(hashlib.blake2b(slug.encode("utf-8"), digest_size=8).digest(), "big")


def _events(rng: np.random.Generator, per_year: float, tau_weeks: float) -> np.ndarray:
    """Sum of exponentially decaying pulses at Poisson event times; magnitudes in [0.25, 1]."""
    hits = rng.random(GRID_WEEKS) < per_year / WEEKS_PER_YEAR
    size = rng.uniform(0.25, 1.0, GRID_WEEKS) * hits
    kernel = np.exp(-np.arange(int(6 * tau_weeks) + 1) / tau_weeks)
    return np.convolve(size, kernel)[:GRID_WEEKS]


def _lag(x: np.ndarray, weeks: int) -> np.ndarray:
    """``x`` delayed by ``weeks`` (the first values repeat)."""
    if weeks <= 0:
        return x
    return np.concatenate([np.full(weeks, x[0]), x[:-weeks]])


def _trailing_mean(x: np.ndarray, weeks: int) -> np.ndarray:
    """Mean of the last ``weeks`` values (fewer at the start)."""
    csum = np.cumsum(np.concatenate([[0.0], x]))
    out = np.empty_like(x)
    idx = np.arange(x.size)
    lo = np.maximum(idx + 1 - weeks, 0)
    out[:] = (csum[idx + 1] - csum[lo]) / (idx + 1 - lo)
    return out


def _growth_4over4(volume: np.ndarray) -> np.ndarray:
    """Percent growth of the latest 4-week total over the previous 4 weeks (NaN at the start)."""
    total = np.convolve(volume, np.ones(4))[: volume.size]
    out = np.full(volume.size, np.nan)
    out[7:] = 100.0 * (total[7:] / total[3:-4] - 1.0)
    return out


def _wave(rng: np.random.Generator, amplitude: float, width_weeks: float) -> np.ndarray:
    """A smooth zero-mean random wave (Gaussian-filtered white noise) with std ``amplitude``."""
    half = int(3 * width_weeks)
    kernel = np.exp(-0.5 * (np.arange(-half, half + 1) / width_weeks) ** 2)
    kernel /= np.sqrt(np.sum(kernel**2))
    return amplitude * np.convolve(rng.standard_normal(GRID_WEEKS + 2 * half), kernel, "valid")


def _simulate(grid: _Grid, slug: str, seed: int) -> np.ndarray:
    """(GRID_WEEKS, 5) indicators of one trend; every draw depends only on ``(seed, slug)``."""
    rng = np.random.default_rng([seed, _slug_key(slug)])
    cycle = _LifeCycle.draw(rng)
    lag_learning = int(rng.integers(5, 11))
    lag_patents = int(rng.integers(8, 17))
    hype_gain = rng.uniform(1.2, 1.8)
    climate_beta = rng.uniform(0.5, 1.5)
    season_amp = rng.uniform(0.6, 1.4)
    patent_base = float(np.exp(rng.uniform(np.log(8.0), np.log(200.0))))
    policy_base = rng.uniform(0.05, 0.5)
    policy_rate = rng.uniform(0.3, 1.5)

    # Interest moves in waves of a few months on top of the life cycle; every channel sees the
    # same latent log-level, each with its own delay.
    log_level = np.log(cycle.level(grid.years)) + _wave(rng, rng.uniform(0.10, 0.25), 6.0)
    news = _events(rng, per_year=1.2, tau_weeks=rng.uniform(1.5, 4.0))
    policy_shock = _events(rng, per_year=policy_rate, tau_weeks=3.0)
    noise = rng.standard_normal((3, GRID_WEEKS))

    attention = np.exp(log_level) * (1.0 + 0.5 * news) * (1.0 + 0.15 * policy_shock)
    search = attention * np.exp(grid.season["search"] + 0.05 * noise[0])
    learning = _lag(attention, lag_learning) * np.exp(
        season_amp * grid.season["learning"] + 0.07 * noise[1]
    )
    funding = np.exp(
        hype_gain * log_level
        + climate_beta * grid.climate
        + grid.season["funding"]
        + 0.12 * noise[2]
    ) * np.clip(1.0 - 0.35 * policy_shock, 0.3, None)
    rnd_funding = _lag(_trailing_mean(funding, 13), lag_patents)
    patents = rng.poisson(patent_base * rnd_funding**0.8 * np.exp(grid.season["patents"]))
    level = np.exp(log_level)
    policy_lambda = policy_base * (0.3 + 0.7 * np.minimum(level, 2.0) / 2.0)
    policy_lambda = policy_lambda * np.exp(grid.season["policy"]) + 2.5 * policy_shock
    policy = rng.poisson(policy_lambda)

    series = {
        "funding_volume_growth": _growth_4over4(funding),
        "patent_filing_rate": patents,
        "learning_demand_growth": _growth_4over4(learning),
        "search_volume_growth": _growth_4over4(search),
        "policy_change_frequency": policy,
    }
    return np.stack([series[name] for name in INDICATORS], axis=1).astype(np.float64)
