"""Products, price lists and their history; deal line items; promotions; the discount ladder.

Money columns share ``accord.core.money``'s precision. Line items keep *snapshots* (list price
and unit cost at the time the line was written), so a later price change never rewrites the
margin of a deal already closed. ``ProductPriceChange`` and ``DiscountApproval`` are
append-only records (services only ever add to the first; approvals are decided once).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accord.core.models import TimestampedModel
from accord.core.money import DECIMAL_PLACES, DEFAULT_CURRENCY, MAX_DIGITS

__all__ = [
    "ApprovalStatus",
    "ApproverLevel",
    "DealLineItem",
    "DealPromotion",
    "DealPromotionSource",
    "DiscountApproval",
    "DiscountBand",
    "DiscountKind",
    "ExchangeRate",
    "PriceChangeSource",
    "PriceList",
    "PriceListEntry",
    "Product",
    "ProductPriceChange",
    "Promotion",
    "SizeBand",
]


def _money(label: str | object, **kwargs: object) -> models.DecimalField:
    return models.DecimalField(
        label,  # type: ignore[arg-type]
        max_digits=MAX_DIGITS,
        decimal_places=DECIMAL_PLACES,
        **kwargs,  # type: ignore[arg-type]
    )


class Product(TimestampedModel):
    sku = models.CharField(_("SKU"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True, default="")
    list_price = _money(_("list price"))
    unit_cost = _money(_("unit cost"), default=0)
    currency = models.CharField(_("currency"), max_length=3, default=DEFAULT_CURRENCY)
    is_active = models.BooleanField(_("active"), default=True)
    external_id = models.CharField(max_length=120, null=True, blank=True, unique=True)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(list_price__gte=0), name="product_list_price_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(unit_cost__gte=0), name="product_unit_cost_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sku} · {self.name}"


class PriceChangeSource(models.TextChoices):
    UI = "ui", _("Accord")
    API = "api", _("API")
    IMPORT = "import", _("Import")
    DEMO = "demo", _("Demo")


class ProductPriceChange(models.Model):
    """One dated change of a product's list price and/or unit cost (append-only).

    The first row of a product records its creation (``old_*`` null)."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="price_changes")
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now, db_index=True)
    effective_on = models.DateField(_("effective on"))
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    currency = models.CharField(_("currency"), max_length=3)
    old_list_price = _money(_("old list price"), null=True, blank=True)
    new_list_price = _money(_("new list price"))
    old_unit_cost = _money(_("old unit cost"), null=True, blank=True)
    new_unit_cost = _money(_("new unit cost"))
    source = models.CharField(max_length=10, choices=PriceChangeSource.choices)
    note = models.CharField(_("note"), max_length=300, blank=True, default="")

    class Meta:
        verbose_name = _("product price change")
        verbose_name_plural = _("product price changes")
        ordering = ["-changed_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.product_id}: {self.old_list_price} → {self.new_list_price}"


class PriceList(TimestampedModel):
    name = models.CharField(_("name"), max_length=200, unique=True)
    currency = models.CharField(_("currency"), max_length=3, default=DEFAULT_CURRENCY)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("price list")
        verbose_name_plural = _("price lists")
        ordering = ["name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_to__isnull=True)
                | Q(valid_to__gte=models.F("valid_from")),
                name="price_list_period_ordered",
            )
        ]

    def __str__(self) -> str:
        return self.name


