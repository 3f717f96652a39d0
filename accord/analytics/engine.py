"""Connections to the analytics copy: one DuckDB file, one writer, many readers.

DuckDB lets one process open a database file read-write, or any number of processes open it
read-only, but not both at once (https://duckdb.org/docs/current/connect/concurrency). Accord
runs several web processes (gunicorn) and a worker, so:

- the only writer is the sync (``accord.analytics.sync``), run by the worker every minute or
  by ``accord analytics sync``; it opens the file read-write for the sync and closes it;
- every report opens the file read-only for one query and closes it.

Connections are therefore short-lived on both sides and the file lock is held only while
one sync or one report runs. When the other side holds the lock, opening is retried with a
short back-off for up to ``ANALYTICS_LOCK_WAIT_SECONDS``; a sync of a minute's changes
takes well under a second, a report under one second, so the wait is short in practice.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import cast

import duckdb
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from accord.analytics import clickhouse
from accord.core.errors import DomainError

DEFAULT_LOCK_WAIT_SECONDS = 30.0


class AnalyticsNotReady(DomainError):
    """The analytics copy has not been built yet (no sync has run)."""

    code = "analytics_not_ready"
    status = 503


class AnalyticsBusy(DomainError):
    """The analytics copy stayed locked by another process for longer than the wait."""

    code = "analytics_busy"
    status = 503


def duckdb_path() -> Path:
    configured = getattr(settings, "ANALYTICS_DUCKDB_PATH", None)
    return Path(configured) if configured else Path(settings.VAR_DIR) / "analytics.duckdb"


def _lock_wait() -> float:
    return float(getattr(settings, "ANALYTICS_LOCK_WAIT_SECONDS", DEFAULT_LOCK_WAIT_SECONDS))


def _is_lock_conflict(error: duckdb.Error) -> bool:
    text = str(error).lower()
    return "lock" in text or "conflicting" in text or "different configuration" in text


def _open(path: Path, *, read_only: bool) -> duckdb.DuckDBPyConnection:
    deadline = time.monotonic() + _lock_wait()
    delay = 0.02
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.IOException as error:
            if not _is_lock_conflict(error) or time.monotonic() >= deadline:
                if _is_lock_conflict(error):
                    raise AnalyticsBusy(
                        str(_("The analytics copy is busy; try again in a moment."))
                    ) from error
                raise
        # Jitter keeps several web processes from retrying in lock-step.
        time.sleep(delay * (0.5 + random.random()))
        delay = min(delay * 2, 0.5)


@contextmanager
def reader() -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection for one report; raises ``AnalyticsNotReady`` before a sync."""
    path = duckdb_path()
    if not path.exists():
        raise AnalyticsNotReady(
            str(_("The analytics copy is not built yet: run `accord analytics sync`."))
        )
    if clickhouse.engine_name() == clickhouse.CLICKHOUSE:
        # The same runners on ClickHouse: a connection that speaks the DuckDB subset they use.
        with clickhouse.reader(path) as mirrored:
            yield cast(duckdb.DuckDBPyConnection, mirrored)
        return
    connection = _open(path, read_only=True)
    try:
        yield connection
    finally:
        connection.close()


@contextmanager
def writer() -> Iterator[duckdb.DuckDBPyConnection]:
    """The read-write connection of the sync (the one writer)."""
    path = duckdb_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    connection = _open(path, read_only=False)
    # The sync appends in id order itself; not preserving insertion order lets DuckDB
    # stream large inserts with less memory. The limit keeps a full build of a large
    # company well inside a small server (DuckDB spills to disk beyond it).
    connection.execute("SET preserve_insertion_order = false")
    connection.execute(
        f"SET memory_limit = '{getattr(settings, 'ANALYTICS_SYNC_MEMORY_LIMIT', '2GB')}'"
    )
    try:
        yield connection
        if clickhouse.engine_name() == clickhouse.CLICKHOUSE:
            clickhouse.mirror(connection, path)
    finally:
        connection.close()
