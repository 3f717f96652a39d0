"""Keeps the DuckDB copy of the operational data current: full and incremental sync, erasure.

Three kinds of table (``TABLES``):

- append-only (touchpoints, stage transitions, activities): rows with an id above the
  table's watermark are copied in batches;
- mutable with ``updated_at`` (leads, contacts, accounts, deals, campaigns): rows changed
  since the watermark (less a small overlap, for transactions that committed late) are
  re-read and replace their old copies (rows deleted in the operational database are found
  by comparing ids whenever the row counts differ, and take their append-only rows along).
  Some writes change a lead without touching
  ``updated_at`` (a stage move does; identity stitching and scoring use ``update()``), so the
  leads named by the new append-only rows are re-read too, and so are the deals of changed
  leads;
- small reference tables (channels, users, teams, spend, lead-quality ratings): re-read
  whole; ratings only when their fingerprint (count, newest id, a rating checksum) changed,
  as they are rewritten in place without an ``updated_at`` and grow with the MQLs.

Identity stitching gives anonymous touchpoints a contact after they were copied; the touches
of the visitors seen in new rows are re-read so that the copy follows.

Every lead row written also carries facts derived from the copy's own logs (``LEAD_FACTS``:
first entry into each funnel stage, last SAL/SQL entry and rejection, first contact after
the first MQL), so that reports over a million leads scan one narrow row per lead. Each
contact's touches are kept as time-ordered lists too (``TOUCH_PATHS``), for attribution.

Rows are read through Django's connection in chunks (portable across SQLite and PostgreSQL;
DuckDB's SQLite scanner is an extension that cannot be installed offline) and handed to
DuckDB as pandas frames. Timestamps travel as UTC text and become ``TIMESTAMP`` (UTC) in
DuckDB; money becomes ``DOUBLE`` (reports round at display).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import duckdb
import pandas as pd
from django.db import connection

from accord.analytics import engine

logger = logging.getLogger(__name__)

BATCH_ROWS = 200_000
# Rows whose ``updated_at`` is this close to the watermark are read again: a transaction that
# started earlier may commit after the previous sync read past its timestamp.
UPDATED_OVERLAP = timedelta(minutes=2)
_ID_CHUNK = 500

APPEND = "append"
MUTABLE = "mutable"
REFERENCE = "reference"


@dataclass(frozen=True)
class Column:
    name: str
    #: DuckDB type of the column in the copy.
    type: str
    #: Source column (defaults to ``name``).
    source: str = ""
    #: How the value travels: "id" and "int" as integers, "ts" and "date" as text, "float",
    #: "bool", "text", "json" (text on both databases).
    kind: str = "text"


@dataclass(frozen=True)
class Table:
    name: str
    source: str
    kind: str
    columns: tuple[Column, ...]
    #: For append-only tables: the lead column whose leads are re-read on new rows.
    lead_column: str = ""
    #: Columns computed in DuckDB on insert: (name, type, SQL over the copied columns).
    derived: tuple[tuple[str, str, str], ...] = ()
    #: For reference tables: a SELECT list of integer aggregates, valid on the operational
    #: table and on the copy; when both give the same values the table is not re-read.
    fingerprint: str = ""


def _c(name: str, kind: str, source: str = "") -> Column:
    types = {
        "id": "BIGINT",
        "int": "BIGINT",
        "ts": "TIMESTAMP",
        "date": "DATE",
        "float": "DOUBLE",
        "bool": "BOOLEAN",
        "text": "VARCHAR",
        "json": "VARCHAR",
    }
    return Column(name=name, type=types[kind], source=source or name, kind=kind)


TABLES: tuple[Table, ...] = (
    Table(
        "touchpoints",
        "tracking_touchpoint",
        APPEND,
        (
            _c("id", "id"),
            _c("at", "ts"),
            _c("type", "text"),
            _c("visitor_id", "text"),
            _c("contact_id", "id"),
            _c("lead_id", "id"),
            _c("channel_id", "id"),
            _c("campaign_id", "id"),
        ),
        lead_column="lead_id",
        # One integer per visitor (or known contact without a visitor id): counting
        # distinct visitors over millions of touches is far cheaper on integers.
        derived=(
            (
                "visitor_key",
                "UBIGINT",
                "hash(CASE WHEN visitor_id <> '' THEN visitor_id "
                "ELSE 'contact:' || CAST(contact_id AS VARCHAR) END)",
            ),
        ),
    ),
    Table(
        "stage_transitions",
        "contacts_stagetransition",
        APPEND,
        (
            _c("id", "id"),
            _c("lead_id", "id"),
            _c("from_stage", "text"),
            _c("to_stage", "text"),
            _c("at", "ts"),
            _c("actor_id", "id"),
            _c("reason", "text"),
        ),
        lead_column="lead_id",
    ),
    Table(
        "activities",
        "pipeline_activity",
        APPEND,
        (
            _c("id", "id"),
            _c("lead_id", "id"),
            _c("deal_id", "id"),
            _c("user_id", "id"),
            _c("kind", "text"),
            _c("outcome", "text"),
            _c("at", "ts"),
        ),
        lead_column="lead_id",
    ),
    Table(
        "leads",
        "contacts_lead",
        MUTABLE,
        (
            _c("id", "id"),
            _c("contact_id", "id"),
            _c("stage", "text"),
            _c("is_open", "bool"),
            _c("score", "int"),
            _c("grade", "text"),
            _c("owner_id", "id"),
            _c("team_id", "id"),
            _c("source_channel_id", "id"),
            _c("source_campaign_id", "id"),
            _c("properties", "json"),
            _c("created_at", "ts"),
            _c("updated_at", "ts"),
        ),
    ),
    Table(
        "contacts",
        "contacts_contact",
        MUTABLE,
        (_c("id", "id"), _c("account_id", "id"), _c("created_at", "ts"), _c("updated_at", "ts")),
    ),
    Table(
        "accounts",
        "contacts_account",
        MUTABLE,
        (
            _c("id", "id"),
            _c("employees", "int"),
            _c("industry", "text"),
            _c("country", "text"),
            _c("updated_at", "ts"),
        ),
    ),
    Table(
        "deals",
        "pipeline_deal",
        MUTABLE,
        (
            _c("id", "id"),
            _c("lead_id", "id"),
            _c("account_id", "id"),
            _c("stage", "text"),
            _c("amount", "float"),
            _c("currency", "text"),
            _c("owner_id", "id"),
            _c("lost_reason", "text"),
            _c("created_at", "ts"),
            _c("closed_at", "ts"),
            _c("updated_at", "ts"),
        ),
    ),
    Table(
        "campaigns",
        "tracking_campaign",
        MUTABLE,
        (
            _c("id", "id"),
            _c("name", "text"),
            _c("utm_campaign", "text"),
            _c("channel_id", "id"),
            _c("updated_at", "ts"),
        ),
    ),
    Table(
        "channels",
        "tracking_channel",
        REFERENCE,
        (_c("id", "id"), _c("slug", "text"), _c("name", "text"), _c("is_paid", "bool")),
    ),
    Table(
        "users",
        "accounts_user",
        REFERENCE,
        (_c("id", "id"), _c("username", "text"), _c("team_id", "id"), _c("role", "text")),
    ),
    Table("teams", "accounts_team", REFERENCE, (_c("id", "id"), _c("name", "text"))),
    Table(
        "spend",
        "tracking_spendentry",
        REFERENCE,
        (
            _c("id", "id"),
            _c("date", "date"),
            _c("channel_id", "id"),
            _c("campaign_id", "id"),
            _c("cost", "float"),
            _c("currency", "text"),
            _c("impressions", "int"),
            _c("reach", "int"),
            _c("clicks", "int"),
            _c("visits", "int"),
        ),
    ),
    Table(
        "quality_ratings",
        "handoff_qualityrating",
        REFERENCE,
        (
            _c("id", "id"),
            _c("lead_id", "id"),
            _c("rating", "int"),
            _c("by_id", "id"),
            _c("created_at", "ts"),
        ),
        # A re-rating changes ``rating`` in place; sum(id * rating) notices it.
        fingerprint="count(*), coalesce(max(id), 0), coalesce(sum(id * rating), 0)",
    ),
)
TABLE_BY_NAME = {t.name: t for t in TABLES}

#: Per-lead facts the copy derives from its own append-only logs whenever it writes a lead
#: row, so that a report over a million leads scans one narrow row per lead instead of
#: joining millions of stage transitions and activities. Every lead with a new transition or
#: activity is re-read by the sync (``lead_column``), so the facts follow the logs.
#: First entry into each stage after ``lead`` (the funnel counts a lead once per stage);
#: last entry into SAL and SQL and last rejection from MQL or SAL (lead quality asks whether
#: one happened after the first MQL); first activity at or after the first MQL (velocity).
LEAD_FACTS: tuple[tuple[str, str], ...] = (
    ("mql_at", "min(\"at\") FILTER (WHERE to_stage = 'mql')"),
    ("sal_at", "min(\"at\") FILTER (WHERE to_stage = 'sal')"),
    ("sql_at", "min(\"at\") FILTER (WHERE to_stage = 'sql')"),
    ("opportunity_at", "min(\"at\") FILTER (WHERE to_stage = 'opportunity')"),
    ("customer_at", "min(\"at\") FILTER (WHERE to_stage = 'customer')"),
    ("sal_last_at", "max(\"at\") FILTER (WHERE to_stage = 'sal')"),
    ("sql_last_at", "max(\"at\") FILTER (WHERE to_stage = 'sql')"),
    (
        "rejected_last_at",
        "max(\"at\") FILTER (WHERE from_stage IN ('mql', 'sal') "
        "AND to_stage IN ('recycled', 'disqualified'))",
    ),
)
LEAD_FACT_COLUMNS = (*(name for name, _ in LEAD_FACTS), "first_contact_at")


def lead_facts_sql(ids: str | None) -> str:
    """``(lead_id, <LEAD_FACT_COLUMNS>)`` of the leads whose ids ``ids`` selects (all: None)."""
    only = "" if ids is None else f"WHERE lead_id IN ({ids})"
    stages = ", ".join(f"{sql} AS {name}" for name, sql in LEAD_FACTS)
    return f"""
