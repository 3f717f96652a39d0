"""A connection to the ClickHouse copy that answers like the DuckDB one the runners use.

The runners call ``execute(sql, params)`` with DuckDB text, then ``fetchall()`` or
``fetchnumpy()``, and (attribution) ``register``/``unregister`` a small frame. This class
does the same on ClickHouse: the text goes through ``dialect.clickhouse_sql``, the answer
comes back as Arrow and is turned into the Python values DuckDB returns (naive UTC
datetimes, NULL as ``None``, masked numpy arrays where a column holds NULLs).

Two transports, one behaviour: chDB (embedded, one session per process on a local path) and
a ClickHouse server through clickhouse-connect (``ACCORD_CLICKHOUSE_URL``). Only the
transport differs; the SQL and the conversions are the same.
"""

from __future__ import annotations

import math
import re
import tempfile
import threading
import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from accord.analytics.clickhouse import ChdbInUse
from accord.analytics.clickhouse.dialect import clickhouse_sql

#: ClickHouse settings that make its answers DuckDB's: an outer join's missing side is NULL
#: (not 0 or ''), a sum of no rows is NULL, timestamps are UTC.
SETTINGS = {
    "join_use_nulls": 1,
    "aggregate_functions_null_for_empty": 1,
    "session_timezone": "UTC",
    "cast_keep_nullable": 1,
    "allow_experimental_join_condition": 1,
    # FINAL on every table a query reads: the fed tables keep each row's versions until
    # ClickHouse merges them (``feed``); a report sees the latest one, deleted rows none.
    "final": 1,
}
#: Inserts name the fed tables' hidden version columns (``feed``: MATERIALIZED, so that
#: ``SELECT *`` leaves them out).
INSERT_SETTINGS = {"insert_allow_materialized_columns": 1}

_chdb_lock = threading.RLock()
_chdb_sessions: dict[str, Any] = {}


def chdb_session(path: Path) -> Any:
    """The process's chDB session on ``path`` (chDB keeps one session per process)."""
    from chdb import session as chdb_session_module

    key = str(path)
    with _chdb_lock:
        found = _chdb_sessions.get(key)
        if found is None:
            for other in list(_chdb_sessions):
                _chdb_sessions.pop(other).close()
            path.mkdir(parents=True, exist_ok=True)
            try:
                found = chdb_session_module.Session(key)
            except RuntimeError as error:
                # chDB's own words for a path another process holds.
                if "EmbeddedServer" in str(error):
                    raise ChdbInUse(str(error)) from error
                raise
            _chdb_sessions[key] = found
        return found


def chdb_close_all() -> None:
    with _chdb_lock:
        for key in list(_chdb_sessions):
            _chdb_sessions.pop(key).close()


class Transport:
    """Runs ClickHouse text, answers Arrow; loads Arrow tables."""

    def query_arrow(self, sql: str) -> pa.Table:
        raise NotImplementedError

    def command(self, sql: str) -> None:
        raise NotImplementedError

    def insert_arrow(self, table: str, data: pa.Table) -> None:
        raise NotImplementedError


class ChdbTransport(Transport):
    def __init__(self, path: Path) -> None:
        self.session = chdb_session(path)
        self.suffix = " SETTINGS " + ", ".join(
            f"{k} = {v!r}" if isinstance(v, str) else f"{k} = {v}" for k, v in SETTINGS.items()
        )

    def query_arrow(self, sql: str) -> pa.Table:
        # One query at a time per session (threaded web servers share the process's session).
        with _chdb_lock:
            return self.session.query(sql + self.suffix, "ArrowTable")

    def command(self, sql: str) -> None:
        with _chdb_lock:
            self.session.query(sql)

    def insert_arrow(self, table: str, data: pa.Table) -> None:
        # chDB reads a local Parquet file (the embedded engine shares the machine).
        with tempfile.TemporaryDirectory(prefix="accord-chdb-") as folder:
            path = Path(folder) / "rows.parquet"
            pq.write_table(data, path)
            columns = ", ".join(f"`{name}`" for name in data.column_names)
            self.command(
                f"INSERT INTO {table} ({columns}) SELECT * FROM file('{path}', Parquet)"
                " SETTINGS input_format_parquet_allow_missing_columns = 0, "
                + ", ".join(f"{k} = {v}" for k, v in INSERT_SETTINGS.items())
            )


class ServerTransport(Transport):
    def __init__(self, url: str) -> None:
        import clickhouse_connect

        parsed = urlparse(url)
        self.client = clickhouse_connect.get_client(
            host=parsed.hostname or "localhost",
            port=parsed.port or (8443 if parsed.scheme == "https" else 8123),
            username=parsed.username or "default",
            password=parsed.password or "",
            database=(parsed.path or "/").strip("/") or "default",
            secure=parsed.scheme == "https",
            settings=SETTINGS,
        )

    def query_arrow(self, sql: str) -> pa.Table:
        return self.client.query_arrow(sql)

    def command(self, sql: str) -> None:
        self.client.command(sql)

    def insert_arrow(self, table: str, data: pa.Table) -> None:
        self.client.insert_arrow(table, data, settings=INSERT_SETTINGS)


