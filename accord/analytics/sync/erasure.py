"""Corrections to the copy outside the sync: touches regrouped in place, a person erased."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import UTC, datetime

from accord.analytics.clickhouse import changes
from accord.analytics.sync.copy_io import id_chunks, schema_create
from accord.analytics.sync.derived import touch_contacts, touch_paths_refresh, traffic_daily_refresh
from accord.analytics.sync.incremental import reference_sync, reread_ids
from accord.analytics.sync.publishing import copy_built, copy_writing
from accord.analytics.sync.tables import TABLE_BY_NAME

logger = logging.getLogger(__name__)


def analytics_touches_reread(*, touch_ids: Iterable[int]) -> int:
    """Re-read touches changed in place (``accord channels regroup``) into the copy.

    Touchpoints are append-only for the incremental sync (new ids only), so a touch whose
    channel was re-grouped would keep its old channel in the copy; this replaces those rows
    and rebuilds what is derived from them (the contacts' touch paths, the daily traffic
    from the earliest changed day). Leads whose source channel changed carry a new
    ``updated_at`` and follow with the next sync. Nothing to do before the first sync.
    """
    ids = sorted(set(touch_ids))
    if not ids or not copy_built():
        return 0
    with copy_writing() as write:
        con = write.con
        schema_create(con)
        if con.execute("SELECT count(*) FROM sync_state").fetchall()[0][0] == 0:
            return 0
        con.execute("BEGIN TRANSACTION")
        try:
            # A rule may point at a channel created since the last sync: labels come from
            # the copy's channels table (small; re-read whole).
            channels = TABLE_BY_NAME["channels"]
            reference_sync(con, channels, datetime.now(UTC).replace(tzinfo=None), full=True)
            written = reread_ids(con, TABLE_BY_NAME["touchpoints"], ids)
            contacts: set[int] = set()
            first_day = None
            for chunk in id_chunks(ids):
                listed = ", ".join(str(int(i)) for i in chunk)
                contacts |= touch_contacts(con, f"id IN ({listed})")
                day = con.execute(
                    f'SELECT CAST(min("at") AS DATE) FROM touchpoints WHERE id IN ({listed})'
                ).fetchall()[0][0]
                if day is not None and (first_day is None or day < first_day):
                    first_day = day
            touch_paths_refresh(con, contacts)
            if first_day is not None:
                traffic_daily_refresh(con, datetime.combine(first_day, datetime.min.time()))
            con.execute("COMMIT")
            write.changed = True
        except BaseException:
            con.execute("ROLLBACK")
            raise
    return written


def analytics_contact_erase(*, contact_id: int) -> dict[str, int]:
    """Remove a contact and everything of theirs from the copy (GDPR-style erasure).

    Called by the erasure service after the operational rows are gone; the next sync would
    find the deletions anyway, but erasure should not wait for it.
    """
    if not copy_built():
        return {}
    removed: dict[str, int] = {}
    # Published at once, and older snapshots kept only for the grace period: the person
    # leaves every copy readers can open.
    with copy_writing(publish_now=True) as write:
        con = write.con
        schema_create(con)
        con.execute("BEGIN TRANSACTION")
        leads = "SELECT id FROM leads WHERE contact_id = $c"
        path_contacts = touch_contacts(
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
            # A test lead counted in the SLA statistics (``sync.sla_tests``) is theirs too.
            "sla_test_activities": "DELETE FROM sla_test_activities WHERE lead_id IN "
            "(SELECT id FROM sla_test_leads WHERE contact_id = $c)",
            "sla_test_leads": "DELETE FROM sla_test_leads WHERE contact_id = $c",
            "contacts": "DELETE FROM contacts WHERE id = $c",
        }
        for name, sql in statements.items():
            removed[name] = changes.noted_statement(con, name, sql, {"c": contact_id})
        if removed["touchpoints"]:
            touch_paths_refresh(con, path_contacts)
            traffic_daily_refresh(con, None)
        con.execute("COMMIT")
        write.changed = True
    return removed
