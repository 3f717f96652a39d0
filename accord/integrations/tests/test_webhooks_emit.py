"""Emission is an outbox write: rows and jobs commit with the caller, once per occurrence."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import transaction
from django_q.models import OrmQ

from accord.contacts.services import lead_create, lead_transition
from accord.contacts.tests.factories import ContactFactory
from accord.core.errors import InvalidInput
from accord.integrations.models import WebhookDelivery
from accord.integrations.webhooks.events import webhook_event_emit
from accord.integrations.webhooks.services import (
    webhook_endpoint_create,
    webhook_endpoint_disable,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def loopback_allowed(settings):
    settings.WEBHOOKS_ALLOW_LOOPBACK = True


def _endpoint(*events: str):
    endpoint, _ = webhook_endpoint_create(url="http://127.0.0.1:9/hook", events=list(events))
    return endpoint


def _queued_delivery_ids() -> list[int]:
    return sorted(row.task["kwargs"]["delivery_id"] for row in OrmQ.objects.all())


class Boom(Exception):
    pass


def test_emission_in_a_rolled_back_transaction_leaves_no_rows_and_no_jobs():
    _endpoint("lead.created")
    with pytest.raises(Boom), transaction.atomic():
        webhook_event_emit(event="lead.created", payload={"id": 1}, key="lead:1")
        assert WebhookDelivery.objects.count() == 1
        assert OrmQ.objects.count() == 1
        raise Boom
    assert WebhookDelivery.objects.count() == 0
    assert OrmQ.objects.count() == 0


def test_the_same_event_and_key_twice_makes_one_delivery_per_endpoint():
    first, second = _endpoint("lead.created"), _endpoint("lead.created", "deal.won")
    assert webhook_event_emit(event="lead.created", payload={"id": 1}, key="lead:1") == 2
    assert webhook_event_emit(event="lead.created", payload={"id": 1}, key="lead:1") == 0
    deliveries = list(WebhookDelivery.objects.order_by("endpoint_id"))
    assert [d.endpoint_id for d in deliveries] == [first.pk, second.pk]
    assert _queued_delivery_ids() == sorted(d.pk for d in deliveries)
    assert len({d.webhook_id for d in deliveries}) == 2  # one message id per endpoint


def test_only_active_subscribed_endpoints_get_a_delivery():
    subscribed = _endpoint("lead.created")
    _endpoint("deal.won")
    disabled = _endpoint("lead.created")
    webhook_endpoint_disable(endpoint_id=disabled.pk)
    webhook_event_emit(event="lead.created", payload={}, key="lead:7")
    assert list(WebhookDelivery.objects.values_list("endpoint_id", flat=True)) == [subscribed.pk]


def test_unknown_events_are_refused():
    with pytest.raises(InvalidInput) as refused:
        webhook_event_emit(event="lead.exploded", payload={}, key="x")
    assert refused.value.field == "event"


def test_lead_services_emit_created_and_stage_changed():
    created = _endpoint("lead.created")
    moved = _endpoint("lead.stage_changed")
    lead = lead_create(contact=ContactFactory(email="ann@example.com"))
    transition = lead_transition(lead_id=lead.pk, to_stage="mql")

    (created_delivery,) = WebhookDelivery.objects.filter(endpoint=created)
    body = json.loads(created_delivery.body)
    assert body["type"] == "lead.created"
    assert body["data"]["lead"]["id"] == lead.pk
    assert body["data"]["lead"]["contact"]["email"] == "ann@example.com"

    (moved_delivery,) = WebhookDelivery.objects.filter(endpoint=moved)
    body = json.loads(moved_delivery.body)
    assert body["type"] == "lead.stage_changed"
    assert body["data"]["lead_id"] == lead.pk
    assert (body["data"]["from_stage"], body["data"]["to_stage"]) == (
        transition.from_stage,
        "mql",
    )


def test_a_refused_transition_emits_nothing():
    _endpoint("lead.stage_changed")
    lead = lead_create(contact=ContactFactory())
    with pytest.raises(Exception):  # noqa: B017 - any domain error; the point is what follows
        lead_transition(lead_id=lead.pk, to_stage="customer")
    assert WebhookDelivery.objects.count() == 0
    assert OrmQ.objects.count() == 0


def test_winning_a_deal_emits_deal_won_once():
    from accord.pipeline.services import deal_create, deal_update

    won = _endpoint("deal.won")
    deal = deal_create(name="Big one", amount="1200.50", expected_close=dt.date(2026, 3, 31))
    assert WebhookDelivery.objects.count() == 0
    deal_update(deal_id=deal.pk, changes={"stage": "won"})
    deal_update(deal_id=deal.pk, changes={"name": "Big one, signed"})  # still won: no new event
    (delivery,) = WebhookDelivery.objects.filter(endpoint=won)
    body = json.loads(delivery.body)
    assert body["type"] == "deal.won"
    assert body["data"]["deal"]["id"] == deal.pk
    assert body["data"]["deal"]["amount"] == "1200.50"
