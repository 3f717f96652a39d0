"""Markov and Shapley credits from the path counts the engine made (``attribution_paths``).

The engine returns two small tables instead of every touch:

- **moves** ``(converted, from_state, to_state, journeys, value)``: Markov's transitions. A
  state is the list of the last ``order`` groups of a path (oldest first); the empty
  ``from_state`` is the start, the empty ``to_state`` the end of the path (conversion or null
  by ``converted``). A journey without a touch in its window is the move (empty, empty).
- **coalitions** ``(converted, coalition, journeys, value)``: the sorted distinct groups of
  each path (empty for a journey without a touch).

Groups are the copy's keys (channel or campaign ids, ``-1`` for none). Here they become the
dense ids of ``aggregate`` (the sorted keys present) and the same state codes and bitmasks
``aggregate.markov_transitions`` and ``aggregate.shapley_coalitions`` make from touch
columns, so the chain and the game, and therefore the credits, are the ones the numpy path
gives (tested against it).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from accord.analytics.attribution import markov, shapley
from accord.analytics.attribution.aggregate import MARKOV, SHAPLEY, Credits
from accord.core.errors import InvalidInput

#: One row of either table: converted, state list(s)…, journeys, value. An empty list may
#: come back as None (ClickHouse has no NULL list; the connection answers None for []).
Row = Sequence


@dataclass(frozen=True)
class PathTotals:
    """What the journeys in scope add up to, from either table."""

    #: Every group key on some journey's path, sorted: the dense id of a key is its index.
    keys: np.ndarray
    journeys: int
    converted: int
    #: Converting journeys with a touch in their window, and their value: what every
    #: model's credits sum to (``aggregate.attributable_totals``).
    conversions: int
    revenue: float
    #: Journeys with no touch in their window, converting or not.
    untouched_converted: int
    untouched_other: int

    @property
    def n_channels(self) -> int:
        return max(int(self.keys.size), 1)

    @property
    def included(self) -> int:
        return self.journeys - self.untouched_converted - self.untouched_other


def _keys(states: Iterable[Sequence[int] | None]) -> np.ndarray:
    found: set[int] = set()
    for state in states:
        if state:
            found.update(int(k) for k in state)
    return np.array(sorted(found), dtype=np.int64)


def totals_from_moves(moves: Sequence[Row]) -> PathTotals:
    """Each journey makes exactly one move to the end: those rows count the journeys."""
    ends = [m for m in moves if not m[2]]
    return _totals(_keys(m[2] for m in moves), ((m[0], bool(m[1]), m[3], m[4]) for m in ends))


def totals_from_coalitions(coalitions: Sequence[Row]) -> PathTotals:
    return _totals(
        _keys(c[1] for c in coalitions), ((c[0], bool(c[1]), c[2], c[3]) for c in coalitions)
    )


def _totals(keys: np.ndarray, rows: Iterable[tuple[bool, bool, int, float]]) -> PathTotals:
    """``rows``: (converted, touched, journeys, value) per group of journeys."""
    counts = {(c, t): 0 for c in (True, False) for t in (True, False)}
    revenue = 0.0
    for converted, touched, n, value in rows:
        counts[bool(converted), touched] += int(n)
        if converted and touched:
            revenue += float(value or 0.0)
    return PathTotals(
        keys=keys,
        journeys=sum(counts.values()),
        converted=counts[True, True] + counts[True, False],
        conversions=counts[True, True],
        revenue=revenue,
        untouched_converted=counts[True, False],
        untouched_other=counts[False, False],
    )


def _dense(keys: np.ndarray) -> dict[int, int]:
    return {int(k): i for i, k in enumerate(keys.tolist())}


def markov_from_moves(moves: Sequence[Row], totals: PathTotals, *, order: int) -> Credits:
    """Markov credits per dense id (``totals.keys``) from the engine's transitions."""
    base = totals.n_channels + 1
    # The same limit as ``aggregate.markov_transitions`` (its int64 pair key): one answer
    # for one question, whichever path computes it.
    if order < 1 or order * np.log2(base) >= 30:
        raise InvalidInput("The order is too high for this many channels.", field="order")
    dense = _dense(totals.keys)

    def code(state: Sequence[int]) -> int:
        return markov.state_code([dense[int(k)] for k in state], base=base)

    from_codes, to_codes, counts = [], [], []
    for converted, from_state, to_state, journeys, _value in moves:
        if not from_state and not to_state:
            continue  # a journey without a touch: no path to learn from
        from_codes.append(code(from_state) if from_state else markov.START)
        if to_state:
            to_codes.append(code(to_state))
        else:
            to_codes.append(markov.CONVERSION if converted else markov.NULL)
        counts.append(int(journeys))
    chain = markov.chain_from_transitions(
        np.array(from_codes, dtype=np.int64),
        np.array(to_codes, dtype=np.int64),
        np.array(counts, dtype=np.float64),
        n_channels=totals.n_channels,
    )
    result = markov.markov_credits(
        chain,
        n_channels=totals.n_channels,
        total_conversions=float(totals.conversions),
        total_revenue=totals.revenue,
    )
    return Credits(MARKOV, result.conversions, result.revenue)


def shapley_from_coalitions(coalitions: Sequence[Row], totals: PathTotals) -> Credits:
    """Simplified Shapley credits per dense id from the engine's coalitions."""
    if totals.n_channels > shapley.MAX_CHANNEL_ID + 1:
        raise InvalidInput("Shapley attribution supports at most 64 channels.", field="channels")
    dense = _dense(totals.keys)
    found: dict[int, tuple[float, float]] = {}
    for converted, coalition, journeys, value in coalitions:
        if not converted or not coalition:
            continue
        mask = 0
        for k in coalition:
            mask |= 1 << dense[int(k)]
        found[mask] = (float(journeys), float(value or 0.0))
    # In mask order, as ``aggregate.shapley_coalitions`` (np.unique) gives them.
    ordered = sorted(found)
    masks = np.array(ordered, dtype=np.uint64)
    conversions = np.array([found[m][0] for m in ordered], dtype=np.float64)
    revenue = np.array([found[m][1] for m in ordered], dtype=np.float64)
    return Credits(
        SHAPLEY,
        shapley.simplified_shapley(masks, conversions, n_channels=totals.n_channels),
        shapley.simplified_shapley(masks, revenue, n_channels=totals.n_channels),
    )
