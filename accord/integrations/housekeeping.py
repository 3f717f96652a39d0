"""Daily housekeeping: forget what no longer protects anything.

Job receipts guard against a redelivered job running twice, which can only happen within a
few retry periods; idempotency records are promised for 24 hours. Both tables would otherwise
grow forever. Deleting old rows twice is harmless, so the job needs no receipt of its own.
"""

from __future__ import annotations

from datetime import timedelta

from accord.api.idempotency import idempotency_purge
from accord.core.jobs import receipts_prune

RECEIPTS_KEPT_FOR = timedelta(days=30)


def housekeeping_run() -> dict[str, int]:
    return {
        "job_receipts": receipts_prune(older_than=RECEIPTS_KEPT_FOR),
        "idempotency_records": idempotency_purge(),
    }
