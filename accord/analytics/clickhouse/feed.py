"""Feeding ClickHouse from the DuckDB copy, incrementally: after each write, what it changed.

The sync keeps writing the DuckDB copy (it holds the watermarks, the derived lead facts and
touch paths, and the incremental logic); when the engine is ClickHouse, each write of the
copy ends with a feed (``feed``) that sends ClickHouse only what changed:

- tables with a key (the copy's append-only and mutable tables by ``id``, the touch paths by
  ``contact_id``) are ``ReplacingMergeTree(_version, _deleted) ORDER BY key``. A feed inserts
  the rows above the table's id watermark (append-only tables) and the rows whose keys the
  write noted (``changes``: re-read, stitched, regrouped, moved by a deal; mutable rows
  always), with the feed's number as ``_version``; a noted key gone from the copy gets a
  tombstone (``_deleted = 1``). Readers see the latest version of each key and no deleted
  one: the connection sets ``final = 1`` (FINAL on every table of every query), so a row
  rewritten before ClickHouse merged its parts is never counted twice (ClickHouse's own
  recommendation for frequent updates, rather than mutations:
  https://clickhouse.com/docs/guides/developer/mutations). The old versions of removed rows
  are also deleted by an ``ALTER TABLE … DELETE`` mutation, which rewrites the parts that
  held them: an erased person leaves the disk, not only the answers
  (https://clickhouse.com/docs/sql-reference/statements/delete);
- small tables without a key (reference tables, the daily traffic, the sync state) are
  reloaded whole when their fingerprint (row count, sum of row hashes) changed;
- a table is reloaded whole (a new table exchanged for the old one) when it is new to
  ClickHouse, its columns changed, or the write rebuilt it; the whole copy (``full``) on the
  first feed, after a full sync, with ``accord analytics feed --full``, and whenever
  ClickHouse's record of what it was fed (``accord_feed_state``: the last batch, watermarks,
  fingerprints, columns) does not continue this copy's batches (another node's copy, a
  snapshot older than the feed, a ClickHouse that lost its state).

``_version`` and ``_deleted`` are MATERIALIZED columns: ``SELECT *`` (and ``t.*``) in the
runners does not return them.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

import duckdb
import pyarrow as pa

from accord.analytics.clickhouse import changes
from accord.analytics.clickhouse.connection import Transport, arrow_type_clickhouse
from accord.analytics.sync.derived import TOUCH_PATHS
from accord.analytics.sync.tables import APPEND, MUTABLE, TABLE_BY_NAME

logger = logging.getLogger(__name__)

BATCH_ROWS = 1_000_000
STATE = "accord_feed_state"
VERSION, DELETED = "_version", "_deleted"


@dataclass
class FeedReport:
    full: bool
    #: Rows sent per table (new or changed rows and tombstones, or the whole table).
    rows: dict[str, int] = field(default_factory=dict)
    #: Tables reloaded whole.
    reloaded: list[str] = field(default_factory=list)
    seconds: float = 0.0


@dataclass
class TableState:
    last_id: int = 0
    fingerprint: str = ""
    columns: str = ""


def table_key(name: str) -> str | None:
    """The column a table is kept by in ClickHouse (None: a small table, reloaded whole)."""
    table = TABLE_BY_NAME.get(name)
    if table is not None and table.kind in (APPEND, MUTABLE):
        return "id"
    if name == TOUCH_PATHS:
        return "contact_id"
    return None


def _plain(batch: pa.RecordBatch, version: int, deleted: int = 0) -> pa.Table:
    """Decimals as doubles (the ClickHouse columns are Float64, as the reports read them),
    and the row's version and deletion flag."""
    columns, fields = [], []
    for column, f in zip(batch.columns, batch.schema, strict=True):
        if pa.types.is_decimal(f.type):
            column = column.cast(pa.float64())
            f = pa.field(f.name, pa.float64())
        columns.append(column)
        fields.append(f)
    n = batch.num_rows
    columns += [pa.array([version] * n, pa.uint64()), pa.array([deleted] * n, pa.uint8())]
    fields += [pa.field(VERSION, pa.uint64()), pa.field(DELETED, pa.uint8())]
    return pa.Table.from_arrays(columns, schema=pa.schema(fields))


def _clickhouse_columns(schema: pa.Schema) -> str:
    return ", ".join(
        f"`{f.name}` "
        + arrow_type_clickhouse(pa.float64() if pa.types.is_decimal(f.type) else f.type)
        for f in schema
    )


def _create(target: Transport, name: str, schema: pa.Schema, key: str | None) -> None:
    hidden = f", `{VERSION}` UInt64 MATERIALIZED 0, `{DELETED}` UInt8 MATERIALIZED 0"
    if key is not None:
        engine = f"ReplacingMergeTree({VERSION}, {DELETED}) ORDER BY `{key}`"
    else:
        engine = "MergeTree ORDER BY tuple()"
    target.command(
        f"CREATE TABLE {name} ({_clickhouse_columns(schema)}{hidden}) ENGINE = {engine} "
        "SETTINGS allow_nullable_key = 1"
    )


