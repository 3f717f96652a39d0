"""What ClickHouse has not seen yet: the rows each write of the DuckDB copy rewrote or removed.

The incremental feed (``feed``) sends ClickHouse only what changed. New rows of the
append-only tables it finds by id above its watermark; everything else a write changes in
place — mutable rows re-read, touches stitched or regrouped, lead facts moved by a deal, rows
deleted or erased, touch paths rebuilt — the writer notes here, in two small tables of the
DuckDB copy itself (so the notes commit or roll back with the write, and travel with the
published snapshot to whichever node writes next):

- ``feed_batches (seq, token)``: one row per write of the copy (``batch_begin``), numbered;
  ClickHouse remembers the last batch it was fed, and a feed continues only from a batch this
  copy holds with the same token (another node's copy, or one fetched from an older snapshot,
  does not: a full reload then);
- ``feed_changes (seq, table_name, key)``: the keys (``id``; ``contact_id`` for the touch
  paths) a write changed or removed; a NULL key means the whole table (rebuilt, or its columns
  changed), table ``*`` the whole copy (a full sync).

Only while the engine is ClickHouse: with DuckDB the tables are dropped (``forget``), so a
later switch to ClickHouse starts with a full reload instead of trusting a gap.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import duckdb
import pandas as pd

BATCHES = "feed_batches"
CHANGES = "feed_changes"
#: The copy's own bookkeeping, never fed.
TABLES = (BATCHES, CHANGES)
EVERYTHING = "*"


def noting(con: duckdb.DuckDBPyConnection) -> bool:
    return bool(
        con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE table_name = ? AND NOT temporary",
            [BATCHES],
        ).fetchall()[0][0]
    )


def batch_begin(con: duckdb.DuckDBPyConnection) -> None:
    """Open a batch for this write (its notes carry its number)."""
    con.execute(f"CREATE TABLE IF NOT EXISTS {BATCHES} (seq BIGINT, token VARCHAR)")
    con.execute(
        f"CREATE TABLE IF NOT EXISTS {CHANGES} (seq BIGINT, table_name VARCHAR, key BIGINT)"
    )
    con.execute(
        f"INSERT INTO {BATCHES} SELECT coalesce(max(seq), 0) + 1, ? FROM {BATCHES}",
        [uuid.uuid4().hex],
    )


def forget(con: duckdb.DuckDBPyConnection) -> None:
    for name in TABLES:
        con.execute(f"DROP TABLE IF EXISTS {name}")


#: The batch the running write opened (``batch_begin``).
CURRENT = f"(SELECT max(seq) FROM {BATCHES})"


def note_whole(con: duckdb.DuckDBPyConnection, table: str = EVERYTHING) -> None:
    """The whole table (``*``: the whole copy) changed: the next feed reloads it."""
    if noting(con):
        con.execute(f"INSERT INTO {CHANGES} SELECT {CURRENT}, ?, NULL", [table])


def note_keys(con: duckdb.DuckDBPyConnection, table: str, keys: Iterable[Any]) -> None:
    ids = sorted({int(k) for k in keys if k is not None})
    if not ids or not noting(con):
        return
    con.register("noted_keys", pd.DataFrame({"key": ids}, dtype="int64"))
    try:
        con.execute(f"INSERT INTO {CHANGES} SELECT {CURRENT}, ?, key FROM noted_keys", [table])
    finally:
        con.unregister("noted_keys")


def note_select(con: duckdb.DuckDBPyConnection, table: str, select: str) -> None:
    """Note the keys a query over the copy returns (one column)."""
    if noting(con):
        con.execute(f"INSERT INTO {CHANGES} SELECT {CURRENT}, ?, k FROM ({select}) s(k)", [table])


def noted_statement(
    con: duckdb.DuckDBPyConnection,
    table: str,
    sql: str,
    params: Mapping[str, Any] | Sequence[Any] | None = None,
    *,
    key: str = "id",
) -> int:
    """Run an UPDATE or DELETE on ``table``, note the keys of its rows; rows affected."""
    rows = con.execute(f"{sql} RETURNING {key}", params).fetchall()
    note_keys(con, table, (r[0] for r in rows))
    return len(rows)


# -- the feed's side --------------------------------------------------------------------------


def latest(con: duckdb.DuckDBPyConnection) -> tuple[int, str] | None:
    """The last batch of this copy (None: changes are not noted, e.g. the engine was DuckDB)."""
    if not noting(con):
        return None
    row = con.execute(f"SELECT seq, token FROM {BATCHES} ORDER BY seq DESC LIMIT 1").fetchall()
    return (int(row[0][0]), row[0][1]) if row else None


def holds(con: duckdb.DuckDBPyConnection, seq: int, token: str) -> bool:
    """Whether this copy continues the batch ClickHouse was last fed."""
    return bool(
        con.execute(
            f"SELECT count(*) FROM {BATCHES} WHERE seq = ? AND token = ?", [seq, token]
        ).fetchall()[0][0]
    )


def whole_tables(con: duckdb.DuckDBPyConnection, since: int) -> set[str]:
    rows = con.execute(
        f"SELECT DISTINCT table_name FROM {CHANGES} WHERE seq > ? AND key IS NULL", [since]
    ).fetchall()
    return {r[0] for r in rows}


def keys_select(table: str, since: int) -> str:
    """The keys of ``table`` changed after batch ``since`` (SQL over the copy)."""
    quoted = table.replace("'", "''")
    return (
        f"SELECT DISTINCT key FROM {CHANGES} "
        f"WHERE table_name = '{quoted}' AND seq > {int(since)} AND key IS NOT NULL"
    )


def prune(con: duckdb.DuckDBPyConnection, seq: int) -> None:
    """Fed up to batch ``seq``: its notes go; the batch itself stays (the next feed's check)."""
    con.execute(f"DELETE FROM {CHANGES} WHERE seq <= ?", [seq])
    con.execute(f"DELETE FROM {BATCHES} WHERE seq < ?", [seq])
