"""REST endpoints on deals' line items and promotions, promotions themselves, and discount
approvals.

Line items and a deal's promotion links follow the deal's rules (``deals``: a rep reaches
only their own and unassigned deals, others answer 404). Promotions are the ``promotions``
resource (heads write). An approval is decided by a person whose rung of the ladder covers
it, within the teams they manage (``policy.discount_decide_require``, asked by the service).
"""

from __future__ import annotations

from typing import cast

from django.http import HttpRequest
from ninja import Query, Router, Status

from accord.accounts import policy
from accord.api.auth import Principal, access_require
from accord.api.errors import COMMON_ERRORS, POST_ERRORS
from accord.api.lookups import IdPath, row_named, row_or_404
from accord.api.paging import page_of
from accord.core.errors import PermissionDenied
from accord.pipeline.models import ChangeSource, Deal, DealLineItem, Promotion
from accord.pipeline.products import selectors, services
from accord.pipeline.products.inputs import LineChanges, PromotionChanges
from accord.pipeline.products.schemas import (
    APPROVAL_ORDERINGS,
    LINE_ORDERINGS,
    PROMOTION_ORDERINGS,
)
from accord.pipeline.products.schemas_deals import (
    ApprovalDecisionIn,
    ApprovalFilters,
    ApprovalIn,
    ApprovalOut,
    ApprovalPage,
    BandOut,
    BandsIn,
    BandsOut,
    DealFiguresOut,
    DealPromotionIn,
    DealPromotionOut,
    LineItemFilters,
    LineItemIn,
    LineItemOut,
    LineItemPage,
    LineItemPatch,
    PromotionFilters,
    PromotionIn,
    PromotionOut,
    PromotionPage,
    PromotionPatch,
)
from accord.pipeline.selectors import deals_visible

deal_lines_router = Router(tags=["deals"])
promotions_router = Router(tags=["promotions"])
approvals_router = Router(tags=["deals"])
bands_router = Router(tags=["deals"])


def _deal_get(principal: Principal, deal_id: int) -> Deal:
    visible = deals_visible(user=principal.restricted_to("deals"))
    return row_or_404(visible, deal_id, label="Deal", field="deal_id")


def _line_get(deal: Deal, line_item_id: int) -> DealLineItem:
    return row_or_404(
        selectors.line_items_of(deal.pk), line_item_id, label="Line item", field="line_item_id"
    )


@deal_lines_router.get("/{deal_id}/line-items", response={200: LineItemPage, **COMMON_ERRORS})
def line_item_list(request: HttpRequest, filters: Query[LineItemFilters], deal_id: int = IdPath):
    principal = access_require(request, "deals", "read")
    deal = _deal_get(principal, deal_id)
    return page_of(selectors.line_items_of(deal.pk), filters, allowed=LINE_ORDERINGS)


@deal_lines_router.post("/{deal_id}/line-items", response={201: LineItemOut, **POST_ERRORS})
def line_item_create(request: HttpRequest, payload: LineItemIn, deal_id: int = IdPath):
    """Add a product; the deal's amount becomes the sum of its net lines. A discount deeper
    than the rep's rung records an approval request (or the writer's own approval)."""
    principal = access_require(request, "deals", "write")
    _deal_get(principal, deal_id)
    fields = payload.dict(exclude_unset=True)
    product_id, quantity = fields.pop("product_id"), fields.pop("quantity")
    line = services.line_item_add(
        deal_id=deal_id,
        product_id=product_id,
        quantity=quantity,
        by=principal.actor,
        source=ChangeSource.API,
        **fields,
    )
    return Status(201, selectors.line_items_of(deal_id).get(pk=line.pk))


@deal_lines_router.get(
    "/{deal_id}/line-items/{line_item_id}", response={200: LineItemOut, **COMMON_ERRORS}
)
def line_item_get(request: HttpRequest, deal_id: int = IdPath, line_item_id: int = IdPath):
    principal = access_require(request, "deals", "read")
    return _line_get(_deal_get(principal, deal_id), line_item_id)