WITH moved AS (SELECT lead_id, {stages} FROM stage_transitions {only} GROUP BY lead_id),
contacted AS (
    SELECT a.lead_id, min(a."at") AS first_contact_at
    FROM activities a JOIN moved m ON m.lead_id = a.lead_id AND a."at" >= m.mql_at
    GROUP BY a.lead_id
)
SELECT m.*, c.first_contact_at FROM moved m LEFT JOIN contacted c USING (lead_id)"""


def lead_facts_refresh(con: duckdb.DuckDBPyConnection) -> None:
    """Recompute every lead's facts in place (a copy built before they existed)."""
    names = ", ".join(f"{name} = f.{name}" for name in LEAD_FACT_COLUMNS)
    con.execute(
        f"UPDATE leads SET {names} FROM ({lead_facts_sql(None)}) f WHERE leads.id = f.lead_id"
    )


#: Each contact's touches as parallel lists in time order (``at``, then id): what attribution
#: reads instead of joining its journeys to every touchpoint and sorting the result (a
#: million journeys against twenty million touches cost over a second per report). Kept by
#: every write of touchpoints: the contacts of new, stitched or erased touches get their
#: row rebuilt; a removal the sync cannot place rebuilds the table.
TOUCH_PATHS = "touch_paths"


def touch_paths_sql(contacts: str | None) -> str:
    """``(contact_id, ts, channel_ids, campaign_ids)`` of the contacts ``contacts`` selects."""
    only = "" if contacts is None else f" AND contact_id IN ({contacts})"
    order = 'ORDER BY "at", id'
    return f"""
SELECT contact_id,
    list(epoch("at") {order}) AS ts,
    list(coalesce(channel_id, -1) {order}) AS channel_ids,
    list(coalesce(campaign_id, -1) {order}) AS campaign_ids
FROM touchpoints WHERE contact_id IS NOT NULL{only}
GROUP BY contact_id"""


