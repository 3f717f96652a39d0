"""Webhook event names, and emitting an event to every endpoint that subscribed to it.

Emission is an outbox write: one ``WebhookDelivery`` row per subscribed active endpoint and
its delivery job, in the caller's transaction. If the caller rolls back, no endpoint hears of
an event that did not happen; if it commits, the delivery cannot be lost.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accord.core.errors import InvalidInput
from accord.core.prepared import PreparedQuery
from accord.core.timeutils import aware_required
from accord.handoff.notifications import HANDOFF_EVENTS
from accord.integrations.models import WebhookDelivery, WebhookEndpoint
from accord.integrations.webhooks.jobs import delivery_dispatch

# Event name → what it means (shown when choosing subscriptions): the lifecycle's own, then
# the ones the hand-off publishes (``core.events.Published``).
EVENTS: dict[str, str | Promise] = {
    "lead.created": _("A lead was created"),
    "lead.stage_changed": _("A lead moved to another lifecycle stage"),
    "deal.won": _("A deal was won"),
    "deal.lost": _("A deal was lost"),
    "deal.stage_changed": _("A deal moved to another pipeline stage"),
    **HANDOFF_EVENTS,
}


def event_choices() -> list[tuple[str, str | Promise]]:
    return [(name, f"{name} — {description}") for name, description in sorted(EVENTS.items())]


def webhook_id_new() -> str:
    return f"msg_{uuid.uuid4().hex}"


def body_render(*, event: str, payload: Mapping[str, Any], at: datetime) -> str:
    """The JSON every subscriber receives: ``{"type", "timestamp", "data"}``."""
    return json.dumps(
        {"type": event, "timestamp": at.isoformat(), "data": payload},
        cls=DjangoJSONEncoder,
        separators=(",", ":"),
        ensure_ascii=False,
    )


# Compiled once per process: every new lead (e.g. each capture submission) emits an event.
_active_endpoints = PreparedQuery(
    lambda: WebhookEndpoint.objects.filter(is_active=True).only("pk", "events"), examples=()
)


def webhooks_listening(event: str) -> bool:
    """Whether any active endpoint subscribed to ``event`` (one compiled query)."""
    return any(event in endpoint.events for endpoint in _active_endpoints.all())


def webhook_event_emit(
    *, event: str, payload: Mapping[str, Any], key: str, at: datetime | None = None
) -> int:
    """Record ``event`` for every active endpoint subscribed to it; return how many.

    ``key`` names this occurrence of the event (e.g. ``lead:42`` for ``lead.created``):
    emitting the same event with the same key again adds nothing, so a retried job or a
    repeated call never notifies an endpoint twice.
    """
    if event not in EVENTS:
        raise InvalidInput(f"Unknown webhook event {event!r}.", field="event")
    if not key or len(key) > 200:
        raise InvalidInput("An event key must be 1 to 200 characters long.", field="key")
    at = aware_required(at, field="at")
    # Few endpoints exist, and a JSON "contains" lookup is not portable to SQLite: filter here.
    endpoints = [endpoint for endpoint in _active_endpoints.all() if event in endpoint.events]
    if not endpoints:
        return 0
    body = body_render(event=event, payload=payload, at=at)
    # ``at`` is when the event happened (it may be back-dated by an import); the retry clock
    # starts when the delivery is recorded.
    now = timezone.now()
    created = 0
    with transaction.atomic():
        for endpoint in endpoints:
            try:
                with transaction.atomic():  # a savepoint: a duplicate leaves the caller usable
                    delivery = WebhookDelivery.objects.create(
                        endpoint=endpoint,
                        event=event,
                        event_key=key,
                        webhook_id=webhook_id_new(),
                        body=body,
                        next_attempt_at=now,
                        round_started_at=now,
                        created_at=now,
                    )
            except IntegrityError:
                continue  # this occurrence was already recorded for this endpoint
            delivery_dispatch(delivery)
            created += 1
    return created
