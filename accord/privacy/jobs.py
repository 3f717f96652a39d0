"""Periodic privacy jobs (scheduled by migration): retention and incident reminders.

Both are sweeps over current state, so a repeated run is harmless (see ``core.jobs``)."""

from __future__ import annotations

import logging

from accord.privacy.incidents import incident_reminders_send
from accord.privacy.retention import retention_run

logger = logging.getLogger(__name__)


def retention_job() -> dict[str, int]:
    lines = retention_run()
    counts = {line.data_type: line.count for line in lines}
    logger.info("retention: %s", counts)
    return counts


def incident_reminders_job() -> int:
    return incident_reminders_send()
