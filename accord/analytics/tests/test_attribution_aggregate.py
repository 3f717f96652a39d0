"""All nine models on columnar journeys: equal to the per-journey rules, sums preserved, and
the DuckDB SQL builders return the numpy numbers."""

from __future__ import annotations

import duckdb
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.analytics.attribution import aggregate, sql
from accord.analytics.attribution.markov import chain_from_paths, markov_credits
from accord.analytics.attribution.positions import (
    RULE_MODELS,
    TIME_DECAY,
    U_SHAPED,
    position_weights,
    time_decay_weights,
)
from accord.core.errors import InvalidInput

DAY = 86_400.0
A, B, C = 0, 1, 2


def build(journeys, n_channels):
    """Columns from journeys given as dicts: channels, times, lead/opportunity/close, value."""
    columns = {k: [] for k in ("journey", "channel", "time", "lead", "opportunity", "close")}
    for j, journey in enumerate(journeys):
        for i, channel in enumerate(journey["channels"]):
            columns["journey"].append(j)
            columns["channel"].append(channel)
            columns["time"].append(journey["times"][i])
            for role in ("lead", "opportunity", "close"):
                columns[role].append(journey.get(role) == i)
    return aggregate.journeys_from_columns(
        journey=np.array(columns["journey"], dtype=np.int64),
        channel=np.array(columns["channel"], dtype=np.int64),
        time=np.array(columns["time"], dtype=np.float64),
        is_lead=np.array(columns["lead"], dtype=bool),
        is_opportunity=np.array(columns["opportunity"], dtype=bool),
        is_close=np.array(columns["close"], dtype=bool),
        converted=np.array([j["converted"] for j in journeys], dtype=bool),
        value=np.array([j["value"] for j in journeys], dtype=np.float64),
        conversion_time=np.array([j["end"] for j in journeys], dtype=np.float64),
        n_channels=n_channels,
    )


def duckdb_tables(journeys: aggregate.Journeys):
    connection = duckdb.connect()
    n = journeys.n_touches
    starts = np.searchsorted(journeys.journey, journeys.journey)
    connection.register(
        "touches",
        {
            "journey_id": journeys.journey,
            "position": np.arange(n) - starts,
            "channel_id": journeys.channel,
            "ts": journeys.time,
            "is_lead": journeys.is_lead,
            "is_opportunity": journeys.is_opportunity,
            "is_close": journeys.is_close,
        },
    )
    connection.register(
        "journeys",
        {
            "journey_id": np.arange(journeys.n_journeys, dtype=np.int64),
            "converted": journeys.converted,
            "value": journeys.value,
            "conversion_ts": journeys.conversion_time,
        },
    )
    return connection


def journey(channels, *, converted=True, value=0.0, days=None, end=None, **roles):
    times = [d * DAY for d in (days or range(len(channels)))]
    return {
        "channels": channels,
        "times": times,
        "converted": converted,
        "value": value,
        "end": end if end is not None else (times[-1] if times else 0.0),
        **roles,
    }


KNOWN = [
    journey([A, B, C], value=100.0, lead=1),  # J0
    journey([C], value=50.0, lead=0),  # J1
    journey([A, B], converted=False),  # J2: counts only for Markov
]


def test_known_answers_on_three_journeys():
    data = build(KNOWN, 3)
    result = aggregate.all_credits(data)
    # First touch: J0 -> A, J1 -> C.  Last touch: J0 -> C, J1 -> C.
    assert list(result["first_touch"].conversions) == [1, 0, 1]
    assert list(result["first_touch"].revenue) == [100, 0, 50]
    assert list(result["last_touch"].revenue) == [0, 0, 150]
    # Linear: J0 a third each, J1 all to C.
    assert result["linear"].conversions == pytest.approx([1 / 3, 1 / 3, 4 / 3])
    # U-shaped: J0 A 40% (first), B 40% (lead), C 20%; J1 C 100%.
    assert result["u_shaped"].conversions == pytest.approx([0.4, 0.4, 1.2])
    assert result["u_shaped"].revenue == pytest.approx([40, 40, 70])
    # W-shaped without deal touches: J0 30/30 + 10 for C, scaled by 1/0.7.
    assert result["w_shaped"].conversions == pytest.approx([3 / 7, 3 / 7, 1 / 7 + 1])
    # Time decay (7 days): J0 touches on days 0, 1, 2 -> 2^(-2/7), 2^(-1/7), 1, normalised.
    raw = np.exp2(np.array([-2, -1, 0]) / 7)
    assert result["time_decay"].conversions == pytest.approx(raw / raw.sum() + [0, 0, 1])
    # Markov: start->A 2, start->C 1; A->B 2; B->C 1, B->null 1; C->conv 2.
    # P = 2/3 * 1/2 + 1/3 = 2/3.  Without A: 1/3 (RE 1/2). Without B: 1/3 (RE 1/2).
    # Without C: 0 (RE 1).  Shares 1/4, 1/4, 1/2 of 2 conversions and 150.
    assert result["markov"].conversions == pytest.approx([0.5, 0.5, 1.0])
    assert result["markov"].revenue == pytest.approx([37.5, 37.5, 75.0])
    # Shapley: J0 a third each, J1 all to C (J2 did not convert).
    assert result["shapley"].revenue == pytest.approx([100 / 3, 100 / 3, 100 / 3 + 50])


