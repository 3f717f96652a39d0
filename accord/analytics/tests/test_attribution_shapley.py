"""Shapley attribution: a hand-computed example, the reduction, and the axioms."""

from __future__ import annotations

from itertools import permutations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.analytics.attribution.shapley import (
    exact_shapley,
    shapley_values,
    simplified_shapley,
    subset_game,
)
from accord.core.errors import InvalidInput

A, B, C = 1, 2, 4  # coalition bits of channels 0, 1, 2


def test_known_answer():
    # Converting journeys: {A,B} once (100), {A} once (50), {B,C} twice (30 each).
    # Each journey splits its conversion and revenue evenly over its distinct channels:
    # A = 1/2 + 1 = 1.5, B = 1/2 + 2 * 1/2 = 1.5, C = 2 * 1/2 = 1   (sum 4)
    # revenue A = 50 + 50 = 100, B = 50 + 30 = 80, C = 30            (sum 210)
    # Check A by the textbook formula on the sub-game of A and B alone:
    # v({A}) = 1, v({B}) = 0, v({A,B}) = 2: phi_A = 1/2 (1 - 0) + 1/2 (2 - 0) = 1.5.
    masks = np.array([A | B, A, B | C, B | C], dtype=np.uint64)
    conversions = np.ones(4)
    revenue = np.array([100.0, 50.0, 30.0, 30.0])
    assert list(simplified_shapley(masks, conversions, n_channels=3)) == [1.5, 1.5, 1.0]
    assert list(simplified_shapley(masks, revenue, n_channels=3)) == [100.0, 80.0, 30.0]
    assert exact_shapley(masks, conversions, n_channels=3) == pytest.approx([1.5, 1.5, 1.0])
    two = subset_game(np.array([3, 1]), np.array([1.0, 1.0]), n_players=2)
    assert list(two) == [0.0, 1.0, 0.0, 2.0]
    assert list(shapley_values(two)) == [1.5, 0.5]


def test_subset_game_is_the_sum_over_subsets():
    # worth({0}) = 1, worth({1,2}) = 2: v({0,1,2}) = 3, v({1,2}) = 2, v({0,1}) = 1, v({1}) = 0.
    game = subset_game(np.array([1, 6]), np.array([1.0, 2.0]), n_players=3)
    assert game[7] == 3 and game[6] == 2 and game[3] == 1 and game[2] == 0


def test_exact_variant_refuses_too_many_channels():
    with pytest.raises(InvalidInput) as error:
        subset_game(np.array([1]), np.array([1.0]), n_players=21)
    assert error.value.field == "channels"


def shapley_by_permutations(game, n):
    """The definition: average marginal contribution over all orders of arrival."""
    values = np.zeros(n)
    orders = list(permutations(range(n)))
    for order in orders:
        coalition = 0
        for player in order:
            values[player] += game[coalition | 1 << player] - game[coalition]
            coalition |= 1 << player
    return values / len(orders)


coalitions = st.lists(
    st.tuples(st.integers(1, 31), st.floats(0, 1000, allow_nan=False)), min_size=1, max_size=30
)


@settings(max_examples=60, deadline=None)
@given(coalitions)
def test_simplified_equals_exact_shapley_of_the_subset_game(data):
    masks = np.array([m for m, _ in data], dtype=np.uint64)
    worth = np.array([w for _, w in data])
    simplified = simplified_shapley(masks, worth, n_channels=5)
    exact = exact_shapley(masks, worth, n_channels=5)
    assert simplified == pytest.approx(exact, abs=1e-9)
    # ...and the generic solver agrees with the permutation definition.
    game = subset_game(masks.astype(np.int64), worth, n_players=5)
    assert shapley_values(game) == pytest.approx(shapley_by_permutations(game, 5), abs=1e-9)


@settings(max_examples=60, deadline=None)
@given(coalitions)
def test_efficiency(data):
    masks = np.array([m for m, _ in data], dtype=np.uint64)
    worth = np.array([w for _, w in data])
    assert simplified_shapley(masks, worth, n_channels=5).sum() == pytest.approx(worth.sum())
    assert exact_shapley(masks, worth, n_channels=5).sum() == pytest.approx(worth.sum())


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(-100, 100, allow_nan=False), min_size=16, max_size=16))
def test_axioms_hold_for_any_game(values):
    # Any game on 4 players (v(empty) = 0): efficiency, and the symmetry of players 0 and 1
    # after symmetrising the game, and a null player once player 3 adds nothing.
    game = np.array(values)
    game[0] = 0.0
    assert shapley_values(game).sum() == pytest.approx(game[15], abs=1e-9)
    swapped = np.array([game[(s & ~3) | ((s & 1) << 1) | ((s & 2) >> 1)] for s in range(16)])
    symmetric = game + swapped
    phi = shapley_values(symmetric)
    assert phi[0] == pytest.approx(phi[1], abs=1e-9)
    null = np.array([game[s & 7] for s in range(16)])
    assert shapley_values(null)[3] == pytest.approx(0.0, abs=1e-9)


@settings(max_examples=60, deadline=None)
@given(coalitions)
def test_symmetry_and_null_player_on_journeys(data):
    # Channels 5 and 6 appear together or not at all (identical roles); channel 7 never
    # appears in a converting journey.
    masks = np.array([m | (96 if m & 1 else 0) for m, _ in data], dtype=np.uint64)
    worth = np.array([w for _, w in data])
    for solve in (simplified_shapley, exact_shapley):
        result = solve(masks, worth, n_channels=8)
        assert result[5] == pytest.approx(result[6], abs=1e-9)
        assert result[7] == 0.0
