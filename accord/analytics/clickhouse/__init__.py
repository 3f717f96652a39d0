"""The analytics copy on ClickHouse: the same runners, another engine.

``ACCORD_ANALYTICS_ENGINE`` (setting ``ANALYTICS_ENGINE``) names the engine the reports
read: ``duckdb`` (default, embedded) or ``clickhouse`` — a server when
``ACCORD_CLICKHOUSE_URL`` (``ANALYTICS_CLICKHOUSE_URL``) names one
(``http://user:password@host:8123/database``), else chDB, the embedded ClickHouse, in a
folder next to the DuckDB file. ``accord.analytics.engine.reader`` is the one dispatch
point: it hands the runners a ``ClickHouseConnection`` that takes their DuckDB SQL
(``dialect``), and ``engine.writer`` opens a batch of change notes before every write of the
copy (``writing``; ``changes``) and feeds ClickHouse what it changed after it (``mirror``;
``feed``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings

DUCKDB = "duckdb"
CLICKHOUSE = "clickhouse"


class ChdbInUse(RuntimeError):
    """Another process has the embedded ClickHouse (chDB) copy open: chDB serves one
    process at a time (several processes read a ClickHouse server)."""


ENGINES = (DUCKDB, CLICKHOUSE)


def engine_name() -> str:
    name = (getattr(settings, "ANALYTICS_ENGINE", "") or DUCKDB).lower()
    if name not in ENGINES:
        raise ValueError(f"ACCORD_ANALYTICS_ENGINE must be one of {', '.join(ENGINES)}")
    return name


def server_url() -> str:
    return getattr(settings, "ANALYTICS_CLICKHOUSE_URL", "") or ""


def chdb_path(duckdb_file: Path) -> Path:
    return duckdb_file.with_suffix(".chdb")


def transport(duckdb_file: Path):  # -> connection.Transport
    # Deferred: connection imports pyarrow and chDB (optional, large); DuckDB users skip it.
    from accord.analytics.clickhouse.connection import ChdbTransport, ServerTransport

    url = server_url()
    return ServerTransport(url) if url else ChdbTransport(chdb_path(duckdb_file))


@contextmanager
def reader(duckdb_file: Path) -> Iterator[object]:
    # Deferred: pyarrow and chDB are loaded only when the engine is ClickHouse.
    from accord.analytics.clickhouse.connection import ClickHouseConnection

    connection = ClickHouseConnection(transport(duckdb_file))
    try:
        yield connection
    finally:
        connection.close()


def writing(duck) -> None:
    """Before a write of the copy (open on ``duck``): note its changes for the next feed
    while the engine is ClickHouse; with DuckDB, forget any notes (a later switch to
    ClickHouse then reloads everything rather than trust notes with a gap)."""
    from accord.analytics.clickhouse import changes  # duckdb and pandas only

    if engine_name() == CLICKHOUSE:
        changes.batch_begin(duck)
    else:
        changes.forget(duck)


def mirror(duck, duckdb_file: Path, *, full: bool = False):  # -> feed.FeedReport
    """Feed ClickHouse what the copy (open on ``duck``) changed since its last feed (the
    whole copy when ``full``, or when ClickHouse's record does not continue this copy)."""
    # Deferred: pyarrow and chDB are loaded only when the engine is ClickHouse.
    from accord.analytics.clickhouse.feed import feed

    return feed(duck, transport(duckdb_file), full=full)
