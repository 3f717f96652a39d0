"""Reading the operational database in batches and writing the copy: the schema, typed
frames, inserts that replace, and the per-table sync state (watermarks, last sync)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import UTC, datetime

import duckdb
import pandas as pd
from django.db import connection

from accord.analytics.clickhouse import changes
from accord.analytics.sync.derived import (
    LEAD_FACT_COLUMNS,
    TOUCH_PATHS,
    lead_facts_refresh,
    lead_facts_sql,
    touch_paths_refresh,
)
from accord.analytics.sync.tables import (
    SLA_TEST_ACTIVITIES,
    SLA_TEST_LEADS,
    TABLE_BY_NAME,
    TABLES,
    Column,
    Table,
)

logger = logging.getLogger(__name__)

BATCH_ROWS = 200_000
_ID_CHUNK = 500

# -- reading the operational database --------------------------------------------------------


def _source_expr(column: Column) -> str:
    """The column as the operational database should return it (text for times and JSON).

    Expressions rather than bare columns, so that SQLite's declared-type converters (which
    would build a Python datetime or Decimal per value) do not run.
    """
    src = connection.ops.quote_name(column.source)
    if connection.vendor == "postgresql":
        if column.kind == "ts":
            return f"to_char({src} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')"
        if column.kind in ("date", "json"):
            return f"{src}::text"
        if column.kind == "float":
            return f"{src}::float8"
        return src
    if column.kind in ("ts", "date", "json"):
        return f"({src} || '')"
    if column.kind == "float":
        return f"CAST({src} AS REAL)"
    return src


def source_from(table: Table) -> str:
    """The operational table as the copy sees it: without test leads and their rows.

    A derived table under the table's own name, so the callers' ``WHERE id > %s`` and the
    like read as before. A lead is a test lead from its creation on (the flag is set once, at
    capture), so leaving it out here keeps it out of every runner, derived table and sync
    pass alike."""
    name = connection.ops.quote_name(table.source)
    if not table.test_leads_by:
        return name
    leads = connection.ops.quote_name("contacts_lead")
    tests = f"SELECT id FROM {leads} WHERE is_test"
    if table.test_leads_by == "id":
        return f"(SELECT * FROM {name} WHERE NOT is_test) AS {name}"
    column = connection.ops.quote_name(table.test_leads_by)
    return f"(SELECT * FROM {name} WHERE {column} IS NULL OR {column} NOT IN ({tests})) AS {name}"


def source_select(table: Table, *, test_leads: bool = False) -> str:
    """The table's columns as the copy reads them; ``test_leads``: from the whole operational
    table, test leads' rows included (``sync.sla_tests`` reads those it is asked for)."""
    columns = ", ".join(_source_expr(c) for c in table.columns)
    source = connection.ops.quote_name(table.source) if test_leads else source_from(table)
    return f"SELECT {columns} FROM {source}"


