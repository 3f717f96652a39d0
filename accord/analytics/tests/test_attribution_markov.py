"""Markov-chain attribution: chains solved on paper, orders, and the removal property."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.analytics.attribution.markov import (
    chain_from_paths,
    conversion_probability,
    decode_state,
    markov_credits,
    state_code,
)
from accord.core.errors import InvalidInput

A, B, C = 0, 1, 2


def credits(paths, *, n_channels=2, order=1, revenue=0.0):
    chain = chain_from_paths(paths, n_channels=n_channels, order=order)
    conversions = sum(1 for channels, converted in paths if converted and channels)
    return markov_credits(
        chain, n_channels=n_channels, total_conversions=conversions, total_revenue=revenue
    )


def test_two_channel_chain_solved_on_paper():
    # Journeys: A B -> conversion (100), A -> null, B -> conversion (60), B -> null.
    # Transitions: start->A 2, start->B 2; A->B 1, A->null 1; B->conv 2, B->null 1.
    # x_B = 2/3; x_A = 1/2 * x_B = 1/3; P(conv) = 1/2 * 1/3 + 1/2 * 2/3 = 1/2.
    # Without A: start->A goes to null, P = 1/2 * 2/3 = 1/3, RE_A = 1 - (1/3)/(1/2) = 1/3.
    # Without B: A->B goes to null, nothing converts, P = 0, RE_B = 1.
    # Shares: (1/3) / (4/3) = 1/4 and 3/4 of 2 conversions and of 160 in revenue.
    paths = [((A, B), True), ((A,), False), ((B,), True), ((B,), False)]
    result = credits(paths, revenue=160.0)
    assert result.conversion_probability == pytest.approx(1 / 2, abs=1e-15)
    assert result.removal_effects == pytest.approx([1 / 3, 1], abs=1e-15)
    assert result.conversions == pytest.approx([0.5, 1.5], abs=1e-15)
    assert result.revenue == pytest.approx([40.0, 120.0], abs=1e-12)


def test_chain_with_a_loop_needs_the_linear_system():
    # Journeys: A B A -> conversion, B -> null, A -> null.
    # start: A 2/3, B 1/3.  A: B 1/3, conv 1/3, null 1/3.  B: A 1/2, null 1/2.
    # x_A = 1/3 x_B + 1/3 and x_B = 1/2 x_A  =>  x_A = 2/5, x_B = 1/5;
    # P = 2/3 * 2/5 + 1/3 * 1/5 = 1/3.
    # Without A: P = 0, RE_A = 1.  Without B: x_A = 1/3, P = 2/9, RE_B = 1 - (2/9)/(1/3) = 1/3.
    # Shares 3/4 and 1/4 of one conversion.
    paths = [((A, B, A), True), ((B,), False), ((A,), False)]
    chain = chain_from_paths(paths, n_channels=2)
    assert conversion_probability(chain) == pytest.approx(1 / 3, abs=1e-15)
    assert conversion_probability(chain, removed=[B]) == pytest.approx(2 / 9, abs=1e-15)
    assert conversion_probability(chain, removed=[A]) == 0.0
    result = credits(paths)
    assert result.removal_effects == pytest.approx([1, 1 / 3], abs=1e-15)
    assert result.conversions == pytest.approx([0.75, 0.25], abs=1e-15)


def test_second_order_remembers_where_a_journey_came_from():
    # Same journeys, second order. States (A), (B), (A,B), (B,A):
    # start: (A) 2/3, (B) 1/3; (A): (A,B) 1/2, null 1/2; (A,B) -> (B,A) 1; (B,A) -> conv 1;
    # (B) -> null 1.  P = 2/3 * 1/2 = 1/3 (the same), but now the only way to convert goes
    # through B too: without B, (A)->(A,B) goes to null and P = 0. RE_A = RE_B = 1: 50/50,
    # where first order gave 75/25.
    paths = [((A, B, A), True), ((B,), False), ((A,), False)]
    chain = chain_from_paths(paths, n_channels=2, order=2)
    assert set(chain.states) == {(), (A,), (B,), (A, B), (B, A)}
    assert conversion_probability(chain) == pytest.approx(1 / 3, abs=1e-15)
    result = credits(paths, order=2)
    assert result.removal_effects == pytest.approx([1, 1], abs=1e-15)
    assert result.conversions == pytest.approx([0.5, 0.5], abs=1e-15)


def test_repeated_channel_self_loop_does_not_change_first_order_results():
    # A A B -> conv adds a self-loop on A; absorption probabilities are unchanged.
    plain = credits([((A, B), True), ((A,), False)])
    looped = credits([((A, A, B), True), ((A,), False)])
    assert looped.conversion_probability == pytest.approx(plain.conversion_probability)
    assert looped.conversions == pytest.approx(plain.conversions)


def test_degenerate_chains():
    # No conversions: every credit is zero.
    nothing = credits([((A, B), False), ((B,), False)])
    assert nothing.conversion_probability == 0.0
    assert list(nothing.conversions) == [0.0, 0.0]
    # One channel takes everything.
    alone = credits([((A,), True), ((A, A), False)], revenue=10.0)
    assert list(alone.conversions) == [1.0, 0.0]
    assert list(alone.revenue) == [10.0, 0.0]
    # C is only on a journey that did not convert: removal effect 0, no credit.
    # (Without C: start->C goes to null; P stays 1/2 since C never led anywhere.)
    some = credits([((A,), True), ((C,), False)], n_channels=3)
    assert some.removal_effects[C] == 0.0
    assert list(some.conversions) == [1.0, 0.0, 0.0]
    # No journeys at all.
    empty = credits([], n_channels=3)
    assert list(empty.conversions) == [0.0, 0.0, 0.0]


def test_state_codes_round_trip():
    assert state_code((), base=4) == 0
    assert state_code((2, 0), base=4) == 1 * 1 + 3 * 4
    assert decode_state(state_code((2, 0, 1), base=4), base=4) == (2, 0, 1)


def test_bad_order_names_the_field():
    with pytest.raises(InvalidInput) as error:
        chain_from_paths([((A,), True)], n_channels=1, order=0)
    assert error.value.field == "order"


paths_strategy = st.lists(
    st.tuples(st.lists(st.integers(0, 3), min_size=1, max_size=6).map(tuple), st.booleans()),
    min_size=1,
    max_size=25,
)


@settings(max_examples=60, deadline=None)
@given(paths_strategy, st.integers(1, 2), st.sets(st.integers(0, 3), max_size=3))
def test_removing_channels_never_increases_conversion(paths, order, removed):
    chain = chain_from_paths(paths, n_channels=4, order=order)
    base = conversion_probability(chain)
    fewer = conversion_probability(chain, removed=removed)
    assert fewer <= base + 1e-12
    for extra in range(4):
        assert conversion_probability(chain, removed={*removed, extra}) <= fewer + 1e-12


@settings(max_examples=60, deadline=None)
@given(paths_strategy, st.integers(1, 3), st.floats(0, 1e6))
def test_credits_sum_to_totals_and_match_the_fundamental_matrix(paths, order, revenue):
    chain = chain_from_paths(paths, n_channels=4, order=order)
    # Independent route: B = (I - Q)^-1 R with an explicit inverse.
    outgoing = chain.counts.sum(axis=1) + chain.to_conversion + chain.to_null
    q = chain.counts / outgoing[:, None]
    r = chain.to_conversion / outgoing
    fundamental = np.linalg.inv(np.eye(len(chain.states)) - q)
    assert conversion_probability(chain) == pytest.approx((fundamental @ r)[0], abs=1e-12)
    conversions = sum(1 for _, converted in paths if converted)
    result = markov_credits(
        chain, n_channels=4, total_conversions=conversions, total_revenue=revenue
    )
    assert result.conversions.sum() == pytest.approx(conversions)
    assert result.revenue.sum() == pytest.approx(revenue if conversions else 0.0)
    assert np.all(result.removal_effects >= 0) and np.all(result.removal_effects <= 1)
