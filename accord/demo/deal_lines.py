"""The demo's sales mix: a second pipeline, a product catalogue with costs and dated price
changes, line items on every deal and two promotions whose deals are linked.

Written after the company is loaded and before its intel and forecast history (both read
the deals' pipelines and amounts):

- **Upsell & renewal**: the deals of accounts that had already bought when the deal opened
  (and a quarter of the others: customers from before the simulated year) move to a second
  pipeline (same stage keys, its own names and higher probabilities);
- **products** (created and re-priced through the pipeline's services, so the price changes
  post to the intel feed): three plans sold per seat and an onboarding package whose margin
  is thin;
- **line items**: every deal's amount becomes the sum of its lines (a plan by deal size,
  seats to match the amount, often onboarding), priced as the catalogue stood when the deal
  opened; one rep discounts far more often than the others;
- **promotions**: "Spring starter" (30% off, last spring) was used mostly by small accounts
  and mostly on deals that closed won: it wins deals but loses margin and brings smaller
  customers; "Partner referral" (15% off, ongoing) goes to any deal alike.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction

from accord.accounts.models import User
from accord.pipeline.models import (
    Deal,
    DealLineItem,
    DealPromotion,
    DealPromotionSource,
    Pipeline,
    PriceChangeSource,
    Product,
    Promotion,
)
from accord.pipeline.products.inputs import ProductChanges
from accord.pipeline.products.rules import line_figures
from accord.pipeline.products.services import product_create, product_update, promotion_create
from accord.pipeline.services.pipelines import pipeline_create, stage_update

UPSELL_KEY = "upsell_renewal"
#: (key, name, probability, forecast category) of the upsell pipeline's open stages.
UPSELL_STAGES = (
    ("qualification", "Account review", "0.300", "pipeline"),
    ("discovery", "Needs confirmed", "0.450", "pipeline"),
    ("proposal", "Quote sent", "0.700", "best_case"),
    ("negotiation", "Renewal paperwork", "0.900", "commit"),
)
#: sku, name, list price, unit cost; a later list price and how many days before today.
CATALOGUE = (
    ("PLAN-TEAM", "Team plan (seat/year)", "420", "95", "456", 75),
    ("PLAN-BUSINESS", "Business plan (seat/year)", "780", "170", None, 0),
    ("PLAN-ENTERPRISE", "Enterprise plan (seat/year)", "1380", "310", "1290", 30),
    ("ONBOARDING", "Onboarding package", "2500", "1600", None, 0),
)
#: code, name, percent off, days before today it started and ended (None: still running),
#: fixed cost, cost per deal.
PROMOTIONS = (
    ("SPRING26", "Spring starter offer", "30", 240, 120, "4000", "150"),
    ("PARTNER15", "Partner referral", "15", 200, None, "0", "60"),
)


@dataclass(frozen=True)
class SalesMixCounts:
    upsell_deals: int
    products: int
    line_items: int
    promotion_deals: dict[str, int]


def _ts(day: date) -> datetime:
    return datetime.combine(day, time(9), tzinfo=UTC)


def _upsell_pipeline() -> Pipeline:
    """The upsell pipeline (kept by ``--reset``, as the rest of the configuration is)."""
    pipeline = Pipeline.objects.filter(key=UPSELL_KEY).first()
    if pipeline is not None:
        return pipeline
    pipeline = pipeline_create(name="Upsell & renewal", key=UPSELL_KEY)
    stages = {s.key: s for s in pipeline.stages.all()}
    for key, name, probability, category in UPSELL_STAGES:
        stage_update(stage_id=stages[key].pk, name=name, probability=Decimal(probability),
                     forecast_category=category, stale_after_days=21)  # fmt: skip
    return pipeline


def _upsell_move(pipeline: Pipeline, rand: random.Random) -> int:
    """Deals of accounts that had a won deal when they opened move to the upsell pipeline, and
    about a quarter of the others (customers from before the simulated year). Only deals not
    yet priced move: writing the mix again moves none."""
    first_won: dict[int, datetime] = {}
    rows = Deal.objects.filter(stage="won", account__isnull=False).values_list(
        "account_id", "closed_at"
    )
    for account_id, closed in rows:
        if closed and (account_id not in first_won or closed < first_won[account_id]):
            first_won[account_id] = closed
    moved = [
        pk
        for pk, account_id, created in Deal.objects.filter(
            account__isnull=False, line_items__isnull=True
        )
        .exclude(pipeline=pipeline)
        .values_list("pk", "account_id", "created_at")
        if (account_id in first_won and first_won[account_id] < created) or rand.random() < 0.25
    ]
    for start in range(0, len(moved), 5000):
        Deal.objects.filter(pk__in=moved[start : start + 5000]).update(pipeline=pipeline)
    return len(moved)


def _catalogue(today: date, by: User | None) -> dict[str, list[tuple[date, Product, Decimal]]]:
    """The products, each with its (from, product, list price) steps, oldest first."""
    prices: dict[str, list[tuple[date, Product, Decimal]]] = {}
    start = today - timedelta(days=800)
    for sku, name, price, cost, later, days in CATALOGUE:
        product = Product.objects.filter(sku=sku).first()
        if product is None:
            product = product_create(
                sku=sku, name=name, list_price=Decimal(price), unit_cost=Decimal(cost),
                currency=settings.COMPANY_CURRENCY, by=by, source=PriceChangeSource.DEMO,
                effective_on=start,
            )  # fmt: skip
            if later:
                product_update(
                    product_id=product.pk, changes=ProductChanges(list_price=Decimal(later)),
                    by=by, source=PriceChangeSource.DEMO,
                    effective_on=today - timedelta(days=days),
                    note="New price list." if later > price else "Matching the market.",
                )  # fmt: skip
        steps = [(start, product, Decimal(price))]
        if later:
            steps.append((today - timedelta(days=days), product, Decimal(later)))
        prices[sku] = steps
    return prices


def _price(steps: list[tuple[date, Product, Decimal]], on: date) -> tuple[Product, Decimal]:
    product, price = steps[0][1], steps[0][2]
    for since, _product, step_price in steps:
        if since <= on:
            price = step_price
    return product, price


def _promotions(today: date, by: User | None) -> dict[str, Promotion]:
    found = {}
    # The load's old free-text codes are dropped: the promotions below are linked explicitly
    # (a deal already linked keeps its flag when the mix is written again).
    Deal.objects.filter(is_promotion=True, promotion_links__isnull=True).update(
        is_promotion=False, promotion_code=""
    )
    for code, name, percent, began, ended, fixed, per_deal in PROMOTIONS:
        promotion = Promotion.objects.filter(code=code).first() or promotion_create(
            name=name, code=code, starts_on=today - timedelta(days=began),
            ends_on=today - timedelta(days=ended) if ended else None,
            discount_kind="percent", discount_value=Decimal(percent), by=by,
            fixed_cost=Decimal(fixed), cost_per_deal=Decimal(per_deal),
            currency=settings.COMPANY_CURRENCY,
        )  # fmt: skip
        found[code] = promotion
    return found


def _promotion_for(deal: dict, promotions: dict[str, Promotion], rand: random.Random):
    """Which promotion the deal used, if any: spring starter mostly on small accounts' deals
    that were won (its win rate looks great), partner referral on any deal alike."""
    opened = deal["created_at"].date()
    for code, promotion in promotions.items():
        if opened < promotion.starts_on or (promotion.ends_on and opened > promotion.ends_on):
            continue
        if code == "SPRING26":
            small = (deal["employees"] or 0) < 200
            odds = {"won": 0.6, "lost": 0.15}.get(deal["stage"], 0.3) if small else 0.04
        else:
            odds = 0.12
        if rand.random() < odds:
            return promotion
    return None


def _lines(deal: dict, prices: dict, promotion: Promotion | None, discounter: bool, rand):
    """The deal's line items (unsaved) priced as the catalogue stood when it opened."""
    amount = float(deal["amount"])
    opened = deal["created_at"].date()
    sku = (
        "PLAN-TEAM"
        if amount < 20_000
        else "PLAN-BUSINESS"
        if amount < 80_000
        else "PLAN-ENTERPRISE"
    )
    if promotion is not None:
        percent = promotion.discount_value
    elif rand.random() < (0.6 if discounter else 0.25):
        percent = Decimal(rand.choice((5, 10, 10, 15, 20, 25) if discounter else (5, 10, 15)))
    else:
        percent = Decimal(0)
    lines = []
    if rand.random() < 0.6:
        onboarding, price = _price(prices["ONBOARDING"], opened)
        units = {"PLAN-TEAM": 1, "PLAN-BUSINESS": 2}.get(sku, 4)
        lines.append((onboarding, price, Decimal(units)))
        amount -= units * float(price) * (1 - float(percent) / 100)
    plan, price = _price(prices[sku], opened)
    seats = max(1, round(amount / (float(price) * (1 - float(percent) / 100))))
    lines.insert(0, (plan, price, Decimal(seats)))
    made = []
    for position, (product, price, quantity) in enumerate(lines):
        figures = line_figures(quantity=quantity, list_price=price,
                               unit_cost=product.unit_cost, discount_percent=percent)  # fmt: skip
        made.append(DealLineItem(
            deal_id=deal["pk"], product=product, position=position, quantity=quantity,
            currency=deal["currency"], list_price=price, discount_percent=percent,
            unit_cost=product.unit_cost, gross_amount=figures.gross,
            net_amount=figures.net, cost_amount=figures.cost, promotion=promotion,
            created_at=deal["created_at"], updated_at=deal["created_at"],
        ))  # fmt: skip
    return made


