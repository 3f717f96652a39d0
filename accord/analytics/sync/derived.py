"""Tables and columns the copy derives from its own rows: per-lead stage facts, per-contact
touch paths (time-ordered lists, for attribution) and the daily traffic rollup."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import duckdb
import pandas as pd

from accord.analytics.clickhouse import changes

logger = logging.getLogger(__name__)


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


def lead_facts_sql(
    ids: str | None, *, transitions: str = "stage_transitions", activities: str = "activities"
) -> str:
    """``(lead_id, <LEAD_FACT_COLUMNS>)`` of the leads whose ids ``ids`` selects (all: None),
    from the copy's logs (or from other tables of the same columns: ``sync.sla_tests``)."""
    only = "" if ids is None else f"WHERE lead_id IN ({ids})"
    stages = ", ".join(f"{sql} AS {name}" for name, sql in LEAD_FACTS)
    return f"""
WITH moved AS (SELECT lead_id, {stages} FROM {transitions} {only} GROUP BY lead_id),
contacted AS (
    SELECT a.lead_id, min(a."at") AS first_contact_at
    FROM {activities} a JOIN moved m ON m.lead_id = a.lead_id AND a."at" >= m.mql_at
    GROUP BY a.lead_id
)
SELECT m.*, c.first_contact_at FROM moved m LEFT JOIN contacted c USING (lead_id)"""


#: A lead's won deals move its funnel facts too: a lead with a deal won (``won`` in any
#: pipeline) is a customer from the first win, and was an opportunity from that deal's
#: creation, whichever comes first, the deal or the lead's own stage move. (An open deal
#: alone does not: the lead's own moves say whether it is still an opportunity.) Applied
#: after every sync pass (``deal_facts_apply``), so a deal won without its lead being
#: touched still counts.
DEAL_FACTS_SQL = """
UPDATE leads SET
    opportunity_at = CASE WHEN leads.opportunity_at IS NULL THEN d.opened
        ELSE least(leads.opportunity_at, d.opened) END,
    customer_at = CASE WHEN leads.customer_at IS NULL THEN d.won
        ELSE least(leads.customer_at, d.won) END
FROM (
    SELECT lead_id, min(created_at) AS opened, min(coalesce(closed_at, created_at)) AS won
    FROM deals WHERE lead_id IS NOT NULL AND stage = 'won' GROUP BY lead_id
) d
WHERE leads.id = d.lead_id AND (
    leads.opportunity_at IS NULL OR leads.opportunity_at > d.opened
    OR leads.customer_at IS NULL OR leads.customer_at > d.won
)"""


def deal_facts_apply(con: duckdb.DuckDBPyConnection) -> None:
    """Bring the leads' opportunity and customer facts in line with their deals."""
    changes.noted_statement(con, "leads", DEAL_FACTS_SQL, key="leads.id")


def lead_facts_refresh(con: duckdb.DuckDBPyConnection) -> None:
    """Recompute every lead's facts in place (a copy built before they existed)."""
    names = ", ".join(f"{name} = f.{name}" for name in LEAD_FACT_COLUMNS)
    changes.note_whole(con, "leads")
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
        changes.note_whole(con, TOUCH_PATHS)
        return
    ids = sorted({int(c) for c in contacts if c is not None})
    if not ids:
        return
    changes.note_keys(con, TOUCH_PATHS, ids)
    con.register("path_contacts", pd.DataFrame({"contact_id": ids}, dtype="int64"))
    try:
        selected = "SELECT contact_id FROM path_contacts"
        con.execute(f"DELETE FROM {TOUCH_PATHS} WHERE contact_id IN ({selected})")
        con.execute(f"INSERT INTO {TOUCH_PATHS} {touch_paths_sql(selected)}")
    finally:
        con.unregister("path_contacts")


def touch_contacts(con: duckdb.DuckDBPyConnection, where: str, params: Any = None) -> set:
    rows = con.execute(f"SELECT DISTINCT contact_id FROM touchpoints WHERE {where}", params)
    return {r[0] for r in rows.fetchall() if r[0] is not None}


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
