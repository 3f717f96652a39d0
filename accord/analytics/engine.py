"""Connections to the analytics copy: one working DuckDB file, published snapshots for readers.

DuckDB lets one process open a database file read-write, or any number of processes open it
read-only, but not both at once (https://duckdb.org/docs/current/connect/concurrency), and
only on one machine. So the copy lives twice:

- the working file (``duckdb_path()``) belongs to the one writer: the sync, run by the worker
  every minute or by ``accord analytics sync``, on whichever node holds the copy's lease
  (``accord.analytics.sync.lease``); it opens the file read-write (``writer``);
- after a sync that changed something, the writer publishes the file as an immutable
  snapshot with a manifest switched last (``accord.analytics.snapshots``), in a local
  directory by default or a shared filesystem or object store (``ANALYTICS_SNAPSHOT_URL``);
- every report opens the latest snapshot read-only (``reader``), in place or from a local
  replica. Nobody writes a published file, so readers never wait for the writer and the
  writer never waits for readers.

Opening the working file is still retried for up to ``ANALYTICS_LOCK_WAIT_SECONDS`` when
another process of the same machine holds it (a process that took the lease just after
another released it may find DuckDB still closing the file).
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import cast

import duckdb
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from accord.analytics import clickhouse
from accord.analytics.snapshots import SnapshotStore, latest_manifest
from accord.core.errors import DomainError

logger = logging.getLogger(__name__)

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


def snapshot_store() -> SnapshotStore:
    """Where the copy is published and read: ``ANALYTICS_SNAPSHOT_URL`` (a path, or an fsspec
    URL such as ``s3://bucket/accord``), by default a directory next to the working file.
    Readers of a store that is not a local path (or whose ``ANALYTICS_SNAPSHOT_REPLICA_DIR``
    is set) open a local replica, downloaded once per snapshot."""
    working = duckdb_path()
    url = getattr(settings, "ANALYTICS_SNAPSHOT_URL", "") or str(
        working.with_name(f"{working.stem}-snapshots")
    )
    replica = getattr(settings, "ANALYTICS_SNAPSHOT_REPLICA_DIR", "")
    if not replica and "://" in url and not url.startswith("file://"):
        replica = str(Path(settings.VAR_DIR) / "analytics-replicas")
    return SnapshotStore(url, replica_dir=Path(replica) if replica else None)


def _snapshot_open() -> duckdb.DuckDBPyConnection:
    """The latest published snapshot, read-only; ``AnalyticsNotReady`` before the first."""
    store = snapshot_store()
    for attempt in range(2):
        manifest = latest_manifest(store, fresh=bool(attempt))
        if manifest is None:
            raise AnalyticsNotReady(
                str(_("The analytics copy is not built yet: run `accord analytics sync`."))
            )
        try:
            connection = duckdb.connect(str(store.local_file(manifest)), read_only=True)
        except (duckdb.IOException, OSError):
            # Collected between reading the manifest and opening it (a reader that slept
            # through the grace period): the manifest names a newer one by now.
            if attempt:
                raise
            continue
        if manifest.checked_at:  # the copy was current then (``sync.data_as_of`` reads it)
            checked = datetime.fromisoformat(manifest.checked_at).astimezone(UTC)
            connection.execute(
                f"SET VARIABLE accord_checked_at = TIMESTAMP '{checked:%Y-%m-%d %H:%M:%S.%f}'"
            )
        return connection
    raise AssertionError("unreachable")


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
    """A read-only connection to the latest snapshot for one report; raises
    ``AnalyticsNotReady`` before the first sync."""
    if clickhouse.engine_name() == clickhouse.CLICKHOUSE:
        path = duckdb_path()
        if not path.exists():
            raise AnalyticsNotReady(
                str(_("The analytics copy is not built yet: run `accord analytics sync`."))
            )
        # The same runners on ClickHouse: a connection that speaks the DuckDB subset they use.
        with ExitStack() as opened:
            try:
                mirrored = opened.enter_context(clickhouse.reader(path))
            except clickhouse.ChdbInUse as error:
                raise AnalyticsBusy(
                    str(
                        _(
                            "The embedded ClickHouse copy is open in another process (chDB "
                            "serves one process at a time). Set ACCORD_CLICKHOUSE_URL to a "
                            "ClickHouse server to read it from the web and the worker at once."
                        )
                    )
                ) from error
            yield cast(duckdb.DuckDBPyConnection, mirrored)
        return
    connection = _snapshot_open()
    try:
        yield connection
    except duckdb.CatalogException as error:
        # A copy written by an older release lacks a table this one reads until the next
        # sync (each minute) adds it: say so, rather than fail the page. Anything else
        # missing (a column, a function) is a bug and propagates.
        if "Table with name" not in str(error):
            raise
        logger.warning("The analytics copy lacks a table until its next sync: %s", error)
        raise AnalyticsNotReady(
            str(_("The analytics copy is being brought up to date; try again in a minute."))
        ) from error
    finally:
        connection.close()


@contextmanager
def working_peek() -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to the working file, for the writer's own checks before it
    writes (closing it feeds nothing, unlike ``writer``)."""
    connection = _open(duckdb_path(), read_only=True)
    try:
        yield connection
    finally:
        connection.close()


@contextmanager
def writer() -> Iterator[duckdb.DuckDBPyConnection]:
    """The read-write connection to the working file (the sync, holding the lease)."""
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
        clickhouse.writing(connection)
        yield connection
        if clickhouse.engine_name() == clickhouse.CLICKHOUSE:
            clickhouse.mirror(connection, path)
    finally:
        connection.close()