@deal_lines_router.patch(
    "/{deal_id}/line-items/{line_item_id}", response={200: LineItemOut, **COMMON_ERRORS}
)
def line_item_patch(
    request: HttpRequest, payload: LineItemPatch, deal_id: int = IdPath, line_item_id: int = IdPath
):
    principal = access_require(request, "deals", "write")
    _line_get(_deal_get(principal, deal_id), line_item_id)
    services.line_item_update(
        deal_id=deal_id,
        line_item_id=line_item_id,
        changes=cast(LineChanges, payload.dict(exclude_unset=True)),
        by=principal.actor,
        source=ChangeSource.API,
    )
    return selectors.line_items_of(deal_id).get(pk=line_item_id)


@deal_lines_router.delete(
    "/{deal_id}/line-items/{line_item_id}", response={204: None, **COMMON_ERRORS}
)
def line_item_delete(request: HttpRequest, deal_id: int = IdPath, line_item_id: int = IdPath):
    principal = access_require(request, "deals", "write")
    _line_get(_deal_get(principal, deal_id), line_item_id)
    services.line_item_remove(
        deal_id=deal_id, line_item_id=line_item_id, by=principal.actor, source=ChangeSource.API
    )
    return Status(204, None)


@deal_lines_router.get("/{deal_id}/figures", response={200: DealFiguresOut, **COMMON_ERRORS})
def deal_figures(request: HttpRequest, deal_id: int = IdPath):
    """The deal's gross, discounts, net, cost and margin from its line items."""
    principal = access_require(request, "deals", "read")
    deal = _deal_get(principal, deal_id)
    figures = selectors.deal_figures(deal.pk)
    return {
        "deal_id": deal.pk,
        "currency": deal.currency,
        "lines": figures.lines,
        "gross": str(figures.gross),
        "discount": str(figures.discount),
        "net": str(figures.net),
        "cost": str(figures.cost),
        "margin": str(figures.margin),
        "margin_percent": None if figures.margin_percent is None else str(figures.margin_percent),
        "discount_percent": str(figures.discount_percent),
    }


@deal_lines_router.get(
    "/{deal_id}/promotions", response={200: list[DealPromotionOut], **COMMON_ERRORS}
)
def deal_promotion_list(request: HttpRequest, deal_id: int = IdPath):
    principal = access_require(request, "deals", "read")
    return list(selectors.deal_promotion_links(_deal_get(principal, deal_id).pk))


@deal_lines_router.post("/{deal_id}/promotions", response={200: DealPromotionOut, **POST_ERRORS})
def deal_promotion_link(request: HttpRequest, payload: DealPromotionIn, deal_id: int = IdPath):
    """Mark the deal as having used a promotion (an explicit link)."""
    principal = access_require(request, "deals", "write")
    _deal_get(principal, deal_id)
    row_named(Promotion, payload.promotion_id, label="Promotion", field="promotion_id")
    return services.deal_promotion_link(
        deal_id=deal_id, promotion_id=payload.promotion_id, by=principal.actor
    )


@deal_lines_router.delete(
    "/{deal_id}/promotions/{promotion_id}", response={204: None, **COMMON_ERRORS}
)
def deal_promotion_unlink(request: HttpRequest, deal_id: int = IdPath, promotion_id: int = IdPath):
    principal = access_require(request, "deals", "write")
    _deal_get(principal, deal_id)
    services.deal_promotion_unlink(deal_id=deal_id, promotion_id=promotion_id)
    return Status(204, None)


# --- promotions ----------------------------------------------------------------------------


@promotions_router.get("", response={200: PromotionPage, **COMMON_ERRORS})
def promotion_list(request: HttpRequest, filters: Query[PromotionFilters]):
    access_require(request, "promotions", "read")
    promotions = selectors.promotion_list(active=filters.active, on=filters.on)
    return page_of(promotions, filters, allowed=PROMOTION_ORDERINGS)