def test_lookback_keeps_only_recent_touches():
    # Touches 30, 10 and 1 days before the conversion; lead created at the oldest touch.
    data = build([journey([A, B, C], value=90.0, days=[0, 20, 29], end=30 * DAY, lead=0)], 3)
    recent = aggregate.within_lookback(data, lookback_days=15)
    result = aggregate.rule_based_credits(recent, models=("first_touch", U_SHAPED))
    # In the window B is the first touch; the lead touch is outside, so U-shaped gives
    # B 40% and C 20%, scaled by 1/0.6: 2/3 and 1/3.
    assert list(result["first_touch"].conversions) == [0, 1, 0]
    assert result[U_SHAPED].revenue == pytest.approx([0, 60, 30])
    connection = duckdb_tables(data)
    rows = connection.execute(
        *sql.rule_credits_sql(models=(U_SHAPED,), lookback_days=15)
    ).fetchall()
    assert rows == [(1, pytest.approx(2 / 3), pytest.approx(60.0)), (2, pytest.approx(1 / 3), 30.0)]


def test_a_journey_with_no_touch_in_the_window_is_not_attributed():
    data = build([journey([A], value=10.0, days=[0], end=40 * DAY), journey([B], value=5.0)], 2)
    recent = aggregate.within_lookback(data, lookback_days=30)
    assert aggregate.attributable_totals(recent) == (1.0, 5.0)
    for credits in aggregate.all_credits(recent).values():
        assert list(credits.conversions) == [0, 1]
        assert list(credits.revenue) == [0, 5]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"journey": np.array([1, 0])}, "journey"),
        ({"channel": np.array([0, 5])}, "channel"),
        ({"time": np.array([0.0, np.nan])}, "time"),
        ({"value": np.array([-1.0, 0.0])}, "value"),
        ({"is_lead": np.array([True, True]), "journey": np.array([0, 0])}, "is_lead"),
        ({"conversion_time": np.array([1.0])}, "conversion_time"),
    ],
)
def test_bad_columns_name_the_field(change, field):
    columns = {
        "journey": np.array([0, 1]),
        "channel": np.array([0, 1]),
        "time": np.array([0.0, 1.0]),
        "converted": np.array([True, False]),
        "value": np.array([1.0, 0.0]),
        "conversion_time": np.array([1.0, 1.0]),
        "n_channels": 2,
        **change,
    }
    with pytest.raises(InvalidInput) as error:
        aggregate.journeys_from_columns(**columns)
    assert error.value.field == field


def test_sql_builders_refuse_bad_names_and_parameters():
    with pytest.raises(InvalidInput):
        sql.rule_credits_sql(touches="touches; DROP TABLE x")
    with pytest.raises(InvalidInput):
        sql.rule_credits_sql(models=("nope",))
    with pytest.raises(InvalidInput):
        sql.markov_transitions_sql(n_channels=3, order=0)


@st.composite
def random_journeys(draw, n_channels=4):
    result = []
    for _ in range(draw(st.integers(1, 12))):
        n = draw(st.integers(0, 6))
        gaps = draw(st.lists(st.integers(0, 20 * 24), min_size=n, max_size=n))
        times = list(np.cumsum(gaps) * 3600.0)
        roles = {}
        for role in ("lead", "opportunity", "close"):
            if n and draw(st.booleans()):
                roles[role] = draw(st.integers(0, n - 1))
        converted = draw(st.booleans())
        result.append(
            {
                "channels": draw(st.lists(st.integers(0, n_channels - 1), min_size=n, max_size=n)),
                "times": times,
                "converted": converted,
                "value": float(draw(st.integers(0, 1000))) if converted else 0.0,
                "end": (times[-1] if n else 0.0) + draw(st.integers(0, 5)) * DAY,
                **roles,
            }
        )
    return result


