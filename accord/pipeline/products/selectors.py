"""Reads of products, price lists, line items, promotions, rates and approvals, shared by
the API, the pages and (through these functions only) the promotion report."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import F, Q, QuerySet

from accord.accounts.models import User
from accord.pipeline.models import (
    ApprovalStatus,
    Deal,
    DealLineItem,
    DealPromotion,
    DiscountApproval,
    ExchangeRate,
    PriceList,
    Product,
    ProductPriceChange,
    Promotion,
)
from accord.pipeline.products import rules
from accord.pipeline.products.services.approvals import bands_current


def product_list(
    *, active: bool | None = None, search: str = "", currency: str | None = None
) -> QuerySet[Product]:
    products = Product.objects.all()
    if active is not None:
        products = products.filter(is_active=active)
    if search:
        products = products.filter(Q(sku__icontains=search) | Q(name__icontains=search))
    if currency:
        products = products.filter(currency=currency.upper())
    return products


def price_changes(
    *, product_id: int | None = None, since: dt.datetime | None = None
) -> QuerySet[ProductPriceChange]:
    changes = ProductPriceChange.objects.select_related("product", "changed_by")
    if product_id is not None:
        changes = changes.filter(product_id=product_id)
    if since is not None:
        changes = changes.filter(changed_at__gte=since)
    return changes


def price_list_list(*, active: bool | None = None) -> QuerySet[PriceList]:
    lists = PriceList.objects.prefetch_related("entries")
    if active is not None:
        lists = lists.filter(is_active=active)
    return lists


def line_items_of(deal_id: int) -> QuerySet[DealLineItem]:
    return DealLineItem.objects.filter(deal_id=deal_id).select_related(
        "product", "promotion", "price_list"
    )


def deal_figures(deal_id: int) -> rules.DealFigures:
    """The deal's gross, discount, net, cost and margin from its lines (all zero without)."""
    return rules.deal_figures(
        rules.line_figures(
            quantity=line.quantity,
            list_price=line.list_price,
            unit_cost=line.unit_cost,
            discount_percent=line.discount_percent,
            discount_amount=line.discount_amount,
        )
        for line in DealLineItem.objects.filter(deal_id=deal_id)
    )


def promotion_list(*, active: bool | None = None, on: dt.date | None = None) -> QuerySet[Promotion]:
    promotions = Promotion.objects.select_related("campaign", "product")
    if active is not None:
        promotions = promotions.filter(is_active=active)
    if on is not None:
        promotions = promotions.filter(starts_on__lte=on).filter(
            Q(ends_on__isnull=True) | Q(ends_on__gte=on)
        )
    return promotions


def deals_with_promotion(promotion_id: int) -> QuerySet[Deal]:
    """Deals that used a promotion (by a line item or a link: both are ``DealPromotion``)."""
    return Deal.objects.filter(promotion_links__promotion_id=promotion_id).distinct()


def deal_promotion_links(deal_id: int) -> QuerySet[DealPromotion]:
    return DealPromotion.objects.filter(deal_id=deal_id).select_related("promotion")


# --- exchange rates ------------------------------------------------------------------------


def company_currency() -> str:
    return str(getattr(settings, "COMPANY_CURRENCY", "USD"))


def rate_on(currency: str, date: dt.date) -> Decimal | None:
    """Units of the company currency one unit of ``currency`` bought on ``date``: the latest
    rate recorded on or before it (1 for the company currency; None when none is known)."""
    code = currency.upper()
    if code == company_currency():
        return Decimal(1)
    return (
        ExchangeRate.objects.filter(currency=code, date__lte=date)
        .order_by("-date")
        .values_list("rate", flat=True)
        .first()
    )


def amount_in_company_currency(amount: Decimal, currency: str, date: dt.date) -> Decimal | None:
    rate = rate_on(currency, date)
    return None if rate is None else rules.cents(amount * rate)


def exchange_rate_list(*, currency: str | None = None) -> QuerySet[ExchangeRate]:
    rates = ExchangeRate.objects.all()
    if currency:
        rates = rates.filter(currency=currency.upper())
    return rates


# --- approvals -----------------------------------------------------------------------------


def approvals_visible(*, user: User | None) -> QuerySet[DiscountApproval]:
    """Every approval, or (for a rep) those on deals they may see."""
    approvals = DiscountApproval.objects.select_related(
        "deal", "deal__owner", "line_item__product", "requested_by", "approver"
    )
    if user is not None:
        approvals = approvals.filter(Q(deal__owner=user) | Q(deal__owner__isnull=True))
    return approvals


def approvals_pending() -> QuerySet[DiscountApproval]:
    return approvals_visible(user=None).filter(status=ApprovalStatus.PENDING)


@dataclass(frozen=True)
class UnapprovedDiscount:
    line: DealLineItem
    percent: Decimal  # the line's effective discount
    approved: Decimal | None  # the deepest approved for it, if any
    pending: bool


def discounts_without_approval() -> list[UnapprovedDiscount]:
    """Lines discounted deeper than the rep's rung with no approval reaching their depth
    (pending, refused, approved for less, or never asked)."""
    limit = rules.level_limit("rep", bands_current())
    lines = (
        DealLineItem.objects.filter(gross_amount__gt=0)
        .alias(off=F("gross_amount") - F("net_amount"))
        .filter(off__gt=F("gross_amount") * limit / 100)
        .select_related("deal", "deal__owner", "product")
        .order_by("-deal__updated_at", "pk")
    )
    found: list[UnapprovedDiscount] = []
    for line in lines:
        percent = rules.cents((line.gross_amount - line.net_amount) * 100 / line.gross_amount)
        if percent <= limit:
            continue
        approvals = list(line.approvals.all())
        approved = max(
            (
                a.approved_percent
                for a in approvals
                if a.status == ApprovalStatus.APPROVED and a.approved_percent is not None
            ),
            default=None,
        )
        if approved is not None and approved >= percent:
            continue
        pending = any(a.status == ApprovalStatus.PENDING for a in approvals)
        found.append(
            UnapprovedDiscount(line=line, percent=percent, approved=approved, pending=pending)
        )
    return found


def approvals_granted() -> QuerySet[DiscountApproval]:
    """Every discount granted above the rep's rung (the exceptions the ladder allowed)."""
    return approvals_visible(user=None).filter(status=ApprovalStatus.APPROVED)
