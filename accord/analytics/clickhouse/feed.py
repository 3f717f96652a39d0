"""Feeding ClickHouse from the DuckDB copy: every table of the copy, as it is after a sync.

The sync keeps writing the DuckDB copy (it holds the watermarks, the derived lead facts and
touch paths, and the incremental logic); when the engine is ClickHouse, each write of the
copy ends by mirroring it: each table is streamed out of DuckDB as Arrow batches into a new
ClickHouse table, which then takes the old one's place (``EXCHANGE TABLES``, atomic per
table). Mutable tables are ``ReplacingMergeTree`` ordered by id, append-only ones
``MergeTree`` ordered by id, the rest ``MergeTree``.

This is a full reload, not an incremental feed: the copy's append-only tables are rewritten
in place too (identity stitching gives old touches a contact; erasure removes rows), so an
id watermark alone would miss changes. At 1M leads it takes seconds (bench/README.md).
"""

from __future__ import annotations

import logging
import time

import duckdb
import pyarrow as pa

from accord.analytics.clickhouse.connection import Transport, arrow_type_clickhouse
from accord.analytics.sync.tables import MUTABLE, TABLE_BY_NAME

logger = logging.getLogger(__name__)

BATCH_ROWS = 1_000_000


def _plain(batch: pa.RecordBatch) -> pa.RecordBatch:
    """Decimals as doubles (the ClickHouse columns are Float64, as the reports read them)."""
    columns, fields = [], []
    for column, field in zip(batch.columns, batch.schema, strict=True):
        if pa.types.is_decimal(field.type):
            column = column.cast(pa.float64())
            field = pa.field(field.name, pa.float64())
        columns.append(column)
        fields.append(field)
    return pa.RecordBatch.from_arrays(columns, schema=pa.schema(fields))


def _engine_clause(name: str, columns: list[str]) -> str:
    table = TABLE_BY_NAME.get(name)
    keyed = "id" in columns
    if table is not None and table.kind == MUTABLE and keyed:
        return "ReplacingMergeTree ORDER BY id"
    if keyed:
        return "MergeTree ORDER BY id"
    return "MergeTree ORDER BY tuple()"


def _table_copy(duck: duckdb.DuckDBPyConnection, target: Transport, name: str) -> int:
    reader = duck.sql(f'SELECT * FROM "{name}"').to_arrow_reader(BATCH_ROWS)
    schema = pa.schema(
        [
            pa.field(f.name, pa.float64()) if pa.types.is_decimal(f.type) else f
            for f in reader.schema
        ]
    )
    columns = ", ".join(f"`{f.name}` {arrow_type_clickhouse(f.type)}" for f in schema)
    staging = f"{name}__next"
    target.command(f"DROP TABLE IF EXISTS {staging}")
    target.command(
        f"CREATE TABLE {staging} ({columns}) ENGINE = "
        f"{_engine_clause(name, schema.names)} SETTINGS allow_nullable_key = 1"
    )
    rows = 0
    for batch in reader:
        if batch.num_rows:
            target.insert_arrow(staging, pa.Table.from_batches([_plain(batch)]))
            rows += batch.num_rows
    target.command(f"CREATE TABLE IF NOT EXISTS {name} AS {staging}")
    target.command(f"EXCHANGE TABLES {staging} AND {name}")
    target.command(f"DROP TABLE IF EXISTS {staging}")
    return rows


def copy_mirror(duck: duckdb.DuckDBPyConnection, target: Transport) -> dict[str, int]:
    """Load every table of the DuckDB copy into ClickHouse; rows per table."""
    started = time.monotonic()
    names = [
        r[0]
        for r in duck.execute(
            "SELECT table_name FROM duckdb_tables() WHERE NOT temporary ORDER BY table_name"
        ).fetchall()
    ]
    rows = {name: _table_copy(duck, target, name) for name in names}
    logger.info(
        "analytics copy mirrored to ClickHouse: %d tables, %d rows in %.1f s",
        len(rows),
        sum(rows.values()),
        time.monotonic() - started,
    )
    return rows
