"""The deal page: summary, stage history with time in each stage, the originating lead with
its score, grade and agreement version at hand-off, and who may open it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accord.contacts.models import StageTransition
from accord.pipeline.models import ChangeSource, DealStageChange
from accord.pipeline.tests.board_support import client_for, world_build

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return world_build()


def test_summary_history_and_origin(world):
    deal = world.deals["anna_q"]
    now = timezone.now()
    StageTransition.objects.create(
        lead=deal.lead, from_stage="lead", to_stage="mql", at=now - timedelta(days=30),
        details={"score": 72, "grade": "B", "agreement_version": 3},
    )  # fmt: skip
    DealStageChange.objects.filter(deal=deal).delete()
    DealStageChange.objects.create(
        deal=deal, pipeline=deal.pipeline, from_stage="", to_stage="qualification",
        at=now - timedelta(days=5, hours=3), amount=deal.amount, source=ChangeSource.UI,
    )  # fmt: skip
    DealStageChange.objects.create(
        deal=deal, pipeline=deal.pipeline, from_stage="qualification", to_stage="discovery",
        at=now - timedelta(days=2), amount=deal.amount, by=world.anna, source=ChangeSource.BOARD,
    )  # fmt: skip
    response = client_for(world.anna).get(f"/deals/{deal.pk}/")
    assert response.status_code == 200
    page = response.context["page"]
    facts = {str(label): value for label, value in page.facts}
    assert facts["Amount"] == "$100.00" and facts["Weighted"] == "$10.00"
    assert facts["Pipeline"] == "New business"
    assert facts["Forecast category"] == "Pipeline (from the stage)"
    assert [step.stage for step in page.stages] == ["Discovery", "Qualification"]
    assert page.stages[1].time_in_stage == "3 days 3 h"
    origin = page.origin
    assert (origin.score, origin.grade, origin.agreement_version) == (72, "B", 3)
    assert (origin.channel, origin.campaign) == ("Webinar", "Spring promo")
    assert origin.url == f"/leads/{deal.lead_id}/"
    html = response.content.decode()
    assert "agreement version 3" in html and "Acme Robotics" in html


def test_the_page_in_russian(world):
    client = client_for(world.anna)
    client.cookies["django_language"] = "ru"
    response = client.get(f"/deals/{world.deals['anna_q'].pk}/")
    html = response.content.decode()
    assert "Исходный лид" in html and "Квалификация" in html


@pytest.mark.parametrize(
    "who, deal, status",
    [
        ("anna", "anna_q", 200),
        ("anna", "ben_q", 404),
        ("mkt", "ben_q", 200),
        ("head", "ben_q", 200),
    ],
)
def test_who_opens_a_deal(world, who, deal, status):
    user = {"anna": world.anna, "mkt": world.mkt, "head": world.head}[who]
    assert client_for(user).get(f"/deals/{world.deals[deal].pk}/").status_code == status


def test_the_lead_page_links_its_deals(world):
    deal = world.deals["anna_q"]
    html = client_for(world.anna).get(f"/leads/{deal.lead_id}/").content.decode()
    assert f'href="/deals/{deal.pk}/"' in html


def test_contact_and_account_pages_link_deals(world):
    deal = world.deals["anna_q"]
    client = client_for(world.head)
    contact = client.get(f"/contacts/{deal.lead.contact_id}/").content.decode()
    account = client.get(f"/accounts/{deal.account_id}/").content.decode()
    assert f'href="/deals/{deal.pk}/"' in contact and f'href="/deals/{deal.pk}/"' in account
