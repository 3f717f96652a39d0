"""The lead page's sales actions over real HTTP: qualify, open a deal, rate; who sees which
form, errors on the field they name with nothing written, and the panel swapped by htmx."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from accord.accounts.models import Role
from accord.accounts.tests.factories import UserFactory
from accord.contacts.models import Lead, StageTransition
from accord.handoff.inbox import actions
from accord.handoff.inbox.feedback import feedback_by
from accord.handoff.models import QualityRating
from accord.handoff.routing.assignment import lead_route
from accord.handoff.tests.routing_support import mql_lead, team_with_reps
from accord.pipeline.models import Deal
from accord.tracking.models import Campaign

pytestmark = [pytest.mark.django_db, pytest.mark.urls("accord.handoff.tests.urls_mounted")]

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def routed():
    _, reps = team_with_reps(reps=1)
    campaign = Campaign.objects.create(name="Webinar", utm_campaign="webinar")
    lead = mql_lead(first_name="Grace", last_name="Hopper", score=80, campaign=campaign)
    lead_route(lead_id=lead.pk)
    return lead, reps[0]


def _page(client, lead) -> str:
    response = client.get(reverse("leads:lead_detail", args=[lead.pk]))
    assert response.status_code == 200
    return response.content.decode()


def _actions_shown(page: str) -> set[str]:
    return {name for name in ("qualify", "deal", "rating") if f'data-action="{name}"' in page}


def test_the_panel_offers_the_next_step_for_the_stage(client, routed):
    lead, rep = routed
    client.force_login(rep)
    assert _actions_shown(_page(client, lead)) == {"rating"}  # MQL: accept first (inbox)
    actions.lead_accept(lead_id=lead.pk, by=rep)
    assert _actions_shown(_page(client, lead)) == {"qualify", "rating"}
    actions.lead_qualify(lead_id=lead.pk, by=rep, bant=actions.Bant(need="CRM"))
    assert _actions_shown(_page(client, lead)) == {"deal", "rating"}


def test_qualify_from_the_lead_page_with_bant(client, routed):
    lead, rep = routed
    actions.lead_accept(lead_id=lead.pk, by=rep)
    client.force_login(rep)
    url = reverse("handoff:lead_panel_qualify", args=[lead.pk])
    refused = client.post(url, {"budget": "50k"}, **HTMX)
    assert refused.status_code == 200
    assert refused.context["panel"].qualify.errors["need"]
    assert Lead.objects.get(pk=lead.pk).stage == "sal"
    answers = {"budget": "50k", "authority": "CFO", "need": "Pipeline visibility", "timeline": "Q3"}
    response = client.post(url, answers, **HTMX)
    body = response.content.decode()
    assert body.lstrip().startswith('<section class="panel" id="lead-actions"')
    assert "SQL" in body and 'data-action="deal"' in body
    lead.refresh_from_db()
    assert lead.stage == "sql" and lead.properties["bant"] == answers
    assert StageTransition.objects.get(lead=lead, to_stage="sql").details["bant"] == answers


def test_open_a_deal_with_amount_currency_and_close_date(client, routed):
    lead, rep = routed
    actions.lead_accept(lead_id=lead.pk, by=rep)
    actions.lead_qualify(lead_id=lead.pk, by=rep, bant=actions.Bant(need="CRM"))
    client.force_login(rep)
    url = reverse("handoff:lead_panel_deal", args=[lead.pk])
    for data, field in (
        ({"name": "Hopper Inc", "amount": "a lot", "currency": "EUR"}, "amount"),
        ({"name": "Hopper Inc", "amount": "1000", "currency": "EUROS"}, "currency"),
        ({"name": "", "amount": "1000", "currency": "EUR"}, "name"),
        ({"name": "x", "amount": "1", "expected_close": "31/02/2026"}, "expected_close"),
    ):
        response = client.post(url, data, **HTMX)
        assert response.context["panel"].deal.errors[field], field
    assert not Deal.objects.exists() and Lead.objects.get(pk=lead.pk).stage == "sql"
    data = {
        "name": "Hopper Inc",
        "amount": "12500.50",
        "currency": "eur",
        "expected_close": "2026-12-15",
    }
    assert client.post(url, data).status_code == 302  # a plain post goes back to the page
    deal = Deal.objects.get()
    assert (deal.name, deal.amount, deal.currency) == ("Hopper Inc", Decimal("12500.50"), "EUR")
    assert deal.expected_close == date(2026, 12, 15) and deal.owner == rep
    assert Lead.objects.get(pk=lead.pk).stage == "opportunity"


def test_rating_feeds_marketing_feedback_and_can_be_changed(client, routed):
    lead, rep = routed
    client.force_login(rep)
    url = reverse("handoff:lead_panel_rate", args=[lead.pk])
    refused = client.post(url, {"comment": "no stars"}, **HTMX)
    assert refused.context["panel"].rating.errors["rating"]
    assert client.post(url, {"rating": "9"}, **HTMX).context["panel"].rating.errors["rating"]
    assert not QualityRating.objects.exists()
    response = client.post(url, {"rating": "2", "comment": "wrong persona"}, **HTMX)
    assert "Rated 2" in response.content.decode()
    client.post(url, {"rating": "4"}, **HTMX)
    rating = QualityRating.objects.get()
    assert (rating.rating, rating.by) == (4, rep)
    webinar = {row.name: row for row in feedback_by(group="campaign")}["Webinar"]
    assert (webinar.ratings, webinar.rating_avg) == (1, 4.0)


@pytest.mark.parametrize(
    ("who", "sees_forms", "status"),
    [
        ("owner", True, 200),
        ("other_rep", None, 404),  # another rep's lead does not exist for them
        ("marketing", False, 403),
        ("manager", True, 200),
        ("admin", True, 200),
    ],
)
def test_authorization_per_role(client, routed, who, sees_forms, status):
    lead, rep = routed
    actions.lead_accept(lead_id=lead.pk, by=rep)
    users = {
        "owner": rep,
        "other_rep": UserFactory(username="other-rep", role=Role.SALES),
        "marketing": UserFactory(username="mkt", role=Role.MARKETING),
        "manager": UserFactory(username="boss", role=Role.MANAGER, department="sales"),
        "admin": UserFactory(username="root", role=Role.ADMIN),
    }
    client.force_login(users[who])
    page = client.get(reverse("leads:lead_detail", args=[lead.pk]))
    if sees_forms is None:
        assert page.status_code == 404
    else:
        assert ('data-action="qualify"' in page.content.decode()) is sees_forms
    qualify = client.post(
        reverse("handoff:lead_panel_qualify", args=[lead.pk]), {"need": "CRM"}, **HTMX
    )
    rate = client.post(reverse("handoff:lead_panel_rate", args=[lead.pk]), {"rating": "3"}, **HTMX)
    assert (qualify.status_code, rate.status_code) == (status, status)
    expected_stage = "sql" if status == 200 else "sal"
    assert Lead.objects.get(pk=lead.pk).stage == expected_stage
    assert QualityRating.objects.count() == (1 if status == 200 else 0)