def _send(target: Transport, name: str, reader: pa.RecordBatchReader, version: int) -> int:
    rows = 0
    for batch in reader:
        if batch.num_rows:
            target.insert_arrow(name, _plain(batch, version))
            rows += batch.num_rows
    return rows


def _table_reload(
    duck: duckdb.DuckDBPyConnection, target: Transport, name: str, version: int
) -> int:
    """The whole table into a new ClickHouse table that then takes the old one's place
    (``EXCHANGE TABLES``, atomic per table)."""
    reader = duck.sql(f'SELECT * FROM "{name}"').to_arrow_reader(BATCH_ROWS)
    staging = f"{name}__next"
    target.command(f"DROP TABLE IF EXISTS {staging}")
    _create(target, staging, reader.schema, table_key(name))
    rows = _send(target, staging, reader, version)
    target.command(f"CREATE TABLE IF NOT EXISTS {name} AS {staging}")
    target.command(f"EXCHANGE TABLES {staging} AND {name}")
    target.command(f"DROP TABLE IF EXISTS {staging}")
    return rows


def _table_changes(
    duck: duckdb.DuckDBPyConnection,
    target: Transport,
    name: str,
    *,
    key: str,
    since: int,
    last_id: int | None,
    newest: int,
    version: int,
) -> int:
    """The rows above ``last_id`` (append-only tables; ``newest`` is the copy's highest id)
    and the noted ones, as version ``version``; a tombstone for each noted key the copy no
    longer has."""
    rows = 0
    if last_id is not None and newest > last_id:
        # New rows of an append-only table: the scan skips row groups below the watermark.
        reader = duck.sql(f'SELECT * FROM "{name}" WHERE "{key}" > {int(last_id)}')
        rows += _send(target, name, reader.to_arrow_reader(BATCH_ROWS), version)
    noted = changes.keys_select(name, since)
    if not duck.execute(f"SELECT count(*) FROM ({noted})").fetchall()[0][0]:
        return rows
    duck.execute(f"CREATE OR REPLACE TEMP TABLE feed_keys AS {noted}")
    try:
        above = "" if last_id is None else f' AND t."{key}" <= {int(last_id)}'
        reader = duck.sql(
            f'SELECT t.* FROM "{name}" t SEMI JOIN feed_keys k ON t."{key}" = k.key{above}'
        ).to_arrow_reader(BATCH_ROWS)
        schema = reader.schema
        rows += _send(target, name, reader, version)
        gone = [
            r[0]
            for r in duck.execute(
                f'SELECT k.key FROM feed_keys k ANTI JOIN "{name}" t ON t."{key}" = k.key'
            ).fetchall()
        ]
    finally:
        duck.execute("DROP TABLE IF EXISTS feed_keys")
    if gone:
        tombstones = pa.RecordBatch.from_arrays(
            [
                pa.array(gone, f.type) if f.name == key else pa.nulls(len(gone), f.type)
                for f in schema
            ],
            schema=schema,
        )
        target.insert_arrow(name, _plain(tombstones, version, deleted=1))
        listed = ", ".join(str(int(k)) for k in gone)
        # The older versions leave the disk too (a mutation; parts inserted after it, such
        # as the tombstones and any later row with the same key, are not touched).
        target.command(f"ALTER TABLE {name} DELETE WHERE {DELETED} = 0 AND `{key}` IN ({listed})")
        rows += len(gone)
    return rows


def _fingerprint(duck: duckdb.DuckDBPyConnection, name: str) -> str:
    count, total = duck.execute(
        f'SELECT count(*), coalesce(sum(hash(t)), 0) FROM "{name}" t'
    ).fetchall()[0]
    return f"{count}:{total}"


