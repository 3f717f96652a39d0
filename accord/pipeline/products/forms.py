"""Forms of the product, promotion, line item and approval pages. They check shapes (a
number, a date); the services check the rules and name the field, which the views put back
on the form."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accord.core.money import DEFAULT_CURRENCY
from accord.pipeline.models import DiscountKind, Product, Promotion, SizeBand
from accord.tracking.models import Campaign


def _money(label: Any, **extra: Any) -> forms.DecimalField:
    return forms.DecimalField(
        label=label, max_digits=16, decimal_places=2, min_value=Decimal(0), **extra
    )


_DATE = forms.DateInput(attrs={"type": "date"})


class ProductForm(forms.Form):
    sku = forms.CharField(label=_("SKU"), max_length=64)
    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    list_price = _money(_("List price"))
    unit_cost = _money(_("Unit cost"), initial=0)
    currency = forms.CharField(label=_("Currency"), max_length=3, initial=DEFAULT_CURRENCY)
    is_active = forms.BooleanField(
        label=_("Active"),
        required=False,
        initial=True,
        help_text=_("Inactive products stay on old deals but are not offered on new lines."),
    )
    effective_on = forms.DateField(
        label=_("Prices effective on"),
        required=False,
        widget=_DATE,
        help_text=_("When a new list price or cost applies (today when empty)."),
    )
    note = forms.CharField(label=_("Why the price changed"), max_length=300, required=False)


class PromotionForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    code = forms.CharField(
        label=_("Code"),
        max_length=60,
        help_text=_("The code deals carry (letters, digits, '.', '_' or '-')."),
    )
    starts_on = forms.DateField(label=_("Starts on"), widget=_DATE)
    ends_on = forms.DateField(label=_("Ends on"), required=False, widget=_DATE)
    discount_kind = forms.ChoiceField(label=_("Discount rule"), choices=DiscountKind.choices)
    discount_value = _money(_("Discount"), help_text=_("A percentage, or an amount off the line."))
    product = forms.ModelChoiceField(
        label=_("Only for product"),
        queryset=Product.objects.filter(is_active=True),
        required=False,
        empty_label=_("Any product"),
    )
    segment_size = forms.ChoiceField(
        label=_("Only for customers of size"), choices=SizeBand.choices, required=False
    )
    segment_industry = forms.CharField(
        label=_("Only for the industry"), max_length=120, required=False
    )
    campaign = forms.ModelChoiceField(
        label=_("Campaign"),
        queryset=Campaign.objects.order_by("name"),
        required=False,
        empty_label=_("None"),
    )
    currency = forms.CharField(label=_("Currency of costs"), max_length=3, initial="USD")
    fixed_cost = _money(_("Fixed cost"), initial=0)
    cost_per_deal = _money(_("Cost per deal"), initial=0)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        product, campaign = data.pop("product"), data.pop("campaign")
        data["product_id"] = product.pk if product else None
        data["campaign_id"] = campaign.pk if campaign else None
        data["segment_size"] = data.get("segment_size") or ""
        return data


class LineItemForm(forms.Form):
    product = forms.ModelChoiceField(
        label=_("Product"), queryset=Product.objects.filter(is_active=True).order_by("name")
    )
    quantity = forms.DecimalField(label=_("Quantity"), max_digits=12, decimal_places=2, initial=1)
    discount_percent = forms.DecimalField(
        label=_("Discount %"), required=False, max_digits=6, decimal_places=2
    )
    discount_amount = forms.DecimalField(
        label=_("Amount off"), required=False, max_digits=16, decimal_places=2
    )
    promotion = forms.ModelChoiceField(
        label=_("Promotion"),
        queryset=Promotion.objects.filter(is_active=True).order_by("name"),
        required=False,
        empty_label=_("None"),
    )
    reason = forms.CharField(
        label=_("Why this discount"),
        max_length=500,
        required=False,
        help_text=_("Sent with the approval request when the discount needs one."),
    )

    def service_fields(self) -> dict:
        data = self.cleaned_data
        fields: dict = {
            "product_id": data["product"].pk,
            "quantity": data["quantity"],
            "promotion_id": data["promotion"].pk if data.get("promotion") else None,
            "reason": data.get("reason") or "",
        }
        # An empty discount box is "no discount", unless a promotion gives its own rule.
        for name in ("discount_percent", "discount_amount"):
            if data.get(name) is not None or not data.get("promotion"):
                fields[name] = data.get(name) or Decimal(0)
        return fields


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve")), ("reject", _("Reject"))],
    )
    approved_percent = forms.DecimalField(
        label=_("Approved discount %"),
        required=False,
        help_text=_("Less than requested, if you approve part of it."),
        max_digits=5,
        decimal_places=2,
        min_value=Decimal(0),
        max_value=Decimal(100),
    )
    note = forms.CharField(label=_("Note"), max_length=500, required=False)
