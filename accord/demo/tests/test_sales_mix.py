"""The demo's sales mix: deals in two pipelines, every deal priced from its line items, the
catalogue's price changes posted to the intel feed, and the promotions' deals linked."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db.models import Sum

from accord.demo import loader
from accord.demo.deal_lines import UPSELL_KEY, sales_mix_write
from accord.demo.tests.test_loader import ANCHOR
from accord.intel.models import Post, PostKind
from accord.pipeline.models import Deal, DealLineItem, DealPromotion


@pytest.fixture(autouse=True)
def fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_the_sales_mix_prices_every_deal_from_its_lines(db):
    loader.demo_load(seed=7, size="small", anchor=ANCHOR, leads=400, chunk_leads=150)
    counts = sales_mix_write(seed=7, today=ANCHOR)
    assert counts.upsell_deals == Deal.objects.filter(pipeline__key=UPSELL_KEY).count() > 0
    assert Deal.objects.exclude(pipeline__key=UPSELL_KEY).exists()
    nets = dict(
        DealLineItem.objects.values("deal")
        .annotate(net=Sum("net_amount"))
        .values_list("deal", "net")
    )
    deals = dict(Deal.objects.values_list("pk", "amount"))
    assert nets == deals  # every deal has lines, and its amount is their net
    assert counts.line_items == DealLineItem.objects.count()
    linked = DealPromotion.objects.count()
    assert linked == sum(counts.promotion_deals.values())
    assert Deal.objects.filter(is_promotion=True).count() == linked
    # The two re-priced plans posted to the feed (automatically, by the pipeline's events).
    assert Post.objects.filter(kind=PostKind.PRICE_CHANGE).count() >= 2
    again = sales_mix_write(seed=7, today=ANCHOR)  # nothing left to price
    assert (again.line_items, again.upsell_deals) == (0, 0)
    assert DealLineItem.objects.aggregate(n=Sum("net_amount"))["n"] == sum(
        deals.values(), Decimal(0)
    )