def source_batches(sql: str, params: Iterable = ()) -> Iterable[list[tuple]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        while rows := cursor.fetchmany(BATCH_ROWS):
            yield rows


def source_scalar(sql: str, params: Iterable = ()) -> object:
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        return cursor.fetchone()[0]


# -- writing the copy ---------------------------------------------------------------------------


def _cast(column: Column) -> str:
    name = f'"{column.name}"'
    if column.kind == "ts":
        return f"CAST(NULLIF({name}, '') AS TIMESTAMP) AS {name}"
    if column.kind == "date":
        return f"CAST(NULLIF({name}, '') AS DATE) AS {name}"
    return f"CAST({name} AS {column.type}) AS {name}"


def _frame(table: Table, rows: list[tuple]) -> pd.DataFrame:
    names = [c.name for c in table.columns]
    frame = pd.DataFrame.from_records(rows, columns=names, coerce_float=False)
    for column in table.columns:
        # Nullable integers stay integers (not floats with NaN) on the way into DuckDB.
        if column.kind in ("id", "int"):
            frame[column.name] = frame[column.name].astype("Int64")
        elif column.kind == "bool":
            frame[column.name] = frame[column.name].astype("boolean")
        elif column.kind == "float":
            frame[column.name] = frame[column.name].astype("float64")
    return frame


def copy_insert(
    con: duckdb.DuckDBPyConnection, table: Table, rows: list[tuple], *, replace: bool
) -> None:
    if not rows:
        return
    con.register("batch_rows", _frame(table, rows))
    # Rows replaced in place (or new mutable rows) that differ from their old copy: the
    # ClickHouse feed sends them (rows re-read unchanged, as the overlap of ``updated_at``
    # re-reads every sync, are not sent again).
    noting = replace and changes.noting(con)
    try:
        if noting:
            con.execute(
                f"CREATE OR REPLACE TEMP TABLE replaced_rows AS SELECT * FROM {table.name} "
                "WHERE id IN (SELECT CAST(id AS BIGINT) FROM batch_rows)"
            )
        if replace:
            con.execute(f"DELETE FROM {table.name} WHERE id IN (SELECT id FROM batch_rows)")
        casts = ", ".join(_cast(c) for c in table.columns)
        if table.name == "leads":
            facts = ", ".join(f"f.{name}" for name in LEAD_FACT_COLUMNS)
            ids = "SELECT CAST(id AS BIGINT) FROM batch_rows"
            # By name: a copy upgraded in place has the fact columns in another order.
            names = ", ".join(
                f'"{n}"' for n in (*(c.name for c in table.columns), *LEAD_FACT_COLUMNS)
            )
            con.execute(
                f"INSERT INTO leads ({names}) SELECT b.*, {facts} "
                f"FROM (SELECT {casts} FROM batch_rows) b "
                f"LEFT JOIN ({lead_facts_sql(ids)}) f ON f.lead_id = b.id"
            )
        elif table.derived:
            derived = ", ".join(f"{sql} AS {name}" for name, _, sql in table.derived)
            casts = f"*, {derived} FROM (SELECT {casts}"
            con.execute(f"INSERT INTO {table.name} SELECT {casts} FROM batch_rows)")
        else:
            con.execute(f"INSERT INTO {table.name} SELECT {casts} FROM batch_rows")
        if noting:
            changes.note_select(
                con,
                table.name,
                f"SELECT n.id FROM {table.name} n "
                "SEMI JOIN batch_rows b ON CAST(b.id AS BIGINT) = n.id "
                "WHERE NOT EXISTS (SELECT 1 FROM replaced_rows o "
                "WHERE o.id = n.id AND hash(o) = hash(n))",
            )
            con.execute("DROP TABLE replaced_rows")
    finally:
        con.unregister("batch_rows")


def rows_insert(
    con: duckdb.DuckDBPyConnection, table: Table, rows: list[tuple], *, into: str
) -> None:
    """Rows read for ``table`` (``source_select``), typed, into another table of the copy
    with the same columns first (no lead facts, no derived columns)."""
    if not rows:
        return
    con.register("batch_rows", _frame(table, rows))
    try:
        names = ", ".join(f'"{c.name}"' for c in table.columns)
        casts = ", ".join(_cast(c) for c in table.columns)
        con.execute(f"INSERT INTO {into} ({names}) SELECT {casts} FROM batch_rows")
    finally:
        con.unregister("batch_rows")


def _tables_upgrade(con: duckdb.DuckDBPyConnection) -> None:
    """Drop the copy of a table whose columns changed (a newer Accord copies more of it),
    with its watermark, so that this sync reads it again whole; the other tables stay."""
    found: dict[str, list[str]] = {}
    for table_name, column in con.execute(
        "SELECT table_name, column_name FROM duckdb_columns() WHERE NOT internal "
        "ORDER BY table_name, column_index"
    ).fetchall():
        found.setdefault(table_name, []).append(column)
    has_state = "sync_state" in found
    for table in TABLES:
        if table.name == "leads" or table.name not in found:
            continue
        wanted = [c.name for c in table.columns] + [name for name, _, _ in table.derived]
        if found[table.name] != wanted:
            con.execute(f"DROP TABLE {table.name}")
            if has_state:
                con.execute("DELETE FROM sync_state WHERE table_name = ?", [table.name])


def _deal_columns_add(con: duckdb.DuckDBPyConnection) -> None:
    """A copy from before pipelines: add the deals' new columns and re-read every deal."""
    have = {r[0] for r in con.execute("SELECT column_name FROM (DESCRIBE deals)").fetchall()}
    deals = next(t for t in TABLES if t.name == "deals")
    missing = [c for c in deals.columns if c.name not in have]
    for column in missing:
        con.execute(f'ALTER TABLE deals ADD COLUMN "{column.name}" {column.type}')
    if missing:
        con.execute("DELETE FROM sync_state WHERE table_name = 'deals'")


def table_columns(table: Table, *, facts: bool = False) -> str:
    """The column definitions of ``table``'s copy (``facts``: with the lead facts)."""
    columns = [f'"{c.name}" {c.type}' for c in table.columns]
    if facts:
        columns += [f'"{name}" TIMESTAMP' for name in LEAD_FACT_COLUMNS]
    return ", ".join(columns)


def sla_tests_create(con: duckdb.DuckDBPyConnection) -> None:
    """The tables of the test leads counted in the SLA statistics (``sync.sla_tests``), when
    missing: the columns of ``leads`` (with the lead facts) and of ``activities``."""
    leads = table_columns(TABLE_BY_NAME["leads"], facts=True)
    con.execute(f"CREATE TABLE IF NOT EXISTS {SLA_TEST_LEADS} ({leads})")
    activities = table_columns(TABLE_BY_NAME["activities"])
    con.execute(f"CREATE TABLE IF NOT EXISTS {SLA_TEST_ACTIVITIES} ({activities})")


def schema_create(con: duckdb.DuckDBPyConnection) -> None:
    _tables_upgrade(con)
    for table in TABLES:
        columns = ", ".join(
            [f'"{c.name}" {c.type}' for c in table.columns]
            + [f'"{name}" {kind}' for name, kind, _ in table.derived]
        )
        if table.name == "leads":
            columns += "".join(f', "{name}" TIMESTAMP' for name in LEAD_FACT_COLUMNS)
        con.execute(f"CREATE TABLE IF NOT EXISTS {table.name} ({columns})")
    _deal_columns_add(con)
    have = {r[0] for r in con.execute("SELECT column_name FROM (DESCRIBE leads)").fetchall()}
    if missing := [name for name in LEAD_FACT_COLUMNS if name not in have]:
        # A copy from before the lead facts: add and fill them rather than rebuild it all.
        for name in missing:
            con.execute(f'ALTER TABLE leads ADD COLUMN "{name}" TIMESTAMP')
        lead_facts_refresh(con)
    paths = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = ? AND NOT temporary",
        [TOUCH_PATHS],
    ).fetchall()[0][0]
    if not paths:
        # A copy from before the touch paths (or a new one): build them from its touches.
        touch_paths_refresh(con)
    sla_tests_create(con)
    con.execute(
        "CREATE TABLE IF NOT EXISTS traffic_daily (day DATE, channel_id BIGINT, "
        "campaign_id BIGINT, visits BIGINT)"
    )
    con.execute(
        "CREATE TABLE IF NOT EXISTS sync_state ("
        "table_name VARCHAR PRIMARY KEY, last_id BIGINT, last_updated_at TIMESTAMP, "
        "synced_at TIMESTAMP)"
    )


