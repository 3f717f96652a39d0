"""Every write of the copy: under the lease, on an up-to-date working file, then published.

``copy_writing`` is the one way to write the analytics copy (the sync, the corrections of an
erasure or a channel regroup):

1. it takes the copy's lease (``lease``), so one node writes at a time;
2. it makes sure the working file continues the latest published snapshot: the file records
   the snapshot it last published or came from (``copy_meta.base``); when another node has
   published since (the lease moved), or this node has no working file yet, the latest
   snapshot is fetched as the new working file, and the incremental sync goes on from its
   watermarks;
3. it yields the read-write connection; the caller sets ``changed`` when it wrote rows;
4. when the copy holds unpublished changes and the last publish is at least
   ``ANALYTICS_SNAPSHOT_EVERY_SECONDS`` old (or ``publish_now``), it publishes the working
   file as a snapshot (``accord.analytics.snapshots``), switching the manifest only while
   the lease is still held; then old snapshots are collected.

A publish copies the whole working file: on one machine the default (every sync that wrote
something) costs what bench/analytics_snapshots.py measures per size; a large copy read by
many nodes publishes every few minutes instead, the worker's minute sync still keeping the
working file current.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import duckdb
from django.conf import settings

from accord.analytics import engine
from accord.analytics.snapshots import (
    Manifest,
    SnapshotStore,
    snapshot_id_new,
    snapshots_collect,
)
from accord.analytics.sync.lease import copy_lease, lease_confirm

logger = logging.getLogger(__name__)

META = "copy_meta"


@dataclass
class CopyWrite:
    con: duckdb.DuckDBPyConnection
    #: Set by the caller when it wrote something readers should see.
    changed: bool = False
    #: The snapshot this write published, if it did.
    published: Manifest | None = None


def _setting(name: str, default: float) -> float:
    return float(getattr(settings, name, default))


def _meta(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    con.execute(f"CREATE TABLE IF NOT EXISTS {META} (key VARCHAR PRIMARY KEY, value VARCHAR)")
    return dict(con.execute(f"SELECT key, value FROM {META}").fetchall())


def _meta_set(con: duckdb.DuckDBPyConnection, **values: str) -> None:
    for key, value in values.items():
        con.execute(f"INSERT OR REPLACE INTO {META} VALUES (?, ?)", [key, value])


def copy_built() -> bool:
    """Whether there is a copy to correct (a working file here, or a published snapshot)."""
    return engine.duckdb_path().exists() or engine.snapshot_store().manifest() is not None


def _working_fetch(store: SnapshotStore, latest: Manifest) -> None:
    """Make the latest snapshot the working file (it continues from its watermarks)."""
    logger.info("analytics copy: fetching snapshot %s as the working file", latest.snapshot_id)
    working = engine.duckdb_path()
    working.parent.mkdir(parents=True, exist_ok=True)
    working.with_name(f"{working.name}.wal").unlink(missing_ok=True)
    if store.get_file(latest.file, working) != latest.sha256:
        working.unlink()
        raise OSError(f"snapshot {latest.snapshot_id}: checksum mismatch")


def _working_base() -> str | None:
    """The snapshot the working file last published or came from (None: no working file),
    read on a read-only connection: closing the writer's connection feeds ClickHouse
    (``engine.writer``), and a stale file must not feed it."""
    if not engine.duckdb_path().exists():
        return None
    with engine.working_peek() as con:
        found = con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [META]
        ).fetchall()[0][0]
        if not found:
            return ""
        return dict(con.execute(f"SELECT key, value FROM {META}").fetchall()).get("base", "")


@contextmanager
def _working_current(store: SnapshotStore, latest: Manifest | None) -> Iterator[Any]:
    """The writer's connection to a working file that continues the latest snapshot."""
    if latest is not None and _working_base() != latest.snapshot_id:
        # No working file yet, or another node published since this one last did.
        _working_fetch(store, latest)
    with engine.writer() as con:
        yield con


def _tables_count(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    names = [
        r[0]
        for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE NOT temporary ORDER BY table_name"
        ).fetchall()
    ]
    return {n: con.execute(f'SELECT count(*) FROM "{n}"').fetchall()[0][0] for n in names}


def _publish(con: duckdb.DuckDBPyConnection, store: SnapshotStore, token: str) -> Manifest:
    previous = _meta(con).get("base", "")
    snapshot_id = snapshot_id_new(datetime.now(UTC))
    _meta_set(con, base=snapshot_id, changed="0")
    # Everything in the main file, nothing in the WAL: the file alone is the snapshot.
    con.execute("CHECKPOINT")
    try:
        return store.publish(
            engine.duckdb_path(),
            tables=_tables_count(con),
            snapshot_id=snapshot_id,
            before_switch=lambda: lease_confirm(token),
        )
    except BaseException:
        _meta_set(con, base=previous, changed="1")
        raise


@contextmanager
def copy_writing(*, wait: float | None = None, publish_now: bool = False) -> Iterator[CopyWrite]:
    """Write the copy under the lease and publish it when due (see the module docstring).

    Raises ``AnalyticsBusy`` when another node holds the lease for longer than ``wait``
    seconds (default ``ANALYTICS_LOCK_WAIT_SECONDS``).
    """
    wait = engine._lock_wait() if wait is None else wait
    with copy_lease(wait=wait) as token:
        store = engine.snapshot_store()
        latest = store.manifest()
        with _working_current(store, latest) as con:
            write = CopyWrite(con)
            yield write
            meta = _meta(con)
            if write.changed:
                _meta_set(con, changed="1")
            built = con.execute(
                "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'sync_state'"
            ).fetchall()[0][0]
            pending = write.changed or meta.get("changed") == "1" or latest is None
            every = timedelta(seconds=_setting("ANALYTICS_SNAPSHOT_EVERY_SECONDS", 0))
            due = publish_now or latest is None or datetime.now(UTC) - latest.created >= every
            if built and pending and due:
                write.published = _publish(con, store, token)
            elif built and not pending and latest is not None:
                lease_confirm(token)
                store.checked(latest, datetime.now(UTC))
        removed = snapshots_collect(
            store,
            keep=1 if publish_now else int(_setting("ANALYTICS_SNAPSHOT_KEEP", 3)),
            grace=timedelta(seconds=_setting("ANALYTICS_SNAPSHOT_GRACE_SECONDS", 600)),
        )
        if removed:
            logger.info("analytics copy: snapshots collected: %s", ", ".join(removed))
