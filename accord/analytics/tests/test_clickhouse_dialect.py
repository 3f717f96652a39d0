"""The DuckDB → ClickHouse rewrites the runners rely on, as text (no database needed)."""

from __future__ import annotations

from datetime import date, datetime

from accord.analytics.clickhouse.dialect import clickhouse_sql


def test_the_constructs_that_differ_are_rewritten():
    sql = clickhouse_sql(
        """SELECT list(channel_id ORDER BY "at", id) AS path,
            quantile_cont(epoch(b - a) / 60.0, [0.5, 0.9]) AS q, median(x) AS m,
            bool_or(won) AS w, sum(CAST(cost AS DECIMAL(18, 2))) AS s
        FROM t WHERE "at" >= $since AND day <= $day AND kind = $kind""",
        {"since": datetime(2025, 3, 1, 10), "day": date(2025, 3, 31), "kind": "it's"},
    )
    # Ordered lists: (keys…, value) tuples sorted by their keys, the value kept.
    assert "arrayMap(p -> tupleElement(p, 3), arraySort(p -> (tupleElement(p, 1), " in sql
    assert "groupArray((at, id, channel_id))" in sql.replace('"', "")
    # DuckDB's interpolating quantiles, not ClickHouse's estimates.
    assert "quantilesExactInclusive(0.5, 0.9)(" in sql
    assert "quantileExactInclusive(0.5)(x)" in sql
    assert "toUnixTimestamp64Micro" in sql and "MAX(won)" in sql
    assert "round(toDecimal128(toString(cost), 9), 2)" in sql
    # Parameters become typed literals, quoted safely.
    assert "toDateTime64('2025-03-01 10:00:00', 6, 'UTC')" in sql
    assert "toDate32('2025-03-31')" in sql and "'it''s'" in sql.replace("\\'", "''")


def test_two_unnests_walk_their_lists_together():
    sql = clickhouse_sql("SELECT journey, unnest(ts) AS ts, unnest(keys) AS key FROM picked")
    assert sql == (
        "SELECT journey, arrayJoin(arrayZip(picked.ts, picked.keys)) AS _zipped, "
        "tupleElement(_zipped, 1) AS ts, tupleElement(_zipped, 2) AS key FROM picked"
    )


def test_list_slices_sorts_and_ranges_for_the_path_counts():
    sql = clickhouse_sql(
        "SELECT array_slice(p, greatest(i - 2, 1), i - 1) AS a, list_sort(list_distinct(p)) AS b,"
        " unnest(range(1, array_length(p) + 2)) AS i FROM t"
    )
    # A length, not an end, and never negative (a negative length counts from the end).
    assert (
        "arraySlice(p, GREATEST(i - 2, 1), greatest(((i - 1) - (GREATEST(i - 2, 1)) + 1), 0))"
        in sql
    )
    assert "arraySort(arrayDistinct(p))" in sql
    # ClickHouse's range excludes its end, as DuckDB's does.
    assert "arrayJoin(range(1, LENGTH(p) + 2))" in sql
