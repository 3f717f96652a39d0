"""Writes on webhook endpoints and deliveries (admins only; the views check the role).

Every URL is checked against the SSRF rules (``webhooks.ssrf``) when saved — and again at
each send, since DNS answers change.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accord.accounts.models import User
from accord.core.errors import InvalidInput, NotFound
from accord.integrations.models import WebhookDelivery, WebhookEndpoint
from accord.integrations.webhooks.events import EVENTS
from accord.integrations.webhooks.jobs import delivery_dispatch
from accord.integrations.webhooks.signing import secret_generate
from accord.integrations.webhooks.ssrf import UnsafeUrl, target_resolve

logger = logging.getLogger(__name__)

URL_MAX_LENGTH = WebhookEndpoint._meta.get_field("url").max_length or 2000


def webhook_url_check(url: str) -> str:
    """The URL, trimmed, if Accord may call it; ``InvalidInput`` on field ``url`` otherwise."""
    url = (url or "").strip()
    if not url:
        raise InvalidInput("Enter the URL that should receive the events.", field="url")
    if len(url) > URL_MAX_LENGTH:
        raise InvalidInput(f"The URL is longer than {URL_MAX_LENGTH} characters.", field="url")
    try:
        target_resolve(url, allow_loopback=settings.WEBHOOKS_ALLOW_LOOPBACK)
    except UnsafeUrl as refused:
        raise InvalidInput(str(refused), field="url") from refused
    return url


def _events_check(events: Iterable[str]) -> list[str]:
    chosen = sorted(set(events))
    if not chosen:
        raise InvalidInput("Choose at least one event.", field="events")
    unknown = [name for name in chosen if name not in EVENTS]
    if unknown:
        raise InvalidInput(f"Unknown events: {', '.join(unknown)}.", field="events")
    return chosen


def _endpoint_locked(endpoint_id: int) -> WebhookEndpoint:
    endpoint = WebhookEndpoint.objects.select_for_update().filter(pk=endpoint_id).first()
    if endpoint is None:
        raise NotFound(f"Webhook endpoint {endpoint_id} does not exist.", field="endpoint_id")
    return endpoint


def webhook_endpoint_create(
    *, url: str, events: Iterable[str], description: str = "", actor: User | None = None
) -> tuple[WebhookEndpoint, str]:
    """Create an endpoint; return it and its secret (shown to the admin this once)."""
    url = webhook_url_check(url)
    chosen = _events_check(events)
    secret = secret_generate()
    endpoint = WebhookEndpoint.objects.create(
        url=url,
        events=chosen,
        description=(description or "").strip()[:200],
        secret=secret,
        created_by=actor,
    )
    logger.info("Webhook endpoint %s created by %s.", endpoint.pk, actor)
    return endpoint, secret


def webhook_endpoint_update(
    *, endpoint_id: int, url: str, events: Iterable[str], description: str = ""
) -> WebhookEndpoint:
    url = webhook_url_check(url)
    chosen = _events_check(events)
    with transaction.atomic():
        endpoint = _endpoint_locked(endpoint_id)
        endpoint.url = url
        endpoint.events = chosen
        endpoint.description = (description or "").strip()[:200]
        endpoint.save(update_fields=["url", "events", "description", "updated_at"])
    return endpoint


def webhook_endpoint_secret_rotate(*, endpoint_id: int) -> str:
    """Give the endpoint a new secret (the old one stops working at once); return it."""
    secret = secret_generate()
    with transaction.atomic():
        endpoint = _endpoint_locked(endpoint_id)
        endpoint.secret = secret
        endpoint.save(update_fields=["secret", "updated_at"])
    return secret


def webhook_endpoint_disable(*, endpoint_id: int, reason: str = "") -> WebhookEndpoint:
    """Stop sending to the endpoint; its deliveries wait until it is enabled again."""
    with transaction.atomic():
        endpoint = _endpoint_locked(endpoint_id)
        endpoint.is_active = False
        endpoint.disabled_reason = (reason or "Disabled by an administrator.")[:200]
        endpoint.save(update_fields=["is_active", "disabled_reason", "updated_at"])
    return endpoint


def webhook_endpoint_enable(*, endpoint_id: int) -> WebhookEndpoint:
    """Send to the endpoint again, starting with the deliveries that waited for it."""
    now = timezone.now()
    with transaction.atomic():
        endpoint = _endpoint_locked(endpoint_id)
        endpoint.is_active = True
        endpoint.disabled_reason = ""
        endpoint.save(update_fields=["is_active", "disabled_reason", "updated_at"])
        waiting = endpoint.deliveries.filter(
            status__in=[WebhookDelivery.Status.PENDING, WebhookDelivery.Status.FAILED]
        )
        waiting.update(next_attempt_at=now)
        for delivery in waiting.only("pk", "attempts", "next_attempt_at"):
            delivery_dispatch(delivery)
    return endpoint


def webhook_delivery_redeliver(*, delivery_id: int) -> WebhookDelivery:
    """Send a delivery again, now, starting a new three-day retry round.

    The ``webhook-id`` stays the same (Standard Webhooks: a re-sent message keeps its id), so
    a receiver that already processed it can recognise it; the timestamp and signature are new.
    """
    now = timezone.now()
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update()
            .select_related("endpoint")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None:
            raise NotFound(f"Webhook delivery {delivery_id} does not exist.", field="delivery_id")
        if not delivery.endpoint.is_active:
            raise InvalidInput(
                "The endpoint is disabled; enable it before redelivering.", field="delivery_id"
            )
        if (
            delivery.status == WebhookDelivery.Status.SENDING
            and delivery.next_attempt_at is not None
            and delivery.next_attempt_at > now
        ):
            raise InvalidInput("This delivery is being sent right now.", field="delivery_id")
        delivery.status = WebhookDelivery.Status.PENDING
        delivery.next_attempt_at = now
        delivery.round_started_at = now
        delivery.round_attempts = 0
        delivery.save(
            update_fields=["status", "next_attempt_at", "round_started_at", "round_attempts"]
        )
        delivery_dispatch(delivery)
    return delivery
