"""The lifecycle's consequences run through ``accord.wiring``: ``contacts``, ``tracking``,
``pipeline`` and ``handoff`` emit, and the apps above them (``scoring``, ``handoff``,
``integrations``' webhooks) subscribe. These tests pin the table in order, keep the removed
upward imports removed, and show each consequence still happens through its subscription (take
the handler out and it does not). The consequences themselves keep their own tests in their
apps (webhooks, routing, rescoring); these only prove the path."""

from __future__ import annotations

import grimp
import pytest
from django.utils import timezone

from accord.contacts.services import lead_transition
from accord.contacts.tests.factories import LeadFactory
from accord.core import events, hooks
from accord.core.lifecycle import Stage
from accord.integrations.models import WebhookDelivery, WebhookEndpoint
from accord.integrations.webhooks import handlers as webhooks

LIFECYCLE_TABLE = {
    "LeadCreated": ["accord.integrations.webhooks.handlers.lead_created_publish"],
    "StageEntered": [
        "accord.integrations.webhooks.handlers.stage_entered_publish",
        "accord.handoff.hooks.mql_entered_route",
    ],
    "LeadChanged": ["accord.scoring.lifecycle.lead_changed_rescore"],
    "TouchRecorded": ["accord.scoring.lifecycle.touch_recorded_rescore"],
    "SubmissionSettled": ["accord.scoring.lifecycle.submission_settled_score"],
    "DealWon": [
        "accord.handoff.hooks.deal_closed_lead_move",
        "accord.integrations.webhooks.handlers.deal_won_publish",
    ],
    "DealLost": [
        "accord.handoff.hooks.deal_closed_lead_move",
        "accord.integrations.webhooks.handlers.deal_lost_publish",
    ],
    "DealStageChanged": ["accord.integrations.webhooks.handlers.deal_stage_changed_publish"],
    "Published": ["accord.integrations.webhooks.handlers.published_deliver"],
    "ProductPriceChanged": ["accord.intel.hooks.price_changed_post"],
    "PromotionStarted": ["accord.intel.hooks.promotion_started_post"],
    "PersonAlerted": ["accord.handoff.hooks.person_alerted_notify"],
}

#: Low to high; a domain module imports only its own layer or below (tests drive the stack).
LAYERS = ["contacts", "tracking", "scoring", "pipeline", "handoff", "privacy", "integrations"]
LIFECYCLE_APPS = ["contacts", "tracking", "scoring", "pipeline", "handoff"]


def test_the_lifecycle_subscriptions_are_wired_in_order():
    table = hooks.table()
    assert {name: table.get(name) for name in LIFECYCLE_TABLE} == LIFECYCLE_TABLE


def test_the_lifecycle_apps_import_no_app_above_them():
    graph = grimp.build_graph("accord", exclude_type_checking_imports=True)
    rank = {app: n for n, app in enumerate(LAYERS)}
    found = set()
    for app in LIFECYCLE_APPS:
        for module in graph.find_descendants(f"accord.{app}"):
            if ".tests" in module:
                continue
            for imported in graph.find_modules_directly_imported_by(module):
                parts = imported.split(".")
                if len(parts) > 1 and rank.get(parts[1], -1) > rank[app]:
                    found.add((module, imported))
    assert found == set()


@pytest.fixture
def unwired():
    """Take handlers out of the table for one test; they go back where they were."""
    taken: list[tuple[type, int, object]] = []

    def take(event_type: type, handler: object) -> None:
        handlers = hooks._handlers[event_type]
        taken.append((event_type, handlers.index(handler), handler))
        handlers.remove(handler)

    yield take
    for event_type, index, handler in reversed(taken):
        hooks._handlers[event_type].insert(index, handler)


@pytest.fixture
def endpoint(db):
    names = ["lead.created", "lead.stage_changed", "lead.mql"]
    return WebhookEndpoint.objects.create(
        url="https://hooks.example.com/", secret="s", events=names
    )


def _events():
    return list(WebhookDelivery.objects.order_by("id").values_list("event", flat=True))


def test_a_move_to_mql_announces_the_stage_then_starts_the_hand_off(endpoint, unwired):
    lead = LeadFactory()
    WebhookDelivery.objects.all().delete()
    lead_transition(lead_id=lead.pk, to_stage=Stage.MQL, at=timezone.now())
    # lead.stage_changed (webhooks' handler) before lead.mql (the hand-off's), as before.
    assert _events() == ["lead.stage_changed", "lead.mql"]

    other = LeadFactory()
    WebhookDelivery.objects.all().delete()
    unwired(events.StageEntered, webhooks.stage_entered_publish)
    lead_transition(lead_id=other.pk, to_stage=Stage.MQL, at=timezone.now())
    assert _events() == ["lead.mql"]  # contacts sends no webhook itself


def test_a_lead_created_by_contacts_is_announced_through_the_wiring(endpoint, unwired):
    from accord.contacts.services import lead_create

    lead = LeadFactory()
    WebhookDelivery.objects.all().delete()
    lead_create(contact=lead.contact)
    assert _events() == ["lead.created"]
    unwired(events.LeadCreated, webhooks.lead_created_publish)
    lead_create(contact=lead.contact)
    assert _events() == ["lead.created"]


def test_each_lifecycle_event_reaches_its_handlers_in_order(monkeypatch):
    """Every event of the table calls exactly its handlers, in the listed order."""
    calls: list[str] = []
    for event_type in list(hooks._handlers):
        if event_type.__name__ not in LIFECYCLE_TABLE:
            continue
        wrapped = []
        for handler in hooks._handlers[event_type]:
            name = f"{handler.__module__}.{handler.__qualname__}"
            wrapped.append(lambda event, name=name: calls.append(name))
        monkeypatch.setitem(hooks._handlers, event_type, wrapped)
    by_name = {t.__name__: t for t in hooks._handlers}
    for name, handlers in LIFECYCLE_TABLE.items():
        calls.clear()
        hooks.emit(object.__new__(by_name[name]))
        assert calls == handlers
