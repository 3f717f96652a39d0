"""The ``data`` of each event, and the emit calls the domain services make.

Payloads are plain JSON built from ids and field values at the moment of the event; receivers
that need more call the REST API. Each ``*_emit`` names its event occurrence with a stable key,
so a repeated call never notifies twice.
"""

from __future__ import annotations

from typing import Any

from accord.integrations.webhooks.events import webhook_event_emit
from accord.privacy.transfer import contact_payload_for_transfer


def _contact_data(contact: Any) -> dict[str, Any]:
    # 152-FZ: masked for people without consent to transfer, when the setting asks for it.
    return contact_payload_for_transfer(
        {
            "id": contact.pk,
            "email": contact.email,
            "phone": contact.phone,
            "first_name": contact.first_name,
            "last_name": contact.last_name,
        }
    )


def lead_data(lead: Any) -> dict[str, Any]:
    return {
        "id": lead.pk,
        "stage": lead.stage,
        "is_open": lead.is_open,
        "owner_id": lead.owner_id,
        "source_channel_id": lead.source_channel_id,
        "source_campaign_id": lead.source_campaign_id,
        "created_at": lead.created_at,
        "contact": _contact_data(lead.contact),
    }


def lead_created_emit(*, lead: Any) -> int:
    return webhook_event_emit(
        event="lead.created",
        payload={"lead": lead_data(lead)},
        key=f"lead:{lead.pk}",
        at=lead.created_at,
    )


def lead_stage_changed_emit(*, transition: Any) -> int:
    return webhook_event_emit(
        event="lead.stage_changed",
        payload={
            "lead_id": transition.lead_id,
            "from_stage": transition.from_stage,
            "to_stage": transition.to_stage,
            "at": transition.at,
            "actor_id": transition.actor_id,
            "reason": transition.reason,
        },
        key=f"transition:{transition.pk}",
        at=transition.at,
    )


def deal_won_emit(*, deal: Any) -> int:
    closed = deal.closed_at
    return webhook_event_emit(
        event="deal.won",
        payload={
            "deal": {
                "id": deal.pk,
                "name": deal.name,
                "amount": str(deal.amount),
                "currency": deal.currency,
                "lead_id": deal.lead_id,
                "account_id": deal.account_id,
                "owner_id": deal.owner_id,
                "closed_at": closed,
            }
        },
        # A deal reopened and won again is a new occurrence.
        key=f"deal:{deal.pk}:won:{closed.isoformat() if closed else ''}",
        at=closed,
    )


def _deal_data(deal: Any) -> dict[str, Any]:
    return {
        "id": deal.pk,
        "name": deal.name,
        "pipeline": deal.pipeline.key,
        "stage": deal.stage,
        "amount": str(deal.amount),
        "currency": deal.currency,
        "lead_id": deal.lead_id,
        "account_id": deal.account_id,
        "owner_id": deal.owner_id,
        "closed_at": deal.closed_at,
    }


def deal_stage_changed_emit(
    *, deal: Any, from_stage: str, to_stage: str, at: Any, change_id: int
) -> int:
    return webhook_event_emit(
        event="deal.stage_changed",
        payload={"deal": _deal_data(deal), "from_stage": from_stage, "to_stage": to_stage},
        key=f"deal:{deal.pk}:stage:{change_id}",
        at=at,
    )


def deal_lost_emit(*, deal: Any) -> int:
    closed = deal.closed_at
    return webhook_event_emit(
        event="deal.lost",
        payload={
            "deal": {
                **_deal_data(deal),
                "lost_reason": deal.lost_reason,
                "competitor": deal.competitor,
            }
        },
        key=f"deal:{deal.pk}:lost:{closed.isoformat() if closed else ''}",
        at=closed,
    )
