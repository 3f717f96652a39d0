"""Markov's transitions and Shapley's coalitions counted on the engine (DuckDB or ClickHouse).

Each journey's path is the list of its groups (channels or campaigns) inside its lookback
window, in time order: a slice of its contact's touch path (``sync.TOUCH_PATHS``, times in
ascending order), so the touches in ``(end - lookback, end]`` are the elements after the
``lo`` times at or before ``end - lookback``, up to the ``hi`` times at or before ``end``
— the same touches the rule-based models read. The engine counts the journeys by
(converted, path) and turns those counts into the two small tables of
``attribution.paths``: the transitions between the states of order ``k`` (``moves``) and
the coalitions of distinct groups. Only those rows come back to Python (a few hundred or
thousand, against millions of touches), where the exact solves run.

The SQL is written once, in DuckDB's words; on ClickHouse ``clickhouse.dialect`` rewrites
what differs (``array_slice``, ``list_sort``, ``range``, the list comprehensions).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import duckdb

from accord.analytics.attribution.paths import (
    PathTotals,
    Row,
    totals_from_coalitions,
    totals_from_moves,
)
from accord.analytics.runners.journey_arrays import table_exists
from accord.analytics.sync import TOUCH_PATHS, touch_paths_sql


@dataclass(frozen=True)
class EngineCounts:
    totals: PathTotals
    #: Markov's transitions (``attribution.paths``), when Markov was asked for.
    moves: Sequence[Row] | None
    coalitions: Sequence[Row] | None


def engine_counts(
    con: duckdb.DuckDBPyConnection,
    journeys: str,
    keys: str,
    params: dict[str, Any],
    *,
    markov_order: int | None,
    shapley: bool,
) -> EngineCounts:
    """The transitions of order ``markov_order`` (None: no Markov) and the coalitions
    (when Shapley is asked for, or nothing else counts the journeys), from the runner's
    journeys CTEs and the touch paths' column of group ``keys``."""
    source = paths_source(con)
    moves: Sequence[Row] | None = None
    coalitions: Sequence[Row] | None = None
    if markov_order is not None and shapley and isinstance(con, duckdb.DuckDBPyConnection):
        # One statement: DuckDB counts the journeys and their paths once for both models
        # (0.62-0.66x the time of two at 1M and 10M leads). ClickHouse inlines the shared
        # CTE, and one statement measured no faster there (bench/attribution_path_counts.py).
        rows = fetch_rows(con, both_sql(journeys, source, keys, markov_order), params)
        moves, coalitions = split_kinds(rows)
    else:
        if markov_order is not None:
            moves = fetch_rows(con, moves_sql(journeys, source, keys, markov_order), params)
        if moves is None or shapley:
            # The coalitions also count the journeys and find the groups on their paths:
            # the totals of a run without Markov.
            coalitions = fetch_rows(con, coalitions_sql(journeys, source, keys), params)
    totals = (
        totals_from_coalitions(coalitions)
        if coalitions is not None
        else totals_from_moves(moves or [])
    )
    return EngineCounts(totals, moves, coalitions)


def paths_source(con: duckdb.DuckDBPyConnection) -> str:
    """The touch paths, or (a copy from before them, not synced since) the same rows built
    from the touchpoints."""
    if table_exists(con, TOUCH_PATHS):
        return TOUCH_PATHS
    return f"({touch_paths_sql(None)})"


def _path_counts(journeys: str, source: str, keys: str) -> str:
    """``WITH`` the journeys, then ``paths(converted, path, journeys, value)``."""
    # A journey whose contact has no touch path (LEFT JOIN: NULL in DuckDB, [] in
    # ClickHouse) gets the empty path, like one whose touches all lie outside its window.
    return f"""
WITH {journeys},
ended AS (
    SELECT j.converted, j.credited_value AS value, p.ts, p.{keys} AS keys,
        epoch(j.end_at) AS end_ts
    FROM journeys j LEFT JOIN {source} p ON p.contact_id = j.contact_id
),
windowed AS (
    SELECT converted, value, keys,
        array_length([t for t in ts if t <= end_ts - $lookback]) AS lo,
        array_length([t for t in ts if t <= end_ts]) AS hi
    FROM ended
),
sliced AS (
    SELECT converted, value, coalesce(array_slice(keys, lo + 1, hi), []) AS path
    FROM windowed
),
paths AS (
    SELECT converted, path, count(*) AS journeys, sum(value) AS value
    FROM sliced
    GROUP BY converted, path
)"""


