"""A deal's outcome moves its lead, so the funnel's opportunity and customer stages agree
with the deals: won → customer (through opportunity from SQL), lost → lost unless another of
the lead's deals is still open."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from accord.contacts.models import Lead, StageTransition
from accord.contacts.services import lead_transition
from accord.contacts.tests.factories import LeadFactory
from accord.pipeline.services import deal_create, deal_move

pytestmark = pytest.mark.django_db


def _sql_lead() -> Lead:
    lead = LeadFactory(created_at=timezone.now() - timedelta(days=3))
    lead_transition(lead_id=lead.pk, to_stage="sql", at=timezone.now() - timedelta(days=2))
    return lead


def _close(deal, stage: str):
    reason = "price" if stage == "lost" else None
    return deal_move(deal_id=deal.pk, to_stage=stage, expected_version=deal.version, by=None,
                     close_date=date.today(), lost_reason=reason)  # fmt: skip


def test_won_and_lost_deals_move_their_leads():
    won_lead, lost_lead = _sql_lead(), _sql_lead()
    _close(deal_create(name="W", amount=100, lead_id=won_lead.pk), "won")
    path = StageTransition.objects.filter(lead=won_lead).order_by("at", "pk")
    assert [t.to_stage for t in path] == ["lead", "sql", "opportunity", "customer"]

    first = deal_create(name="L1", amount=100, lead_id=lost_lead.pk)
    second = deal_create(name="L2", amount=100, lead_id=lost_lead.pk)
    _close(first, "lost")  # the other deal is still open: the lead is not lost
    lost_lead.refresh_from_db()
    assert lost_lead.stage == "sql"
    _close(second, "lost")
    lost_lead.refresh_from_db()
    last = StageTransition.objects.filter(lead=lost_lead).latest("pk")
    assert (lost_lead.stage, last.reason) == ("lost", "Deal lost: price")