def reference_credits(journeys, model, n_channels, half_life_days=7.0):
    """Sum of the per-journey rules of ``positions`` (the definition)."""
    conversions, revenue = np.zeros(n_channels), np.zeros(n_channels)
    for j in journeys:
        if not j["converted"] or not j["channels"]:
            continue
        if model == TIME_DECAY:
            weights = time_decay_weights(
                j["times"], conversion_time=j["end"], half_life_days=half_life_days
            )
        else:
            weights = position_weights(
                model,
                n_touches=len(j["channels"]),
                lead_index=j.get("lead"),
                opportunity_index=j.get("opportunity"),
                close_index=j.get("close"),
            )
        for channel, weight in zip(j["channels"], weights, strict=True):
            conversions[channel] += float(weight)
            revenue[channel] += float(weight) * j["value"]
    return conversions, revenue


@settings(max_examples=40, deadline=None)
@given(random_journeys(), st.floats(0.5, 30))
def test_vectorised_rules_equal_the_per_journey_definition(journeys, half_life):
    data = build(journeys, 4)
    result = aggregate.rule_based_credits(data, half_life_days=half_life)
    for model in RULE_MODELS:
        conversions, revenue = reference_credits(journeys, model, 4, half_life)
        assert result[model].conversions == pytest.approx(conversions, abs=1e-9)
        assert result[model].revenue == pytest.approx(revenue, abs=1e-7)


@settings(max_examples=40, deadline=None)
@given(random_journeys(), st.integers(1, 2))
def test_every_model_preserves_conversions_and_revenue(journeys, order):
    data = build(journeys, 4)
    total_conversions, total_revenue = aggregate.attributable_totals(data)
    result = aggregate.all_credits(data, markov_order=order)
    assert set(result) == set(aggregate.ALL_MODELS)
    for credits in result.values():
        assert credits.conversions.sum() == pytest.approx(total_conversions, abs=1e-9)
        assert credits.revenue.sum() == pytest.approx(total_revenue, abs=1e-7)
        assert np.all(credits.conversions >= 0)


@settings(max_examples=40, deadline=None)
@given(random_journeys(), st.integers(1, 3))
def test_columnar_markov_equals_the_chain_built_from_paths(journeys, order):
    data = build(journeys, 4)
    paths = [(tuple(j["channels"]), j["converted"]) for j in journeys]
    total_conversions, total_revenue = aggregate.attributable_totals(data)
    expected = markov_credits(
        chain_from_paths(paths, n_channels=4, order=order),
        n_channels=4,
        total_conversions=total_conversions,
        total_revenue=total_revenue,
    )
    credits, effects = aggregate.markov_attribution(data, order=order)
    assert effects == pytest.approx(expected.removal_effects, abs=1e-12)
    assert credits.conversions == pytest.approx(expected.conversions, abs=1e-12)


@settings(max_examples=25, deadline=None)
@given(random_journeys(), st.integers(1, 3), st.none() | st.integers(1, 40))
def test_sql_builders_equal_numpy(journeys, order, lookback):
    data = build(journeys, 4)
    connection = duckdb_tables(data)
    if lookback is not None:
        data = aggregate.within_lookback(data, lookback_days=lookback)
    # Rule-based: the whole result set, channel by channel (channels without credit absent).
    expected = aggregate.rule_based_credits(data)
    rows = connection.execute(*sql.rule_credits_sql(lookback_days=lookback)).fetchnumpy()
    for model in RULE_MODELS:
        for key, credits in (
            ("conversions", expected[model].conversions),
            ("revenue", expected[model].revenue),
        ):
            got = np.zeros(4)
            got[rows["channel_id"]] = rows[f"{model}_{key}"]
            assert got == pytest.approx(credits, abs=1e-7)
    # Totals, Markov transitions and Shapley coalitions.
    totals = connection.execute(*sql.totals_sql(lookback_days=lookback)).fetchone()
    assert totals == pytest.approx(aggregate.attributable_totals(data))
    rows = connection.execute(
        *sql.markov_transitions_sql(n_channels=4, order=order, lookback_days=lookback)
    ).fetchnumpy()
    for got, want in zip(
        (rows["from_code"], rows["to_code"], rows["n"]),
        aggregate.markov_transitions(data, order=order),
        strict=True,
    ):
        assert list(got) == list(want)
    markov = sql.markov_credits_from_rows(
        rows, n_channels=4, total_conversions=totals[0], total_revenue=totals[1]
    )
    assert markov.conversions == pytest.approx(
        aggregate.markov_attribution(data, order=order)[0].conversions, abs=1e-12
    )
    rows = connection.execute(*sql.shapley_coalitions_sql(lookback_days=lookback)).fetchnumpy()
    conversions, revenue = sql.shapley_credits_from_rows(rows, n_channels=4)
    shapley = aggregate.shapley_attribution(data)
    assert conversions == pytest.approx(shapley.conversions, abs=1e-9)
    assert revenue == pytest.approx(shapley.revenue, abs=1e-7)
