"""All nine attribution models applied to millions of journeys at once, on numpy columns.

Input is columnar (what a DuckDB query returns with ``fetchnumpy()``): one row per touch,
sorted by journey and then touch order, and one row per journey (``Journeys``). Output is
credited conversions and revenue per channel id (``Credits``).

Which conversion is attributed (won revenue, MQL, SQL, opportunity) is the caller's choice:
it sets ``converted``, ``value`` and ``conversion_time`` per journey and passes the role flags
of the touches that created the lead, the opportunity and the won deal. ``within_lookback``
then keeps the touches of each journey inside the lookback window.

Totals: the credits of every model sum to the conversions and the revenue of the converting
journeys that have at least one touch (``attributable_totals``); a converting journey without
touches (all outside the window) has no channel to credit and is left out by every model.

The attribution runner uses the rule-based models from here; it counts Markov's transitions
and Shapley's coalitions on the engine instead (``runners.attribution_paths``, solved by
``paths``), so that millions of touches stay there. ``markov_attribution`` and
``shapley_attribution`` are the same models on touch columns: the reference that path is
tested against, and what ``bench/attribution_models.py`` measures.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from accord.analytics.attribution import markov, shapley
from accord.analytics.attribution.positions import (
    DEFAULT_HALF_LIFE_DAYS,
    POSITION_SHARES,
    RULE_MODELS,
    SECONDS_PER_DAY,
    TIME_DECAY,
)
from accord.core.errors import InvalidInput

MARKOV = "markov"
SHAPLEY = "shapley"
ALL_MODELS = (*RULE_MODELS, MARKOV, SHAPLEY)


@dataclass(frozen=True)
class Journeys:
    """Touches (sorted by journey, then order) and journeys, as parallel numpy arrays.

    Journey ids are dense: ``0 .. len(converted) - 1``; a journey may have no touch.
    Times are seconds since any fixed epoch.
    """

    # Per touch.
    journey: np.ndarray  # int64, non-decreasing
    channel: np.ndarray  # int64 channel id, 0 .. n_channels - 1
    time: np.ndarray  # float64
    is_lead: np.ndarray  # bool: the touch at which the lead was created
    is_opportunity: np.ndarray  # bool: the touch at which the deal was created
    is_close: np.ndarray  # bool: the touch at which the deal was won
    # Per journey.
    converted: np.ndarray  # bool
    value: np.ndarray  # float64 revenue of the conversion (0 when not converted)
    conversion_time: np.ndarray  # float64; for a journey that did not convert, the window end
    n_channels: int

    @property
    def n_touches(self) -> int:
        return int(self.journey.size)

    @property
    def n_journeys(self) -> int:
        return int(self.converted.size)


@dataclass(frozen=True)
class Credits:
    """Credited conversions and revenue per channel id for one model."""

    model: str
    conversions: np.ndarray
    revenue: np.ndarray


def journeys_from_columns(
    *,
    journey: np.ndarray,
    channel: np.ndarray,
    time: np.ndarray,
    converted: np.ndarray,
    value: np.ndarray,
    conversion_time: np.ndarray,
    n_channels: int,
    is_lead: np.ndarray | None = None,
    is_opportunity: np.ndarray | None = None,
    is_close: np.ndarray | None = None,
) -> Journeys:
    """Validate columns and wrap them; bad input raises ``InvalidInput`` naming the column."""
    journey = np.asarray(journey, dtype=np.int64)
    n = journey.size
    touch = {
        "channel": np.asarray(channel, dtype=np.int64),
        "time": np.asarray(time, dtype=np.float64),
    }
    flags = {
        name: np.zeros(n, dtype=bool) if flag is None else np.asarray(flag, dtype=bool)
        for name, flag in (
            ("is_lead", is_lead),
            ("is_opportunity", is_opportunity),
            ("is_close", is_close),
        )
    }
    per_journey = {
        "converted": np.asarray(converted, dtype=bool),
        "value": np.asarray(value, dtype=np.float64),
        "conversion_time": np.asarray(conversion_time, dtype=np.float64),
    }
    n_journeys = per_journey["converted"].size
    for name, column in {**touch, **flags}.items():
        if column.shape != (n,):
            raise InvalidInput(f"{name} must have one value per touch.", field=name)
    for name, column in per_journey.items():
        if column.shape != (n_journeys,):
            raise InvalidInput(f"{name} must have one value per journey.", field=name)
    if n and (journey[0] < 0 or journey[-1] >= n_journeys or np.any(np.diff(journey) < 0)):
        raise InvalidInput("journey ids must be sorted and index the journeys.", field="journey")
    if n and (touch["channel"].min() < 0 or touch["channel"].max() >= n_channels):
        raise InvalidInput("channel ids must lie in 0 .. n_channels - 1.", field="channel")
    if not np.all(np.isfinite(touch["time"])):
        raise InvalidInput("Every touch needs a time.", field="time")
    if n and np.any(np.diff(touch["time"])[np.diff(journey) == 0] < 0):
        raise InvalidInput("Touches must be in time order within a journey.", field="time")
    value_ = per_journey["value"]
    if not np.all(np.isfinite(value_)) or np.any(value_ < 0):
        raise InvalidInput("Values must be finite and not negative.", field="value")
    for name, flag in flags.items():
        if np.any(np.bincount(journey[flag], minlength=n_journeys) > 1):
            raise InvalidInput(f"At most one {name} touch per journey.", field=name)
    return Journeys(
        journey=journey,
        **touch,
        **flags,
        **per_journey,
        n_channels=n_channels,
    )


def within_lookback(journeys: Journeys, *, lookback_days: float) -> Journeys:
    """Keep the touches in ``(conversion_time - lookback, conversion_time]`` of each journey."""
    if not lookback_days > 0:
        raise InvalidInput(
            "The lookback window must be a positive number of days.", field="lookback"
        )
    end = journeys.conversion_time[journeys.journey]
    keep = (journeys.time <= end) & (journeys.time > end - lookback_days * SECONDS_PER_DAY)
    return Journeys(
        journey=journeys.journey[keep],
        channel=journeys.channel[keep],
        time=journeys.time[keep],
        is_lead=journeys.is_lead[keep],
        is_opportunity=journeys.is_opportunity[keep],
        is_close=journeys.is_close[keep],
        converted=journeys.converted,
        value=journeys.value,
        conversion_time=journeys.conversion_time,
        n_channels=journeys.n_channels,
    )


def attributable_totals(journeys: Journeys) -> tuple[float, float]:
    """Conversions and revenue of the converting journeys with at least one touch."""
    touched = np.bincount(journeys.journey, minlength=journeys.n_journeys) > 0
    counted = touched & journeys.converted
    return float(counted.sum()), float(journeys.value[counted].sum())


@dataclass(frozen=True)
class _Runs:
    """Where each journey's touches lie in a sorted touch array."""

    starts: np.ndarray  # index of each run's first touch
    run: np.ndarray  # per touch, the run it belongs to (0 .. runs - 1)
    position: np.ndarray  # per touch, 0-based order within its journey
    length: np.ndarray  # per run, its number of touches
    journey: np.ndarray  # per run, its journey id


