"""REST API for campaigns, spend and touchpoints."""

from __future__ import annotations

import pytest

from accord.contacts.tests.factories import LeadFactory
from accord.integrations.tests.api_helpers import key_client
from accord.tracking.models import Channel, SpendEntry, Touchpoint

pytestmark = pytest.mark.django_db


@pytest.fixture
def channel():
    return Channel.objects.get_or_create(slug="paid-search", defaults={"name": "Paid Search"})[0]


def test_campaign_create_update_and_unique_utm(channel):
    client = key_client("campaigns:write")
    body = {"name": "Spring", "utm_campaign": "spring", "channel_id": channel.pk, "budget": "500"}
    created = client.post("/campaigns", body)
    assert created.status_code == 201 and created.json()["budget"] == "500.00"
    duplicate = client.post("/campaigns", {"name": "Again", "utm_campaign": "SPRING"})
    assert duplicate.status_code == 422 and duplicate.json()["error"]["field"] == "utm_campaign"
    campaign_id = created.json()["id"]
    backwards = client.patch(
        f"/campaigns/{campaign_id}", {"starts_on": "2026-03-10", "ends_on": "2026-03-01"}
    )
    assert backwards.status_code == 422 and backwards.json()["error"]["field"] == "ends_on"
    assert (
        client.patch(f"/campaigns/{campaign_id}", {"currency": "EUR"}).json()["currency"] == "EUR"
    )
    listed = client.get("/campaigns", channel="paid-search").json()["items"]
    assert [c["id"] for c in listed] == [campaign_id]


def test_spend_is_one_row_per_day_and_refuses_negative_costs(channel):
    client = key_client("spend:write")
    day = {"date": "2026-03-01", "channel_id": channel.pk, "cost": "100.10", "clicks": 40}
    assert client.post("/spend", day).status_code == 201
    again = client.post("/spend", {**day, "cost": "120"})
    assert again.status_code == 200 and again.json()["cost"] == "120.00"
    assert SpendEntry.objects.count() == 1
    negative = client.post("/spend", {**day, "date": "2026-03-02", "cost": "-3"})
    assert negative.status_code == 422 and negative.json()["error"]["field"] == "cost"
    currency = client.post("/spend", {**day, "date": "2026-03-02", "currency": "ZZZ"})
    assert currency.status_code == 422 and currency.json()["error"]["field"] == "currency"
    batch = client.post(
        "/spend/batch",
        {"records": [{**day, "date": "2026-03-03"}, {**day, "channel_id": 999999}]},
    ).json()["results"]
    assert [r["status"] for r in batch] == ["created", "error"]
    assert SpendEntry.objects.count() == 2
    listed = client.get("/spend", since="2026-03-02", ordering="date").json()["items"]
    assert [e["date"] for e in listed] == ["2026-03-03"]


def test_touchpoints_append_and_filter(channel):
    client = key_client("touchpoints:write")
    lead = LeadFactory()
    created = client.post(
        "/touchpoints",
        {
            "type": "form_submission",
            "lead_id": lead.pk,
            "channel_id": channel.pk,
            "at": "2026-03-01T10:00:00+00:00",
        },
    )
    assert created.status_code == 201
    assert created.json()["contact_id"] == lead.contact_id
    nobody = client.post("/touchpoints", {"type": "page_view"})
    assert nobody.status_code == 422
    naive = client.post(
        "/touchpoints", {"type": "page_view", "visitor_id": "v1", "at": "2026-03-01T10:00:00"}
    )
    assert naive.status_code == 422 and naive.json()["error"]["field"] == "at"
    assert Touchpoint.objects.count() == 1
    listed = client.get("/touchpoints", lead_id=lead.pk, channel="paid-search").json()["items"]
    assert [t["id"] for t in listed] == [created.json()["id"]]
    assert client.get("/touchpoints", since="2026-03-02T00:00:00Z").json()["items"] == []
