"""The analytics copy follows rows that other apps change in place or delete.

The incremental sync copies new ids and rows with a newer ``updated_at``; it does not see a
touch moved to another channel, and a deletion or an erasure should not wait for its next
run. The apps below emit events and ``accord.wiring`` subscribes these handlers:

* ``ContactAnonymised`` (erasure, retention) — once the erasure commits, the person's leads
  lose their properties in the copy (its only personal field; the copy holds no e-mail,
  phone or name). After commit: the copy must never be cleaner than the database is.
* ``AnonymousTouchesDeleted`` (retention) — the copy's raw anonymous touches go too (its
  daily traffic counts, which are aggregates, stay).
* ``ChannelsRegrouped`` (``accord channels regroup``) — the moved touches are re-read.

Each writes under the copy's lease and publishes a snapshot at once (``copy_writing``). The
DuckDB copy is rebuilt by the sync, so a failure here is logged and the change in the
database stands. ``sync`` is imported where used: they load duckdb and pandas
(~0.33 s), which every process would otherwise pay at start-up, since ``accord.wiring``
imports this module in ``ready()``.
"""

from __future__ import annotations

import logging
from datetime import UTC
from functools import partial

from django.db import transaction

from accord.core.events import AnonymousTouchesDeleted, ChannelsRegrouped, ContactAnonymised

logger = logging.getLogger(__name__)


def copy_contact_erase(event: ContactAnonymised) -> None:
    transaction.on_commit(partial(_leads_properties_clear, [event.contact_id]))


def _leads_properties_clear(contact_ids: list[int]) -> None:
    """Clear the leads' properties in the DuckDB copy now (the sync would, at its next run)."""
    from accord.analytics.sync.publishing import copy_built, copy_writing  # see the docstring

    if not copy_built():
        return
    try:
        with copy_writing(publish_now=True) as write:
            from accord.analytics.clickhouse import changes  # see the docstring

            placeholders = ", ".join("?" for _ in contact_ids)
            changes.noted_statement(
                write.con,
                "leads",
                f"UPDATE leads SET properties = '{{}}' WHERE contact_id IN ({placeholders})",
                contact_ids,
            )
            write.changed = True
    except Exception:  # the copy is rebuilt by the sync; erasure in the database stands
        logger.exception("Erasure: the analytics copy could not be updated now")


def copy_anonymous_touches_delete(event: AnonymousTouchesDeleted) -> None:
    from accord.analytics.sync.publishing import copy_built, copy_writing  # see the docstring

    if not copy_built():
        return
    try:
        with copy_writing(publish_now=True) as write:
            from accord.analytics.clickhouse import changes  # see the docstring

            changes.noted_statement(
                write.con,
                "touchpoints",
                'DELETE FROM touchpoints WHERE contact_id IS NULL AND "at" < ?',
                [event.before.astimezone(UTC).replace(tzinfo=None)],  # the copy keeps naive UTC
            )
            write.changed = True
    except Exception:
        logger.exception("Retention: the analytics copy's old anonymous touches stay until rebuilt")


def copy_touches_reread(event: ChannelsRegrouped) -> None:
    from accord.analytics.sync import analytics_touches_reread  # pandas: the module docstring

    analytics_touches_reread(touch_ids=event.touch_ids)
