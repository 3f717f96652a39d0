"""Products and their price history, price lists, exchange rates."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import override_settings

from accord.accounts.models import Role
from accord.accounts.tests.factories import UserFactory
from accord.core.errors import InvalidInput
from accord.core.events import ProductPriceChanged
from accord.pipeline.models import Product, ProductPriceChange
from accord.pipeline.products import selectors, services
from accord.pipeline.products.tests.factories import DealFactory, ProductFactory

pytestmark = pytest.mark.django_db
D = Decimal


def test_price_history_records_who_what_and_when(events):
    head = UserFactory(role=Role.MANAGER, department="sales")
    product = services.product_create(
        sku="SEAT", name="Seat", list_price="100", unit_cost="30", currency="usd", by=head
    )
    services.product_update(product_id=product.pk, changes={"name": "Seat v2"}, by=head)
    assert ProductPriceChange.objects.count() == 1  # a rename is no price change
    services.product_update(
        product_id=product.pk,
        changes={"list_price": D("120"), "unit_cost": D("35")},
        by=head,
        effective_on=dt.date(2026, 3, 1),
        note="list price review",
    )
    latest, first = list(selectors.price_changes(product_id=product.pk))
    assert (first.old_list_price, first.new_list_price, first.new_unit_cost) == (
        None,
        D("100.00"),
        D("30.00"),
    )
    assert (latest.old_list_price, latest.new_list_price) == (D("100.00"), D("120.00"))
    assert (latest.old_unit_cost, latest.new_unit_cost) == (D("30.00"), D("35.00"))
    assert (latest.changed_by, latest.effective_on, latest.note) == (
        head,
        dt.date(2026, 3, 1),
        "list price review",
    )
    assert [type(e) for e in events] == [ProductPriceChanged]
    assert events[0].change == latest


def test_product_refusals_name_the_field():
    ProductFactory(sku="TAKEN")
    cases = [
        ({"sku": "TAKEN", "list_price": "1"}, "sku"),
        ({"sku": "NEW", "list_price": "-1"}, "list_price"),
        ({"sku": "NEW", "list_price": "1", "unit_cost": "-2"}, "unit_cost"),
        ({"sku": "NEW", "list_price": "1", "currency": "ZZZ"}, "currency"),
    ]
    for fields, field in cases:
        fields = {"name": "N", "currency": "USD", **fields}
        with pytest.raises(InvalidInput) as error:
            services.product_create(by=None, **fields)
        assert error.value.field == field
    assert Product.objects.count() == 1


def test_a_product_on_deals_is_not_deleted_but_can_be_deactivated():
    product = ProductFactory()
    services.line_item_add(deal_id=DealFactory().pk, product_id=product.pk, quantity=1, by=None)
    with pytest.raises(InvalidInput) as error:
        services.product_delete(product_id=product.pk)
    assert error.value.code == "product_in_use" and "Deactivate it instead" in error.value.message
    services.product_update(product_id=product.pk, changes={"is_active": False}, by=None)
    with pytest.raises(InvalidInput) as inactive:
        services.line_item_add(deal_id=DealFactory().pk, product_id=product.pk, quantity=1, by=None)
    assert inactive.value.field == "product_id"
    unused = ProductFactory()
    services.product_delete(product_id=unused.pk)
    assert not Product.objects.filter(pk=unused.pk).exists()


@override_settings(COMPANY_CURRENCY="USD")
def test_rate_on_takes_the_latest_rate_on_or_before_the_date():
    services.exchange_rate_set(currency="EUR", date=dt.date(2026, 1, 1), rate="1.10")
    services.exchange_rate_set(currency="EUR", date=dt.date(2026, 2, 1), rate="1.05")
    assert selectors.rate_on("EUR", dt.date(2025, 12, 31)) is None
    assert selectors.rate_on("eur", dt.date(2026, 1, 15)) == D("1.10")
    assert selectors.rate_on("EUR", dt.date(2026, 2, 1)) == D("1.05")
    assert selectors.rate_on("USD", dt.date(2020, 1, 1)) == D(1)
    assert selectors.amount_in_company_currency(D("200"), "EUR", dt.date(2026, 3, 1)) == D("210.00")
    services.exchange_rate_set(currency="EUR", date=dt.date(2026, 2, 1), rate="1.06")
    assert selectors.rate_on("EUR", dt.date(2026, 2, 1)) == D("1.06")  # corrected, not doubled
    with pytest.raises(InvalidInput) as error:
        services.exchange_rate_set(currency="EUR", date=dt.date(2026, 2, 2), rate="0")
    assert error.value.field == "rate"
