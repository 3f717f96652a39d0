"""Promotions: applicability, the deals that used them, the old flag and code kept in step."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from accord.contacts.tests.factories import AccountFactory
from accord.core.errors import InvalidInput
from accord.core.events import PromotionStarted
from accord.pipeline.models import Deal, DealPromotion
from accord.pipeline.products import selectors, services
from accord.pipeline.products.tests.factories import (
    DealFactory,
    ProductFactory,
    PromotionFactory,
)

pytestmark = pytest.mark.django_db
D = Decimal
TODAY = dt.date.today()


def test_a_new_promotion_adopts_old_codes_and_is_announced(events):
    old = DealFactory(promotion_code="SPRING26", is_promotion=True)
    other = DealFactory(promotion_code="free text", is_promotion=True)
    promotion = services.promotion_create(
        name="Spring",
        code="SPRING26",
        starts_on=TODAY,
        discount_kind="percent",
        discount_value="20",
        by=None,
    )
    assert list(selectors.deals_with_promotion(promotion.pk)) == [old]
    assert DealPromotion.objects.get(deal=old).source == "migrated"
    assert Deal.objects.get(pk=other.pk).is_promotion  # an unknown code stays as it was
    assert [type(e) for e in events] == [PromotionStarted]


def test_a_line_with_a_promotion_marks_the_deal_and_takes_its_rule():
    deal = DealFactory()
    product = ProductFactory(list_price=D("200"), unit_cost=D("50"))
    promotion = PromotionFactory(discount_kind="percent", discount_value=D("15"))
    line = services.line_item_add(
        deal_id=deal.pk, product_id=product.pk, quantity=2, promotion_id=promotion.pk, by=None
    )
    assert (line.discount_percent, line.net_amount) == (D("15"), D("340.00"))
    deal.refresh_from_db()
    assert deal.is_promotion and deal.promotion_code == promotion.code
    assert DealPromotion.objects.get(deal=deal).source == "line_item"
    services.line_item_update(
        deal_id=deal.pk, line_item_id=line.pk, changes={"promotion_id": None}, by=None
    )
    deal.refresh_from_db()
    assert not DealPromotion.objects.filter(deal=deal).exists()
    assert not deal.is_promotion and deal.promotion_code == ""


def test_explicit_links_and_unlinks():
    deal = DealFactory()
    promotion = PromotionFactory()
    services.deal_promotion_link(deal_id=deal.pk, promotion_id=promotion.pk, by=None)
    assert Deal.objects.get(pk=deal.pk).is_promotion
    services.deal_promotion_unlink(deal_id=deal.pk, promotion_id=promotion.pk)
    assert not Deal.objects.get(pk=deal.pk).is_promotion


@pytest.mark.parametrize(
    ("promotion_fields", "account_fields"),
    [
        ({"is_active": False}, {}),
        ({"starts_on": TODAY + dt.timedelta(days=1)}, {}),
        ({"ends_on": TODAY - dt.timedelta(days=1)}, {}),
        ({"segment_size": "large"}, {"employees": 12}),
        ({"segment_industry": "Retail"}, {"industry": "Banking"}),
    ],
)
def test_a_promotion_that_does_not_apply_is_refused(promotion_fields, account_fields):
    deal = DealFactory(account=AccountFactory(**account_fields))
    promotion = PromotionFactory(**promotion_fields)
    with pytest.raises(InvalidInput) as error:
        services.line_item_add(
            deal_id=deal.pk,
            product_id=ProductFactory().pk,
            quantity=1,
            promotion_id=promotion.pk,
            by=None,
        )
    assert error.value.field == "promotion_id"


def test_promotion_scope_to_a_product_and_segment_applies():
    product = ProductFactory()
    deal = DealFactory(account=AccountFactory(employees=20, industry="retail"))
    promotion = PromotionFactory(product=product, segment_size="small", segment_industry="Retail")
    line = services.line_item_add(
        deal_id=deal.pk, product_id=product.pk, quantity=1, promotion_id=promotion.pk, by=None
    )
    assert line.promotion == promotion
    with pytest.raises(InvalidInput) as error:
        services.line_item_add(
            deal_id=deal.pk,
            product_id=ProductFactory().pk,
            quantity=1,
            promotion_id=promotion.pk,
            by=None,
        )
    assert error.value.field == "promotion_id"


def test_promotion_refusals():
    for fields, field in (
        ({"code": "bad code!"}, "code"),
        ({"ends_on": TODAY - dt.timedelta(days=30)}, "ends_on"),
        ({"discount_value": "120"}, "discount_value"),
    ):
        base = {
            "name": "P",
            "code": "OK1",
            "starts_on": TODAY,
            "discount_kind": "percent",
            "discount_value": "10",
        }
        with pytest.raises(InvalidInput) as error:
            services.promotion_create(by=None, **{**base, **fields})
        assert error.value.field == field
