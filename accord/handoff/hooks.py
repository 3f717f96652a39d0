"""The hand-off's entry point from the lifecycle: a lead just became an MQL.

``accord.contacts.services.lead_transition`` emits ``StageEntered`` inside its transaction;
``accord.wiring`` subscribes ``mql_entered_route`` to it, which calls ``lead_mql_reached``. The
lead is routed right there, so the stage change, the ``lead.mql`` event, the assignment (or the
waiting-queue entry and its warning), the SLA clocks and the notifications commit together or
not at all: no MQL waits in a job queue for a worker to notice it (at 50 MQLs a second a queue
of one routing job per MQL fell tens of seconds behind), and none is left unrouted by a crash
between the move and the routing.

Routing runs in a savepoint. If it fails (a deadlock between two batch transactions on
PostgreSQL, a broken agreement), the savepoint is rolled back, the error logged, and the
routing job is queued in the caller's transaction instead (the previous design): the MQL move
still commits, and the worker routes the lead, retrying as jobs do.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from accord.contacts.models import Lead
from accord.contacts.services import lead_transition
from accord.core.events import DealLost, DealWon, PersonAlerted, StageEntered
from accord.core.jobs import enqueue
from accord.core.lifecycle import Stage
from accord.handoff.notifications import event_emit, notify_many
from accord.handoff.routing.assignment import lead_route

logger = logging.getLogger(__name__)

ROUTE_JOB = "accord.handoff.routing_jobs.lead_route_job"


def mql_entered_route(event: StageEntered) -> None:
    """A lead moved: if to MQL, the hand-off starts here (``lead.mql`` event + routing)."""
    if event.to_stage == Stage.MQL:
        lead_mql_reached(lead_id=event.lead_id, transition_id=event.transition.pk, at=event.at)


def lead_mql_reached(*, lead_id: int, transition_id: int, at: datetime) -> None:
    event_emit(
        event="lead.mql",
        payload={"lead_id": lead_id, "transition_id": transition_id, "at": at},
        key=f"{lead_id}:{transition_id}",
        at=at,
    )
    try:
        with transaction.atomic():
            lead_route(lead_id=lead_id)
    except Exception:
        logger.exception("Routing MQL lead %s failed; queued for the worker instead.", lead_id)
        # One key per MQL transition: a lead that comes back from nurture is routed again.
        enqueue(ROUTE_JOB, key=f"route:{lead_id}:{transition_id}", lead_id=lead_id)


def deal_closed_lead_move(event: DealWon | DealLost) -> None:
    """A deal's outcome is its lead's, so the funnel's opportunity and customer stages agree
    with the deals: won, the lead becomes a customer; lost, the lead is lost unless another
    of its deals is still open or won. A lead still at SQL (its deal was opened outside the
    hand-off: the API, an import) passes through opportunity first."""
    deal = event.deal
    if deal.lead_id is None:
        return
    won = isinstance(event, DealWon)
    others = type(deal).objects.filter(lead_id=deal.lead_id).exclude(pk=deal.pk)
    if not won and others.exclude(stage="lost").exists():
        return
    lead = Lead.objects.filter(pk=deal.lead_id).values("stage", "stage_changed_at").first()
    if lead is None or lead["stage"] not in (Stage.SQL, Stage.OPPORTUNITY):
        return
    at = max(deal.closed_at or timezone.now(), lead["stage_changed_at"])
    details = {"deal_id": deal.pk}
    if lead["stage"] == Stage.SQL:
        lead_transition(lead_id=deal.lead_id, to_stage=Stage.OPPORTUNITY, at=at, details=details)
    lead_transition(
        lead_id=deal.lead_id,
        to_stage=Stage.CUSTOMER if won else Stage.LOST,
        at=at,
        reason="" if won else f"Deal lost: {deal.lost_reason or 'no reason given'}",
        details=details,
    )


def person_alerted_notify(event: PersonAlerted) -> None:
    """An app below tells people something (a task reminder, a stale deal): the bell and an
    e-mail each, once per key and person, in the emitter's transaction (the outbox)."""
    notify_many(
        user_ids=event.user_ids,
        kind=event.kind,
        title=event.title,
        key=event.key,
        body=event.body,
        url=event.url,
    )
