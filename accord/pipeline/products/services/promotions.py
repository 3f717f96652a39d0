"""Writes on promotions and on which deals used them.

A deal used a promotion when one of its line items names it or someone linked it by hand;
both are ``DealPromotion`` rows (``source`` says which), so one table answers "which deals
used which promotion". The old flag and code on the deal stay readable and in step:
``is_promotion`` is true while a deal has links, and a new promotion adopts the deals whose
``promotion_code`` already names it.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.db import transaction
from django.utils import timezone

from accord.accounts.models import User
from accord.core.errors import InvalidInput, NotFound
from accord.core.events import PromotionStarted
from accord.core.hooks import emit
from accord.core.money import amount_clean, currency_clean
from accord.pipeline.models import (
    Deal,
    DealLineItem,
    DealPromotion,
    DealPromotionSource,
    DiscountKind,
    Product,
    Promotion,
    SizeBand,
)
from accord.pipeline.products import rules
from accord.pipeline.products.inputs import PromotionChanges
from accord.tracking.models import Campaign

_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,59}$")


def _promotion_apply(promotion: Promotion, fields: PromotionChanges) -> None:
    """Validate ``fields`` onto ``promotion`` (not saved).

    Length: one guarded assignment per field, in the order a form shows them.
    """
    if "name" in fields:
        name = (fields["name"] or "").strip()
        if not name:
            raise InvalidInput("A promotion needs a name.", field="name")
        promotion.name = name[:200]
    if "code" in fields:
        code = (fields["code"] or "").strip()
        if not _CODE.match(code):
            raise InvalidInput(
                "A code is 1-60 letters, digits, '.', '_' or '-' (as on the deals).", field="code"
            )
        taken = Promotion.objects.filter(code__iexact=code)
        if promotion.pk:
            taken = taken.exclude(pk=promotion.pk)
        if taken.exists():
            raise InvalidInput(f"Another promotion has the code {code!r}.", field="code")
        promotion.code = code
    if "starts_on" in fields:
        if fields["starts_on"] is None:
            raise InvalidInput("A promotion needs a start date.", field="starts_on")
        promotion.starts_on = fields["starts_on"]
    if "ends_on" in fields:
        promotion.ends_on = fields["ends_on"]
    if "discount_kind" in fields:
        if fields["discount_kind"] not in DiscountKind.values:
            raise InvalidInput(
                f"Unknown discount kind {fields['discount_kind']!r}.", field="discount_kind"
            )
        promotion.discount_kind = fields["discount_kind"]
    if "discount_value" in fields:
        promotion.discount_value = amount_clean(fields["discount_value"], field="discount_value")
    if "product_id" in fields:
        product_id = fields["product_id"]
        product = Product.objects.filter(pk=product_id).first() if product_id else None
        if product_id and product is None:
            raise InvalidInput(f"Product {product_id} does not exist.", field="product_id")
        promotion.product = product
    if "segment_size" in fields:
        size = fields["segment_size"] or ""
        if size not in SizeBand.values:
            raise InvalidInput(f"Unknown customer size {size!r}.", field="segment_size")
        promotion.segment_size = size
    if "segment_industry" in fields:
        promotion.segment_industry = (fields["segment_industry"] or "").strip()[:120]
    if "campaign_id" in fields:
        campaign_id = fields["campaign_id"]
        campaign = Campaign.objects.filter(pk=campaign_id).first() if campaign_id else None
        if campaign_id and campaign is None:
            raise InvalidInput(f"Campaign {campaign_id} does not exist.", field="campaign_id")
        promotion.campaign = campaign
    if "currency" in fields:
        promotion.currency = currency_clean(fields["currency"])
    for name in ("fixed_cost", "cost_per_deal"):
        if name in fields:
            value = fields[name]  # type: ignore[literal-required]
            setattr(promotion, name, amount_clean(0 if value is None else value, field=name))
    if "is_active" in fields:
        promotion.is_active = bool(fields["is_active"])
    if promotion.ends_on and promotion.starts_on and promotion.ends_on < promotion.starts_on:
        raise InvalidInput("The promotion ends before it starts.", field="ends_on")
    if promotion.discount_kind == DiscountKind.PERCENT and promotion.discount_value > 100:
        raise InvalidInput("A percentage discount is at most 100.", field="discount_value")


@transaction.atomic
def promotion_create(
    *,
    name: str,
    code: str,
    starts_on: dt.date,
    discount_kind: str,
    discount_value: Any,
    by: User | None,
    **fields: Any,
) -> Promotion:
    """Create a promotion (``PromotionStarted`` for the intel feed) and adopt the deals whose
    old ``promotion_code`` names it."""
    promotion = Promotion(discount_value=0, created_by=by)
    _promotion_apply(
        promotion,
        PromotionChanges(
            name=name,
            code=code,
            starts_on=starts_on,
            discount_kind=discount_kind,
            discount_value=discount_value,
            **fields,  # type: ignore[typeddict-item]
        ),
    )
    promotion.save()
    legacy = Deal.objects.filter(promotion_code__iexact=promotion.code).values_list("pk", flat=True)
    DealPromotion.objects.bulk_create(
        [
            DealPromotion(deal_id=pk, promotion=promotion, source=DealPromotionSource.MIGRATED)
            for pk in legacy
        ]
    )
    Deal.objects.filter(pk__in=list(legacy)).update(is_promotion=True)
    emit(PromotionStarted(promotion=promotion))  # the intel feed (accord.wiring)
    return promotion


@transaction.atomic
def promotion_update(*, promotion_id: int, changes: PromotionChanges) -> Promotion:
    promotion = Promotion.objects.select_for_update().filter(pk=promotion_id).first()
    if promotion is None:
        raise NotFound(f"Promotion {promotion_id} does not exist.", field="promotion_id")
    code_changed = "code" in changes and (changes["code"] or "") != promotion.code
    if code_changed and promotion.deal_links.exists():
        raise InvalidInput("Deals already carry this code; the code cannot change.", field="code")
    _promotion_apply(promotion, changes)
    promotion.save()
    return promotion


def promotion_applicable_check(
    promotion: Promotion, *, deal: Deal, product: Product, on: dt.date
) -> None:
    """Refuse (naming ``promotion_id``) a promotion that does not apply to this line."""
    if not promotion.is_active:
        raise InvalidInput(f"The promotion {promotion.code} is not active.", field="promotion_id")
    if on < promotion.starts_on or (promotion.ends_on and on > promotion.ends_on):
        raise InvalidInput(
            f"The promotion {promotion.code} does not run on {on.isoformat()}.",
            field="promotion_id",
        )
    if promotion.product_id and promotion.product_id != product.pk:
        raise InvalidInput(
            f"The promotion {promotion.code} is for another product.", field="promotion_id"
        )
    account = deal.account
    if promotion.segment_size:
        band = rules.size_band(account.employees if account else None)
        if band != promotion.segment_size:
            raise InvalidInput(
                f"The promotion {promotion.code} is for {promotion.get_segment_size_display()} "
                "customers.",
                field="promotion_id",
            )
    if promotion.segment_industry:
        industry = (account.industry if account else "").strip().lower()
        if industry != promotion.segment_industry.strip().lower():
            raise InvalidInput(
                f"The promotion {promotion.code} is for the {promotion.segment_industry} industry.",
                field="promotion_id",
            )


def deal_promotions_sync(deal: Deal) -> None:
    """Links from line items follow the lines; the old flag and code follow the links."""
    used = set(
        DealLineItem.objects.filter(deal=deal, promotion__isnull=False).values_list(
            "promotion_id", flat=True
        )
    )
    links = {link.promotion_id: link for link in DealPromotion.objects.filter(deal=deal)}
    stale = [
        link.pk
        for pid, link in links.items()
        if link.source == DealPromotionSource.LINE_ITEM and pid not in used
    ]
    DealPromotion.objects.filter(pk__in=stale).delete()
    DealPromotion.objects.bulk_create(
        [
            DealPromotion(deal=deal, promotion_id=pid, source=DealPromotionSource.LINE_ITEM)
            for pid in sorted(used - set(links))
        ]
    )
    _legacy_flag_sync(deal)


def _legacy_flag_sync(deal: Deal) -> None:
    first = (
        DealPromotion.objects.filter(deal=deal)
        .select_related("promotion")
        .order_by("linked_at", "pk")
        .first()
    )
    fields: list[str] = []
    if first is not None:
        if not deal.is_promotion:
            deal.is_promotion, fields = True, [*fields, "is_promotion"]
        if not deal.promotion_code:
            deal.promotion_code, fields = first.promotion.code, [*fields, "promotion_code"]
    elif deal.is_promotion:
        # A code no promotion carries is an old free-text mark: kept as it was.
        known = Promotion.objects.filter(code__iexact=deal.promotion_code).exists()
        if not deal.promotion_code or known:
            deal.is_promotion, fields = False, ["is_promotion"]
            if known:
                deal.promotion_code, fields = "", [*fields, "promotion_code"]
    if fields:
        deal.save(update_fields=[*fields, "updated_at"])


@transaction.atomic
def deal_promotion_link(*, deal_id: int, promotion_id: int, by: User | None) -> DealPromotion:
    deal = Deal.objects.select_for_update().filter(pk=deal_id).first()
    if deal is None:
        raise NotFound(f"Deal {deal_id} does not exist.", field="deal_id")
    promotion = Promotion.objects.filter(pk=promotion_id).first()
    if promotion is None:
        raise InvalidInput(f"Promotion {promotion_id} does not exist.", field="promotion_id")
    link, created = DealPromotion.objects.get_or_create(
        deal=deal,
        promotion=promotion,
        defaults={"source": DealPromotionSource.EXPLICIT, "linked_by": by},
    )
    if not created and link.source != DealPromotionSource.EXPLICIT:
        link.source, link.linked_by, link.linked_at = (
            DealPromotionSource.EXPLICIT,
            by,
            timezone.now(),
        )
        link.save()
    _legacy_flag_sync(deal)
    return link


@transaction.atomic
def deal_promotion_unlink(*, deal_id: int, promotion_id: int) -> None:
    deal = Deal.objects.select_for_update().filter(pk=deal_id).first()
    if deal is None:
        raise NotFound(f"Deal {deal_id} does not exist.", field="deal_id")
    if DealLineItem.objects.filter(deal=deal, promotion_id=promotion_id).exists():
        raise InvalidInput(
            "A line item of this deal uses the promotion; change that line instead.",
            field="promotion_id",
        )
    removed, _ = DealPromotion.objects.filter(deal=deal, promotion_id=promotion_id).delete()
    if not removed:
        raise NotFound("This deal is not linked to that promotion.", field="promotion_id")
    _legacy_flag_sync(deal)