def _runs(journey: np.ndarray) -> _Runs:
    boundary = np.empty(journey.size, dtype=bool)
    boundary[:1] = True
    np.not_equal(journey[1:], journey[:-1], out=boundary[1:])
    starts = np.flatnonzero(boundary)
    run = np.cumsum(boundary) - 1
    length = np.diff(np.append(starts, journey.size))
    position = np.arange(journey.size) - starts[run]
    return _Runs(starts, run, position, length, journey[starts])


def rule_based_credits(
    journeys: Journeys,
    *,
    models: tuple[str, ...] = RULE_MODELS,
    half_life_days: float = DEFAULT_HALF_LIFE_DAYS,
) -> dict[str, Credits]:
    """Credits of the position- and time-based models, sharing one pass over the touches."""
    unknown = [m for m in models if m not in RULE_MODELS]
    if unknown:
        raise InvalidInput(f"Unknown rule-based model {unknown[0]!r}.", field="model")
    if not half_life_days > 0:
        raise InvalidInput("The half-life must be a positive number of days.", field="half_life")
    # Only converting journeys carry credit: drop the rest before any per-touch work.
    keep = journeys.converted[journeys.journey]
    journey = journeys.journey[keep]
    channel = journeys.channel[keep]
    n_channels = journeys.n_channels
    if not journey.size:
        zero = np.zeros(n_channels)
        return {model: Credits(model, zero.copy(), zero.copy()) for model in models}
    runs = _runs(journey)
    value = journeys.value[runs.journey]
    flags = {
        "first": runs.position == 0,
        "last": runs.position == runs.length[runs.run] - 1,
        "lead": journeys.is_lead[keep],
        "opportunity": journeys.is_opportunity[keep],
        "close": journeys.is_close[keep],
    }
    # Whether each journey has the position at all (rule 3 of ``positions``).
    every = np.ones(runs.starts.size, dtype=bool)
    has = {"first": every, "last": every}
    for position in ("lead", "opportunity", "close"):
        has[position] = np.add.reduceat(flags[position], runs.starts) > 0
    result: dict[str, Credits] = {}
    for model in models:
        if model == TIME_DECAY:
            time = journeys.time[keep]
            half_life = half_life_days * SECONDS_PER_DAY
            latest = np.maximum.reduceat(time, runs.starts)
            raw = np.exp2((time - latest[runs.run]) / half_life)
            total = np.add.reduceat(raw, runs.starts)
        else:
            shares = POSITION_SHARES[model]
            raw = np.zeros(journey.size)
            held = np.zeros(journey.size, dtype=bool)
            total = np.zeros(runs.starts.size)
            for position, share in shares.named.items():
                flag = flags[position]
                raw += float(share) * flag
                held |= flag
                total += float(share) * has[position]
            if shares.rest:
                others = np.add.reduceat(~held, runs.starts)
                with np.errstate(divide="ignore", invalid="ignore"):
                    per_other = np.where(others > 0, float(shares.rest) / others, 0.0)
                raw += np.where(held, 0.0, per_other[runs.run])
                total += float(shares.rest) * (others > 0)
        scale = 1.0 / total
        conversions = np.bincount(channel, weights=raw * scale[runs.run], minlength=n_channels)
        revenue = np.bincount(
            channel, weights=raw * (value * scale)[runs.run], minlength=n_channels
        )
        result[model] = Credits(model, conversions, revenue)
    return result


