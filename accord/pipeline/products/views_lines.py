"""A deal's line items: the panel the deal page includes, and the htmx views it posts to.

The deal page (another module) calls ``line_items_panel(user=..., deal=...)`` and includes
``pipeline/products/_line_items.html`` with it as ``panel``. Each action here: the deal as
the user may see it (else 404), the right to write deals (else 403), one service call, then
the panel again (htmx swaps it in place) with the outcome or the error on its field; a plain
form post redirects to the panel's own page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accord.accounts import policy
from accord.accounts.http import PageRequest
from accord.accounts.models import User
from accord.core.errors import DomainError, PermissionDenied
from accord.pipeline.models import ApprovalStatus, Deal, DealLineItem, DiscountApproval
from accord.pipeline.products import rules, selectors, services
from accord.pipeline.products.display import money, percent
from accord.pipeline.products.forms import LineItemForm
from accord.pipeline.products.inputs import LineChanges
from accord.pipeline.selectors import deals_visible

PANEL_TEMPLATE = "pipeline/products/_line_items.html"
_FIELDS = {"product_id": "product", "promotion_id": "promotion", "price_list_id": None}


@dataclass(frozen=True)
class LineRow:
    line: DealLineItem
    product: str
    quantity: str
    list_price: str
    discount: str
    net: str
    cost: str
    margin: str
    promotion: str
    approval: str  # "", "approved", "pending", "rejected", "partial"
    edit_form: LineItemForm | None = None


@dataclass
class LineItemsPanel:
    """What the line items panel shows for one person on one deal."""

    deal: Deal
    rows: list[LineRow]
    can_edit: bool
    totals: dict[str, str] = field(default_factory=dict)
    form: LineItemForm | None = None
    done: str = ""
    error: str = ""

    @property
    def dom_id(self) -> str:
        return f"deal-line-items-{self.deal.pk}"


def _approval_state(line: DealLineItem, approvals: list[DiscountApproval], pct: Decimal) -> str:
    mine = [a for a in approvals if a.line_item_id == line.pk]
    granted = [a.approved_percent for a in mine if a.status == ApprovalStatus.APPROVED]
    if any(g is not None and g >= pct for g in granted):
        return "approved"
    if any(a.status == ApprovalStatus.PENDING for a in mine):
        return "pending"
    if granted:
        return "partial"
    if any(a.status == ApprovalStatus.REJECTED for a in mine):
        return "rejected"
    return ""


def _edit_form(line: DealLineItem) -> LineItemForm:
    return LineItemForm(
        prefix=f"line-{line.pk}",
        initial={
            "product": line.product_id,
            "quantity": line.quantity,
            "discount_percent": line.discount_percent,
            "discount_amount": line.discount_amount,
            "promotion": line.promotion_id,
        },
    )


def _row(line: DealLineItem, approvals: list[DiscountApproval]) -> LineRow:
    figures = rules.line_figures(
        quantity=line.quantity,
        list_price=line.list_price,
        unit_cost=line.unit_cost,
        discount_percent=line.discount_percent,
        discount_amount=line.discount_amount,
    )
    currency = line.currency
    return LineRow(
        line=line,
        product=f"{line.product.name} ({line.product.sku})",
        quantity=f"{line.quantity.normalize():f}",
        list_price=money(line.list_price, currency),
        discount=(
            f"{percent(figures.discount_percent)} · {money(figures.discount, currency)}"
            if figures.discount
            else "—"
        ),
        net=money(figures.net, currency),
        cost=money(figures.cost, currency),
        margin=money(figures.margin, currency),
        promotion=line.promotion.code if line.promotion else "",
        approval=_approval_state(line, approvals, figures.discount_percent),
    )


def line_items_panel(
    *,
    user: User,
    deal: Deal,
    form: LineItemForm | None = None,
    form_line_id: int | None = None,
    done: str = "",
    error: str = "",
) -> LineItemsPanel:
    """The panel for ``user`` on ``deal`` (the caller has checked that they may see it);
    ``form`` keeps a submitted form with its errors: the add form, or line
    ``form_line_id``'s edit form."""
    lines = list(selectors.line_items_of(deal.pk))
    approvals = list(DiscountApproval.objects.filter(deal=deal).order_by("pk"))
    figures = selectors.deal_figures(deal.pk)
    can_edit = policy.resource_allowed(policy.principal_for(user), "deals", "write")
    currency = deal.currency
    totals = {
        "gross": money(figures.gross, currency),
        "discount": money(figures.discount, currency),
        "discount_percent": percent(figures.discount_percent),
        "net": money(figures.net, currency),
        "cost": money(figures.cost, currency),
        "margin": money(figures.margin, currency),
        "margin_percent": percent(figures.margin_percent),
    }
    rows = [_row(line, approvals) for line in lines]
    if can_edit:
        for row in rows:
            bound = form if form_line_id == row.line.pk else None
            object.__setattr__(row, "edit_form", bound or _edit_form(row.line))
    return LineItemsPanel(
        deal=deal,
        rows=rows,
        can_edit=can_edit,
        totals=totals,
        form=((form if form_line_id is None else None) or LineItemForm()) if can_edit else None,
        done=done,
        error=error,
    )


