"""Webhooks' answers to lifecycle events (subscribed in ``accord.wiring``): each event an
endpoint may subscribe to becomes an outbox row per subscribed endpoint, in the emitter's
transaction (``events.webhook_event_emit``)."""

from __future__ import annotations

from accord.contacts.models import Lead
from accord.core.events import (
    DealLost,
    DealStageChanged,
    DealWon,
    LeadCreated,
    Published,
    StageEntered,
)
from accord.integrations.webhooks.events import webhook_event_emit, webhooks_listening
from accord.integrations.webhooks.payloads import (
    deal_lost_emit,
    deal_stage_changed_emit,
    deal_won_emit,
    lead_created_emit,
    lead_stage_changed_emit,
)


def lead_created_publish(event: LeadCreated) -> None:
    lead = event.lead
    if lead is None:
        # The capture fast path sends the id only: read the row only if it can go anywhere.
        if not webhooks_listening("lead.created"):
            return
        lead = Lead.objects.select_related("contact").get(pk=event.lead_id)
    lead_created_emit(lead=lead)


def stage_entered_publish(event: StageEntered) -> None:
    lead_stage_changed_emit(transition=event.transition)


def deal_won_publish(event: DealWon) -> None:
    deal_won_emit(deal=event.deal)


def deal_lost_publish(event: DealLost) -> None:
    deal_lost_emit(deal=event.deal)


def deal_stage_changed_publish(event: DealStageChanged) -> None:
    deal_stage_changed_emit(
        deal=event.deal,
        from_stage=event.from_stage,
        to_stage=event.to_stage,
        at=event.at,
        change_id=event.change_id,
    )


def published_deliver(event: Published) -> None:
    webhook_event_emit(
        event=event.name, payload=event.payload, key=f"{event.name}:{event.key}", at=event.at
    )
