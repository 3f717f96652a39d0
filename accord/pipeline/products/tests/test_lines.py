"""Line items and deal margins: exact numbers on hand-built deals, and the refusals."""

from __future__ import annotations

from decimal import Decimal

import pytest

from accord.accounts.models import Role
from accord.accounts.tests.factories import UserFactory
from accord.core.errors import InvalidInput
from accord.pipeline.models import Deal, DealAmountChange, DealLineItem, PriceListEntry
from accord.pipeline.products import selectors, services
from accord.pipeline.products.tests.factories import DealFactory, ProductFactory

pytestmark = pytest.mark.django_db

D = Decimal


def test_margin_and_amount_from_lines_exact():
    rep = UserFactory(role=Role.SALES)
    deal = DealFactory(owner=rep, amount=D("999"))
    licence = ProductFactory(list_price=D("1200.00"), unit_cost=D("300.00"))
    support = ProductFactory(list_price=D("250.00"), unit_cost=D("180.00"))
    # 3 x 1200 = 3600, 5% off = 180 -> net 3420, cost 900
    services.line_item_add(
        deal_id=deal.pk, product_id=licence.pk, quantity=3, discount_percent=D("5"), by=rep
    )
    # 2 x 250 = 500, 40.00 off -> net 460, cost 360
    services.line_item_add(
        deal_id=deal.pk, product_id=support.pk, quantity=2, discount_amount=D("40"), by=rep
    )
    deal.refresh_from_db()
    assert deal.amount == D("3880.00")
    assert deal.discount_amount == D("220.00")
    history = list(DealAmountChange.objects.filter(deal=deal).order_by("pk"))
    assert [(h.old_amount, h.new_amount, h.by) for h in history] == [
        (D("999.00"), D("3420.00"), rep),
        (D("3420.00"), D("3880.00"), rep),
    ]
    figures = selectors.deal_figures(deal.pk)
    assert figures.gross == D("4100.00")
    assert figures.cost == D("1260.00")
    assert figures.margin == D("2620.00")
    assert figures.margin_percent == D("67.53")  # 2620 / 3880
    assert figures.discount_percent == D("5.37")  # 220 / 4100


def test_cost_snapshot_survives_a_price_change():
    rep = UserFactory(role=Role.SALES)
    deal = DealFactory(owner=rep)
    product = ProductFactory(list_price=D("100"), unit_cost=D("60"))
    line = services.line_item_add(deal_id=deal.pk, product_id=product.pk, quantity=1, by=rep)
    services.product_update(
        product_id=product.pk, changes={"list_price": D("120"), "unit_cost": D("90")}, by=None
    )
    line.refresh_from_db()
    assert (line.list_price, line.unit_cost, line.net_amount) == (D("100"), D("60"), D("100"))


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"quantity": 0}, "quantity"),
        ({"quantity": -2}, "quantity"),
        ({"quantity": 1, "list_price": D("-1")}, "list_price"),
        ({"quantity": 1, "discount_percent": D("100.5")}, "discount_percent"),
        ({"quantity": 1, "discount_percent": D("-1")}, "discount_percent"),
        ({"quantity": 1, "discount_amount": D("-5")}, "discount_amount"),
        ({"quantity": 1, "discount_amount": D("100.01")}, "discount_amount"),
    ],
)
def test_bad_lines_are_refused_naming_the_field_and_nothing_is_written(fields, field):
    deal = DealFactory(amount=D("50"))
    product = ProductFactory(list_price=D("100"))
    quantity = fields.pop("quantity")
    with pytest.raises(InvalidInput) as error:
        services.line_item_add(
            deal_id=deal.pk, product_id=product.pk, quantity=quantity, by=None, **fields
        )
    assert error.value.field == field
    assert not DealLineItem.objects.exists()
    assert Deal.objects.get(pk=deal.pk).amount == D("50")


def test_one_currency_per_deal():
    deal = DealFactory(currency="EUR")
    product = ProductFactory(currency="USD")
    with pytest.raises(InvalidInput) as error:
        services.line_item_add(deal_id=deal.pk, product_id=product.pk, quantity=1, by=None)
    assert error.value.field == "currency"
    assert not DealLineItem.objects.exists()


def test_price_list_sets_the_price_and_currency():
    deal = DealFactory(currency="EUR")
    product = ProductFactory(list_price=D("100"), unit_cost=D("30"), currency="USD")
    eur = services.price_list_create(name="Europe", currency="EUR")
    PriceListEntry.objects.create(price_list=eur, product=product, price=D("95.50"))
    line = services.line_item_add(
        deal_id=deal.pk, product_id=product.pk, quantity=2, price_list_id=eur.pk, by=None
    )
    assert (line.currency, line.list_price, line.net_amount) == ("EUR", D("95.50"), D("191.00"))
    other = services.price_list_create(name="Europe 2", currency="EUR")
    PriceListEntry.objects.create(price_list=other, product=product, price=D("90"))
    with pytest.raises(InvalidInput) as error:
        services.line_item_add(
            deal_id=deal.pk, product_id=product.pk, quantity=1, price_list_id=other.pk, by=None
        )
    assert error.value.field == "price_list_id"


def test_update_and_remove_keep_the_deal_in_step():
    deal = DealFactory()
    product = ProductFactory(list_price=D("10"), unit_cost=D("4"))
    line = services.line_item_add(deal_id=deal.pk, product_id=product.pk, quantity=10, by=None)
    services.line_item_update(
        deal_id=deal.pk, line_item_id=line.pk, changes={"quantity": D("4")}, by=None
    )
    deal.refresh_from_db()
    assert deal.amount == D("40.00")
    second = services.line_item_add(deal_id=deal.pk, product_id=product.pk, quantity=1, by=None)
    services.line_item_remove(deal_id=deal.pk, line_item_id=second.pk, by=None)
    deal.refresh_from_db()
    assert deal.amount == D("40.00")
    assert selectors.deal_figures(deal.pk).margin == D("24.00")


def test_a_hand_amount_on_a_deal_with_lines_is_refused():
    deal = DealFactory(amount=D("70"))
    services.deal_amount_by_hand_check(deal_id=deal.pk, amount=D("999"))  # no lines: free
    product = ProductFactory(list_price=D("10"))
    services.line_item_add(deal_id=deal.pk, product_id=product.pk, quantity=3, by=None)
    services.deal_amount_by_hand_check(deal_id=deal.pk, amount=D("30.00"))
    with pytest.raises(InvalidInput) as error:
        services.deal_amount_by_hand_check(deal_id=deal.pk, amount=D("31"))
    assert error.value.field == "amount"


def test_a_line_too_large_for_an_amount_is_refused():
    deal = DealFactory()
    product = ProductFactory(list_price=D("99999999999999"))
    with pytest.raises(InvalidInput) as error:
        services.line_item_add(deal_id=deal.pk, product_id=product.pk, quantity=1000, by=None)
    assert error.value.field == "quantity"
    assert not DealLineItem.objects.exists()
