"""Webhook delivery logs under the privacy rules: export, erasure and retention.

A delivery's ``body`` is the exact JSON sent, so it names people: their e-mail or phone, and
their contact or lead id inside a ``lead``/``contact``/``deal`` object (this app's payload
shapes, ``payloads.py``). ``privacy`` sits below ``integrations`` and does not read these
rows; it emits events and ``accord.wiring`` subscribes the handlers here:

* ``PersonDataRequested`` — the deliveries naming the person go into their export;
* ``ContactAnonymised`` — those deliveries' bodies are masked and their response snippets
  cleared (rows kept: the delivery history and its counts stay);
* ``RetentionDue`` for ``webhook_deliveries`` — finished deliveries (delivered or abandoned)
  older than the period are deleted.
"""

from __future__ import annotations

import json
from typing import Any

from django.db.models import Q

from accord.core.events import ContactAnonymised, PersonDataRequested, RetentionDue
from accord.integrations.models import WebhookDelivery
from accord.privacy.models import RetentionDataType
from accord.privacy.rules import ERASED, values_mask


def deliveries_naming(
    *, contact_ids: list[int], lead_ids: list[int], secrets: list[str]
) -> list[WebhookDelivery]:
    """Webhook deliveries whose payload names the person: their e-mail or phone, or their
    contact/lead id in a ``contact``/``lead`` object (checked on the parsed JSON)."""
    condition = Q(pk__in=[])
    for value in secrets:
        condition |= Q(body__icontains=value)
    for lead_id in lead_ids:
        condition |= Q(body__contains=f'"lead_id": {lead_id}') | Q(
            body__contains=f'"id": {lead_id}'
        )
    for contact_id in contact_ids:
        condition |= Q(body__contains=f'"id": {contact_id}')
    found = []
    for delivery in WebhookDelivery.objects.filter(condition).order_by("pk"):
        if _names(delivery.body, contact_ids, lead_ids, secrets):
            found.append(delivery)
    return found


def _names(body: str, contact_ids: list[int], lead_ids: list[int], secrets: list[str]) -> bool:
    lowered = body.lower()
    if any(s and s.lower() in lowered for s in secrets):
        return True
    try:
        data = json.loads(body)
    except ValueError:
        return False
    payload = data.get("data", data) if isinstance(data, dict) else {}
    if not isinstance(payload, dict):
        return False
    lead = _object(payload, "lead")
    contact = _object(lead, "contact")
    deal = _object(payload, "deal")
    return (
        lead.get("id") in lead_ids
        or contact.get("id") in contact_ids
        or payload.get("lead_id") in lead_ids
        or deal.get("lead_id") in lead_ids
    )


def _object(parent: dict[str, Any], name: str) -> dict[str, Any]:
    value = parent.get(name)
    return value if isinstance(value, dict) else {}


def deliveries_export(event: PersonDataRequested) -> None:
    """The deliveries naming the person, as the export's ``webhook_deliveries`` table."""
    event.tables["webhook_deliveries"] = list(
        deliveries_naming(
            contact_ids=list(event.contact_ids),
            lead_ids=list(event.lead_ids),
            secrets=list(event.identifiers),
        )
    )


def deliveries_anonymise(event: ContactAnonymised) -> None:
    """Mask the person in the bodies of the deliveries naming them; report the count."""
    masked = 0
    for delivery in deliveries_naming(
        contact_ids=[event.contact_id],
        lead_ids=list(event.lead_ids),
        secrets=list(event.identifiers),
    ):
        masked += WebhookDelivery.objects.filter(pk=delivery.pk).update(
            body=_body_mask(delivery.body, list(event.secrets)), response_snippet=""
        )
    event.changed["webhook_deliveries"] = masked


def _body_mask(body: str, secrets: list[str]) -> str:
    try:
        data = json.loads(body)
    except ValueError:
        text = body
        for secret in secrets:
            text = text.replace(secret, ERASED)
        return text
    return json.dumps(values_mask(data, secrets))


def deliveries_expire(event: RetentionDue) -> None:
    """Finished deliveries older than the period: deleted (or, on a dry run, counted)."""
    if event.data_type != RetentionDataType.WEBHOOK_DELIVERIES:
        return
    done = (WebhookDelivery.Status.SUCCEEDED, WebhookDelivery.Status.ABANDONED)
    rows = WebhookDelivery.objects.filter(created_at__lt=event.cutoff, status__in=done)
    event.counts[event.data_type] = rows.count() if event.dry_run else rows.delete()[0]
