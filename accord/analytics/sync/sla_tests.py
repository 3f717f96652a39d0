"""The test leads that count in the reps' SLA statistics, kept apart from the copy's leads.

Test leads are left out of the copy (``copy_io.source_from``), so no funnel, KPI,
attribution, quality or forecast figure can count them. An audit may still say that a test
lead counts in its rep's SLA statistics (the rule: ``handoff.sla.counting``); the reps and
speed-to-lead reports, per rep or team, read those leads from two tables of their own:

- ``sla_test_leads``: the lead rows, with the same columns as ``leads`` (so the reports'
  filters apply unchanged) and the same stage and first-contact facts (``LEAD_FACTS``,
  derived from the leads' own stage moves and activities);
- ``sla_test_activities``: their activities, with the same columns as ``activities`` (the
  speed report's first attempt).

Both are rebuilt whole at every sync, full or incremental: there are a handful of test
leads, and rebuilding follows everything that can change which ones count or their facts
(an audit recorded later, a lead reassigned, a first call logged) without watermarks.
"""

from __future__ import annotations

import duckdb

from accord.analytics.sync.copy_io import (
    id_chunks,
    placeholders,
    rows_insert,
    sla_tests_create,
    source_batches,
    source_select,
    table_columns,
)
from accord.analytics.sync.derived import LEAD_FACT_COLUMNS, lead_facts_sql
from accord.analytics.sync.tables import (
    SLA_TEST_ACTIVITIES,
    SLA_TEST_LEADS,
    SLA_TEST_TABLES,
    TABLE_BY_NAME,
    Table,
)
from accord.handoff.sla.counting import counted_test_ids

_MOVES = "sla_test_moves"  # temporary: their stage moves, only to derive the facts


def _columns_follow(con: duckdb.DuckDBPyConnection) -> None:
    """Re-create a table whose columns are no longer those of ``leads`` (with the facts) or
    ``activities`` (a newer Accord copies more of them); create missing ones."""
    wanted = {
        SLA_TEST_LEADS: [c.name for c in TABLE_BY_NAME["leads"].columns] + list(LEAD_FACT_COLUMNS),
        SLA_TEST_ACTIVITIES: [c.name for c in TABLE_BY_NAME["activities"].columns],
    }
    for name, columns in wanted.items():
        found = [
            row[0]
            for row in con.execute(
                "SELECT column_name FROM duckdb_columns() WHERE table_name = ? AND NOT internal "
                "ORDER BY column_index",
                [name],
            ).fetchall()
        ]
        if found and found != columns:
            con.execute(f"DROP TABLE {name}")
    sla_tests_create(con)


def _read(con: duckdb.DuckDBPyConnection, table: Table, column: str, ids: list[int], into: str):
    for chunk in id_chunks(ids):
        listed = placeholders(len(chunk))
        sql = f"{source_select(table, test_leads=True)} WHERE {column} IN ({listed})"
        for rows in source_batches(sql, chunk):
            rows_insert(con, table, rows, into=into)


def sla_tests_refresh(con: duckdb.DuckDBPyConnection) -> int:
    """Rebuild both tables from the operational database; the number of leads written."""
    leads, activities = TABLE_BY_NAME["leads"], TABLE_BY_NAME["activities"]
    moves = TABLE_BY_NAME["stage_transitions"]
    _columns_follow(con)
    for name in SLA_TEST_TABLES:
        con.execute(f"DELETE FROM {name}")
    ids = counted_test_ids()
    if not ids:
        return 0
    con.execute(f"CREATE OR REPLACE TEMP TABLE {_MOVES} ({table_columns(moves)})")
    con.execute(f"CREATE OR REPLACE TEMP TABLE sla_test_rows ({table_columns(leads)})")
    try:
        _read(con, activities, "lead_id", ids, SLA_TEST_ACTIVITIES)
        _read(con, moves, "lead_id", ids, _MOVES)
        _read(con, leads, "id", ids, "sla_test_rows")
        names = ", ".join(f'"{n}"' for n in (*(c.name for c in leads.columns), *LEAD_FACT_COLUMNS))
        facts = ", ".join(f"f.{name}" for name in LEAD_FACT_COLUMNS)
        facts_sql = lead_facts_sql(None, transitions=_MOVES, activities=SLA_TEST_ACTIVITIES)
        con.execute(
            f"INSERT INTO {SLA_TEST_LEADS} ({names}) SELECT b.*, {facts} "
            f"FROM sla_test_rows b LEFT JOIN ({facts_sql}) f ON f.lead_id = b.id"
        )
        return int(con.execute(f"SELECT count(*) FROM {SLA_TEST_LEADS}").fetchall()[0][0])
    finally:
        con.execute(f"DROP TABLE IF EXISTS {_MOVES}")
        con.execute("DROP TABLE IF EXISTS sla_test_rows")
