"""REST API for deals and activities."""

from __future__ import annotations

import pytest
from django.test import Client

from accord.contacts.tests.factories import LeadFactory
from accord.integrations.tests.api_helpers import ApiClient, key_client
from accord.pipeline.models import Activity, Deal

pytestmark = pytest.mark.django_db


def test_deal_lifecycle_and_filters():
    client = key_client()
    lead = LeadFactory()
    created = client.post("/deals", {"name": "Big", "amount": "1200.50", "lead_id": lead.pk})
    assert created.status_code == 201
    deal = created.json()
    assert deal["amount"] == "1200.50" and deal["closed_at"] is None
    no_reason = client.patch(f"/deals/{deal['id']}", {"stage": "lost"})
    assert no_reason.status_code == 422 and no_reason.json()["error"]["field"] == "lost_reason"
    undated = client.patch(f"/deals/{deal['id']}", {"stage": "won", "won_reason": "fit"})
    assert undated.status_code == 422 and undated.json()["error"]["field"] == "close_date"
    won = client.patch(
        f"/deals/{deal['id']}",
        {"stage": "won", "won_reason": "fit", "expected_close": "2026-03-31"},
    )
    assert won.status_code == 200 and won.json()["closed_at"] is not None
    client.post("/deals", {"name": "Small", "amount": 10})
    assert [d["id"] for d in client.get("/deals", stage="won").json()["items"]] == [deal["id"]]
    assert [d["id"] for d in client.get("/deals", lead_id=lead.pk).json()["items"]] == [deal["id"]]


def test_deal_batch_upserts_by_external_id():
    client = key_client()
    records = [
        {"name": "A", "amount": "10", "external_id": "sf-1"},
        {"name": "B", "amount": "-1"},
        {"name": "A renamed", "amount": "20", "external_id": "sf-1"},
    ]
    results = client.post("/deals/batch", {"records": records}).json()["results"]
    assert [r["status"] for r in results] == ["created", "error", "updated"]
    assert results[1]["error"]["field"] == "amount"
    assert Deal.objects.get().name == "A renamed"


def test_activities_belong_to_a_lead_or_deal_and_reps_see_their_own(sales_user, make_user):
    client = key_client()
    mine = LeadFactory(owner=sales_user)
    theirs = LeadFactory(owner=make_user(username="someone"))
    orphan = client.post("/activities", {"kind": "call"})
    assert orphan.status_code == 422 and orphan.json()["error"]["field"] == "lead_id"
    naive = client.post(
        "/activities", {"kind": "call", "lead_id": mine.pk, "at": "2026-01-01T10:00"}
    )
    assert naive.status_code == 422 and naive.json()["error"]["field"] == "at"
    ok = client.post("/activities", {"kind": "call", "lead_id": mine.pk, "outcome": "connected"})
    assert ok.status_code == 201
    client.post("/activities", {"kind": "note", "lead_id": theirs.pk})
    browser = Client()
    browser.force_login(sales_user)
    rep = ApiClient(client=browser)
    assert [a["id"] for a in rep.get("/activities").json()["items"]] == [ok.json()["id"]]
    assert rep.post("/activities", {"kind": "note", "lead_id": theirs.pk}).status_code == 422
    patched = rep.patch(f"/activities/{ok.json()['id']}", {"notes": "Follow up Monday"})
    assert patched.status_code == 200 and patched.json()["notes"] == "Follow up Monday"
    assert Activity.objects.count() == 2


def test_deal_patch_with_null_promotion_flag_clears_it():
    # Found by the Schemathesis run: `{"is_promotion": null}` reached the NOT NULL column (500).
    client = key_client()
    created = client.post("/deals", {"name": "Promo", "amount": "10", "is_promotion": True})
    deal_id = created.json()["id"]
    response = client.patch(f"/deals/{deal_id}", {"is_promotion": None})
    assert response.status_code == 200
    assert response.json()["is_promotion"] is False
    assert Deal.objects.get(pk=deal_id).is_promotion is False
