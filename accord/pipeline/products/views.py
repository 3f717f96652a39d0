"""The catalogue and promotion pages (Settings → Products, Promotions): lists, a form to
create or edit one, a product's price history, deleting a product nobody used.

Each view: the page rule (``products`` / ``promotions``: heads and administrators), fetch,
one service call, render; a refusal from the service lands on the field it names.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accord.accounts import policy
from accord.accounts.http import PageRequest
from accord.core.errors import DomainError
from accord.pipeline.models import PriceChangeSource, Product, Promotion
from accord.pipeline.products import selectors, services
from accord.pipeline.products.display import money
from accord.pipeline.products.forms import ProductForm, PromotionForm
from accord.pipeline.products.inputs import ProductChanges, PromotionChanges

products_required = policy.page_required("products")
promotions_required = policy.page_required("promotions")

_FIELD_ALIASES = {"product_id": "product", "campaign_id": "campaign"}


def _form_error(form: forms.Form, error: DomainError) -> None:
    field = _FIELD_ALIASES.get(error.field or "", error.field)
    form.add_error(field if field in form.fields else None, error.message)


@dataclass(frozen=True)
class ProductRow:
    product: Product
    list_price: str
    unit_cost: str
    margin: str


@dataclass(frozen=True)
class PriceRow:
    when: object
    effective_on: object
    by: str
    list_price: str
    unit_cost: str
    old_list_price: str
    old_unit_cost: str
    source: str
    note: str


@products_required
def product_list(request: PageRequest) -> HttpResponse:
    search = (request.GET.get("q") or "").strip()[:100]
    show = request.GET.get("show", "active")
    active = {"active": True, "inactive": False}.get(show)
    rows = [
        ProductRow(
            product=p,
            list_price=money(p.list_price, p.currency),
            unit_cost=money(p.unit_cost, p.currency),
            margin=money(p.list_price - p.unit_cost, p.currency),
        )
        for p in selectors.product_list(active=active, search=search)[:500]
    ]
    return render(
        request,
        "pipeline/products/product_list.html",
        {"rows": rows, "search": search, "show": show},
    )


@products_required
def product_create(request: PageRequest) -> HttpResponse:
    form = ProductForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data.pop("note", None)
        try:
            product = services.product_create(by=request.user, source=PriceChangeSource.UI, **data)
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("The product was created."))
            return redirect("products:product_edit", product_id=product.pk)
    return render(request, "pipeline/products/product_form.html", {"form": form})


def _changed(old: Decimal | None, new: Decimal) -> Decimal | None:
    return None if old is None or old == new else old


def _history(product: Product) -> list[PriceRow]:
    rows = []
    for change in selectors.price_changes(product_id=product.pk)[:200]:
        rows.append(
            PriceRow(
                when=change.changed_at,
                effective_on=change.effective_on,
                by=str(change.changed_by) if change.changed_by else "—",
                list_price=money(change.new_list_price, change.currency),
                unit_cost=money(change.new_unit_cost, change.currency),
                # Only what changed shows its old value ("—" hides the arrow).
                old_list_price=money(
                    _changed(change.old_list_price, change.new_list_price), change.currency
                ),
                old_unit_cost=money(
                    _changed(change.old_unit_cost, change.new_unit_cost), change.currency
                ),
                source=change.get_source_display(),
                note=change.note,
            )
        )
    return rows


@products_required
def product_edit(request: PageRequest, product_id: int) -> HttpResponse:
    product = get_object_or_404(Product, pk=product_id)
    initial = {
        name: getattr(product, name)
        for name in ("sku", "name", "description", "list_price", "unit_cost", "currency")
    }
    initial["is_active"] = product.is_active
    form = ProductForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        effective_on, note = data.pop("effective_on"), data.pop("note") or ""
        try:
            services.product_update(
                product_id=product.pk,
                changes=ProductChanges(**data),  # type: ignore[typeddict-item]
                by=request.user,
                source=PriceChangeSource.UI,
                effective_on=effective_on,
                note=note,
            )
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("The product was saved."))
            return redirect("products:product_edit", product_id=product.pk)
    used = product.line_items.values("deal_id").distinct().count()
    return render(
        request,
        "pipeline/products/product_form.html",
        {"form": form, "product": product, "history": _history(product), "used_on": used},
    )


@products_required
@require_POST
def product_delete(request: PageRequest, product_id: int) -> HttpResponse:
    product = get_object_or_404(Product, pk=product_id)
    try:
        services.product_delete(product_id=product.pk)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("products:product_edit", product_id=product.pk)
    messages.success(request, _("The product was deleted."))
    return redirect("products:product_list")


# --- promotions ----------------------------------------------------------------------------


@dataclass(frozen=True)
class PromotionRow:
    promotion: Promotion
    rule: str
    scope: str
    costs: str
    deals: int


def _rule(promotion: Promotion) -> str:
    if promotion.discount_kind == "percent":
        return _("%(value)s%% off") % {"value": promotion.discount_value.normalize()}
    return _("%(amount)s off") % {"amount": money(promotion.discount_value, promotion.currency)}


def _scope(promotion: Promotion) -> str:
    parts = []
    if promotion.product_id:
        parts.append(str(promotion.product))
    if promotion.segment_size:
        parts.append(str(promotion.get_segment_size_display()))
    if promotion.segment_industry:
        parts.append(promotion.segment_industry)
    return ", ".join(parts) or _("every deal")


@promotions_required
def promotion_list(request: PageRequest) -> HttpResponse:
    rows = [
        PromotionRow(
            promotion=p,
            rule=_rule(p),
            scope=_scope(p),
            costs=_("%(fixed)s + %(per_deal)s per deal")
            % {
                "fixed": money(p.fixed_cost, p.currency),
                "per_deal": money(p.cost_per_deal, p.currency),
            },
            deals=p.deal_links.count(),
        )
        for p in selectors.promotion_list()[:500]
    ]
    return render(request, "pipeline/products/promotion_list.html", {"rows": rows})


@promotions_required
def promotion_create(request: PageRequest) -> HttpResponse:
    form = PromotionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.promotion_create(by=request.user, **form.service_fields())
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("The promotion was created."))
            return redirect("promotions:promotion_list")
    return render(request, "pipeline/products/promotion_form.html", {"form": form})


@promotions_required
def promotion_edit(request: PageRequest, promotion_id: int) -> HttpResponse:
    promotion = get_object_or_404(Promotion, pk=promotion_id)
    initial = {
        name: getattr(promotion, name)
        for name in (
            "name", "code", "starts_on", "ends_on", "discount_kind", "discount_value",
            "product", "segment_size", "segment_industry", "campaign", "currency",
            "fixed_cost", "cost_per_deal", "is_active",
        )
    }  # fmt: skip
    form = PromotionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.promotion_update(
                promotion_id=promotion.pk,
                changes=PromotionChanges(**form.service_fields()),  # type: ignore[typeddict-item]
            )
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("The promotion was saved."))
            return redirect("promotions:promotion_list")
    return render(
        request,
        "pipeline/products/promotion_form.html",
        {"form": form, "promotion": promotion, "deals": promotion.deal_links.count()},
    )
