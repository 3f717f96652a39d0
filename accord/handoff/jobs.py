"""The SLA clocks' worker side: a sweep every minute, one keyed job per warning or breach.

The sweep only reads current state and queues work, so running it twice is harmless. Each
job is ``idempotent`` under the key ``sla.warning:<clock>`` or ``sla.breach:<clock>``: its
clock update, its ``SlaEvent`` rows, the notifications and the webhook event commit together
with the job's receipt. A worker killed mid-escalation commits none of it, and the job runs
again; a second delivery finds the receipt and does nothing. So each breach is escalated
exactly once. (E-mails are their own keyed jobs, queued in the same transaction.)

The module's path is a job address (queued rows and the schedule written by migration
``handoff.0002`` name ``accord.handoff.jobs.*``), which is why it is not in ``handoff.sla``.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accord.core.jobs import enqueue, idempotent
from accord.handoff.models import SlaClock, SlaEvent, SlaEventKind
from accord.handoff.notifications import event_emit, managers_of, notify, notify_many
from accord.handoff.routing import assignment as routing
from accord.handoff.routing.assignment import lead_url

logger = logging.getLogger(__name__)

SWEEP_BATCH = 500
# A job queued this long ago and still not done (worker down, job failing) is queued again;
# the key makes the copy harmless.
REQUEUE_AFTER = timedelta(minutes=15)


def _queue(clocks, *, job, prefix: str, stamp_field: str, now: datetime) -> int:
    queued = 0
    for clock_id in list(clocks.values_list("pk", flat=True)[:SWEEP_BATCH]):
        with transaction.atomic():
            enqueue(job, key=f"{prefix}:{clock_id}", clock_id=clock_id)
            SlaClock.objects.filter(pk=clock_id).update(**{stamp_field: now})
        queued += 1
    return queued


def sla_clocks_sweep(*, now: datetime | None = None) -> int:
    """Queue a warning for each running clock past its warning time, and a breach for each
    running clock past its deadline; return how many jobs were queued."""
    now = now or timezone.now()
    stale = now - REQUEUE_AFTER
    running = SlaClock.objects.filter(stopped_at__isnull=True, breached_at__isnull=True)
    to_warn = running.filter(
        Q(warn_queued_at__isnull=True) | Q(warn_queued_at__lt=stale),
        warned_at__isnull=True,
        warn_at__lte=now,
        due_at__gt=now,
    ).order_by("warn_at")
    to_breach = running.filter(
        Q(breach_queued_at__isnull=True) | Q(breach_queued_at__lt=stale), due_at__lte=now
    ).order_by("due_at")
    queued = _queue(
        to_warn, job=sla_clock_warn, prefix="sla.warning", stamp_field="warn_queued_at", now=now
    )
    queued += _queue(
        to_breach,
        job=sla_clock_breach,
        prefix="sla.breach",
        stamp_field="breach_queued_at",
        now=now,
    )
    if queued:
        logger.info("SLA sweep queued %s job(s).", queued)
    return queued


def _clock_locked(clock_id: int) -> SlaClock | None:
    return (
        SlaClock.objects.select_for_update(of=("self",))
        .select_related("lead__contact", "owner", "agreement_version")
        .filter(pk=clock_id)
        .first()
    )


def _payload(clock: SlaClock) -> dict:
    return {
        "clock_id": clock.pk,
        "lead_id": clock.lead_id,
        "kind": clock.kind,
        "owner_id": clock.owner_id,
        "started_at": clock.started_at,
        "due_at": clock.due_at,
        "agreement_version": clock.agreement_version.number,
    }


@idempotent
def sla_clock_warn(*, clock_id: int) -> bool:
    """Tell the rep a deadline is close; nothing if the clock stopped or passed meanwhile."""
    now = timezone.now()
    clock = _clock_locked(clock_id)
    if clock is None or clock.stopped_at or clock.warned_at or clock.breached_at:
        return False
    if clock.warn_at is None or clock.warn_at > now or clock.due_at <= now:
        return False
    clock.warned_at = now
    clock.save(update_fields=["warned_at"])
    SlaEvent.objects.create(clock=clock, kind=SlaEventKind.WARNED, at=now, details={})
    if clock.owner_id:
        notify(
            user_id=clock.owner_id,
            kind="sla.warning",
            title=_("%(what)s for %(lead)s is due at %(due)s")
            % {
                "what": clock.get_kind_display(),
                "lead": clock.lead.contact,
                "due": timezone.localtime(clock.due_at).strftime("%Y-%m-%d %H:%M %Z"),
            },
            url=lead_url(clock.lead_id),
            key=f"sla.warning:{clock.pk}",
        )
    event_emit(event="sla.warning", payload=_payload(clock), key=str(clock.pk), at=now)
    return True


def _reassign(clock: SlaClock, *, at: datetime) -> dict:
    """Give the lead to the next rep per routing, if routing can; say what happened."""
    next_rep = getattr(routing, "lead_reassign_on_breach", None)
    if next_rep is None:
        SlaEvent.objects.create(
            clock=clock,
            kind=SlaEventKind.REASSIGNMENT_REQUESTED,
            at=at,
            details={"why": "routing has no automatic reassignment; a manager decides"},
        )
        return {"reassignment": "requested"}
    new_owner_id = next_rep(lead_id=clock.lead_id, from_user_id=clock.owner_id, at=at)
    kind = SlaEventKind.REASSIGNED if new_owner_id else SlaEventKind.REASSIGNMENT_REQUESTED
    SlaEvent.objects.create(clock=clock, kind=kind, at=at, details={"to_user_id": new_owner_id})
    return {"reassignment": "done" if new_owner_id else "requested", "to_user_id": new_owner_id}


@idempotent
def sla_clock_breach(*, clock_id: int) -> bool:
    """Record a breach and escalate it: managers notified, webhook event, reassignment if the
    agreement says so. Nothing if the clock stopped in time."""
    now = timezone.now()
    clock = _clock_locked(clock_id)
    if clock is None or clock.breached_at or clock.due_at > now:
        return False
    if clock.stopped_at and clock.stopped_at <= clock.due_at:
        return False
    # Breached at the deadline, whenever the job ran; a clock stopped late is still a breach,
    # but its action happened, so there is nobody left to chase.
    clock.breached_at = clock.due_at
    SlaEvent.objects.create(
        clock=clock,
        kind=SlaEventKind.BREACHED,
        at=now,
        details={"due_at": clock.due_at.isoformat(), "stopped_late": bool(clock.stopped_at)},
    )
    if clock.stopped_at:
        clock.save(update_fields=["breached_at"])
        return True
    clock.escalated_at = now
    clock.save(update_fields=["breached_at", "escalated_at"])
    team_id = clock.owner.team_id if clock.owner else clock.lead.team_id
    managers = managers_of(team_id)
    notified = notify_many(
        user_ids=managers,
        kind="sla.breached",
        title=_("SLA breached: %(what)s for %(lead)s (owner %(owner)s)")
        % {
            "what": clock.get_kind_display(),
            "lead": clock.lead.contact,
            "owner": clock.owner or "—",
        },
        url=lead_url(clock.lead_id),
        key=f"sla.breached:{clock.pk}",
    )
    details: dict = {"managers": sorted(managers), "notified": notified}
    escalation = clock.agreement_version.content.get("escalation", {})
    if escalation.get("reassign_on_breach"):
        details |= _reassign(clock, at=now)
    SlaEvent.objects.create(clock=clock, kind=SlaEventKind.ESCALATED, at=now, details=details)
    event_emit(event="sla.breached", payload=_payload(clock) | details, key=str(clock.pk), at=now)
    logger.info("SLA clock %s breached; escalated to %s manager(s).", clock.pk, len(managers))
    return True
