"""The feed's scheduled job (its dotted path is stored in the schedule row: keep it here).

The sweep is safe to run any number of times: each reminder's notification key names its
window, so a second run in the same window reminds nobody again."""

from __future__ import annotations

from accord.intel.receipts import ack_reminders_send

SWEEP_NAME = "intel.ack_reminders"
SWEEP_FUNC = "accord.intel.jobs.ack_reminders_sweep"
SWEEP_MINUTES = 15


def ack_reminders_sweep() -> int:
    return ack_reminders_send()