class PriceListEntry(models.Model):
    price_list = models.ForeignKey(PriceList, on_delete=models.CASCADE, related_name="entries")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="price_entries")
    price = _money(_("price"))

    class Meta:
        verbose_name = _("price list entry")
        verbose_name_plural = _("price list entries")
        ordering = ["price_list_id", "product_id"]
        constraints = [
            models.UniqueConstraint(fields=["price_list", "product"], name="price_entry_unique"),
            models.CheckConstraint(condition=Q(price__gte=0), name="price_entry_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.price_list_id}/{self.product_id}: {self.price}"


class ExchangeRate(models.Model):
    """How many units of the company currency (``settings.COMPANY_CURRENCY``) one unit of
    ``currency`` bought on ``date``."""

    currency = models.CharField(_("currency"), max_length=3)
    date = models.DateField(_("date"))
    rate = models.DecimalField(_("rate"), max_digits=18, decimal_places=8)

    class Meta:
        verbose_name = _("exchange rate")
        verbose_name_plural = _("exchange rates")
        ordering = ["currency", "-date"]
        constraints = [
            models.UniqueConstraint(fields=["currency", "date"], name="exchange_rate_unique"),
            models.CheckConstraint(condition=Q(rate__gt=0), name="exchange_rate_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.currency} {self.date}: {self.rate}"


class DiscountKind(models.TextChoices):
    PERCENT = "percent", _("Percent off")
    AMOUNT = "amount", _("Amount off")


class SizeBand(models.TextChoices):
    """A promotion's customer-size scope, by the account's employees."""

    ANY = "", _("Any size")
    SMALL = "small", _("Small (under 50 employees)")
    MID = "mid", _("Mid-size (50-499 employees)")
    LARGE = "large", _("Large (500 employees or more)")


class Promotion(TimestampedModel):
    name = models.CharField(_("name"), max_length=200)
    code = models.CharField(_("code"), max_length=60, unique=True)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    discount_kind = models.CharField(
        _("discount kind"), max_length=10, choices=DiscountKind.choices
    )
    discount_value = _money(_("discount"))
    product = models.ForeignKey(
        Product,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="promotions",
        verbose_name=_("product"),
    )
    segment_size = models.CharField(
        _("customer size"), max_length=10, choices=SizeBand.choices, blank=True, default=""
    )
    segment_industry = models.CharField(_("industry"), max_length=120, blank=True, default="")
    campaign = models.ForeignKey(
        "tracking.Campaign",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="promotions",
        verbose_name=_("campaign"),
    )
    currency = models.CharField(_("currency"), max_length=3, default=DEFAULT_CURRENCY)
    fixed_cost = _money(_("fixed cost"), default=0)
    cost_per_deal = _money(_("cost per deal"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("promotion")
        verbose_name_plural = _("promotions")
        ordering = ["-starts_on", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="promotion_period_ordered",
            ),
            models.CheckConstraint(
                condition=Q(discount_value__gte=0) & Q(fixed_cost__gte=0) & Q(cost_per_deal__gte=0),
                name="promotion_amounts_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class DealPromotionSource(models.TextChoices):
    EXPLICIT = "explicit", _("Linked by hand")
    LINE_ITEM = "line_item", _("A line item used it")
    MIGRATED = "migrated", _("From the deal's promotion code")


class DealPromotion(models.Model):
    """A deal that used a promotion. One row per pair, whichever way it was marked."""

    deal = models.ForeignKey(
        "pipeline.Deal", on_delete=models.CASCADE, related_name="promotion_links"
    )
    promotion = models.ForeignKey(Promotion, on_delete=models.PROTECT, related_name="deal_links")
    source = models.CharField(max_length=12, choices=DealPromotionSource.choices)
    linked_at = models.DateTimeField(default=timezone.now)
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("deal promotion")
        verbose_name_plural = _("deal promotions")
        constraints = [
            models.UniqueConstraint(fields=["deal", "promotion"], name="deal_promotion_unique")
        ]

    def __str__(self) -> str:
        return f"{self.deal_id}/{self.promotion_id}"


class DealLineItem(TimestampedModel):
    """One product on a deal. ``net_amount`` = quantity x list price - discounts;
    ``cost_amount`` = quantity x unit cost (the snapshot). Both are stored, computed by the
    service from the pure rules, so reports sum columns instead of repeating the maths."""

    deal = models.ForeignKey("pipeline.Deal", on_delete=models.CASCADE, related_name="line_items")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="line_items")
    position = models.PositiveIntegerField(default=0)
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    list_price = _money(_("list price"))
    discount_percent = models.DecimalField(
        _("discount %"), max_digits=5, decimal_places=2, default=0
    )
    discount_amount = _money(_("discount amount"), default=0)
    unit_cost = _money(_("unit cost"))
    gross_amount = _money(_("gross"))
    net_amount = _money(_("net"))
    cost_amount = _money(_("cost"))
    price_list = models.ForeignKey(
        PriceList, null=True, blank=True, on_delete=models.PROTECT, related_name="line_items"
    )
    promotion = models.ForeignKey(
        Promotion, null=True, blank=True, on_delete=models.PROTECT, related_name="line_items"
    )

    class Meta:
        verbose_name = _("deal line item")
        verbose_name_plural = _("deal line items")
        ordering = ["deal_id", "position", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="line_quantity_positive"),
            models.CheckConstraint(
                condition=Q(list_price__gte=0)
                & Q(unit_cost__gte=0)
                & Q(discount_amount__gte=0)
                & Q(net_amount__gte=0),
                name="line_amounts_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(discount_percent__gte=0) & Q(discount_percent__lte=100),
                name="line_discount_percent_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.deal_id}: {self.quantity} x {self.product_id}"


class ApproverLevel(models.TextChoices):
    REP = "rep", _("The rep")
    MANAGER = "manager", _("Head of sales")
    ADMIN = "admin", _("Administrator")


class DiscountBand(models.Model):
    """One rung of the approval ladder: discounts up to ``max_percent`` (inclusive, above the
    rung below) need ``approver`` or higher. The top rung should reach 100."""

    max_percent = models.DecimalField(_("up to %"), max_digits=5, decimal_places=2, unique=True)
    approver = models.CharField(_("approved by"), max_length=10, choices=ApproverLevel.choices)

    class Meta:
        verbose_name = _("discount band")
        verbose_name_plural = _("discount bands")
        ordering = ["max_percent"]
        constraints = [
            models.CheckConstraint(
                condition=Q(max_percent__gt=0) & Q(max_percent__lte=100),
                name="discount_band_range",
            )
        ]

    def __str__(self) -> str:
        return f"≤{self.max_percent}%: {self.approver}"


class ApprovalStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    #: The line it was asked for was changed below the rep's band or removed.
    WITHDRAWN = "withdrawn", _("Withdrawn")


class DiscountApproval(models.Model):
    """A discount above the rep's band, asked for and decided (requested vs approved)."""

    deal = models.ForeignKey(
        "pipeline.Deal", on_delete=models.CASCADE, related_name="discount_approvals"
    )
    line_item = models.ForeignKey(
        DealLineItem,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="approvals",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now, db_index=True)
    requested_percent = models.DecimalField(_("requested %"), max_digits=5, decimal_places=2)
    required_level = models.CharField(max_length=10, choices=ApproverLevel.choices)
    reason = models.CharField(_("reason"), max_length=500, blank=True, default="")
    status = models.CharField(
        max_length=10, choices=ApprovalStatus.choices, default=ApprovalStatus.PENDING
    )
    approved_percent = models.DecimalField(
        _("approved %"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(_("note"), max_length=500, blank=True, default="")

    class Meta:
        verbose_name = _("discount approval")
        verbose_name_plural = _("discount approvals")
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(requested_percent__gte=0) & Q(requested_percent__lte=100),
                name="approval_requested_range",
            ),
            models.CheckConstraint(
                condition=Q(approved_percent__isnull=True)
                | (Q(approved_percent__gte=0) & Q(approved_percent__lte=100)),
                name="approval_approved_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.deal_id}: {self.requested_percent}% ({self.status})"