def _moves_cte(order: int) -> str:
    """Step ``i`` of a path of ``n`` goes from its last ``order`` groups before ``i`` to
    those up to ``i``; step ``n + 1`` goes to the end (the empty state)."""
    return f"""
steps AS (
    SELECT converted, path, journeys, value, unnest(range(1, array_length(path) + 2)) AS i
    FROM paths
),
moves AS (
    SELECT converted, journeys, value,
        array_slice(path, greatest(i - {order}, 1), i - 1) AS from_state,
        array_slice(path, greatest(i - {order - 1}, 1),
            CASE WHEN i <= array_length(path) THEN i ELSE 0 END) AS to_state
    FROM steps
)"""


#: The coalition of a path: its sorted distinct groups.
_SETS_CTE = """
sets AS (
    SELECT converted, list_sort(list_distinct(path)) AS coalition, journeys, value
    FROM paths
)"""


def _moves_select(kind: str = "") -> str:
    """Markov's transitions summed (``kind``: the leading column of ``both_sql``)."""
    return f"""SELECT {kind}converted, from_state, to_state, sum(journeys) AS journeys,
    CAST(sum(value) AS DOUBLE) AS value
FROM moves
GROUP BY converted, from_state, to_state"""


def _sets_select(kind: str = "", coalition: str = "coalition") -> str:
    """Shapley's coalitions summed (``coalition``: how the column is selected)."""
    return f"""SELECT {kind}converted, {coalition}, sum(journeys) AS journeys,
    CAST(sum(value) AS DOUBLE) AS value
FROM sets
GROUP BY converted, coalition"""


#: The first column of ``both_sql``'s rows: which table of ``attribution.paths`` a row is of.
MOVE, SET = "move", "set"


def moves_sql(journeys: str, source: str, keys: str, order: int) -> str:
    """``converted, from_state, to_state, journeys, value``: Markov's transitions."""
    return f"{_path_counts(journeys, source, keys)},{_moves_cte(order)}\n{_moves_select()}\n"


def coalitions_sql(journeys: str, source: str, keys: str) -> str:
    """``converted, coalition, journeys, value``: Shapley's coalitions."""
    return f"{_path_counts(journeys, source, keys)},{_SETS_CTE}\n{_sets_select()}\n"


def both_sql(journeys: str, source: str, keys: str, order: int) -> str:
    """Both tables from one count of the paths: ``kind, converted, from_state, to_state,
    journeys, value``, where a coalition's row (kind ``SET``) carries it in ``from_state``
    and again in ``to_state`` (one list type for the column on every engine).

    DuckDB evaluates the ``paths`` CTE, read twice here, once. ClickHouse inlines it at each
    reference (``AS MATERIALIZED`` exists from 26.3 only, behind an experimental setting), so
    ``engine_counts`` sends it the two statements apart."""
    moves = _moves_select(kind=f"'{MOVE}' AS kind, ")
    sets = _sets_select(
        kind=f"'{SET}' AS kind, ", coalition="coalition AS from_state, coalition AS to_state"
    )
    return (
        f"{_path_counts(journeys, source, keys)},{_moves_cte(order)},{_SETS_CTE}\n"
        f"{moves}\nUNION ALL\n{sets}\n"
    )


def split_kinds(rows: Sequence[Row]) -> tuple[Sequence[Row], Sequence[Row]]:
    """``both_sql``'s rows as ``moves_sql``'s and ``coalitions_sql``'s."""
    moves = [row[1:] for row in rows if row[0] == MOVE]
    coalitions = [(row[1], row[2], *row[4:]) for row in rows if row[0] == SET]
    return moves, coalitions


def fetch_rows(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any]) -> Sequence[Row]:
    used = {k: v for k, v in params.items() if f"${k}" in sql}
    return con.execute(sql, used).fetchall()


def journey_notes(totals: PathTotals, lookback_days: float) -> list[str]:
    """Which journeys the models saw, and why the others are left out."""
    missed = totals.untouched_converted
    notes = [
        f"Journeys: {totals.included:,} of {totals.journeys:,} included "
        f"({totals.conversions:,} converting, {totals.included - totals.conversions:,} not); "
        f"excluded: {missed:,} converting with no touch in the {lookback_days:g}-day lookback "
        f"window, {totals.untouched_other:,} not converting with no touch (a non-converting "
        "journey ends at its own last touch)."
    ]
    if missed:
        notes.append(
            f"{missed} converting lead(s) had no touch in the lookback window and are not "
            "credited to any channel."
        )
    return notes
