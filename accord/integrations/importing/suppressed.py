"""The import's suppression check: rows of erased or unsubscribed people are refused.

Called by the importer once per batch of validated records (contacts and leads). The list and
its messages are ``accord.privacy``'s (below ``integrations``); turning a refusal into a row
error is the importer's, so this module lives here and imports privacy, not the reverse. A refused
row becomes a row error naming the reason and the date ("suppressed: the person asked to be
erased on 2026-03-01"), so the import report and the rejects file say why; the rest of the
file imports as usual (with ``--skip-invalid``) or the import stops, as for any invalid row.
"""

from __future__ import annotations

from typing import Any

from accord.integrations.importing.validate import RowError
from accord.privacy.models import SuppressionEntry
from accord.privacy.suppression import suppressed_find, suppression_message

ENTITIES = ("contacts", "leads")


def suppressed_rows_refuse(batch: Any, *, entity: str, columns: dict[str, str]) -> int:
    """Move the batch's records of suppressed people to its errors; return how many."""
    if entity not in ENTITIES or not batch.records or not SuppressionEntry.objects.exists():
        return 0
    found = suppressed_find(
        emails=[r.get("email") for r in batch.records if r.get("email")],
        phones=[r.get("phone") for r in batch.records if r.get("phone")],
    )
    if not found:
        return 0
    kept = []
    refused = 0
    for record in batch.records:
        for name in ("email", "phone"):
            entry = found.get(record.get(name)) if record.get(name) else None
            if entry is not None:
                message = suppression_message(entry.reason, entry.created_at)
                batch.errors.append(RowError(record["_row"], columns.get(name, name), message))
                refused += 1
                break
        else:
            kept.append(record)
    batch.records[:] = kept
    return refused