def touch_paths_refresh(
    con: duckdb.DuckDBPyConnection, contacts: Iterable[int | None] | None = None
) -> None:
    """Rebuild the touch paths of these contacts (all of them: None)."""
    if contacts is None:
        con.execute(f"CREATE OR REPLACE TABLE {TOUCH_PATHS} AS {touch_paths_sql(None)}")
        return
    ids = sorted({int(c) for c in contacts if c is not None})
    if not ids:
        return
    con.register("path_contacts", pd.DataFrame({"contact_id": ids}, dtype="int64"))
    try:
        selected = "SELECT contact_id FROM path_contacts"
        con.execute(f"DELETE FROM {TOUCH_PATHS} WHERE contact_id IN ({selected})")
        con.execute(f"INSERT INTO {TOUCH_PATHS} {touch_paths_sql(selected)}")
    finally:
        con.unregister("path_contacts")


def _touch_contacts(con: duckdb.DuckDBPyConnection, where: str, params: Any = None) -> set:
    rows = con.execute(f"SELECT DISTINCT contact_id FROM touchpoints WHERE {where}", params)
    return {r[0] for r in rows.fetchall() if r[0] is not None}


@dataclass(frozen=True)
class SyncReport:
    full: bool
    #: Rows written per table (new or replaced) in this sync.
    rows: dict[str, int]
    #: Rows removed per table (deleted in the operational database).
    removed: dict[str, int]
    seconds: float
    synced_at: datetime


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


