"""Worker jobs for webhooks: one attempt of one delivery, and the periodic sweep.

The sweep is what makes retries durable: the delivery rows say what is due
(``next_attempt_at``), and every minute the sweep queues an attempt for each due one. No
retry depends on a timer held in memory.
"""

from __future__ import annotations

import functools

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accord.core.jobs import enqueue, idempotent
from accord.integrations.models import WebhookDelivery
from accord.integrations.webhooks.delivery import attempt_claim, attempt_send_and_record

SWEEP_SCHEDULE_NAME = "webhooks.sweep"
SWEEP_BATCH = 500


def delivery_dispatch(delivery: WebhookDelivery) -> None:
    """Queue an attempt of ``delivery`` as it is now (call inside the writer's transaction).

    The key names the delivery's current state (attempts made, when due), so queuing the same
    state twice runs once, and every new state (a failure rescheduled, a redelivery) gets a
    fresh job.
    """
    due = delivery.next_attempt_at or timezone.now()
    stamp = int(due.timestamp() * 1_000_000)
    enqueue(
        webhook_delivery_attempt,
        key=f"webhook.delivery:{delivery.pk}:{delivery.attempts}:{stamp}",
        delivery_id=delivery.pk,
        attempt=delivery.attempts,
    )


@idempotent
def webhook_delivery_attempt(*, delivery_id: int, attempt: int) -> None:
    """Claim the next attempt in the job's transaction; send only after that commits.

    ``attempt`` is the number of attempts made when the job was queued. The HTTP call runs
    after the commit, outside any transaction, so a slow receiver never holds the database.
    """
    if attempt_claim(delivery_id=delivery_id, attempts_seen=attempt):
        transaction.on_commit(
            functools.partial(attempt_send_and_record, delivery_id=delivery_id, attempt=attempt + 1)
        )


def webhook_deliveries_sweep() -> int:
    """Queue an attempt for every due delivery of an active endpoint; return how many.

    Due: waiting or failed with ``next_attempt_at`` passed, or ``sending`` with an expired
    lease (its worker died). Running the sweep twice queues nothing twice (keyed jobs).
    """
    now = timezone.now()
    due = (
        WebhookDelivery.objects.filter(
            Q(
                status__in=[
                    WebhookDelivery.Status.PENDING,
                    WebhookDelivery.Status.FAILED,
                    WebhookDelivery.Status.SENDING,
                ]
            ),
            next_attempt_at__lte=now,
            endpoint__is_active=True,
        )
        .order_by("next_attempt_at")
        .only("pk", "attempts", "next_attempt_at")[:SWEEP_BATCH]
    )
    count = 0
    with transaction.atomic():
        for delivery in due:
            delivery_dispatch(delivery)
            count += 1
    return count
