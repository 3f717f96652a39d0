"""The hand-off queue at a glance: MQLs waiting for sales and the SLA clocks in trouble.

The same definitions as the manager's page (``accord.handoff.inbox.selectors``): a clock is
breached once past its deadline and still running, due soon once inside its warning window.
The clock counts are SLA statistics: a test lead's clocks count only when an audit says so
(``sla.counting``); the MQLs waiting are the queue itself, test leads included (they are
worked like any other).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q
from django.utils import timezone

from accord.contacts.models import Lead
from accord.core.lifecycle import Stage
from accord.handoff.models import SlaClock
from accord.handoff.sla.counting import in_sla_statistics


@dataclass(frozen=True)
class QueueHealth:
    #: Open MQLs not yet accepted or rejected by sales.
    waiting: int
    #: Of those, MQLs no rep owns yet (routing could not place them).
    unassigned: int
    #: Running SLA clocks past their deadline.
    breached: int
    #: Running SLA clocks inside their warning window, not yet breached.
    due_soon: int


def queue_health(*, now: datetime | None = None) -> QueueHealth:
    now = now or timezone.now()
    mqls = Lead.objects.filter(stage=Stage.MQL, is_open=True).aggregate(
        waiting=Count("pk"), unassigned=Count("pk", filter=Q(owner__isnull=True))
    )
    running = SlaClock.objects.filter(in_sla_statistics("lead"), stopped_at__isnull=True)
    clocks = running.aggregate(
        breached=Count("pk", filter=Q(due_at__lt=now)),
        due_soon=Count("pk", filter=Q(due_at__gte=now, warn_at__lte=now)),
    )
    return QueueHealth(
        waiting=mqls["waiting"],
        unassigned=mqls["unassigned"],
        breached=clocks["breached"],
        due_soon=clocks["due_soon"],
    )