def markov_transitions(journeys: Journeys, *, order: int = 1) -> tuple[np.ndarray, ...]:
    """Aggregated transitions ``(from codes, to codes, counts)`` of all journeys with touches.

    State codes as in ``markov.state_code``: the last ``order`` channels in base
    ``n_channels + 1``; ``markov.CONVERSION`` / ``markov.NULL`` for the absorbing states.
    """
    if order < 1:
        raise InvalidInput("The order must be at least 1.", field="order")
    base = journeys.n_channels + 1
    # Codes up to base**order; the pair key below squares that, so keep it within int64.
    if order * np.log2(base) >= 30:
        raise InvalidInput("The order is too high for this many channels.", field="order")
    if not journeys.n_touches:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    runs = _runs(journeys.journey)
    digit = journeys.channel + 1
    code = digit.copy()
    for lag in range(1, order):
        shifted = np.zeros_like(digit)
        shifted[lag:] = digit[:-lag]
        code += np.where(runs.position >= lag, shifted, 0) * base**lag
    previous = np.empty_like(code)
    previous[1:] = code[:-1]
    previous[runs.position == 0] = markov.START
    last = np.append(runs.starts[1:], code.size) - 1
    end = np.where(journeys.converted[runs.journey], markov.CONVERSION, markov.NULL)
    pairs_from = np.concatenate((previous, code[last]))
    # Shift "to" past the absorbing sentinels (-1, -2) so that one int64 key holds the pair.
    pairs_to = np.concatenate((code, end)) + 2
    span = int(code.max()) + 3
    keys = pairs_from * span + pairs_to
    if span * span <= 1 << 24:
        counts = np.bincount(keys, minlength=span * span)
        keys = np.flatnonzero(counts)
        counts = counts[keys]
    else:
        keys, counts = np.unique(keys, return_counts=True)
    return keys // span, keys % span - 2, counts


def markov_attribution(journeys: Journeys, *, order: int = 1) -> tuple[Credits, np.ndarray]:
    """Markov credits and the removal effects per channel id."""
    chain = markov.chain_from_transitions(
        *markov_transitions(journeys, order=order), n_channels=journeys.n_channels
    )
    total_conversions, total_revenue = attributable_totals(journeys)
    result = markov.markov_credits(
        chain,
        n_channels=journeys.n_channels,
        total_conversions=total_conversions,
        total_revenue=total_revenue,
    )
    return Credits(MARKOV, result.conversions, result.revenue), result.removal_effects


def shapley_coalitions(journeys: Journeys) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct channel sets (bitmasks) of the converting journeys, with conversions, revenue."""
    if journeys.n_channels > shapley.MAX_CHANNEL_ID + 1:
        raise InvalidInput("Shapley attribution supports at most 64 channels.", field="channels")
    keep = journeys.converted[journeys.journey]
    channel = journeys.channel[keep].astype(np.uint64)
    runs = _runs(journeys.journey[keep])
    if not channel.size:
        empty = np.zeros(0)
        return empty.astype(np.uint64), empty, empty
    masks = np.bitwise_or.reduceat(np.left_shift(np.uint64(1), channel), runs.starts)
    unique, inverse = np.unique(masks, return_inverse=True)
    conversions = np.bincount(inverse, minlength=unique.size).astype(np.float64)
    revenue = np.bincount(inverse, weights=journeys.value[runs.journey], minlength=unique.size)
    return unique, conversions, revenue


def shapley_attribution(journeys: Journeys, *, exact: bool = False) -> Credits:
    """Simplified Shapley credits (or the same game solved over all coalitions)."""
    masks, conversions, revenue = shapley_coalitions(journeys)
    solve = shapley.exact_shapley if exact else shapley.simplified_shapley
    return Credits(
        SHAPLEY,
        solve(masks, conversions, n_channels=journeys.n_channels),
        solve(masks, revenue, n_channels=journeys.n_channels),
    )


def all_credits(
    journeys: Journeys,
    *,
    half_life_days: float = DEFAULT_HALF_LIFE_DAYS,
    markov_order: int = 1,
) -> dict[str, Credits]:
    """Every model side by side (the comparison view), keyed by model name."""
    result = rule_based_credits(journeys, half_life_days=half_life_days)
    result[MARKOV] = markov_attribution(journeys, order=markov_order)[0]
    result[SHAPLEY] = shapley_attribution(journeys)
    return result
