"""The pages: products with history, promotions, the approvals queue, the line items panel."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from accord.accounts.models import Department, Role, Team
from accord.accounts.tests.factories import UserFactory
from accord.pipeline.models import DealLineItem, DiscountApproval, Product
from accord.pipeline.products import services
from accord.pipeline.products.tests.factories import DealFactory, ProductFactory
from accord.pipeline.products.views_lines import line_items_panel

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def team():
    north = Team.objects.create(name="North", department=Department.SALES)
    return {
        "rep": UserFactory(role=Role.SALES, department="sales", team=north),
        "head": UserFactory(role=Role.MANAGER, department="sales", team=north),
    }


def test_settings_hub_links_the_new_pages_for_heads_only(team):
    hub = reverse("settings:hub")
    head_page = _client(team["head"]).get(hub).content.decode()
    for name in ("products:product_list", "promotions:promotion_list", "discounts:approval_queue"):
        assert reverse(name) in head_page
    assert reverse("products:product_list") not in _client(team["rep"]).get(hub).content.decode()


def test_product_form_records_a_price_change_and_shows_history(team):
    client = _client(team["head"])
    created = client.post(
        reverse("products:product_create"),
        {"sku": "W-1", "name": "Widget", "list_price": "10", "unit_cost": "4", "currency": "USD",
         "is_active": "on"},
    )  # fmt: skip
    product = Product.objects.get(sku="W-1")
    assert created.status_code == 302
    edit = reverse("products:product_edit", args=[product.pk])
    client.post(
        edit,
        {"sku": "W-1", "name": "Widget", "list_price": "12.5", "unit_cost": "4",
         "currency": "USD", "is_active": "on", "note": "new year"},
    )  # fmt: skip
    page = client.get(edit).content.decode()
    assert "$10.00 →" in page and "$12.50" in page and "new year" in page
    bad = client.post(
        edit,
        {"sku": "W-1", "name": "Widget", "list_price": "1", "unit_cost": "4", "currency": "ZZZ"},
    )
    assert bad.status_code == 200 and "ISO 4217" in bad.content.decode()
    assert Product.objects.get(pk=product.pk).list_price == Decimal("12.50")


def test_deleting_a_used_product_says_what_to_do(team):
    product = ProductFactory()
    services.line_item_add(deal_id=DealFactory().pk, product_id=product.pk, quantity=1, by=None)
    client = _client(team["head"])
    response = client.post(reverse("products:product_delete", args=[product.pk]), follow=True)
    assert "Deactivate it instead" in response.content.decode()
    assert Product.objects.filter(pk=product.pk).exists()


def test_the_line_items_panel_adds_a_line_with_htmx(team):
    deal = DealFactory(owner=team["rep"])
    product = ProductFactory(list_price=Decimal("100"), unit_cost=Decimal("30"))
    client = _client(team["rep"])
    response = client.post(
        reverse("deal_lines:line_add", args=[deal.pk]),
        {"product": product.pk, "quantity": "3", "discount_percent": "5"},
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert response.status_code == 200 and f'id="deal-line-items-{deal.pk}"' in html
    assert "$285.00" in html and "$195.00" in html  # net 300 - 15; margin 285 - 90
    bad = client.post(
        reverse("deal_lines:line_add", args=[deal.pk]),
        {"product": product.pk, "quantity": "-1"},
        headers={"HX-Request": "true"},
    )
    assert "must be more than 0" in bad.content.decode()
    assert DealLineItem.objects.count() == 1
    panel = line_items_panel(user=team["rep"], deal=deal)
    assert panel.can_edit and panel.totals["margin"] == "$195.00"
    with translation.override("ru"):
        ru = client.get(reverse("deal_lines:lines", args=[deal.pk]), HTTP_ACCEPT_LANGUAGE="ru")
    assert ru.status_code == 200


def test_the_head_decides_from_the_queue(team):
    deal = DealFactory(owner=team["rep"])
    product = ProductFactory(list_price=Decimal("1000"))
    services.line_item_add(
        deal_id=deal.pk, product_id=product.pk, quantity=1, discount_percent=Decimal(18),
        by=team["rep"], reason="multi-year",
    )  # fmt: skip
    approval = DiscountApproval.objects.get()
    client = _client(team["head"])
    queue = client.get(reverse("discounts:approval_queue")).content.decode()
    assert "multi-year" in queue and "Record" in queue
    client.post(
        reverse("discounts:approval_decide", args=[approval.pk]),
        {"decision": "approve", "approved_percent": "15"},
    )
    approval.refresh_from_db()
    assert (approval.status, approval.approved_percent) == ("approved", Decimal("15.00"))
    register = client.get(reverse("discounts:approval_queue")).content.decode()
    assert "Discounts applied without an approval reaching them" in register
    assert deal.name in register
