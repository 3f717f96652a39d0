"""A deal keeps its lead's fit grade at hand-off: the grade scoring recorded on the lead's
last move to MQL, else the lead's grade when the deal got it. A later re-score leaves it; a
new lead replaces it; existing deals are filled by the migration; the API and the deal page
show it."""

from __future__ import annotations

import importlib
from datetime import UTC, datetime, timedelta

import pytest
from django.apps import apps
from django.test import Client

from accord.contacts.models import Lead, StageTransition
from accord.contacts.selectors import grades_at_handoff
from accord.contacts.services import lead_transition
from accord.contacts.tests.factories import LeadFactory
from accord.core.lifecycle import Stage
from accord.integrations.tests.api_helpers import key_client
from accord.pipeline.models import Deal
from accord.pipeline.services.deals import deal_create, deal_update

pytestmark = pytest.mark.django_db


def _handed_off(grade_then: str, grade_now: str) -> Lead:
    """A lead that scoring moved to MQL while graded ``grade_then``, re-scored since."""
    lead = LeadFactory(grade=grade_then)
    lead_transition(lead_id=lead.pk, to_stage=Stage.MQL, details={"score": 80, "grade": grade_then})
    Lead.objects.filter(pk=lead.pk).update(grade=grade_now)
    return lead


def test_a_new_deal_keeps_the_grade_recorded_at_hand_off_not_the_grade_now():
    lead = _handed_off("A", "C")
    deal = deal_create(name="Kept", amount="100", lead_id=lead.pk)
    assert Deal.objects.get(pk=deal.pk).handoff_grade == "A"


def test_a_lead_never_handed_off_or_moved_by_hand_gives_its_grade_now():
    found_by_sales = LeadFactory(grade="B")
    by_hand = LeadFactory(grade="D")
    lead_transition(lead_id=by_hand.pk, to_stage=Stage.MQL)  # no grade recorded
    assert deal_create(name="S", amount="1", lead_id=found_by_sales.pk).handoff_grade == "B"
    assert deal_create(name="H", amount="1", lead_id=by_hand.pk).handoff_grade == "D"
    assert deal_create(name="None", amount="1").handoff_grade == ""


def test_a_re_score_keeps_it_and_another_lead_replaces_it():
    lead = _handed_off("A", "A")
    other = _handed_off("B", "C")
    deal = deal_create(name="Kept", amount="100", lead_id=lead.pk)
    Lead.objects.filter(pk=lead.pk).update(grade="D")
    deal_update(deal_id=deal.pk, changes={"name": "Renamed", "lead_id": lead.pk})
    assert Deal.objects.get(pk=deal.pk).handoff_grade == "A"
    deal_update(deal_id=deal.pk, changes={"lead_id": other.pk})
    assert Deal.objects.get(pk=deal.pk).handoff_grade == "B"
    deal_update(deal_id=deal.pk, changes={"lead_id": None})
    assert Deal.objects.get(pk=deal.pk).handoff_grade == ""


MOVED = datetime(2026, 3, 1, tzinfo=UTC)


def _history() -> list[tuple[str, Lead, datetime]]:
    """Two hand-offs of one lead (B, then A; graded D now), a hand-off recording no grade
    (and one recording a JSON null), and deals opened around them: (name, lead, opened)."""
    lead = LeadFactory(grade="D")
    for at, details in ((MOVED, {"grade": "B"}), (MOVED + timedelta(days=60), {"grade": "A"})):
        StageTransition.objects.create(
            lead=lead, from_stage="lead", to_stage="mql", at=at, details=details
        )
    unscored = LeadFactory(grade="C")
    for details in ({}, {"grade": None}):
        StageTransition.objects.create(
            lead=unscored, from_stage="lead", to_stage="mql", at=MOVED, details=details
        )
    return [
        ("after first", lead, MOVED + timedelta(days=5)),
        ("after second", lead, MOVED + timedelta(days=90)),
        ("before any", lead, MOVED - timedelta(days=5)),
        ("no grade recorded", unscored, MOVED + timedelta(days=5)),
    ]


EXPECTED = {"after first": "B", "after second": "A", "before any": "D", "no grade recorded": "C"}


def test_the_migration_fills_existing_deals_by_the_selectors_rule():
    history = _history()
    for name, lead, opened in history:
        Deal.objects.create(name=name, amount=1, lead=lead, created_at=opened)
    Deal.objects.create(name="no lead", amount=1)
    migration = importlib.import_module("accord.pipeline.migrations.0009_deal_handoff_grade")
    migration.handoff_grades_fill(apps, None)
    filled = dict(Deal.objects.values_list("name", "handoff_grade"))
    assert filled == {**EXPECTED, "no lead": ""}
    # The service's rule gives the same grades.
    found = grades_at_handoff([(lead.pk, opened) for _, lead, opened in history])
    assert {name: found[(lead.pk, opened)] for name, lead, opened in history} == EXPECTED


def test_a_deal_moved_to_another_lead_takes_its_hand_off_before_the_deal():
    history = _history()
    deal = deal_create(name="Relinked", amount="1")
    for name, lead, opened in history:
        Deal.objects.filter(pk=deal.pk).update(created_at=opened, lead=None)
        deal_update(deal_id=deal.pk, changes={"lead_id": lead.pk})
        assert Deal.objects.get(pk=deal.pk).handoff_grade == EXPECTED[name], name


def test_the_api_and_the_deal_page_show_the_grade_the_deal_kept(admin_user):
    lead = _handed_off("A", "D")
    created = key_client().post("/deals", {"name": "Shown", "amount": "50", "lead_id": lead.pk})
    assert created.status_code == 201 and created.json()["handoff_grade"] == "A"
    # The page shows the deal's grade (the one the promotion report reads), not a re-read.
    Deal.objects.filter(pk=created.json()["id"]).update(handoff_grade="B")
    browser = Client()
    browser.force_login(admin_user)
    page = browser.get(f"/deals/{created.json()['id']}/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    text = page.content.decode()
    grade_row = text[text.index("Grade at hand-off") :][:80]
    assert "<dd>B</dd>" in grade_row
