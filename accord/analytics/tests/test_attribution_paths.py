"""Markov and Shapley counted on the engine (``runners.attribution_paths`` + ``attribution.paths``)
give the credits of the numpy path (``aggregate.markov_attribution``/``shapley_attribution``
on the touch columns), on DuckDB and on chDB, for journeys built by hand: Markov of order 1
to 3, repeated channels, journeys that do not convert, single touches, touches outside the
window, a journey without a touch and a contact without a touch path."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import duckdb
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.analytics.attribution import aggregate, paths
from accord.analytics.attribution.positions import SECONDS_PER_DAY
from accord.analytics.runners import attribution_paths
from accord.core.errors import InvalidInput

EPOCH = datetime(2025, 1, 1, tzinfo=UTC)
#: The copy's group keys (``-1``: no channel); dense ids are their sorted order.
KEYS = (-1, 3, 7, 12)
LOOKBACK_DAYS = 30.0
#: What the runner's journeys CTE hands the path counts (``AttributionSql.journeys``).
JOURNEYS = "journeys AS (SELECT * FROM hand_journeys)"


def journey(keys, days, *, value=0.0, end=None, contact=True):
    """``keys`` in time order on ``days``; converted when it has a value; ends at its last
    touch unless ``end`` (days) says otherwise."""
    return {
        "keys": list(keys),
        "days": list(days),
        "value": value,
        "end": end if end is not None else (days[-1] if days else 0.0),
        "contact": contact,
    }


HAND = [
    journey([3, 7, 12], [0, 1, 2], value=100.0),
    journey([12], [5], value=50.0),  # a single touch
    journey([3, 3, 7, 3, 7, 7], [0, 1, 1, 2, 4, 9], value=30.0),  # repeated channels
    journey([3, 7], [0, 3]),  # does not convert
    journey([7, 7, -1], [0, 0, 2]),  # does not convert; a touch without a channel
    journey([-1, 12, 3], [0, 10, 20], value=80.0),
    journey([12, 3], [0, 40], value=20.0, end=41),  # the first touch is outside the window
    journey([7, 12], [0, 50], value=60.0, end=20),  # the last touch comes after the end
    journey([3], [0], value=10.0, end=45),  # converts with no touch in its window
    journey([], [], value=0.0, contact=False),  # a contact without a touch path
    journey([7], [3]),  # a single touch, not converting
]


def numpy_columns(journeys) -> aggregate.Journeys:
    """The previous path: touch columns in the window, channels as dense ids."""
    dense = {k: i for i, k in enumerate(KEYS)}
    rows = [
        (j, dense[k], d)
        for j, x in enumerate(journeys)
        for k, d in zip(x["keys"], x["days"], strict=True)
    ]
    data = aggregate.journeys_from_columns(
        journey=np.array([r[0] for r in rows], dtype=np.int64),
        channel=np.array([r[1] for r in rows], dtype=np.int64),
        time=np.array([r[2] * SECONDS_PER_DAY for r in rows], dtype=np.float64),
        converted=np.array([x["value"] > 0 for x in journeys]),
        value=np.array([x["value"] for x in journeys]),
        conversion_time=np.array([x["end"] * SECONDS_PER_DAY for x in journeys]),
        n_channels=len(KEYS),
    )
    return aggregate.within_lookback(data, lookback_days=LOOKBACK_DAYS)


def engine_frames(journeys) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The runner's inputs: journeys (as its CTE names them) and per-contact touch paths."""
    base = EPOCH.timestamp()
    frame = pd.DataFrame(
        {
            "contact_id": [i + 1 for i in range(len(journeys))],
            "converted": [x["value"] > 0 for x in journeys],
            "credited_value": [float(x["value"]) for x in journeys],
            "end_at": [(EPOCH + timedelta(days=x["end"])).replace(tzinfo=None) for x in journeys],
        }
    )
    touched = [(i, x) for i, x in enumerate(journeys) if x["contact"]]
    touch_paths = pd.DataFrame(
        {
            "contact_id": [i + 1 for i, _ in touched],
            "ts": [[base + d * SECONDS_PER_DAY for d in x["days"]] for _, x in touched],
            "channel_ids": [[int(k) for k in x["keys"]] for _, x in touched],
        }
    )
    return frame, touch_paths


def engine_rows(connection, journeys, order: int) -> tuple[Sequence, Sequence]:
    frame, touch_paths = engine_frames(journeys)
    connection.register("hand_journeys", frame)
    connection.register("hand_paths", touch_paths)
    params = {"lookback": LOOKBACK_DAYS * SECONDS_PER_DAY}
    try:
        moves = attribution_paths.fetch_rows(
            connection,
            attribution_paths.moves_sql(JOURNEYS, "hand_paths", "channel_ids", order),
            params,
        )
        coalitions = attribution_paths.fetch_rows(
            connection,
            attribution_paths.coalitions_sql(JOURNEYS, "hand_paths", "channel_ids"),
            params,
        )
        # The nine-model report asks for both tables in one statement: the same rows.
        both = attribution_paths.fetch_rows(
            connection,
            attribution_paths.both_sql(JOURNEYS, "hand_paths", "channel_ids", order),
            params,
        )
        assert [sorted(map(repr, rows)) for rows in attribution_paths.split_kinds(both)] == [
            sorted(map(repr, moves)),
            sorted(map(repr, coalitions)),
        ]
    finally:
        connection.unregister("hand_journeys")
        connection.unregister("hand_paths")
    return moves, coalitions


