"""Regression tests for the holes the attacker probe of issue 12 found, one test per hole,
each through the real HTTP stack (Django test client, real database)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from accord.accounts.api_keys import api_key_create
from accord.accounts.models import Department, Role
from accord.accounts.tests.factories import UserFactory
from accord.contacts.models import Lead, StageTransition
from accord.handoff.models import Assignment, QualityRating, SlaClock
from accord.handoff.routing.assignment import lead_route
from accord.handoff.tests.routing_support import mql_lead, team_with_reps
from accord.handoff.tests.sla_support import handoff_defaults
from accord.integrations.tests.api_helpers import ApiClient, key_client
from accord.pipeline.models import Activity, Deal

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures(handoff_defaults.__name__)]

HTMX = {"HTTP_HX_REQUEST": "true"}


def _session(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _api(user) -> ApiClient:
    return ApiClient(client=_session(user))


@pytest.fixture
def two_teams():
    """Two sales teams with a rep each, an MQL routed to each, and the people around them."""
    north, (anna,) = team_with_reps("North", reps=1)
    south, (ben,) = team_with_reps("South", reps=1, rule=False)
    north.department = south.department = Department.SALES
    north.save()
    south.save()
    annas = mql_lead(first_name="Annas", last_name="Secretsson")
    lead_route(lead_id=annas.pk)
    bens = mql_lead(first_name="Bens")
    lead_route(lead_id=bens.pk)
    Lead.objects.filter(pk=bens.pk).update(owner=ben, team=south)
    return {
        "north": north,
        "south": south,
        "anna": anna,
        "ben": ben,
        "annas": Lead.objects.get(pk=annas.pk),
        "bens": Lead.objects.get(pk=bens.pk),
        "marketer": UserFactory(username="mkt", role=Role.MARKETING, department="marketing"),
        "marketing_head": UserFactory(
            username="mkt-head", role=Role.MANAGER, department=Department.MARKETING
        ),
        "north_head": UserFactory(
            username="north-head", role=Role.MANAGER, department=Department.SALES, team=north
        ),
    }


def _state(lead_id: int) -> tuple:
    lead = Lead.objects.get(pk=lead_id)
    return (
        lead.stage,
        lead.owner_id,
        StageTransition.objects.filter(lead_id=lead_id).count(),
        Assignment.objects.filter(lead_id=lead_id).count(),
        SlaClock.objects.filter(lead_id=lead_id, stopped_at__isnull=True).count(),
    )


# --- Hole 1: the rating error path drew another rep's inbox row ---------------------------


@pytest.mark.parametrize("who", ["ben", "marketer", "marketing_head"])
def test_hole_invalid_rating_with_htmx_does_not_render_another_reps_inbox_row(two_teams, who):
    lead = two_teams["annas"]
    client = _session(two_teams[who])
    for rating in ("nonsense", "9", ""):
        response = client.post(
            reverse("handoff:lead_rating", args=[lead.pk]), {"rating": rating}, **HTMX
        )
        assert response.status_code in (403, 404), (who, rating, response.status_code)
        assert b"Annas" not in response.content and b"Secretsson" not in response.content
    # The lead page's rating panel asks the same policy first.
    panel = client.post(reverse("handoff:lead_panel_rate", args=[lead.pk]), {"rating": "x"}, **HTMX)
    assert panel.status_code in (403, 404) and b"Annas" not in panel.content
    assert not QualityRating.objects.filter(lead=lead).exists()


def test_hole_invalid_rating_by_the_owner_still_shows_the_error_on_the_row(two_teams):
    lead = two_teams["annas"]
    response = _session(two_teams["anna"]).post(
        reverse("handoff:lead_rating", args=[lead.pk]), {"rating": "9"}, **HTMX
    )
    assert response.status_code == 200 and b"Annas" in response.content
    assert "1 to 5" in response.content.decode()


# --- Hole 2: the generic transition moved hand-off stages ---------------------------------


def test_hole_transitions_marketer_cannot_move_another_reps_mql_to_sal(two_teams):
    lead = two_teams["annas"]
    before = _state(lead.pk)
    response = _api(two_teams["marketer"]).post(
        f"/leads/{lead.pk}/transitions", {"to_stage": "sal"}
    )
    assert response.status_code == 403
    error = response.json()["error"]
    assert error["code"] == "handoff_action_required" and error["field"] == "to_stage"
    assert _state(lead.pk) == before


def test_hole_transitions_userless_leads_write_key_cannot_move_mql_to_sal(two_teams):
    lead = two_teams["annas"]
    before = _state(lead.pk)
    for stage in ("sal", "recycled", "disqualified"):
        response = key_client("leads:write").post(
            f"/leads/{lead.pk}/transitions", {"to_stage": stage, "reason": "x"}
        )
        assert response.status_code == 403, stage
    # Nor may it take the person's action instead: it acts for nobody.
    accept = key_client("leads:write").post(f"/leads/{lead.pk}/accept")
    assert accept.status_code == 403 and accept.json()["error"]["field"] == "user"
    assert _state(lead.pk) == before


def test_hole_transitions_rep_cannot_disqualify_without_a_reason(two_teams):
    lead = two_teams["annas"]
    rep = _api(two_teams["anna"])
    before = _state(lead.pk)
    generic = rep.post(f"/leads/{lead.pk}/transitions", {"to_stage": "disqualified"})
    assert generic.status_code == 403
    assert generic.json()["error"]["code"] == "handoff_action_required"
    no_reason = rep.post(f"/leads/{lead.pk}/reject", {"outcome": "disqualified"})
    assert no_reason.status_code == 422 and no_reason.json()["error"]["field"] == "reason_code"
    assert _state(lead.pk) == before


def test_hole_transitions_sla_clocks_stop_through_the_handoff_action(two_teams):
    """The way that is left (accept) stops the accept clock, so no false breach alert."""
    lead = two_teams["annas"]
    assert SlaClock.objects.filter(lead=lead, kind="accept", stopped_at__isnull=True).exists()
    accepted = _api(two_teams["anna"]).post(f"/leads/{lead.pk}/accept")
    assert accepted.status_code == 201
    assert not SlaClock.objects.filter(lead=lead, kind="accept", stopped_at__isnull=True).exists()


# --- Hole 3: deals onto another rep's lead or owner ---------------------------------------


def test_hole_rep_cannot_post_a_deal_onto_another_reps_lead_or_owner(two_teams):
    rep = _api(two_teams["anna"])
    bens, ben = two_teams["bens"], two_teams["ben"]
    on_lead = rep.post("/deals", {"name": "x", "amount": "10", "lead_id": bens.pk})
    assert on_lead.status_code == 422 and on_lead.json()["error"]["field"] == "lead_id"
    on_owner = rep.post("/deals", {"name": "x", "amount": "10", "owner_id": ben.pk})
    assert on_owner.status_code == 422 and on_owner.json()["error"]["field"] == "owner_id"
    batch = rep.post(
        "/deals/batch", {"records": [{"name": "x", "amount": "1", "lead_id": bens.pk}]}
    )
    assert batch.json()["results"][0]["status"] == "error"
    assert Deal.objects.count() == 0
    mine = rep.post("/deals", {"name": "mine", "amount": "10", "lead_id": two_teams["annas"].pk})
    assert mine.status_code == 201


def test_hole_rep_cannot_patch_a_deal_onto_another_reps_lead_or_owner(two_teams):
    anna, ben, bens = two_teams["anna"], two_teams["ben"], two_teams["bens"]
    deal = Deal.objects.create(name="Anna's", amount=10, owner=anna)
    rep = _api(anna)
    assert rep.patch(f"/deals/{deal.pk}", {"lead_id": bens.pk}).status_code == 422
    assert rep.patch(f"/deals/{deal.pk}", {"owner_id": ben.pk}).status_code == 422
    deal.refresh_from_db()
    assert deal.lead_id is None and deal.owner_id == anna.pk


def test_hole_rep_cannot_attach_an_activity_to_another_reps_lead_or_deal(two_teams):
    anna, ben, bens = two_teams["anna"], two_teams["ben"], two_teams["bens"]
    bens_deal = Deal.objects.create(name="Ben's", amount=10, owner=ben)
    rep = _api(anna)
    on_lead = rep.post("/activities", {"kind": "call", "lead_id": bens.pk})
    assert on_lead.status_code == 422 and on_lead.json()["error"]["field"] == "lead_id"
    on_deal = rep.post("/activities", {"kind": "call", "deal_id": bens_deal.pk})
    assert on_deal.status_code == 422 and on_deal.json()["error"]["field"] == "deal_id"
    assert Activity.objects.count() == 0


# --- Hole 4: managers outside their side or team, and reassigning by PATCH ----------------


def test_hole_marketing_manager_cannot_accept_or_reject_sales_leads(two_teams):
    lead = two_teams["annas"]
    head = two_teams["marketing_head"]
    before = _state(lead.pk)
    api = _api(head)
    assert api.post(f"/leads/{lead.pk}/accept").status_code == 403
    assert api.post(f"/leads/{lead.pk}/reject", {"reason_code": "no_budget"}).status_code == 403
    page = _session(head).post(reverse("handoff:lead_accept", args=[lead.pk]), **HTMX)
    assert page.status_code == 403
    assert _state(lead.pk) == before


def test_hole_marketing_manager_cannot_reassign_sales_leads(two_teams):
    lead, ben = two_teams["annas"], two_teams["ben"]
    head = two_teams["marketing_head"]
    before = _state(lead.pk)
    api = _api(head).post(f"/leads/{lead.pk}/reassign", {"to_user_id": ben.pk, "reason": "x"})
    assert api.status_code == 403
    page = _session(head).post(
        reverse("handoff:lead_reassign", args=[lead.pk]), {"to_user_id": ben.pk, "reason": "x"}
    )
    assert page.status_code == 403
    assert _state(lead.pk) == before


def test_hole_sales_manager_cannot_reassign_across_teams(two_teams):
    north_head, anna, ben = two_teams["north_head"], two_teams["anna"], two_teams["ben"]
    api = _api(north_head)
    # Their own team's lead to another team's rep: refused, naming the person.
    annas = two_teams["annas"]
    before = _state(annas.pk)
    out = api.post(f"/leads/{annas.pk}/reassign", {"to_user_id": ben.pk, "reason": "x"})
    assert out.status_code == 403 and out.json()["error"]["field"] == "to_user_id"
    # Another team's lead: refused, naming the lead.
    bens = two_teams["bens"]
    other = api.post(f"/leads/{bens.pk}/reassign", {"to_user_id": anna.pk, "reason": "x"})
    assert other.status_code == 403 and other.json()["error"]["field"] == "lead_id"
    page = _session(north_head).post(
        reverse("handoff:lead_reassign", args=[bens.pk]), {"to_user_id": anna.pk, "reason": "x"}
    )
    assert page.status_code == 403
    assert _state(annas.pk) == before
    # Within their team it works, through the assignment record.
    mate = UserFactory(username="north-2", role=Role.SALES, team=two_teams["north"])
    ok = api.post(f"/leads/{annas.pk}/reassign", {"to_user_id": mate.pk, "reason": "cover"})
    assert ok.status_code == 201, ok.content
    assert Lead.objects.get(pk=annas.pk).owner_id == mate.pk
    assert Assignment.objects.filter(lead=annas, to_user=mate, by=north_head).exists()


@pytest.mark.parametrize("field", ["owner_id", "grade", "score"])
def test_hole_marketer_cannot_reassign_or_regrade_by_patch(two_teams, field):
    lead, ben = two_teams["annas"], two_teams["ben"]
    before = (_state(lead.pk), lead.grade, lead.score)
    value = {"owner_id": ben.pk, "grade": "A", "score": 99}[field]
    for client in (_api(two_teams["marketer"]), key_client("leads:write")):
        response = client.patch(f"/leads/{lead.pk}", {field: value})
        assert response.status_code == 422, response.content
        assert response.json()["error"]["field"] == field
    lead.refresh_from_db()
    assert (_state(lead.pk), lead.grade, lead.score) == before


def test_hole_key_acting_for_a_marketer_cannot_take_sales_actions(two_teams):
    lead = two_teams["annas"]
    _key, raw = api_key_create(name="m", scopes=["*"], created_by=two_teams["marketer"])
    assert ApiClient(raw).post(f"/leads/{lead.pk}/accept").status_code == 403
    assert Lead.objects.get(pk=lead.pk).stage == "mql"


def test_key_acting_for_a_marketer_writes_no_more_than_the_marketer(two_teams):
    _key, raw = api_key_create(name="m2", scopes=["*"], created_by=two_teams["marketer"])
    client = ApiClient(raw)
    refused = client.post("/deals", {"name": "x", "amount": "1"})
    assert refused.status_code == 403
    assert client.post("/campaigns", {"name": "c", "utm_campaign": "c1"}).status_code == 201
    assert Deal.objects.count() == 0


def test_key_acting_for_a_rep_sees_only_the_reps_leads(two_teams):
    _key, raw = api_key_create(name="r", scopes=["*"], created_by=two_teams["anna"])
    client = ApiClient(raw)
    assert client.get(f"/leads/{two_teams['bens'].pk}").status_code == 404
    assert client.get(f"/leads/{two_teams['annas'].pk}").status_code == 200


def test_rep_cannot_create_a_lead_owned_by_another_rep(two_teams):
    contact = two_teams["annas"].contact
    rep = _api(two_teams["anna"])
    refused = rep.post("/leads", {"contact_id": contact.pk, "owner_id": two_teams["ben"].pk})
    assert refused.status_code == 422 and refused.json()["error"]["field"] == "owner_id"
    assert not Lead.objects.filter(owner=two_teams["ben"], contact=contact).exists()