@promotions_router.post("", response={201: PromotionOut, **POST_ERRORS})
def promotion_create(request: HttpRequest, payload: PromotionIn):
    principal = access_require(request, "promotions", "write")
    return Status(201, services.promotion_create(by=principal.actor, **payload.dict()))


@promotions_router.get("/{promotion_id}", response={200: PromotionOut, **COMMON_ERRORS})
def promotion_get(request: HttpRequest, promotion_id: int = IdPath):
    access_require(request, "promotions", "read")
    return row_or_404(Promotion, promotion_id, label="Promotion", field="promotion_id")


@promotions_router.patch("/{promotion_id}", response={200: PromotionOut, **COMMON_ERRORS})
def promotion_patch(request: HttpRequest, payload: PromotionPatch, promotion_id: int = IdPath):
    access_require(request, "promotions", "write")
    row_or_404(Promotion, promotion_id, label="Promotion", field="promotion_id")
    changes = cast(PromotionChanges, payload.dict(exclude_unset=True))
    return services.promotion_update(promotion_id=promotion_id, changes=changes)


# --- discount approvals --------------------------------------------------------------------


def _approvals_seen(principal: Principal):
    return selectors.approvals_visible(user=principal.restricted_to("deals"))


@approvals_router.get("", response={200: ApprovalPage, **COMMON_ERRORS})
def approval_list(request: HttpRequest, filters: Query[ApprovalFilters]):
    principal = access_require(request, "deals", "read")
    approvals = _approvals_seen(principal)
    if filters.status:
        approvals = approvals.filter(status=filters.status)
    if filters.deal_id is not None:
        approvals = approvals.filter(deal_id=filters.deal_id)
    return page_of(approvals, filters, allowed=APPROVAL_ORDERINGS)


@approvals_router.post("", response={201: ApprovalOut, **POST_ERRORS})
def approval_request(request: HttpRequest, payload: ApprovalIn):
    """Ask for a discount deeper than the rep's rung (before applying it)."""
    principal = access_require(request, "deals", "write")
    visible = deals_visible(user=principal.restricted_to("deals"))
    row_named(visible, payload.deal_id, label="Deal", field="deal_id")
    approval = services.discount_approval_request(by=principal.actor, **payload.dict())
    return Status(201, approval)


@approvals_router.get("/{approval_id}", response={200: ApprovalOut, **COMMON_ERRORS})
def approval_get(request: HttpRequest, approval_id: int = IdPath):
    principal = access_require(request, "deals", "read")
    return row_or_404(
        _approvals_seen(principal), approval_id, label="Approval", field="approval_id"
    )


@approvals_router.post("/{approval_id}/decide", response={200: ApprovalOut, **POST_ERRORS})
def approval_decide(request: HttpRequest, payload: ApprovalDecisionIn, approval_id: int = IdPath):
    """Approve (all or part) or reject: a head of sales within their rungs and teams, or an
    administrator; a person, never a key acting for nobody."""
    principal = access_require(request, "deals", "write")
    row_or_404(_approvals_seen(principal), approval_id, label="Approval", field="approval_id")
    person = policy.person_require(principal)
    return services.discount_approval_decide(
        approval_id=approval_id,
        by=person,
        approve=payload.approve,
        approved_percent=payload.approved_percent,
        note=payload.note,
    )


@bands_router.get("", response={200: BandsOut, **COMMON_ERRORS})
def band_list(request: HttpRequest):
    """The approval ladder: discounts up to each band's depth need its approver or higher."""
    access_require(request, "deals", "read")
    return {
        "bands": [
            BandOut(max_percent=str(top), approver=level) for top, level in services.bands_current()
        ]
    }


@bands_router.put("", response={200: BandsOut, **COMMON_ERRORS})
def band_replace(request: HttpRequest, payload: BandsIn):
    """Replace the ladder (administrators)."""
    principal = access_require(request, "deals", "write")
    if not policy.is_admin(principal.actor):
        raise PermissionDenied("Only an administrator changes the approval ladder.")
    services.discount_bands_set(bands=[(b.max_percent, b.approver) for b in payload.bands])
    return band_list(request)
