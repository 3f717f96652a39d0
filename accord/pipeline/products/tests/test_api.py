"""The REST API: products with price history, line items under deals with their figures and
errors naming fields, promotions, approvals (as a rep and as the head who decides)."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from accord.accounts.models import Department, Role, Team
from accord.accounts.tests.factories import UserFactory
from accord.integrations.tests.api_helpers import BASE, ApiClient, key_client
from accord.pipeline.models import Deal, DealLineItem, Product

pytestmark = pytest.mark.django_db


def _session(user) -> ApiClient:
    client = Client()
    client.force_login(user)
    return ApiClient(client=client)


def test_products_with_price_history_and_delete_refusal():
    api = key_client()
    created = api.post("/products", {"sku": "P-1", "name": "Plan", "list_price": "99.90"})
    assert created.status_code == 201, created.content
    product = created.json()
    assert (product["list_price"], product["unit_cost"], product["currency"]) == (
        "99.90",
        "0.00",
        "USD",
    )
    changed = api.patch(
        f"/products/{product['id']}",
        {"list_price": "109.90", "effective_on": "2026-12-01", "note": "annual review"},
    )
    assert changed.status_code == 200 and changed.json()["list_price"] == "109.90"
    history = api.get(f"/products/{product['id']}/price-changes").json()["items"]
    assert [(h["old_list_price"], h["new_list_price"]) for h in history] == [
        ("99.90", "109.90"),
        (None, "99.90"),
    ]
    assert history[0]["effective_on"] == "2026-12-01" and history[0]["source"] == "api"
    assert api.get("/price-changes", product_id=product["id"]).json()["items"][0]["sku"] == "P-1"
    bad = api.post("/products", {"sku": "P-1", "name": "Again", "list_price": "1"})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "sku"
    negative = api.post("/products", {"sku": "P-2", "name": "N", "list_price": "-1"})
    assert negative.status_code == 422 and negative.json()["error"]["field"] == "list_price"
    deal = Deal.objects.create(name="D", amount=0)
    api.post(f"/deals/{deal.pk}/line-items", {"product_id": product["id"], "quantity": "1"})
    refused = api.client.delete(f"{BASE}/products/{product['id']}", headers=api.headers)
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "product_in_use"
    assert Product.objects.filter(pk=product["id"]).exists()


def test_line_items_set_amount_and_margin_and_refuse_bad_input():
    api = key_client()
    product = Product.objects.create(sku="L", name="L", list_price=250, unit_cost=100)
    deal = Deal.objects.create(name="D", amount=5)
    added = api.post(
        f"/deals/{deal.pk}/line-items",
        {"product_id": product.pk, "quantity": "4", "discount_percent": "10"},
    )
    assert added.status_code == 201, added.content
    line = added.json()
    assert (line["gross_amount"], line["net_amount"], line["cost_amount"], line["margin"]) == (
        "1000.00",
        "900.00",
        "400.00",
        "500.00",
    )
    deal_body = api.get(f"/deals/{deal.pk}").json()
    assert (deal_body["amount"], deal_body["discount_amount"]) == ("900.00", "100.00")
    figures = api.get(f"/deals/{deal.pk}/figures").json()
    assert (figures["margin"], figures["margin_percent"]) == ("500.00", "55.56")
    for body, field in (
        ({"product_id": product.pk, "quantity": "-1"}, "quantity"),
        (
            {"product_id": product.pk, "quantity": "1", "discount_percent": "101"},
            "discount_percent",
        ),
        ({"product_id": product.pk, "quantity": "1", "list_price": "-3"}, "list_price"),
    ):
        response = api.post(f"/deals/{deal.pk}/line-items", body)
        assert response.status_code == 422
        assert response.json()["error"]["field"] == field
    eur = Product.objects.create(sku="E", name="E", list_price=1, currency="EUR")
    mixed = api.post(f"/deals/{deal.pk}/line-items", {"product_id": eur.pk, "quantity": "1"})
    assert mixed.status_code == 422 and mixed.json()["error"]["field"] == "currency"
    assert DealLineItem.objects.count() == 1
    patched = api.patch(f"/deals/{deal.pk}/line-items/{line['id']}", {"quantity": "2"})
    assert patched.status_code == 200 and patched.json()["net_amount"] == "450.00"
    assert Deal.objects.get(pk=deal.pk).amount == 450


def test_reps_reach_only_their_deals_and_the_head_decides():
    north = Team.objects.create(name="North", department=Department.SALES)
    rep = UserFactory(role=Role.SALES, department="sales", team=north)
    other = UserFactory(role=Role.SALES, department="sales", team=north)
    head = UserFactory(role=Role.MANAGER, department="sales", team=north)
    product = Product.objects.create(sku="S", name="S", list_price=100, unit_cost=10)
    mine = Deal.objects.create(name="Mine", amount=0, owner=rep)
    theirs = Deal.objects.create(name="Theirs", amount=0, owner=other)
    as_rep = _session(rep)
    body = {"product_id": product.pk, "quantity": "1", "discount_percent": "15", "reason": "pilot"}
    assert as_rep.post(f"/deals/{theirs.pk}/line-items", body).status_code == 404
    assert as_rep.post(f"/deals/{mine.pk}/line-items", body).status_code == 201
    [approval] = as_rep.get("/discount-approvals", status="pending").json()["items"]
    assert (approval["requested_percent"], approval["required_level"]) == ("15.00", "manager")
    refused = as_rep.post(f"/discount-approvals/{approval['id']}/decide", {"approve": True})
    assert refused.status_code == 403
    as_head = _session(head)
    decided = as_head.post(
        f"/discount-approvals/{approval['id']}/decide",
        {"approve": True, "approved_percent": "12", "note": "half way"},
    )
    assert decided.status_code == 200, decided.content
    assert (decided.json()["status"], decided.json()["approved_percent"]) == ("approved", "12.00")
    bands = as_rep.get("/discount-bands").json()["bands"]
    assert bands[0] == {"max_percent": "10", "approver": "rep"}
    put = as_head.client.put(
        f"{BASE}/discount-bands",
        json.dumps({"bands": [{"max_percent": "5", "approver": "rep"}]}),
        content_type="application/json",
    )
    assert put.status_code == 403


def test_promotions_api_and_deal_links():
    api = key_client()
    created = api.post(
        "/promotions",
        {
            "name": "Launch",
            "code": "LAUNCH",
            "starts_on": "2026-01-01",
            "discount_kind": "percent",
            "discount_value": "20",
            "fixed_cost": "5000",
            "cost_per_deal": "150",
        },
    )
    assert created.status_code == 201, created.content
    promotion = created.json()
    deal = Deal.objects.create(name="D", amount=10)
    linked = api.post(f"/deals/{deal.pk}/promotions", {"promotion_id": promotion["id"]})
    assert linked.status_code == 200 and linked.json()["source"] == "explicit"
    assert api.get(f"/deals/{deal.pk}").json()["is_promotion"] is True
    unknown = api.post(f"/deals/{deal.pk}/promotions", {"promotion_id": 999999})
    assert unknown.status_code == 422 and unknown.json()["error"]["field"] == "promotion_id"
    late = api.patch(f"/promotions/{promotion['id']}", {"ends_on": "2025-12-01"})
    assert late.status_code == 422 and late.json()["error"]["field"] == "ends_on"
