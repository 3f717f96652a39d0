"""Shapley-value attribution over coalitions of channels (one coalition per journey).

The game (the "simplified Shapley value" of Zhao et al. 2018, used by Google Ads Data Hub):
``r(T)`` is the conversions (or revenue) of the converting journeys whose set of distinct
channels is exactly ``T``, and the worth of a coalition ``S`` is everything its channels
achieved on their own or with fewer of them::

    v(S) = Σ_{T ⊆ S} r(T)      (conversions of journeys whose channel set is a subset of S)

``v`` is a sum of unanimity games ``r(T) · u_T`` (``u_T(S) = 1`` when ``T ⊆ S``). The Shapley
value is linear, and in ``u_T`` the members of ``T`` are symmetric and everyone else is a null
player, so each member of ``T`` gets ``1/|T|``. Hence the exact Shapley value reduces to a
per-journey rule::

    φ_c = Σ_{T ∋ c} r(T) / |T|

— every converting journey gives each of its distinct channels ``1/|T|`` of its conversion and
of its revenue. ``simplified_shapley`` computes that in ``O(coalitions x channels)``.

The same game is offered through its characteristic function (``shapley_values`` over
``subset_game``): exact Shapley by the textbook weighted sum over all ``2ⁿ`` coalitions of the
channels present (n ≤ ``MAX_EXACT_CHANNELS``). It gives the same numbers — the tests check the
reduction — and ``shapley_values`` works for any game, which is how the axioms are tested.

Efficiency (credits sum to v(N) = total conversions, and total revenue), symmetry and the null
player hold by construction. Coalitions are bitmasks of channel ids (bit ``c`` for channel
``c``), so channel ids must be below 64.
"""

from __future__ import annotations

from math import factorial

import numpy as np

from accord.core.errors import InvalidInput

MAX_CHANNEL_ID = 63
MAX_EXACT_CHANNELS = 20


def _popcount(masks: np.ndarray) -> np.ndarray:
    return np.bitwise_count(masks.astype(np.uint64)).astype(np.int64)


def simplified_shapley(masks: np.ndarray, worth: np.ndarray, *, n_channels: int) -> np.ndarray:
    """Credit per channel id: each coalition's worth split evenly over its members.

    ``masks`` are coalitions (need not be unique), ``worth`` their conversions or revenue.
    """
    masks = np.asarray(masks, dtype=np.uint64)
    worth = np.asarray(worth, dtype=np.float64)
    if n_channels > MAX_CHANNEL_ID + 1:
        raise InvalidInput("Shapley attribution supports at most 64 channels.", field="channels")
    credits = np.zeros(n_channels)
    nonempty = masks != 0
    share = np.zeros_like(worth)
    share[nonempty] = worth[nonempty] / _popcount(masks[nonempty])
    for channel in range(n_channels):
        member = ((masks >> np.uint64(channel)) & np.uint64(1)).astype(bool)
        credits[channel] = share[member].sum()
    return credits


def subset_game(masks: np.ndarray, worth: np.ndarray, *, n_players: int) -> np.ndarray:
    """Dense characteristic function ``v(S) = Σ_{T ⊆ S} worth(T)`` over ``2ⁿ`` coalitions.

    ``masks`` here use player indices ``0..n_players-1``. Built with the subset-sum (zeta)
    transform in ``O(n · 2ⁿ)``.
    """
    if n_players > MAX_EXACT_CHANNELS:
        raise InvalidInput(
            f"Exact Shapley over all coalitions supports at most {MAX_EXACT_CHANNELS} "
            "channels; use the simplified variant.",
            field="channels",
        )
    game = np.zeros(1 << n_players)
    np.add.at(game, np.asarray(masks, dtype=np.int64), np.asarray(worth, dtype=np.float64))
    for player in range(n_players):
        # View the table as [higher bits, this bit, lower bits]: add "without" into "with".
        view = game.reshape(-1, 2, 1 << player)
        view[:, 1, :] += view[:, 0, :]
    return game


def shapley_values(game: np.ndarray) -> np.ndarray:
    """Exact Shapley values of any game given as ``v`` over all ``2ⁿ`` coalitions (bitmasks).

    ``φ_i = Σ_{S ∌ i} |S|! (n - |S| - 1)! / n! · (v(S | {i}) - v(S))``.
    """
    size = game.size
    n_players = size.bit_length() - 1
    if size != 1 << n_players:
        raise InvalidInput("A game needs a value for each of the 2ⁿ coalitions.", field="game")
    coalitions = np.arange(size, dtype=np.int64)
    sizes = _popcount(coalitions)
    weight_by_size = np.array(
        [
            factorial(s) * factorial(n_players - s - 1) / factorial(n_players)
            for s in range(n_players)
        ]
    )
    values = np.zeros(n_players)
    for player in range(n_players):
        bit = 1 << player
        without = coalitions[(coalitions & bit) == 0]
        marginal = game[without | bit] - game[without]
        values[player] = (weight_by_size[sizes[without]] * marginal).sum()
    return values


def exact_shapley(masks: np.ndarray, worth: np.ndarray, *, n_channels: int) -> np.ndarray:
    """Credit per channel id by exact Shapley over the channels present (``subset_game``)."""
    masks = np.asarray(masks, dtype=np.uint64)
    union = int(np.bitwise_or.reduce(masks)) if masks.size else 0
    present = [c for c in range(n_channels) if union >> c & 1]
    # Renumber the channels present as players 0..n-1 so that the table has 2ⁿ entries.
    players = np.zeros(masks.shape, dtype=np.int64)
    for player, channel in enumerate(present):
        players |= ((masks >> np.uint64(channel)) & np.uint64(1)).astype(np.int64) << player
    values = shapley_values(subset_game(players, worth, n_players=len(present)))
    credits = np.zeros(n_channels)
    credits[present] = values
    return credits
