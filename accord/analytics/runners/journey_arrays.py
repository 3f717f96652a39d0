"""Journeys as numpy arrays for attribution: fetching columns from the copy, putting touches
in journey and time order, and which touch holds a named position.

Done in numpy rather than SQL window functions: three window passes over millions of touches
cost more than the join that selects them (see ``runners.attribution``).
"""

from __future__ import annotations

from typing import Any

import duckdb
import numpy as np


def fetch_numpy(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any]) -> dict:
    used = {k: v for k, v in params.items() if f"${k}" in sql}
    return con.execute(sql, used).fetchnumpy()


def table_exists(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    found = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = ? AND NOT temporary", [name]
    )
    return bool(found.fetchall()[0][0])


def in_journey_order(
    journey: np.ndarray, ts: np.ndarray, key: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The touches sorted by journey, then time (ties keep their order in the path).

    DuckDB returns them so (the paths are ordered and the query keeps the journey order);
    checking costs one pass, sorting only happens if a plan ever does not keep the order.
    """
    if journey.size < 2:
        return journey, ts, key
    same = journey[1:] == journey[:-1]
    if np.all((journey[1:] > journey[:-1]) | (same & (ts[1:] >= ts[:-1]))):
        return journey, ts, key
    order = np.lexsort((ts, journey))
    return journey[order], ts[order], key[order]


def epoch_times(column: np.ndarray) -> np.ndarray:
    """Epoch seconds per journey; NULL (no such moment) becomes NaN, before which no touch is."""
    return np.ma.filled(np.ma.asarray(column, dtype=np.float64), np.nan)


def last_at_or_before(journey: np.ndarray, ts: np.ndarray, bound: np.ndarray) -> np.ndarray:
    """Per touch: is it its journey's last touch at or before the journey's ``bound``?

    Touches are sorted by journey and time, so those at or before the bound are a prefix of
    the journey's touches; the flagged one ends that prefix.
    """
    before = ts <= bound[journey]  # NaN bound: False throughout
    next_before = np.zeros_like(before)
    next_before[:-1] = before[1:] & (journey[1:] == journey[:-1])
    return before & ~next_before
