"""The probabilistic forecast: P10/P50/P90 of a period's won amount by Monte Carlo.

Each open deal is won within the window with probability ``q = p x F``: ``p`` its stage's
measured chance of ending won (closed deals that passed through the stage, from the stage
history), ``F`` the chance that a deal of its stage, already ``age`` days in it, closes within
the days left — read off the measured days from entering that stage to winning (the empirical
distribution, conditioned on being longer than ``age``). A simulated period is the amount
already won plus the amount of each deal drawn won with its ``q`` (independently).

The draw is exact for up to ``EXACT_DEALS`` deals (those contributing most variance); the
rest, many small independent terms, enter as one normal term with their mean and variance
(the central limit theorem), which keeps a million-lead company's pipeline under a second.
Seeded: the same inputs and seed give the same percentiles.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

SIMULATIONS = 1000
EXACT_DEALS = 1000
DEFAULT_SEED = 20260101


@dataclass(frozen=True)
class StageBehaviour:
    """What history says about deals in one stage."""

    #: Share of the closed deals that passed through the stage that were won (None: none).
    win_probability: float | None
    #: Days from entering the stage to winning, of the won deals that passed through it.
    days_to_won: Sequence[float]


@dataclass(frozen=True)
class OpenDeals:
    """The open deals at the start of the simulation, as parallel arrays."""

    amounts: np.ndarray
    #: Each deal's stage key (a ``pipeline:stage`` string, so pipelines do not mix).
    stages: np.ndarray
    #: Days each deal has been in its stage.
    ages: np.ndarray

    @classmethod
    def of(cls, rows: Sequence[tuple[float, str, float]]) -> OpenDeals:
        return cls(
            amounts=np.array([r[0] for r in rows], dtype=float),
            stages=np.array([r[1] for r in rows], dtype=object),
            ages=np.array([r[2] for r in rows], dtype=float),
        )


@dataclass(frozen=True)
class Percentiles:
    p10: float
    p50: float
    p90: float
    mean: float
    simulations: int
    deals: int
    #: Every simulated period's total (for callers that add further terms).
    totals: np.ndarray = field(repr=False, compare=False, default_factory=lambda: np.zeros(0))


def close_within(days_to_won: np.ndarray, age: np.ndarray, horizon: float) -> np.ndarray:
    """P(a won deal of this stage closes within ``horizon`` days | ``age`` days in it so far).

    ``days_to_won`` sorted. Conditioned on taking longer than ``age``; a deal older than
    every measured one is treated as starting over (its chance is the unconditional one).
    """
    n = len(days_to_won)
    if n == 0:
        return np.ones_like(age, dtype=float)
    beyond_age = n - np.searchsorted(days_to_won, age, side="right")
    within = np.searchsorted(days_to_won, age + horizon, side="right") - (n - beyond_age)
    fresh = np.searchsorted(days_to_won, horizon, side="right") / n
    with np.errstate(divide="ignore", invalid="ignore"):
        conditional = np.where(beyond_age > 0, within / np.maximum(beyond_age, 1), fresh)
    return np.clip(conditional, 0.0, 1.0)


def win_chances(
    deals: OpenDeals, stages: Mapping[str, StageBehaviour], horizon_days: float
) -> np.ndarray:
    """Each deal's chance of being won within the horizon (``q``)."""
    q = np.zeros(len(deals.amounts), dtype=float)
    if not len(q):
        return q
    pooled = np.sort(
        np.concatenate([np.asarray(s.days_to_won, float) for s in stages.values()] or [np.zeros(0)])
    )
    keys, inverse = np.unique(deals.stages.astype(str), return_inverse=True)
    for code, stage in enumerate(keys):
        behaviour = stages.get(str(stage))
        if behaviour is None or behaviour.win_probability is None:
            continue  # no closed deal ever passed through it: no measured chance
        rows = inverse == code
        samples = np.sort(np.asarray(behaviour.days_to_won, dtype=float))
        if len(samples) == 0:
            samples = pooled
        within = close_within(samples, deals.ages[rows], max(horizon_days, 0.0))
        q[rows] = behaviour.win_probability * within
    return q


def simulate_won(
    amounts: np.ndarray,
    q: np.ndarray,
    *,
    already_won: float = 0.0,
    simulations: int = SIMULATIONS,
    seed: int = DEFAULT_SEED,
) -> Percentiles:
    """Percentiles of ``already_won`` + Σ amount x Bernoulli(q) over ``simulations`` draws."""
    rng = np.random.default_rng(seed)
    totals = np.full(simulations, float(already_won))
    live = (q > 0) & (amounts > 0)
    amounts, q = amounts[live], q[live]
    variance = amounts**2 * q * (1 - q)
    order = np.argsort(-variance, kind="stable")
    exact, rest = order[:EXACT_DEALS], order[EXACT_DEALS:]
    for start in range(0, len(exact), 500):
        chunk = exact[start : start + 500]
        draws = rng.random((len(chunk), simulations)) < q[chunk, None]
        totals += amounts[chunk] @ draws
    if len(rest):
        mean = float(amounts[rest] @ q[rest])
        spread = float(np.sqrt(variance[rest].sum()))
        totals += np.maximum(rng.normal(mean, spread, simulations), 0.0)
    p10, p50, p90 = np.percentile(totals, [10, 50, 90])
    return Percentiles(
        p10=float(p10),
        p50=float(p50),
        p90=float(p90),
        mean=float(totals.mean()),
        simulations=simulations,
        deals=int(live.sum()),
        totals=totals,
    )


def forecast_simulate(
    deals: OpenDeals,
    stages: Mapping[str, StageBehaviour],
    *,
    horizon_days: float,
    already_won: float = 0.0,
    simulations: int = SIMULATIONS,
    seed: int = DEFAULT_SEED,
) -> Percentiles:
    q = win_chances(deals, stages, horizon_days)
    return simulate_won(
        deals.amounts, q, already_won=already_won, simulations=simulations, seed=seed
    )
