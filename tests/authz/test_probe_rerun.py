# ruff: noqa: F811  (the two_teams fixture is imported from test_holes and taken by name)
"""The attacker's probe of issue 12, re-run with more cases: peers of one team, notifications
of another person, idempotency keys across principals, odd ids, and the error paths of the
lead page's htmx partials. One test per case, named after the hole it closes."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accord.accounts.models import Role
from accord.accounts.tests.factories import UserFactory
from accord.contacts.models import Lead
from accord.handoff.models import Notification
from accord.pipeline.models import Activity, Deal
from tests.authz.test_holes import HTMX, _api, _session, two_teams  # noqa: F401

pytestmark = [pytest.mark.django_db]


@pytest.mark.parametrize("raw", ["\u00b2", "9" * 40, "-1", "abc"])
def test_probe_notification_read_with_an_odd_id_answers_without_500_and_marks_nothing(
    two_teams, raw
):
    anna = two_teams["anna"]
    note = Notification.objects.create(user=anna, kind="lead_assigned", title="x")
    out = _session(anna).post(
        reverse("handoff:notifications_read"), {"notification_id": raw}, **HTMX
    )
    assert out.status_code == 200
    note.refresh_from_db()
    assert note.read_at is None


def test_probe_notification_of_another_person_cannot_be_marked_read_by_id(two_teams):
    note = Notification.objects.create(user=two_teams["ben"], kind="lead_assigned", title="x")
    _session(two_teams["anna"]).post(
        reverse("handoff:notifications_read"), {"notification_id": str(note.pk)}
    )
    note.refresh_from_db()
    assert note.read_at is None


def test_probe_idempotency_key_is_not_replayed_to_another_principal(two_teams):
    body = {"name": "Same body", "amount": "10"}
    first = _api(two_teams["anna"]).post("/deals", body, idempotency_key="k-1")
    assert first.status_code == 201
    other = _api(two_teams["ben"]).post("/deals", body, idempotency_key="k-1")
    assert other.status_code == 201
    assert other.get("Idempotent-Replayed") is None
    assert other.json()["id"] != first.json()["id"]


@pytest.mark.parametrize("view", ["lead_panel_qualify", "lead_panel_deal", "lead_panel_rate"])
def test_probe_lead_panel_invalid_input_from_a_teammate_answers_404_without_the_lead(
    two_teams, view
):
    mate = UserFactory(username="north-3", role=Role.SALES, team=two_teams["north"])
    out = _session(mate).post(
        reverse(f"handoff:{view}", args=[two_teams["annas"].pk]),
        {"rating": "bad", "amount": "x"},
        **HTMX,
    )
    assert out.status_code == 404
    assert b"Secretsson" not in out.content


@pytest.mark.parametrize("key", ["a\x00b", "a\x01b", "tab\there"])
def test_probe_idempotency_key_with_a_control_character_is_a_400_naming_the_header(two_teams, key):
    out = _api(two_teams["anna"]).post("/deals", {"name": "x", "amount": "1"}, idempotency_key=key)
    assert out.status_code == 400
    assert out.json()["error"]["field"] == "Idempotency-Key"
    assert not Deal.objects.exists()


def test_probe_rep_cannot_rewrite_a_teammates_activity_on_an_unassigned_lead(two_teams):
    anna, lead = two_teams["anna"], two_teams["annas"]
    mate = UserFactory(username="north-4", role=Role.SALES, team=two_teams["north"])
    Lead.objects.filter(pk=lead.pk).update(owner=None)
    logged = _api(anna).post("/activities", {"kind": "call", "lead_id": lead.pk, "notes": "mine"})
    assert logged.status_code == 201
    activity_id = logged.json()["id"]
    refused = _api(mate).patch(f"/activities/{activity_id}", {"notes": "overwritten"})
    assert refused.status_code == 403
    assert refused.json()["error"]["field"] == "activity_id"
    assert Activity.objects.get(pk=activity_id).notes == "mine"
    assert _api(anna).patch(f"/activities/{activity_id}", {"notes": "edited"}).status_code == 200


def test_probe_rep_cannot_upsert_onto_another_reps_deal_by_external_id_nor_learn_its_id(
    two_teams,
):
    ben = two_teams["ben"]
    bens_deal = Deal.objects.create(name="Ben's", amount=10, owner=ben, external_id="X-1")
    out = _api(two_teams["anna"]).post(
        "/deals/batch", {"records": [{"name": "stolen", "amount": "1", "external_id": "X-1"}]}
    )
    assert out.status_code == 200
    result = out.json()["results"][0]
    assert result["status"] == "error" and result["error"]["field"] == "external_id"
    assert str(bens_deal.pk) not in result["error"]["message"]
    bens_deal.refresh_from_db()
    assert (bens_deal.name, bens_deal.owner_id) == ("Ben's", ben.pk)


def test_probe_sales_manager_cannot_move_another_teams_sql_lead_by_transition(two_teams):
    bens, annas = two_teams["bens"], two_teams["annas"]
    Lead.objects.filter(pk__in=[bens.pk, annas.pk]).update(stage="sql")
    head = _api(two_teams["north_head"])
    move = {"to_stage": "disqualified", "reason": "x"}
    refused = head.post(f"/leads/{bens.pk}/transitions", move)
    assert refused.status_code == 403 and refused.json()["error"]["field"] == "lead_id"
    assert Lead.objects.get(pk=bens.pk).stage == "sql"
    assert head.post(f"/leads/{annas.pk}/transitions", move).status_code == 201


def test_probe_sales_manager_cannot_move_another_teams_deal_by_patching_its_owner(two_teams):
    anna, ben = two_teams["anna"], two_teams["ben"]
    bens_deal = Deal.objects.create(name="Ben's", amount=10, owner=ben)
    annas_deal = Deal.objects.create(name="Anna's", amount=10, owner=anna)
    head = _api(two_teams["north_head"])
    taken = head.patch(f"/deals/{bens_deal.pk}", {"owner_id": anna.pk})
    assert taken.status_code == 403 and taken.json()["error"]["field"] == "deal_id"
    given = head.patch(f"/deals/{annas_deal.pk}", {"owner_id": ben.pk})
    assert given.status_code == 403 and given.json()["error"]["field"] == "owner_id"
    assert Deal.objects.get(pk=bens_deal.pk).owner_id == ben.pk
    assert Deal.objects.get(pk=annas_deal.pk).owner_id == anna.pk
    mate = UserFactory(username="north-5", role=Role.SALES, team=two_teams["north"])
    assert head.patch(f"/deals/{annas_deal.pk}", {"owner_id": mate.pk}).status_code == 200


@pytest.mark.parametrize("name", ["requests", "audit", "incidents"])
def test_probe_privacy_pages_carry_the_content_security_policy(name):
    admin = UserFactory(username="root-probe", role=Role.ADMIN)
    out = _session(admin).get(reverse(f"privacy:{name}"))
    assert out.status_code == 200
    assert "script-src" in out.get("Content-Security-Policy", "")
    assert (
        "unsafe-inline" not in out["Content-Security-Policy"].split("script-src")[1].split(";")[0]
    )


@pytest.mark.parametrize(
    "raw",
    [
        '{"purpose": "processing", "granted": true, "version": "a\\u0000b"}',
        '{"purpose": "processing", "granted": true, "version": "\\ud800"}',
        '{"purpose": "processing", "granted": "maybe"}',
        '{"purpose": "processing", "granted": true, "language": "' + "x" * 5000 + '"}',
        '{"purpose": ["processing"], "granted": true}',
    ],
)
def test_probe_consent_api_bad_input_is_a_422_naming_the_field_and_writes_nothing(two_teams, raw):
    from accord.privacy.models import ConsentEvent

    contact = two_teams["annas"].contact
    before = ConsentEvent.objects.count()
    out = _api(two_teams["anna"]).post(f"/contacts/{contact.pk}/consents", raw=raw)
    assert out.status_code in (400, 422), out.content
    assert out.json()["error"]["field"]
    assert ConsentEvent.objects.count() == before


def test_probe_sales_manager_cannot_create_or_upsert_a_deal_for_another_teams_rep(two_teams):
    ben = two_teams["ben"]
    bens_deal = Deal.objects.create(name="Ben's", amount=10, owner=ben, external_id="B-1")
    head = _api(two_teams["north_head"])
    created = head.post("/deals", {"name": "x", "amount": "1", "owner_id": ben.pk})
    assert created.status_code == 403 and created.json()["error"]["field"] == "owner_id"
    upsert = {"name": "taken", "amount": "1", "external_id": "B-1", "owner_id": None}
    result = head.post("/deals/batch", {"records": [upsert]}).json()["results"][0]
    assert result["status"] == "error" and result["error"]["field"] == "deal_id"
    assert list(Deal.objects.values_list("pk", "owner_id")) == [(bens_deal.pk, ben.pk)]
