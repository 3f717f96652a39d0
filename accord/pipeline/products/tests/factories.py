"""Factories for products, price lists and promotions (deals are plain ``Deal`` rows)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory

from accord.pipeline.models import Deal, Product, Promotion


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    sku = factory.Sequence(lambda n: f"SKU-{n:04d}")
    name = factory.Sequence(lambda n: f"Product {n}")
    list_price = Decimal("100.00")
    unit_cost = Decimal("40.00")
    currency = "USD"


class DealFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Deal

    name = factory.Sequence(lambda n: f"Deal {n}")
    amount = Decimal("0")
    currency = "USD"


class PromotionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Promotion

    name = factory.Sequence(lambda n: f"Promotion {n}")
    code = factory.Sequence(lambda n: f"PROMO{n}")
    starts_on = factory.LazyFunction(lambda: dt.date.today() - dt.timedelta(days=10))
    discount_kind = "percent"
    discount_value = Decimal("15")