def _copy_columns(duck: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Each table of the copy (but the feed's own notes) and its columns, as text."""
    rows = duck.execute(
        "SELECT c.table_name, string_agg(c.column_name || ' ' || c.data_type, ', ' "
        "ORDER BY c.column_index) FROM duckdb_columns() c JOIN duckdb_tables() t "
        "ON t.table_oid = c.table_oid WHERE NOT t.temporary AND NOT c.internal "
        "GROUP BY c.table_name ORDER BY c.table_name"
    ).fetchall()
    return {name: columns for name, columns in rows if name not in changes.TABLES}


def _state_read(target: Transport) -> tuple[int, int, str, dict[str, TableState]] | None:
    """ClickHouse's record of its last feed: (feed, batch, token, per table), or None."""
    exists = (
        target.query_arrow(
            f"SELECT count() AS n FROM system.tables WHERE database = currentDatabase() "
            f"AND name = '{STATE}'"
        )
        .column(0)[0]
        .as_py()
    )
    if not exists:
        return None
    rows = target.query_arrow(
        f"SELECT feed, table_name, last_id, fingerprint, columns, batch, token FROM {STATE} "
        f"FINAL WHERE feed = (SELECT max(feed) FROM {STATE})"
    ).to_pylist()
    header = [r for r in rows if r["table_name"] == ""]
    if not header:
        return None
    tables = {
        r["table_name"]: TableState(r["last_id"], r["fingerprint"], r["columns"])
        for r in rows
        if r["table_name"]
    }
    return header[0]["feed"], header[0]["batch"], header[0]["token"], tables


def _state_write(
    target: Transport, feed: int, batch: tuple[int, str], tables: dict[str, TableState]
) -> None:
    target.command(
        f"CREATE TABLE IF NOT EXISTS {STATE} (feed UInt64, table_name String, last_id Int64, "
        "fingerprint String, columns String, batch Int64, token String) "
        "ENGINE = ReplacingMergeTree(feed) ORDER BY table_name"
    )
    names = ["", *tables]
    states = [TableState(), *tables.values()]
    target.insert_arrow(
        STATE,
        pa.table(
            {
                "feed": pa.array([feed] * len(names), pa.uint64()),
                "table_name": names,
                "last_id": pa.array([s.last_id for s in states], pa.int64()),
                "fingerprint": [s.fingerprint for s in states],
                "columns": [s.columns for s in states],
                "batch": pa.array([batch[0]] * len(names), pa.int64()),
                "token": [batch[1]] * len(names),
            }
        ),
    )


def _clickhouse_tables(target: Transport) -> set[str]:
    return set(
        target.query_arrow("SELECT name FROM system.tables WHERE database = currentDatabase()")
        .column(0)
        .to_pylist()
    )


def feed(duck: duckdb.DuckDBPyConnection, target: Transport, *, full: bool = False) -> FeedReport:
    """Send ClickHouse what the copy (open on ``duck``) changed since its last feed (every
    table when ``full``, or when ClickHouse's record does not continue this copy)."""
    started = time.monotonic()
    batch = changes.latest(duck)
    if batch is None:  # a copy written while the engine was DuckDB: number from here on
        changes.batch_begin(duck)
        changes.note_whole(duck)
        batch = changes.latest(duck)
        assert batch is not None
    # Read even for a full reload: the feed number (the rows' version) only ever grows.
    state = _state_read(target)
    if state is not None:
        fed, since, token, tables = state
        full = (
            full
            or not changes.holds(duck, since, token)
            or changes.EVERYTHING in changes.whole_tables(duck, since)
        )
    else:
        fed, since, tables, full = 0, 0, {}, True
    version = fed + 1
    report = FeedReport(full=full)
    rebuilt = set() if full else changes.whole_tables(duck, since)
    present = _clickhouse_tables(target)
    written: dict[str, TableState] = {}
    for name, columns in _copy_columns(duck).items():
        key = table_key(name)
        old = tables.get(name)
        now = TableState(columns=columns)
        reload = full or old is None or old.columns != columns or name in rebuilt
        reload = reload or name not in present
        if key is None:
            now.fingerprint = _fingerprint(duck, name)
            reload = reload or (old is not None and old.fingerprint != now.fingerprint)
        append = TABLE_BY_NAME[name].kind == APPEND if name in TABLE_BY_NAME else False
        newest = 0
        if append:
            newest = int(duck.execute(f'SELECT max(id) FROM "{name}"').fetchall()[0][0] or 0)
            now.last_id = max(newest, 0 if reload or old is None else old.last_id)
        if reload:
            report.rows[name] = _table_reload(duck, target, name, version)
            report.reloaded.append(name)
        elif key is not None:
            assert old is not None
            report.rows[name] = _table_changes(
                duck,
                target,
                name,
                key=key,
                since=since,
                last_id=old.last_id if append else None,
                newest=newest,
                version=version,
            )
        written[name] = now
    for name in set(tables) - set(written):  # dropped from the copy since
        target.command(f"DROP TABLE IF EXISTS {name}")
    # Last: a feed interrupted before this line is sent again (rows replace themselves).
    _state_write(target, version, batch, written)
    changes.prune(duck, batch[0])
    report.seconds = time.monotonic() - started
    logger.info(
        "analytics copy fed to ClickHouse (%s) in %.2f s: %d rows, %d tables reloaded",
        "full" if full else "incremental",
        report.seconds,
        sum(report.rows.values()),
        len(report.reloaded),
    )
    return report


def copy_mirror(duck: duckdb.DuckDBPyConnection, target: Transport) -> dict[str, int]:
    """Load every table of the DuckDB copy into ClickHouse; rows per table."""
    return feed(duck, target, full=True).rows