@pytest.fixture(params=["duckdb", "chdb"])
def connection(request, tmp_path):
    if request.param == "duckdb":
        con = duckdb.connect()
        yield con
        con.close()
        return
    from accord.analytics.clickhouse.connection import ChdbTransport, ClickHouseConnection

    con = ClickHouseConnection(ChdbTransport(tmp_path / "chdb"))
    yield con
    con.close()


def assert_same_credits(moves, coalitions, journeys, order):
    data = numpy_columns(journeys)
    for totals in (paths.totals_from_moves(moves), paths.totals_from_coalitions(coalitions)):
        # Every key seen on a path in the window, numbered as the numpy path numbers them.
        seen = sorted({int(KEYS[c]) for c in data.channel})
        assert totals.keys.tolist() == seen
        assert (totals.conversions, totals.revenue) == pytest.approx(
            aggregate.attributable_totals(data)
        )
        assert totals.journeys == data.n_journeys
        assert totals.converted == int(data.converted.sum())
    # Rebuild the numpy columns over the keys seen, so that both number them alike.
    totals = paths.totals_from_coalitions(coalitions)
    ids = np.searchsorted(totals.keys, np.array(KEYS)[data.channel])
    data = aggregate.Journeys(**{**data.__dict__, "channel": ids, "n_channels": totals.n_channels})
    markov = paths.markov_from_moves(moves, totals, order=order)
    expected = aggregate.markov_attribution(data, order=order)[0]
    assert markov.conversions == pytest.approx(expected.conversions, abs=1e-12)
    assert markov.revenue == pytest.approx(expected.revenue, abs=1e-9)
    shapley = paths.shapley_from_coalitions(coalitions, totals)
    expected = aggregate.shapley_attribution(data)
    assert shapley.conversions == pytest.approx(expected.conversions, abs=1e-12)
    assert shapley.revenue == pytest.approx(expected.revenue, abs=1e-9)


@pytest.mark.parametrize("order", [1, 2, 3])
def test_engine_counts_give_the_numpy_credits(connection, order):
    moves, coalitions = engine_rows(connection, HAND, order)
    assert_same_credits(moves, coalitions, HAND, order)
    totals = paths.totals_from_moves(moves)
    # Window and ends as built: 11 journeys, 7 converting; the one converting with no touch
    # in its window and the contact without a path have no touch.
    assert (totals.journeys, totals.converted, totals.conversions) == (11, 7, 6)
    assert (totals.untouched_converted, totals.untouched_other) == (1, 1)
    # The repeated channels make self-loops (3 → 3, 7 → 7) in the first-order chain.
    if order == 1:
        loops = {(tuple(m[1] or ()), tuple(m[2] or ())) for m in moves}
        assert {((3,), (3,)), ((7,), (7,))} <= loops


def test_no_touch_in_any_window(connection):
    journeys = [journey([3], [0], value=5.0, end=90), journey([], [], contact=False)]
    moves, coalitions = engine_rows(connection, journeys, 2)
    totals = paths.totals_from_moves(moves)
    assert (totals.journeys, totals.included, totals.keys.size) == (2, 0, 0)
    assert (totals.untouched_converted, totals.untouched_other) == (1, 1)
    assert paths.markov_from_moves(moves, totals, order=2).conversions.tolist() == [0.0]
    assert paths.shapley_from_coalitions(coalitions, totals).revenue.tolist() == [0.0]


def test_too_high_an_order_names_the_field():
    totals = paths.totals_from_coalitions([(True, list(range(40)), 1, 1.0)])
    with pytest.raises(InvalidInput) as error:
        paths.markov_from_moves([], totals, order=6)
    assert error.value.field == "order"


@st.composite
def random_journeys(draw):
    result = []
    for _ in range(draw(st.integers(1, 10))):
        n = draw(st.integers(0, 6))
        days = sorted(draw(st.lists(st.integers(0, 60), min_size=n, max_size=n)))
        converted = draw(st.booleans())
        result.append(
            journey(
                draw(st.lists(st.sampled_from(KEYS), min_size=n, max_size=n)),
                days,
                value=float(draw(st.integers(1, 1000))) if converted else 0.0,
                end=(days[-1] if days else 0) + draw(st.integers(-5, 40)),
            )
        )
    return result


@settings(max_examples=40, deadline=None)
@given(random_journeys(), st.integers(1, 3))
def test_engine_counts_equal_numpy_on_random_journeys(journeys, order):
    con = duckdb.connect()
    try:
        moves, coalitions = engine_rows(con, journeys, order)
    finally:
        con.close()
    assert_same_credits(moves, coalitions, journeys, order)
