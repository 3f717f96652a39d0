"""The worker's analytics job: keep the DuckDB copy current, every minute.

Not an ``idempotent`` job: it writes the DuckDB file, not the operational database, and is
naturally repeatable (watermarks make a second run copy nothing). When another node or
process holds the copy's lease (another worker, ``accord analytics sync``, an erasure's
correction), this run steps aside at once: the holder publishes, and the next minute comes.
"""

from __future__ import annotations

import logging

from accord.analytics.engine import AnalyticsBusy
from accord.analytics.sync import analytics_sync

logger = logging.getLogger(__name__)

SYNC_SCHEDULE_NAME = "analytics.sync"
SYNC_EVERY_MINUTES = 1


def analytics_sync_job() -> dict[str, int] | None:
    try:
        return analytics_sync(wait=0).rows
    except AnalyticsBusy:
        logger.info("analytics sync skipped: another sync holds the copy")
        return None
