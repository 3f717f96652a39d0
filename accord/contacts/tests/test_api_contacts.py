"""REST API for accounts, contacts and leads: CRUD, filters, pagination, batch, roles."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accord.contacts.models import Contact, Lead, StageTransition
from accord.contacts.tests.factories import ContactFactory, LeadFactory
from accord.integrations.tests.api_helpers import ApiClient, key_client

pytestmark = pytest.mark.django_db


def _session(user) -> ApiClient:
    client = Client()
    client.force_login(user)
    return ApiClient(client=client)


def test_contact_create_get_update_and_upsert():
    client = key_client()
    created = client.post("/contacts", {"email": " Ada@Example.com ", "first_name": "Ada"})
    assert created.status_code == 201
    contact = created.json()
    assert contact["email"] == "ada@example.com"
    again = client.post("/contacts", {"email": "ada@example.com", "last_name": "Lovelace"})
    assert again.status_code == 200 and again.json()["id"] == contact["id"]
    assert again.json()["last_name"] == "Lovelace"
    assert client.get(f"/contacts/{contact['id']}").json()["first_name"] == "Ada"
    patched = client.patch(f"/contacts/{contact['id']}", {"job_title": "CTO", "phone": None})
    assert patched.status_code == 200 and patched.json()["job_title"] == "CTO"
    assert client.get("/contacts/999999").status_code == 404


def test_contact_update_keeps_emails_unique():
    client = key_client()
    ContactFactory(email="taken@example.com")
    other = ContactFactory(email="free@example.com")
    response = client.patch(f"/contacts/{other.pk}", {"email": "TAKEN@example.com"})
    assert response.status_code == 422 and response.json()["error"]["field"] == "email"
    other.refresh_from_db()
    assert other.email == "free@example.com"


def test_cursor_pagination_walks_every_row_once_even_with_inserts():
    client = key_client()
    start = timezone.now() - timedelta(days=1)
    made = [
        ContactFactory(created_at=start + timedelta(minutes=i % 3)).pk for i in range(7)
    ]  # equal timestamps on purpose: the id breaks ties
    seen: list[int] = []
    cursor = None
    while True:
        params = {"limit": 3, "ordering": "created_at"}
        if cursor:
            params["cursor"] = cursor
        page = client.get("/contacts", **params).json()
        seen += [item["id"] for item in page["items"]]
        if len(seen) == 3:
            ContactFactory(created_at=start - timedelta(days=1))  # lands before the cursor
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == sorted(made) and len(seen) == len(set(seen))
    bad = client.get("/contacts", cursor="not-a-cursor", ordering="created_at")
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "cursor"
    assert client.get("/contacts", limit=101).status_code == 422


def test_contact_batch_upserts_per_record():
    client = key_client()
    ContactFactory(email="known@example.com")
    records = [
        {"email": "new@example.com"},
        {"email": "known@example.com", "first_name": "Known"},
        {"email": "not-an-email"},
        {"phone": "+14155550123", "external_id": "crm-1"},
    ]
    response = client.post("/contacts/batch", {"records": records})
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["status"] for r in results] == ["created", "updated", "error", "created"]
    assert results[2]["error"]["field"] == "email"
    assert Contact.objects.count() == 3
    assert Contact.objects.get(external_id="crm-1").phone == "+14155550123"
    too_many = client.post("/contacts/batch", {"records": [{"email": "a@b.co"}] * 101})
    assert too_many.status_code == 422


def test_lead_create_with_contact_filters_and_transition():
    client = key_client()
    response = client.post("/leads", {"contact": {"email": "lead@example.com"}, "grade": "A"})
    assert response.status_code == 201
    lead = response.json()
    assert lead["stage"] == "lead" and lead["grade"] == "A"
    other = LeadFactory()
    moved = client.post(f"/leads/{lead['id']}/transitions", {"to_stage": "mql"})
    assert moved.status_code == 201
    # From MQL only the hand-off actions move a lead (accord.accounts.policy).
    forbidden = client.post(f"/leads/{lead['id']}/transitions", {"to_stage": "customer"})
    assert forbidden.status_code == 403
    assert forbidden.json()["error"]["code"] == "handoff_action_required"
    assert StageTransition.objects.filter(lead_id=lead["id"]).count() == 2
    ids = [item["id"] for item in client.get("/leads", stage="mql").json()["items"]]
    assert ids == [lead["id"]]
    contact_ids = client.get("/leads", contact_id=other.contact_id).json()["items"]
    assert [item["id"] for item in contact_ids] == [other.pk]
    assert client.get("/leads", stage="nonsense").status_code == 422
    refused = client.patch(f"/leads/{lead['id']}", {"grade": "B"})  # scoring's field
    assert refused.status_code == 422 and refused.json()["error"]["field"] == "grade"
    assert client.patch(f"/leads/{lead['id']}", {"properties": {"x": 1}}).status_code == 200
    assert client.patch(f"/leads/{lead['id']}", {"stage": "sql"}).status_code == 422


def test_lead_batch_reports_each_record():
    client = key_client()
    contact = ContactFactory()
    records = [{"contact_id": contact.pk}, {"contact_id": 999999}, {}]
    results = client.post("/leads/batch", {"records": records}).json()["results"]
    assert [r["status"] for r in results] == ["created", "error", "error"]
    assert results[1]["error"]["field"] == "contact_id"
    assert Lead.objects.count() == 1


def test_sales_reps_see_and_change_only_their_own_and_unassigned_leads(sales_user, make_user):
    other_rep = make_user(username="other-rep")
    mine = LeadFactory(owner=sales_user)
    free = LeadFactory()
    theirs = LeadFactory(owner=other_rep)
    rep = _session(sales_user)
    ids = {item["id"] for item in rep.get("/leads").json()["items"]}
    assert ids == {mine.pk, free.pk}
    assert rep.get(f"/leads/{theirs.pk}").status_code == 404
    assert rep.patch(f"/leads/{theirs.pk}", {"grade": "A"}).status_code == 404
    assert rep.patch(f"/leads/{mine.pk}", {"properties": {"a": 1}}).status_code == 200
    assert rep.post("/campaigns", {"name": "x", "utm_campaign": "x"}).status_code == 403


def test_marketing_reads_all_leads_but_not_writes_deals(marketing_user, sales_user):
    LeadFactory(owner=sales_user)
    LeadFactory()
    marketer = _session(marketing_user)
    assert len(marketer.get("/leads").json()["items"]) == 2
    assert marketer.get("/deals").status_code == 200
    assert marketer.post("/deals", {"name": "x", "amount": "1"}).status_code == 403


def test_accounts_crud_and_domain_uniqueness():
    client = key_client("accounts:write")
    created = client.post("/accounts", {"name": "Acme", "domain": "ACME.example"})
    assert created.status_code == 201 and created.json()["domain"] == "acme.example"
    duplicate = client.post("/accounts", {"name": "Acme 2", "domain": "acme.example"})
    assert duplicate.status_code == 422 and duplicate.json()["error"]["field"] == "domain"
    account_id = created.json()["id"]
    assert client.patch(f"/accounts/{account_id}", {"employees": 50}).json()["employees"] == 50
    assert [a["id"] for a in client.get("/accounts", name="acm").json()["items"]] == [account_id]
    assert client.get("/contacts").status_code == 403
