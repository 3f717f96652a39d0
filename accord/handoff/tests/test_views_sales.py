"""The sales pages over real HTTP: inbox and its one-click actions, manager and marketing
views, notifications; who may open and post what."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accord.accounts.models import Role
from accord.accounts.tests.factories import UserFactory
from accord.contacts.models import Lead
from accord.handoff.inbox.selectors import lead_agreement, lead_timeline
from accord.handoff.routing.assignment import lead_route
from accord.handoff.tests.routing_support import mql_lead, team_with_reps

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def routed(client):
    _, reps = team_with_reps(reps=1)
    lead = mql_lead(first_name="Grace", last_name="Hopper", score=80)
    lead_route(lead_id=lead.pk)
    return lead, reps[0]


def test_inbox_lists_my_leads_with_countdown_and_accept_in_one_click(client, routed):
    lead, rep = routed
    client.force_login(rep)
    page = client.get(reverse("handoff:inbox")).content.decode()
    assert "Grace Hopper" in page and "data-sla-state=" in page and "(business hours)" in page
    response = client.post(reverse("handoff:lead_accept", args=[lead.pk]), **HTMX)
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith(f'<tr id="lead-{lead.pk}"') and 'data-stage="sal"' in body
    assert Lead.objects.get(pk=lead.pk).stage == "sal"


def test_reject_without_reason_shows_the_error_and_writes_nothing(client, routed):
    lead, rep = routed
    client.force_login(rep)
    response = client.post(reverse("handoff:lead_reject", args=[lead.pk]), {"comment": "x"}, **HTMX)
    assert "Choose a rejection reason" in response.content.decode()
    assert Lead.objects.get(pk=lead.pk).stage == "mql"
    response = client.post(
        reverse("handoff:lead_reject", args=[lead.pk]),
        {"reason_code": "no_budget", "comment": "next year"},
        **HTMX,
    )
    assert Lead.objects.get(pk=lead.pk).stage == "recycled"


def test_log_attempt_from_the_inbox(client, routed):
    lead, rep = routed
    client.force_login(rep)
    client.post(
        reverse("handoff:lead_attempt", args=[lead.pk]),
        {"kind": "call", "outcome": "no_answer"},
        **HTMX,
    )
    assert lead.activities.get().outcome == "no_answer"


@pytest.mark.parametrize(("role", "status"), [(Role.SALES, 404), (Role.MARKETING, 403)])
def test_others_cannot_act_on_the_lead(client, routed, role, status):
    """Another rep's lead does not exist for a rep (404); marketing may not act (403)."""
    lead, _ = routed
    client.force_login(UserFactory(username=f"intruder-{role}", role=role))
    for name in ("lead_accept", "lead_reject", "lead_attempt", "lead_qualify", "lead_deal"):
        response = client.post(
            reverse(f"handoff:{name}", args=[lead.pk]), {"reason_code": "no_budget"}, **HTMX
        )
        assert response.status_code == status, name
    assert Lead.objects.get(pk=lead.pk).stage == "mql"


@pytest.mark.parametrize(
    ("role", "team", "marketing"),
    [
        (Role.SALES, 403, 403),
        (Role.MARKETING, 403, 200),
        (Role.MANAGER, 200, 200),
        (Role.ADMIN, 200, 200),
    ],
)
def test_page_access_by_role(client, routed, role, team, marketing):
    client.force_login(UserFactory(username=f"viewer-{role}", role=role))
    assert client.get(reverse("handoff:team")).status_code == team
    assert client.get(reverse("handoff:marketing")).status_code == marketing
    assert client.get(reverse("handoff:inbox")).status_code == 200
    assert client.get(reverse("handoff:notifications")).status_code == 200


def test_manager_view_shows_loads_queue_and_reassigns(client, routed, manager_user):
    _, rep = routed
    other = UserFactory(username="other-rep", role=Role.SALES, team=rep.team)
    waiting = mql_lead(first_name="Queued")
    for member in (rep, other):
        member.is_active = False
        member.save()
    lead_route(lead_id=waiting.pk)
    client.force_login(manager_user)
    page = client.get(reverse("handoff:team")).content.decode()
    assert "The team has no active reps" in page and "Queued" in page
    assert f'data-rep="{rep.username}"' in page
    other.is_active = True
    other.save()
    client.post(
        reverse("handoff:lead_reassign", args=[waiting.pk]),
        {"to_user_id": other.pk, "reason": "covering"},
    )
    assert Lead.objects.get(pk=waiting.pk).owner_id == other.pk


def test_marketing_view_shows_where_each_mql_is(client, routed, marketing_user):
    lead, _ = routed
    unassigned = mql_lead(first_name="Nobody")
    Lead.objects.filter(pk=unassigned.pk).update(owner=None)
    client.force_login(marketing_user)
    page = client.get(reverse("handoff:marketing")).content.decode()
    assert f'id="mql-{lead.pk}" data-status="waiting"' in page
    assert f'id="mql-{unassigned.pk}" data-status="unassigned"' in page


def test_bell_counts_unread_and_timeline_tells_the_story(client, routed):
    lead, rep = routed
    client.force_login(rep)
    html = client.get(reverse("handoff:inbox")).content.decode()
    assert 'data-unread="1"' in html
    kinds = {entry.kind for entry in lead_timeline(lead.pk)}
    assert {"stage", "assignment", "sla"} <= kinds
    assert lead_agreement(lead.pk).clocks_under.number == 1
    client.post(reverse("handoff:notifications_read"))
    html = client.get(reverse("handoff:inbox")).content.decode()
    assert 'id="notification-bell"' in html
    assert "data-unread" not in html