def _python(value: Any) -> Any:
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.replace(tzinfo=None)
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, list):
        if not value:
            # A list aggregate over no rows: [] in ClickHouse, NULL in DuckDB (whose list()
            # never answers an empty list).
            return None
        items = [_python(v) for v in value]
        # A quantile list of no rows: NaNs in ClickHouse (no NULL arrays), NULL in DuckDB.
        if items and all(v is None for v in items) and any(isinstance(v, float) for v in value):
            return None
        return items
    if isinstance(value, dict):
        return tuple(_python(v) for v in value.values())
    return value


def _numpy(column: pa.ChunkedArray) -> np.ndarray:
    kind = column.type
    if pa.types.is_timestamp(kind):
        column = column.cast(pa.timestamp(kind.unit))
    if pa.types.is_boolean(kind) or pa.types.is_integer(kind) or pa.types.is_floating(kind):
        values = column.to_numpy(zero_copy_only=False)
        if column.null_count:
            mask = column.is_null().to_numpy(zero_copy_only=False)
            filled = column.fill_null(False if pa.types.is_boolean(kind) else 0)
            return np.ma.masked_array(filled.to_numpy(zero_copy_only=False), mask=mask)
        return values
    return column.to_numpy(zero_copy_only=False)


class Result:
    def __init__(self, table: pa.Table) -> None:
        self.table = table

    def fetchall(self) -> list[tuple]:
        columns = [self.table.column(i).to_pylist() for i in range(self.table.num_columns)]
        return [tuple(_python(v) for v in row) for row in zip(*columns, strict=True)]

    def fetchone(self) -> tuple | None:
        rows = self.fetchall()
        return rows[0] if rows else None

    def fetchnumpy(self) -> dict[str, np.ndarray]:
        return {
            name: _numpy(self.table.column(i)) for i, name in enumerate(self.table.column_names)
        }

    def df(self) -> pd.DataFrame:
        """As DuckDB's ``df()``: naive UTC timestamps, NULL as NaN or None."""
        columns = {}
        for name, column in zip(self.table.column_names, self.table.columns, strict=True):
            if pa.types.is_timestamp(column.type):
                column = column.cast(pa.timestamp(column.type.unit))
            columns[name] = column
        return pa.table(columns).to_pandas()


class ClickHouseConnection:
    """The subset of ``duckdb.DuckDBPyConnection`` the runners use, on ClickHouse."""

    def __init__(self, transport: Transport) -> None:
        self.transport = transport
        #: DuckDB name → this connection's ClickHouse table (``register``).
        self.registered: dict[str, str] = {}

    def execute(self, sql: str, params: Mapping[str, Any] | Sequence[Any] | None = None) -> Result:
        for name, unique in self.registered.items():
            sql = re.sub(rf"\b{name}\b", unique, sql)
        return Result(self.transport.query_arrow(clickhouse_sql(sql, params)))

    def register(self, name: str, frame: Any) -> None:
        """A frame as a table for the next queries (DuckDB reads it in place). The table's
        name is unique to this connection: other reports (threads, web nodes sharing a
        server) register theirs at the same time."""
        data = pa.Table.from_pandas(frame, preserve_index=False)
        columns = ", ".join(
            f"`{field.name}` {arrow_type_clickhouse(field.type)}" for field in data.schema
        )
        unique = f"{name}_{uuid.uuid4().hex[:12]}"
        self.transport.command(f"CREATE TABLE {unique} ({columns}) ENGINE = Memory")
        self.registered[name] = unique
        self.transport.insert_arrow(unique, data)

    def unregister(self, name: str) -> None:
        unique = self.registered.pop(name, None)
        if unique:
            self.transport.command(f"DROP TABLE IF EXISTS {unique}")

    def close(self) -> None:
        for name in list(self.registered):
            self.unregister(name)


def arrow_type_clickhouse(kind: pa.DataType) -> str:
    """The ClickHouse column type for an Arrow type (every scalar column Nullable)."""
    if pa.types.is_list(kind) or pa.types.is_large_list(kind):
        return f"Array({arrow_type_clickhouse(kind.value_type)})"
    if pa.types.is_boolean(kind):
        base = "Bool"
    elif pa.types.is_int8(kind) or pa.types.is_int16(kind) or pa.types.is_int32(kind):
        base = "Int32"
    elif pa.types.is_integer(kind):
        base = "Int64"
    elif pa.types.is_floating(kind) or pa.types.is_decimal(kind):
        base = "Float64"
    elif pa.types.is_timestamp(kind):
        base = "DateTime64(6, 'UTC')"
    elif pa.types.is_date(kind):
        base = "Date32"
    elif pa.types.is_string(kind) or pa.types.is_large_string(kind):
        base = "String"
    else:
        raise TypeError(f"No ClickHouse column type for {kind}")
    return f"Nullable({base})"