def _select(table: Table) -> str:
    columns = ", ".join(_source_expr(c) for c in table.columns)
    return f"SELECT {columns} FROM {connection.ops.quote_name(table.source)}"


def _batches(sql: str, params: Iterable = ()) -> Iterable[list[tuple]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        while rows := cursor.fetchmany(BATCH_ROWS):
            yield rows


def _scalar(sql: str, params: Iterable = ()) -> object:
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


def _insert(
    con: duckdb.DuckDBPyConnection, table: Table, rows: list[tuple], *, replace: bool
) -> None:
    if not rows:
        return
    con.register("batch_rows", _frame(table, rows))
    try:
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
    finally:
        con.unregister("batch_rows")


def schema_create(con: duckdb.DuckDBPyConnection) -> None:
    for table in TABLES:
        columns = ", ".join(
            [f'"{c.name}" {c.type}' for c in table.columns]
            + [f'"{name}" {kind}' for name, kind, _ in table.derived]
        )
        if table.name == "leads":
            columns += "".join(f', "{name}" TIMESTAMP' for name in LEAD_FACT_COLUMNS)
        con.execute(f"CREATE TABLE IF NOT EXISTS {table.name} ({columns})")
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
    con.execute(
        "CREATE TABLE IF NOT EXISTS traffic_daily (day DATE, channel_id BIGINT, "
        "campaign_id BIGINT, visits BIGINT)"
    )
    con.execute(
        "CREATE TABLE IF NOT EXISTS sync_state ("
        "table_name VARCHAR PRIMARY KEY, last_id BIGINT, last_updated_at TIMESTAMP, "
        "synced_at TIMESTAMP)"
    )


def _state(con: duckdb.DuckDBPyConnection, table: str) -> tuple[int, datetime | None]:
    row = con.execute(
        "SELECT last_id, last_updated_at FROM sync_state WHERE table_name = ?", [table]
    ).fetchall()
    return (row[0][0] or 0, row[0][1]) if row else (0, None)


def _state_save(
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


def _placeholders(n: int) -> str:
    return ", ".join(["%s"] * n)


def _chunks(values: list[int], size: int = _ID_CHUNK) -> Iterable[list[int]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _reread_ids(con: duckdb.DuckDBPyConnection, table: Table, ids: Iterable[int]) -> int:
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
    for chunk in _chunks(sorted(set(ids))):
        sql = f"{_select(table)} WHERE {column} IN ({_placeholders(len(chunk))})"
        for batch in _batches(sql, chunk):
            rows += batch
        if len(rows) >= BATCH_ROWS:
            _insert(con, table, rows, replace=True)
            written, rows = written + len(rows), []
    _insert(con, table, rows, replace=True)
    return written + len(rows)


def _remove_deleted(con: duckdb.DuckDBPyConnection, table: Table) -> int:
    """Drop copies of rows deleted in the operational database (only when counts differ)."""
    source = connection.ops.quote_name(table.source)
    theirs = _scalar(f"SELECT count(*) FROM {source}")
    ours = con.execute(f"SELECT count(*) FROM {table.name}").fetchall()[0][0]
    if theirs == ours:
        return 0
    con.execute("CREATE OR REPLACE TEMP TABLE live_ids (id BIGINT)")
    for rows in _batches(f"SELECT id FROM {source}"):
        con.register("id_rows", pd.DataFrame.from_records(rows, columns=["id"]))
        con.execute("INSERT INTO live_ids SELECT CAST(id AS BIGINT) FROM id_rows")
        con.unregister("id_rows")
    removed = con.execute(
        f"DELETE FROM {table.name} WHERE id NOT IN (SELECT id FROM live_ids)"
    ).fetchall()[0][0]
    con.execute("DROP TABLE live_ids")
    return int(removed)


def _sync_append(
    con: duckdb.DuckDBPyConnection, table: Table, now: datetime, *, full: bool
) -> tuple[int, set[int], set[str]]:
    """Copy rows above the watermark; return the count, their lead ids and visitor ids."""
    last_id, _ = _state(con, table.name)
    written = 0
    leads: set[int] = set()
    visitors: set[str] = set()
    names = [c.name for c in table.columns]
    lead_at = names.index(table.lead_column) if table.lead_column else None
    visitor_at = names.index("visitor_id") if "visitor_id" in names else None
    sql = f"{_select(table)} WHERE id > %s ORDER BY id"
    for rows in _batches(sql, [last_id]):
        # In a full build each batch commits with its watermark (see analytics_sync).
        if full:
            con.execute("BEGIN TRANSACTION")
        _insert(con, table, rows, replace=False)
        written += len(rows)
        last_id = rows[-1][0]
        if full:
            _state_save(con, table.name, last_id=last_id, last_updated_at=None, synced_at=now)
            con.execute("COMMIT")
        if lead_at is not None:
            leads.update(r[lead_at] for r in rows if r[lead_at] is not None)
        if visitor_at is not None:
            # Only an identified touch can have stitched the visitor's earlier ones.
            contact_at = names.index("contact_id")
            visitors.update(r[visitor_at] for r in rows if r[visitor_at] and r[contact_at])
    _state_save(con, table.name, last_id=last_id, last_updated_at=None, synced_at=now)
    return written, leads, visitors


def _sync_mutable(
    con: duckdb.DuckDBPyConnection, table: Table, now: datetime, *, full: bool
) -> int:
    last_id, last_updated = _state(con, table.name)
    sql = _select(table)
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
    for rows in _batches(sql, params):
        _insert(con, table, rows, replace=not full)
        written += len(rows)
        batch_newest = max(r[updated_at] for r in rows)
        stamp = datetime.fromisoformat(batch_newest) if batch_newest else None
        if stamp and (newest is None or stamp > newest):
            newest = stamp
    _state_save(con, table.name, last_id=last_id, last_updated_at=newest, synced_at=now)
    return written


def _unchanged(con: duckdb.DuckDBPyConnection, table: Table) -> bool:
    if not table.fingerprint:
        return False
    source = connection.ops.quote_name(table.source)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {table.fingerprint} FROM {source}")
        theirs = tuple(int(v) for v in cursor.fetchone())
    ours = con.execute(f"SELECT {table.fingerprint} FROM {table.name}").fetchall()[0]
    return theirs == tuple(int(v) for v in ours)


def _sync_reference(
    con: duckdb.DuckDBPyConnection, table: Table, now: datetime, *, full: bool
) -> int:
    if not full and _unchanged(con, table):
        _state_save(con, table.name, last_id=0, last_updated_at=None, synced_at=now)
        return 0
    con.execute(f"DELETE FROM {table.name}")
    written = 0
    for rows in _batches(_select(table)):
        _insert(con, table, rows, replace=False)
        written += len(rows)
    _state_save(con, table.name, last_id=0, last_updated_at=None, synced_at=now)
    return written


def traffic_daily_refresh(con: duckdb.DuckDBPyConnection, since: datetime | None) -> None:
    """Rebuild the daily visits rollup from ``since`` (everything when None).

    Visits are distinct visitors per day (per channel and campaign), so that a report sums
    days instead of counting distinct visitors over millions of touches. New touches are
    almost always recent, so an incremental sync rebuilds only their last days.
    """
    condition, params = ("", {})
    if since is not None:
        condition, params = ('WHERE "at" >= $since', {"since": since})
        con.execute("DELETE FROM traffic_daily WHERE day >= CAST($since AS DATE)", params)
    else:
        con.execute("DELETE FROM traffic_daily")
    con.execute(
        'INSERT INTO traffic_daily SELECT CAST("at" AS DATE) AS day, channel_id, campaign_id, '
        f"count(DISTINCT visitor_key) FROM touchpoints {condition} GROUP BY ALL",
        params,
    )


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


def analytics_sync(
    *, full: bool = False, progress: Callable[[str], None] | None = None
) -> SyncReport:
    """Bring the copy up to date (``full``: rebuild it from scratch)."""
    started = time.monotonic()
    now = datetime.now(UTC).replace(tzinfo=None)
    rows: dict[str, int] = {}
    removed: dict[str, int] = {}
    say = progress or (lambda message: None)
    with engine.writer() as con:
        if full:
            for table in (
                *TABLES,
                Table("sync_state", "", REFERENCE, ()),
                Table("traffic_daily", "", REFERENCE, ()),
                Table(TOUCH_PATHS, "", REFERENCE, ()),
            ):
                con.execute(f"DROP TABLE IF EXISTS {table.name}")
        schema_create(con)
        full = full or con.execute("SELECT count(*) FROM sync_state").fetchall()[0][0] == 0
        # A full build commits as it goes: holding tens of millions of uncommitted rows
        # would keep them all in memory. Until it finishes, sync_state stays incomplete, so
        # an interrupted build starts over as a full one. An incremental sync is one
        # transaction: readers see all of it or none.
        if full:
            con.execute("DELETE FROM sync_state")
        else:
            con.execute("BEGIN TRANSACTION")
        try:
            touched_leads: set[int] = set()
            last_touch_id = _state(con, "touchpoints")[0]
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
                    written = _sync_reference(con, table, now, full=full)
                rows[table.name] = written
            new_touch_day = con.execute(
                'SELECT CAST(min("at") AS DATE) FROM touchpoints WHERE id > ?', [last_touch_id]
            ).fetchall()[0][0]
            if not full:
                stitched = _stitched_touch_ids(con, visitors)
                # The contacts of new touches, and of stitched ones before and after.
                path_contacts = _touch_contacts(con, "id > ?", [last_touch_id])
                if stitched:
                    ids = ", ".join(str(int(i)) for i in stitched)
                    path_contacts |= _touch_contacts(con, f"id IN ({ids})")
                rows["touchpoints"] += _reread_ids(con, TABLE_BY_NAME["touchpoints"], stitched)
                if stitched:
                    path_contacts |= _touch_contacts(con, f"id IN ({ids})")
                rows["leads"] += _reread_ids(con, TABLE_BY_NAME["leads"], touched_leads)
                rows["deals"] += _reread_by(con, TABLE_BY_NAME["deals"], "lead_id", touched_leads)
                for table in TABLES:
                    if table.kind == MUTABLE:
                        removed[table.name] = _remove_deleted(con, table)
                # Append-only rows go only with their lead (cascade; counting the
                # operational touchpoints every minute would cost seconds on a large table).
                if removed.get("leads"):
                    for table in TABLES:
                        if table.kind == APPEND:
                            removed[table.name] = int(
                                con.execute(
                                    f"DELETE FROM {table.name} WHERE lead_id IS NOT NULL "
                                    "AND lead_id NOT IN (SELECT id FROM leads)"
                                ).fetchall()[0][0]
                            )
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
        except BaseException:
            if not full:
                con.execute("ROLLBACK")
            else:
                con.execute("DELETE FROM sync_state")
            raise
    seconds = time.monotonic() - started
    logger.info("analytics sync (full=%s) in %.2f s: %s", full, seconds, rows)
    return SyncReport(full=full, rows=rows, removed=removed, seconds=seconds, synced_at=now)


def analytics_touches_reread(*, touch_ids: Iterable[int]) -> int:
    """Re-read touches changed in place (``accord channels regroup``) into the copy.

    Touchpoints are append-only for the incremental sync (new ids only), so a touch whose
    channel was re-grouped would keep its old channel in the copy; this replaces those rows
    and rebuilds what is derived from them (the contacts' touch paths, the daily traffic
    from the earliest changed day). Leads whose source channel changed carry a new
    ``updated_at`` and follow with the next sync. Nothing to do before the first sync.
    """
    ids = sorted(set(touch_ids))
    if not ids or not engine.duckdb_path().exists():
        return 0
    with engine.writer() as con:
        schema_create(con)
        if con.execute("SELECT count(*) FROM sync_state").fetchall()[0][0] == 0:
            return 0
        con.execute("BEGIN TRANSACTION")
        try:
            # A rule may point at a channel created since the last sync: labels come from
            # the copy's channels table (small; re-read whole).
            channels = TABLE_BY_NAME["channels"]
            _sync_reference(con, channels, datetime.now(UTC).replace(tzinfo=None), full=True)
            written = _reread_ids(con, TABLE_BY_NAME["touchpoints"], ids)
            contacts: set[int] = set()
            first_day = None
            for chunk in _chunks(ids):
                listed = ", ".join(str(int(i)) for i in chunk)
                contacts |= _touch_contacts(con, f"id IN ({listed})")
                day = con.execute(
                    f'SELECT CAST(min("at") AS DATE) FROM touchpoints WHERE id IN ({listed})'
                ).fetchall()[0][0]
                if day is not None and (first_day is None or day < first_day):
                    first_day = day
            touch_paths_refresh(con, contacts)
            if first_day is not None:
                traffic_daily_refresh(con, datetime.combine(first_day, datetime.min.time()))
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    return written


def analytics_contact_erase(*, contact_id: int) -> dict[str, int]:
    """Remove a contact and everything of theirs from the copy (GDPR-style erasure).

    Called by the erasure service after the operational rows are gone; the next sync would
    find the deletions anyway, but erasure should not wait for it.
    """
    if not engine.duckdb_path().exists():
        return {}
    removed: dict[str, int] = {}
    with engine.writer() as con:
        schema_create(con)
        con.execute("BEGIN TRANSACTION")
        leads = "SELECT id FROM leads WHERE contact_id = $c"
        path_contacts = _touch_contacts(
            con, f"contact_id = $c OR lead_id IN ({leads})", {"c": contact_id}
        )
        statements = {
            "stage_transitions": f"DELETE FROM stage_transitions WHERE lead_id IN ({leads})",
            "activities": f"DELETE FROM activities WHERE lead_id IN ({leads})",
            "quality_ratings": f"DELETE FROM quality_ratings WHERE lead_id IN ({leads})",
            # The operational deal outlives its lead (SET NULL): revenue stays, the person goes.
            "deals": f"UPDATE deals SET lead_id = NULL WHERE lead_id IN ({leads})",
            "touchpoints": f"DELETE FROM touchpoints WHERE contact_id = $c OR lead_id IN ({leads})",
            "leads": "DELETE FROM leads WHERE contact_id = $c",
            "contacts": "DELETE FROM contacts WHERE id = $c",
        }
        for name, sql in statements.items():
            removed[name] = int(con.execute(sql, {"c": contact_id}).fetchall()[0][0])
        if removed["touchpoints"]:
            touch_paths_refresh(con, path_contacts)
            traffic_daily_refresh(con, None)
        con.execute("COMMIT")
    return removed


def data_as_of(con: duckdb.DuckDBPyConnection) -> datetime | None:
    """When the copy was last brought up to date (aware UTC), None before the first sync."""
    try:
        row = con.execute("SELECT min(synced_at) FROM sync_state").fetchall()[0]
    except duckdb.CatalogException:
        return None
    return row[0].replace(tzinfo=UTC) if row and row[0] else None
