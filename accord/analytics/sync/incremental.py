"""Bringing the copy up to date: a full rebuild, or an incremental pass per table kind.

Append-only tables by id watermark, mutable ones by ``updated_at`` (with an overlap for late
commits, deleted rows found by comparing ids), reference tables re-read whole when their
fingerprint changed; leads named by new log rows and touches of re-seen visitors re-read."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import duckdb
import pandas as pd
from django.db import connection

from accord.analytics.clickhouse import changes
from accord.analytics.sync.copy_io import (
    BATCH_ROWS,
    copy_insert,
    id_chunks,
    placeholders,
    schema_create,
    source_batches,
    source_from,
    source_scalar,
    source_select,
    state_read,
    state_save,
)
from accord.analytics.sync.derived import (
    TOUCH_PATHS,
    deal_facts_apply,
    touch_contacts,
    touch_paths_refresh,
    traffic_daily_refresh,
)
from accord.analytics.sync.publishing import copy_writing
from accord.analytics.sync.sla_tests import sla_tests_refresh
from accord.analytics.sync.tables import (
    APPEND,
    MUTABLE,
    REFERENCE,
    SLA_TEST_TABLES,
    TABLE_BY_NAME,
    TABLES,
    Table,
)

logger = logging.getLogger(__name__)

# Rows whose ``updated_at`` is this close to the watermark are read again: a transaction that
# started earlier may commit after the previous sync read past its timestamp.
UPDATED_OVERLAP = timedelta(minutes=2)


@dataclass(frozen=True)
class SyncReport:
    full: bool
    #: Rows written per table (new or replaced) in this sync.
    rows: dict[str, int]
    #: Rows removed per table (deleted in the operational database).
    removed: dict[str, int]
    seconds: float
    synced_at: datetime


def reread_ids(con: duckdb.DuckDBPyConnection, table: Table, ids: Iterable[int]) -> int:
    """Replace the copies of these rows with the operational rows (by id)."""
    return _reread_by(con, table, "id", ids)


def _reread_by(
    con: duckdb.DuckDBPyConnection, table: Table, column: str, ids: Iterable[int]
) -> int:
    """Replace the copies of the rows whose ``column`` is one of ``ids``.

    The operational side is read in chunks of ids (bounded SQL); the copy is written in
    batches of up to ``BATCH_ROWS`` rows, not per chunk: each DELETE on the copy scans its
    table, and one replace per 500 ids cost seconds on a million leads.
    """
    rows: list[tuple] = []
    written = 0
    for chunk in id_chunks(sorted(set(ids))):
        sql = f"{source_select(table)} WHERE {column} IN ({placeholders(len(chunk))})"
        for batch in source_batches(sql, chunk):
            rows += batch
        if len(rows) >= BATCH_ROWS:
            copy_insert(con, table, rows, replace=True)
            written, rows = written + len(rows), []
    copy_insert(con, table, rows, replace=True)
    return written + len(rows)


def _remove_deleted(con: duckdb.DuckDBPyConnection, table: Table) -> int:
    """Drop copies of rows deleted in the operational database (only when counts differ)."""
    source = source_from(table)
    theirs = source_scalar(f"SELECT count(*) FROM {source}")
    ours = con.execute(f"SELECT count(*) FROM {table.name}").fetchall()[0][0]
    if theirs == ours:
        return 0
    con.execute("CREATE OR REPLACE TEMP TABLE live_ids (id BIGINT)")
    for rows in source_batches(f"SELECT id FROM {source}"):
        con.register("id_rows", pd.DataFrame.from_records(rows, columns=["id"]))
        con.execute("INSERT INTO live_ids SELECT CAST(id AS BIGINT) FROM id_rows")
        con.unregister("id_rows")
    removed = changes.noted_statement(
        con, table.name, f"DELETE FROM {table.name} WHERE id NOT IN (SELECT id FROM live_ids)"
    )
    con.execute("DROP TABLE live_ids")
    return removed


def _sync_append(
    con: duckdb.DuckDBPyConnection, table: Table, now: datetime, *, full: bool
) -> tuple[int, set[int], set[str]]:
    """Copy rows above the watermark; return the count, their lead ids and visitor ids."""
    last_id, _ = state_read(con, table.name)
    written = 0
    leads: set[int] = set()
    visitors: set[str] = set()
    names = [c.name for c in table.columns]
    lead_at = names.index(table.lead_column) if table.lead_column else None
    visitor_at = names.index("visitor_id") if "visitor_id" in names else None
    sql = f"{source_select(table)} WHERE id > %s ORDER BY id"
    for rows in source_batches(sql, [last_id]):
        # In a full build each batch commits with its watermark (see analytics_sync).
        if full:
            con.execute("BEGIN TRANSACTION")
        copy_insert(con, table, rows, replace=False)
        written += len(rows)
        last_id = rows[-1][0]
        if full:
            state_save(con, table.name, last_id=last_id, last_updated_at=None, synced_at=now)
            con.execute("COMMIT")
        if lead_at is not None:
            leads.update(r[lead_at] for r in rows if r[lead_at] is not None)
        if visitor_at is not None:
            # Only an identified touch can have stitched the visitor's earlier ones.
            contact_at = names.index("contact_id")
            visitors.update(r[visitor_at] for r in rows if r[visitor_at] and r[contact_at])
    state_save(con, table.name, last_id=last_id, last_updated_at=None, synced_at=now)
    return written, leads, visitors


def _sync_mutable(
    con: duckdb.DuckDBPyConnection, table: Table, now: datetime, *, full: bool
) -> int:
    last_id, last_updated = state_read(con, table.name)
    sql = source_select(table)
    params: list = []
    if not full and last_updated is not None:
        since = (last_updated - UPDATED_OVERLAP).strftime("%Y-%m-%d %H:%M:%S.%f")
        if connection.vendor == "postgresql":
            sql += " WHERE updated_at >= %s::timestamptz"
            since += "+00:00"
        else:
            sql += " WHERE updated_at >= %s"
        params.append(since)
    written = 0
    newest = last_updated
    updated_at = [c.name for c in table.columns].index("updated_at")
    for rows in source_batches(sql, params):
        copy_insert(con, table, rows, replace=not full)
        written += len(rows)
        batch_newest = max(r[updated_at] for r in rows)
        stamp = datetime.fromisoformat(batch_newest) if batch_newest else None
        if stamp and (newest is None or stamp > newest):
            newest = stamp
    state_save(con, table.name, last_id=last_id, last_updated_at=newest, synced_at=now)
    return written


def _unchanged(con: duckdb.DuckDBPyConnection, table: Table) -> bool:
    if not table.fingerprint:
        return False
    source = source_from(table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {table.fingerprint} FROM {source}")
        theirs = tuple(int(v) for v in cursor.fetchone())
    ours = con.execute(f"SELECT {table.fingerprint} FROM {table.name}").fetchall()[0]
    return theirs == tuple(int(v) for v in ours)


def reference_sync(
    con: duckdb.DuckDBPyConnection, table: Table, now: datetime, *, full: bool
) -> int:
    if not full and _unchanged(con, table):
        state_save(con, table.name, last_id=0, last_updated_at=None, synced_at=now)
        return 0
    con.execute(f"DELETE FROM {table.name}")
    written = 0
    for rows in source_batches(source_select(table)):
        copy_insert(con, table, rows, replace=False)
        written += len(rows)
    state_save(con, table.name, last_id=0, last_updated_at=None, synced_at=now)
    return written


def _stitched_touch_ids(con: duckdb.DuckDBPyConnection, visitors: set[str]) -> list[int]:
    """Copied anonymous touches of visitors seen again (they may have been stitched)."""
    if not visitors:
        return []
    con.register("seen_visitors", pd.DataFrame({"visitor_id": sorted(visitors)}))
    try:
        rows = con.execute(
            "SELECT t.id FROM touchpoints t JOIN seen_visitors v USING (visitor_id) "
            "WHERE t.contact_id IS NULL"
        ).fetchall()
    finally:
        con.unregister("seen_visitors")
    return [r[0] for r in rows]


def _copy_drop(con: duckdb.DuckDBPyConnection) -> None:
    """Drop every table of the copy (a full rebuild starts from nothing)."""
    for table in (
        *TABLES,
        Table("sync_state", "", REFERENCE, ()),
        Table("traffic_daily", "", REFERENCE, ()),
        Table(TOUCH_PATHS, "", REFERENCE, ()),
        *(Table(name, "", REFERENCE, ()) for name in SLA_TEST_TABLES),
    ):
        con.execute(f"DROP TABLE IF EXISTS {table.name}")


def _tables_sync(
    con: duckdb.DuckDBPyConnection, now: datetime, *, full: bool, say: Callable[[str], None]
) -> tuple[dict[str, int], set[int], set[str]]:
    """Each table by its kind: rows written per table, the leads named by new log rows and
    the visitors seen in new touches."""
    rows: dict[str, int] = {}
    touched_leads: set[int] = set()
    visitors: set[str] = set()
    for table in TABLES:
        say(table.name)
        if table.kind == APPEND:
            written, leads, seen = _sync_append(con, table, now, full=full)
            touched_leads |= leads
            visitors |= seen
        elif table.kind == MUTABLE:
            written = _sync_mutable(con, table, now, full=full)
        else:
            written = reference_sync(con, table, now, full=full)
        rows[table.name] = written
    return rows, touched_leads, visitors


def _incremental_follow_up(
    con: duckdb.DuckDBPyConnection,
    *,
    rows: dict[str, int],
    touched_leads: set[int],
    visitors: set[str],
    last_touch_id: int,
) -> tuple[dict[str, int], set]:
    """After an incremental pass: re-read stitched touches and the leads (and their deals)
    named by new log rows, remove rows deleted at the source. Returns the rows removed per
    table and the contacts whose touch paths changed."""
    removed: dict[str, int] = {}
    stitched = _stitched_touch_ids(con, visitors)
    # The contacts of new touches, and of stitched ones before and after.
    path_contacts = touch_contacts(con, "id > ?", [last_touch_id])
    if stitched:
        ids = ", ".join(str(int(i)) for i in stitched)
        path_contacts |= touch_contacts(con, f"id IN ({ids})")
    rows["touchpoints"] += reread_ids(con, TABLE_BY_NAME["touchpoints"], stitched)
    if stitched:
        path_contacts |= touch_contacts(con, f"id IN ({ids})")
    rows["leads"] += reread_ids(con, TABLE_BY_NAME["leads"], touched_leads)
    rows["deals"] += _reread_by(con, TABLE_BY_NAME["deals"], "lead_id", touched_leads)
    for table in TABLES:
        if table.kind == MUTABLE:
            removed[table.name] = _remove_deleted(con, table)
    # Append-only rows go only with their lead (cascade; counting the operational
    # touchpoints every minute would cost seconds on a large table).
    if removed.get("leads"):
        for table in TABLES:
            if table.kind == APPEND and table.lead_column:
                removed[table.name] = changes.noted_statement(
                    con,
                    table.name,
                    f"DELETE FROM {table.name} WHERE lead_id IS NOT NULL "
                    "AND lead_id NOT IN (SELECT id FROM leads)",
                )
    return removed, path_contacts


def _rewritten_checksum(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """The contents of the tables a sync rewrites in place (mutable ones re-read with an
    overlap, reference ones whole), summed by row hash: a sync that re-read them unchanged
    and copied no new log rows has nothing new to publish. (~50 ms per million rows.)"""
    names = [t.name for t in TABLES if t.kind != APPEND] + list(SLA_TEST_TABLES)
    return [
        con.execute(f"SELECT count(*), sum(hash({name})) FROM {name}").fetchall()[0]
        for name in names
    ]


def analytics_sync(
    *,
    full: bool = False,
    progress: Callable[[str], None] | None = None,
    wait: float | None = None,
) -> SyncReport:
    """Bring the copy up to date (``full``: rebuild it from scratch) and publish it when due.

    Runs under the copy's lease (``AnalyticsBusy`` when another node keeps it longer than
    ``wait`` seconds; see ``publishing.copy_writing``)."""
    started = time.monotonic()
    now = datetime.now(UTC).replace(tzinfo=None)
    removed: dict[str, int] = {}
    say = progress or (lambda message: None)
    with copy_writing(wait=wait) as write:
        con = write.con
        if full:
            _copy_drop(con)
        schema_create(con)
        full = full or con.execute("SELECT count(*) FROM sync_state").fetchall()[0][0] == 0
        # A full build commits as it goes: holding tens of millions of uncommitted rows
        # would keep them all in memory. Until it finishes, sync_state stays incomplete, so
        # an interrupted build starts over as a full one. An incremental sync is one
        # transaction: readers see all of it or none.
        if full:
            con.execute("DELETE FROM sync_state")
            changes.note_whole(con)  # the ClickHouse feed reloads everything
        else:
            con.execute("BEGIN TRANSACTION")
        try:
            last_touch_id = state_read(con, "touchpoints")[0]
            before = None if full else _rewritten_checksum(con)
            rows, touched_leads, visitors = _tables_sync(con, now, full=full, say=say)
            new_touch_day = con.execute(
                'SELECT CAST(min("at") AS DATE) FROM touchpoints WHERE id > ?', [last_touch_id]
            ).fetchall()[0][0]
            if not full:
                removed, path_contacts = _incremental_follow_up(
                    con,
                    rows=rows,
                    touched_leads=touched_leads,
                    visitors=visitors,
                    last_touch_id=last_touch_id,
                )
            # Test leads an audit counts in the reps' SLA statistics, whole each time.
            rows["sla_test_leads"] = sla_tests_refresh(con)
            deal_facts_apply(con)
            if full or removed.get("touchpoints"):
                touch_paths_refresh(con)
                traffic_daily_refresh(con, None)
            else:
                touch_paths_refresh(con, path_contacts)
                if new_touch_day is not None:
                    since = datetime.combine(new_touch_day, datetime.min.time())
                    traffic_daily_refresh(con, since)
            if not full:
                con.execute("COMMIT")
            write.changed = (
                full
                or any(removed.values())
                or any(rows[t.name] for t in TABLES if t.kind == APPEND)
                or _rewritten_checksum(con) != before
            )
        except BaseException:
            if not full:
                con.execute("ROLLBACK")
            else:
                con.execute("DELETE FROM sync_state")
            raise
    seconds = time.monotonic() - started
    logger.info("analytics sync (full=%s) in %.2f s: %s", full, seconds, rows)
    return SyncReport(full=full, rows=rows, removed=removed, seconds=seconds, synced_at=now)
