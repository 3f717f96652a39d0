"""Markov-chain attribution (Anderl et al. 2014), computed exactly from the absorbing chain.

States: the start, one transient state per channel (first order) or per sequence of the last
``k`` channels (order ``k``; the first states of a journey hold fewer than ``k``), and the two
absorbing states conversion and null. Every journey — converting or not — contributes its
transitions ``start → s1 → … → sn → conversion | null``. Transition probabilities are the
observed transition counts divided by each state's outgoing total.

P(conversion) is the probability of absorption in conversion starting from ``start``. With
``Q`` the transient-to-transient probabilities and ``r`` the transient-to-conversion column,
the absorption probabilities ``x`` solve ``(I - Q) x = r`` (``x = (I - Q)⁻¹ r``, the conversion
column of ``B = (I - Q)⁻¹ R``); we solve the system with LU (``numpy.linalg.solve``) instead
of inverting, and read ``x[start]``. No simulation: the answer is exact and deterministic.

Removing a channel ``c`` sends every transition into a state that contains ``c`` to null.
Those states become unreachable, so P(conversion | c removed) is the same system restricted to
the states without ``c`` (the transitions dropped from ``Q`` are exactly the ones now going to
null). Removal effect ``RE_c = 1 - P(conv | c removed) / P(conv)``, in [0, 1].

Credits: ``conversions_c = total conversions x RE_c / Σ RE``. Revenue is split in the same
proportions (``revenue_c = total revenue x RE_c / Σ RE``): the chain models whether a journey
converts, not how much it is worth, so the channels' shares of the conversions are their shares
of the money. Both sums are preserved exactly.

Degenerate cases: no conversions → P(conversion) = 0, every removal effect and credit is 0.
Whenever P(conversion) > 0 some path to conversion passes through some channel, whose removal
effect is then positive, so Σ RE > 0 and the division is safe. A channel with a removal effect
of 0 (seen only on journeys that did not convert) gets no credit. One channel → all credit.

Self-loops (the same channel twice in a row) are kept; in a first-order chain they do not
change any absorption probability (a state's self-loop only rescales its other transitions).

The solve is dense, ``O(states³)`` per channel: instant for first order (tens of channels) and
fine for second order; higher orders are refused beyond ``MAX_STATES`` observed states. The
solves run with one BLAS thread: for matrices this small, a multi-threaded OpenBLAS spends
~100x longer synchronising its threads than computing, worse on a busy machine.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from threadpoolctl import threadpool_limits

from accord.core.errors import InvalidInput

#: Sentinel "to" codes of the two absorbing states. The start state is code 0 (no channel yet).
CONVERSION = -1
NULL = -2
START = 0

MAX_STATES = 4_000


@dataclass(frozen=True)
class MarkovChain:
    """Observed transitions of an absorbing chain; transient state 0 is the start."""

    #: Transient states as tuples of channel ids (oldest first); ``states[0] == ()``.
    states: tuple[tuple[int, ...], ...]
    #: ``counts[i, j]`` transitions from transient state i to transient state j.
    counts: np.ndarray
    to_conversion: np.ndarray
    to_null: np.ndarray


@dataclass(frozen=True)
class MarkovCredits:
    conversion_probability: float
    removal_effects: np.ndarray
    conversions: np.ndarray
    revenue: np.ndarray


def state_code(channels: Sequence[int], *, base: int) -> int:
    """Integer code of a state: digit ``j`` (base ``base``) is the ``j``-th newest channel + 1.

    The empty state (start) is 0. ``aggregate`` and the SQL builders compute the same codes
    column-wise, so transitions counted anywhere can be turned into a chain here.
    """
    code = 0
    for j, channel in enumerate(reversed(channels)):
        code += (channel + 1) * base**j
    return code


def decode_state(code: int, *, base: int) -> tuple[int, ...]:
    newest_first = []
    while code:
        code, digit = divmod(code, base)
        newest_first.append(digit - 1)
    return tuple(reversed(newest_first))


def chain_from_transitions(
    from_codes: np.ndarray,
    to_codes: np.ndarray,
    counts: np.ndarray,
    *,
    n_channels: int,
) -> MarkovChain:
    """Build a chain from aggregated transitions ``(from, to, count)`` in state codes.

    ``to`` may be ``CONVERSION`` or ``NULL``. This is the entry point for transitions counted
    in DuckDB (``sql.markov_transitions_sql``), on the runner's engine (``paths``) or with
    numpy (``aggregate``).
    """
    from_codes = np.asarray(from_codes, dtype=np.int64)
    to_codes = np.asarray(to_codes, dtype=np.int64)
    counts = np.asarray(counts, dtype=np.float64)
    base = n_channels + 1
    transient = np.unique(np.concatenate(([START], from_codes, to_codes[to_codes >= 0])))
    if transient.size > MAX_STATES:
        raise InvalidInput(
            f"The chain has {transient.size} states (more than {MAX_STATES}); use a lower order.",
            field="order",
        )
    index_from = np.searchsorted(transient, from_codes)
    size = transient.size
    matrix = np.zeros((size, size))
    to_conversion = np.zeros(size)
    to_null = np.zeros(size)
    inner = to_codes >= 0
    np.add.at(
        matrix, (index_from[inner], np.searchsorted(transient, to_codes[inner])), counts[inner]
    )
    np.add.at(to_conversion, index_from[to_codes == CONVERSION], counts[to_codes == CONVERSION])
    np.add.at(to_null, index_from[to_codes == NULL], counts[to_codes == NULL])
    states = tuple(decode_state(int(code), base=base) for code in transient)
    return MarkovChain(states, matrix, to_conversion, to_null)


def chain_from_paths(
    paths: Iterable[tuple[Sequence[int], bool]], *, n_channels: int, order: int = 1
) -> MarkovChain:
    """Build a chain from journeys given as (channel ids in order, converted). For small data."""
    if order < 1:
        raise InvalidInput("The order must be at least 1.", field="order")
    base = n_channels + 1
    transitions: dict[tuple[int, int], float] = {}
    for channels, converted in paths:
        if not channels:
            continue  # a journey without touches has nothing to attribute
        previous = START
        for i in range(len(channels)):
            current = state_code(channels[max(0, i - order + 1) : i + 1], base=base)
            transitions[previous, current] = transitions.get((previous, current), 0) + 1
            previous = current
        end = CONVERSION if converted else NULL
        transitions[previous, end] = transitions.get((previous, end), 0) + 1
    keys = list(transitions)
    return chain_from_transitions(
        np.array([k[0] for k in keys], dtype=np.int64),
        np.array([k[1] for k in keys], dtype=np.int64),
        np.array([transitions[k] for k in keys]),
        n_channels=n_channels,
    )


def _absorption(chain: MarkovChain, keep: np.ndarray) -> float:
    """P(conversion) from start over the chain restricted to the states in ``keep``."""
    outgoing = chain.counts.sum(axis=1) + chain.to_conversion + chain.to_null
    if not outgoing[START] > 0:
        return 0.0
    scale = 1.0 / outgoing[keep]
    q = chain.counts[np.ix_(keep, keep)] * scale[:, None]
    r = chain.to_conversion[keep] * scale
    x = np.linalg.solve(np.eye(keep.size) - q, r)
    return float(x[0])  # keep[0] is always the start


def conversion_probability(chain: MarkovChain, *, removed: Iterable[int] = ()) -> float:
    """Exact P(conversion) from start, optionally with some channels removed."""
    removed_set = set(removed)
    keep = np.array(
        [i for i, state in enumerate(chain.states) if not removed_set.intersection(state)],
        dtype=np.int64,
    )
    with threadpool_limits(limits=1, user_api="blas"):
        return _absorption(chain, keep)


def markov_credits(
    chain: MarkovChain,
    *,
    n_channels: int,
    total_conversions: float,
    total_revenue: float,
) -> MarkovCredits:
    """Removal effects and credited conversions and revenue per channel id."""
    with threadpool_limits(limits=1, user_api="blas"):
        return _credits(chain, n_channels, total_conversions, total_revenue)


def _credits(
    chain: MarkovChain, n_channels: int, total_conversions: float, total_revenue: float
) -> MarkovCredits:
    base_probability = conversion_probability(chain)
    effects = np.zeros(n_channels)
    conversions = np.zeros(n_channels)
    revenue = np.zeros(n_channels)
    if base_probability <= 0.0:
        return MarkovCredits(0.0, effects, conversions, revenue)
    present = sorted({c for state in chain.states for c in state})
    for channel in present:
        without = conversion_probability(chain, removed=(channel,))
        # Removing transitions can only lose probability; clip rounding noise below zero.
        effects[channel] = max(0.0, 1.0 - without / base_probability)
    total_effect = effects.sum()
    shares = effects / total_effect
    return MarkovCredits(
        base_probability, effects, shares * total_conversions, shares * total_revenue
    )