def state_read(con: duckdb.DuckDBPyConnection, table: str) -> tuple[int, datetime | None]:
    row = con.execute(
        "SELECT last_id, last_updated_at FROM sync_state WHERE table_name = ?", [table]
    ).fetchall()
    return (row[0][0] or 0, row[0][1]) if row else (0, None)


def state_save(
    con: duckdb.DuckDBPyConnection,
    table: str,
    *,
    last_id: int,
    last_updated_at: datetime | None,
    synced_at: datetime,
) -> None:
    con.execute(
        "INSERT OR REPLACE INTO sync_state VALUES (?, ?, ?, ?)",
        [table, last_id, last_updated_at, synced_at],
    )


def placeholders(n: int) -> str:
    return ", ".join(["%s"] * n)


def id_chunks(values: list[int], size: int = _ID_CHUNK) -> Iterable[list[int]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def data_as_of(con: duckdb.DuckDBPyConnection) -> datetime | None:
    """When the copy was last brought up to date (aware UTC), None before the first sync."""
    try:
        row = con.execute("SELECT min(synced_at) FROM sync_state").fetchall()[0]
    except duckdb.CatalogException:
        return None
    if not row or not row[0]:
        return None
    if not isinstance(con, duckdb.DuckDBPyConnection):
        return row[0].replace(tzinfo=UTC)  # ClickHouse: fed at each write, no snapshot check
    # A snapshot that later syncs found current says so (``engine.reader`` sets it).
    checked = con.execute("SELECT getvariable('accord_checked_at')").fetchall()[0][0]
    return max(row[0], checked or row[0]).replace(tzinfo=UTC)