def _deals_price(prices, promotions, discounter_id, rand) -> tuple[int, dict[str, int]]:
    """Line items for every deal without any; the deal's amount and discount follow them."""
    deals = (
        Deal.objects.filter(line_items__isnull=True)
        .values("pk", "amount", "currency", "created_at", "stage", "owner_id", "account__employees")
        .order_by("pk")
    )
    lines: list[DealLineItem] = []
    links: list[DealPromotion] = []
    totals: dict[tuple[Decimal, Decimal], list[int]] = defaultdict(list)
    used: dict[str, list[int]] = defaultdict(list)
    for row in deals:
        deal: dict[str, Any] = dict(row)
        deal["employees"] = deal.pop("account__employees")
        promotion = _promotion_for(deal, promotions, rand)
        made = _lines(deal, prices, promotion, deal["owner_id"] == discounter_id, rand)
        lines.extend(made)
        net = sum((line.net_amount for line in made), Decimal(0))
        gross = sum((line.gross_amount for line in made), Decimal(0))
        totals[(net, gross - net)].append(deal["pk"])
        if promotion is not None:
            used[promotion.code].append(deal["pk"])
            links.append(DealPromotion(deal_id=deal["pk"], promotion=promotion,
                                       source=DealPromotionSource.LINE_ITEM,
                                       linked_at=deal["created_at"]))  # fmt: skip
    DealLineItem.objects.bulk_create(lines, batch_size=5000)
    DealPromotion.objects.bulk_create(links, batch_size=5000, ignore_conflicts=True)
    for (net, discount), ids in totals.items():
        Deal.objects.filter(pk__in=ids).update(amount=net, discount_amount=discount)
    for code, ids in used.items():
        for start in range(0, len(ids), 5000):
            Deal.objects.filter(pk__in=ids[start : start + 5000]).update(
                is_promotion=True, promotion_code=code
            )
    return len(lines), {code: len(ids) for code, ids in used.items()}


@transaction.atomic
def sales_mix_write(*, seed: int, today: date) -> SalesMixCounts:
    rand = random.Random(seed * 104_729 + 8)
    people = {
        u.username: u for u in User.objects.filter(username__in=["marketing.manager", "rep.dan"])
    }
    by = people.get("marketing.manager")
    pipeline = _upsell_pipeline()
    moved = _upsell_move(pipeline, rand)
    prices = _catalogue(today, by)
    promotions = _promotions(today, by)
    discounter = people.get("rep.dan")
    count, used = _deals_price(prices, promotions, discounter.pk if discounter else None, rand)
    return SalesMixCounts(moved, len(prices), count, used)