def _deal_visible(user: User, deal_id: int) -> Deal:
    deal = deals_visible(user=policy.rep_scope(user, "deals")).filter(pk=deal_id).first()
    if deal is None:
        raise Http404
    return deal


def _write_require(user: User) -> None:
    if not policy.resource_allowed(policy.principal_for(user), "deals", "write"):
        raise PermissionDenied(_("Your role may not change deals."))


@login_required
def deal_lines(request: PageRequest, deal_id: int) -> HttpResponse:
    """The panel (htmx) or a page holding it (a plain visit, or after a plain form post)."""
    deal = _deal_visible(request.user, deal_id)
    panel = line_items_panel(user=request.user, deal=deal)
    template = PANEL_TEMPLATE if request.htmx else "pipeline/products/deal_lines.html"
    return render(request, template, {"panel": panel})


def _action(
    request: PageRequest,
    deal_id: int,
    *,
    form: LineItemForm | None,
    run: Callable[[dict[str, Any]], object],
    done: str,
    form_line_id: int | None = None,
) -> HttpResponse:
    deal = _deal_visible(request.user, deal_id)
    _write_require(request.user)
    error = ""
    succeeded = False
    if form is None or form.is_valid():
        try:
            run(form.service_fields() if form is not None else {})
            succeeded = True
        except PermissionDenied:
            raise
        except DomainError as failure:
            target = _FIELDS.get(failure.field or "", failure.field)
            if form is not None and target in form.fields:
                form.add_error(target, failure.message)
            else:
                error = failure.message
    elif form is not None:
        error = _("Nothing was saved. Please fix the fields marked below.")
    if not request.htmx:
        if succeeded:
            messages.success(request, done)
        else:
            for message in [
                error,
                *[str(m) for ms in (form.errors if form else {}).values() for m in ms],
            ]:
                if message:
                    messages.error(request, message)
        return redirect("deal_lines:lines", deal_id=deal_id)
    deal.refresh_from_db()
    panel = line_items_panel(
        user=request.user,
        deal=deal,
        form=None if succeeded else form,
        form_line_id=form_line_id,
        done=done if succeeded else "",
        error=error,
    )
    return render(request, PANEL_TEMPLATE, {"panel": panel})


@login_required
@require_POST
def line_add(request: PageRequest, deal_id: int) -> HttpResponse:
    return _action(
        request,
        deal_id,
        form=LineItemForm(request.POST),
        run=lambda data: services.line_item_add(deal_id=deal_id, by=request.user, **data),
        done=_("The line was added."),
    )


@login_required
@require_POST
def line_edit(request: PageRequest, deal_id: int, line_item_id: int) -> HttpResponse:
    _deal_visible(request.user, deal_id)
    line = DealLineItem.objects.filter(pk=line_item_id, deal_id=deal_id).first()
    if line is None:
        raise Http404
    return _action(
        request,
        deal_id,
        form=LineItemForm(request.POST, prefix=f"line-{line.pk}"),
        run=lambda data: services.line_item_update(
            deal_id=deal_id, line_item_id=line.pk, changes=_changes(line, data), by=request.user
        ),
        done=_("The line was saved."),
        form_line_id=line.pk,
    )


def _changes(line: DealLineItem, data: dict[str, Any]) -> LineChanges:
    """Only what changed: the same product keeps its price and cost snapshots."""
    changes = dict(data)
    if changes.get("product_id") == line.product_id:
        changes.pop("product_id")
    if changes.get("promotion_id") == line.promotion_id:
        changes.pop("promotion_id")
    return cast(LineChanges, changes)


@login_required
@require_POST
def line_remove(request: PageRequest, deal_id: int, line_item_id: int) -> HttpResponse:
    _deal_visible(request.user, deal_id)
    if not DealLineItem.objects.filter(pk=line_item_id, deal_id=deal_id).exists():
        raise Http404
    return _action(
        request,
        deal_id,
        form=None,
        run=lambda _data: services.line_item_remove(
            deal_id=deal_id, line_item_id=line_item_id, by=request.user
        ),
        done=_("The line was removed."),
    )
