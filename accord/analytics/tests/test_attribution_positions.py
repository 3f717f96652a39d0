"""Known answers of the seven rule-based weight rules on journeys worked out by hand."""

from __future__ import annotations

from fractions import Fraction as F
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accord.analytics.attribution.positions import (
    FIRST_TOUCH,
    FULL_PATH,
    LAST_TOUCH,
    LINEAR,
    POSITION_SHARES,
    U_SHAPED,
    W_SHAPED,
    position_weights,
    time_decay_weights,
)
from accord.core.errors import InvalidInput

DAY = 86_400.0


def weights(model, n, lead=None, opportunity=None, close=None):
    return list(
        position_weights(
            model, n_touches=n, lead_index=lead, opportunity_index=opportunity, close_index=close
        )
    )


# Five touches: first (0), lead created at 1, a middle touch (2), deal created at 3, won at 4.
@pytest.mark.parametrize(
    ("model", "expected"),
    [
        (FIRST_TOUCH, [1, 0, 0, 0, 0]),
        (LAST_TOUCH, [0, 0, 0, 0, 1]),
        # 1/5 each.
        (LINEAR, [F(1, 5)] * 5),
        # 40% first, 40% lead; the other three touches share 20%: 20/3 = 6.67% each.
        (U_SHAPED, [F(2, 5), F(2, 5), F(1, 15), F(1, 15), F(1, 15)]),
        # 30% first, lead, opportunity; touches 2 and 4 share 10%: 5% each.
        (W_SHAPED, [F(3, 10), F(3, 10), F(1, 20), F(3, 10), F(1, 20)]),
        # 22.5% first, lead, opportunity, close; touch 2 alone takes the other 10%.
        (FULL_PATH, [F(9, 40), F(9, 40), F(1, 10), F(9, 40), F(9, 40)]),
    ],
)
def test_five_touch_journey(model, expected):
    assert weights(model, 5, lead=1, opportunity=3, close=4) == expected


@pytest.mark.parametrize("model", list(POSITION_SHARES))
def test_one_touch_journey_gives_that_touch_everything(model):
    assert weights(model, 1, lead=0, opportunity=0, close=0) == [1]
    assert weights(model, 1) == [1]


def test_u_shaped_two_touches_is_half_and_half():
    # 40% first + 40% lead, no other touch for the 20%: scaled up, 50% / 50%.
    assert weights(U_SHAPED, 2, lead=1) == [F(1, 2), F(1, 2)]


def test_w_shaped_three_touches_is_a_third_each():
    # 30/30/30 with no other touch for the 10%: scaled up, a third each.
    assert weights(W_SHAPED, 3, lead=1, opportunity=2) == [F(1, 3)] * 3


def test_coinciding_positions_add_their_shares():
    # Lead created on the first visit: touch 0 holds first + lead = 60%; the deal was created
    # at touch 2 (30%); touches 1 and 3 share the 10%: 5% each.
    assert weights(W_SHAPED, 4, lead=0, opportunity=2) == [F(3, 5), F(1, 20), F(3, 10), F(1, 20)]
    # Two touches, lead and deal both at touch 1: 30% and 60%, nothing else for the 10%;
    # scaled up by 1/0.9: 1/3 and 2/3.
    assert weights(W_SHAPED, 2, lead=1, opportunity=1) == [F(1, 3), F(2, 3)]
    # Full path on three touches with the deal created and won at the last touch:
    # 22.5% / 22.5% / 45%, no touch left for the 10%: scaled by 1/0.9 -> 1/4, 1/4, 1/2.
    assert weights(FULL_PATH, 3, lead=1, opportunity=2, close=2) == [F(1, 4), F(1, 4), F(1, 2)]


def test_missing_positions_give_their_share_to_nobody_and_the_rest_scales_up():
    # Attributing MQL: no deal touches yet. Full path over 4 touches, lead at 1: 9/40 + 9/40
    # named, touches 2 and 3 share 1/10 (1/20 each); total 11/20 -> scale by 20/11.
    assert weights(FULL_PATH, 4, lead=1) == [F(9, 22), F(9, 22), F(1, 11), F(1, 11)]
    # U-shaped with no lead touch in the window: 40% first, 10% to each of the others;
    # total 60% -> 2/3, 1/6, 1/6.
    assert weights(U_SHAPED, 3) == [F(2, 3), F(1, 6), F(1, 6)]


def test_models_ignore_positions_they_do_not_name():
    # First touch on a journey whose lead was created at the last touch: still 100% first.
    assert weights(FIRST_TOUCH, 3, lead=2, opportunity=2, close=2) == [1, 0, 0]
    assert weights(LINEAR, 4, lead=0, opportunity=3) == [F(1, 4)] * 4


def test_time_decay_halves_every_half_life():
    # Touches 14, 7 and 0 days before the conversion, half-life 7 days: 1/4, 1/2, 1 before
    # normalising by 7/4 -> 1/7, 2/7, 4/7.
    result = time_decay_weights([0.0, 7 * DAY, 14 * DAY], conversion_time=14 * DAY)
    assert result == pytest.approx([1 / 7, 2 / 7, 4 / 7], abs=1e-15)
    # Half-life 1 day, touches 3 and 1 days before the conversion: 1/8 and 1/2 -> 1/5, 4/5.
    result = time_decay_weights([0.0, 2 * DAY], conversion_time=3 * DAY, half_life_days=1)
    assert result == pytest.approx([1 / 5, 4 / 5], abs=1e-15)


def test_time_decay_of_very_old_touches_does_not_underflow():
    # 10,000 half-lives back 2**-10000 underflows to 0; weights are relative to the newest touch.
    result = time_decay_weights([0.0, 1.0], conversion_time=70_000 * DAY)
    assert sum(result) == pytest.approx(1.0)
    assert result[1] > result[0]


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda: position_weights("nope", n_touches=2), "model"),
        (lambda: position_weights(LINEAR, n_touches=0), "n_touches"),
        (lambda: position_weights(U_SHAPED, n_touches=2, lead_index=2), "lead_index"),
        (
            lambda: position_weights(W_SHAPED, n_touches=2, opportunity_index=-1),
            "opportunity_index",
        ),
        (lambda: time_decay_weights([], conversion_time=0), "touch_times"),
        (lambda: time_decay_weights([1.0], half_life_days=0), "half_life"),
        (lambda: time_decay_weights([5.0], conversion_time=1.0), "touch_times"),
    ],
)
def test_bad_input_names_the_field(call, field):
    with pytest.raises(InvalidInput) as error:
        call()
    assert error.value.field == field


@st.composite
def journeys(draw):
    n = draw(st.integers(1, 8))
    index = st.none() | st.integers(0, n - 1)
    return n, draw(index), draw(index), draw(index)


@given(journeys(), st.sampled_from(list(POSITION_SHARES)))
def test_position_weights_are_exact_and_sum_to_one(journey, model):
    n, lead, opportunity, close = journey
    result = weights(model, n, lead, opportunity, close)
    assert sum(result) == 1
    assert all(w >= 0 for w in result)


@given(
    st.lists(st.floats(0, 1e8, allow_nan=False), min_size=1, max_size=10).map(sorted),
    st.floats(0.01, 365),
)
def test_time_decay_sums_to_one_and_never_favours_older_touches(times, half_life):
    result = time_decay_weights(times, conversion_time=times[-1], half_life_days=half_life)
    assert sum(result) == pytest.approx(1.0)
    assert all(a <= b * (1 + 1e-12) for a, b in pairwise(result))
