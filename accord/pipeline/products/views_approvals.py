"""The discount approvals page: the queue a head decides, the ladder, and the exceptions
register (discounts granted above the rep's rung; discounts applied without an approval
reaching their depth).

The page rule is ``discount_approvals`` (heads and administrators); each request shows a
decision form only to someone the ladder lets decide it (``policy.discount_decide_allowed``),
and the service asks the policy again.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accord.accounts import policy
from accord.accounts.http import PageRequest
from accord.core.errors import DomainError, PermissionDenied
from accord.pipeline.models import ApproverLevel, DiscountApproval
from accord.pipeline.products import selectors, services
from accord.pipeline.products.display import money, percent
from accord.pipeline.products.forms import DecisionForm

approvals_required = policy.page_required("discount_approvals")
_LEVELS = dict(ApproverLevel.choices)


@dataclass(frozen=True)
class ApprovalRow:
    approval: DiscountApproval
    deal: str
    owner: str
    line: str
    requested: str
    approved: str
    level: str
    form: DecisionForm | None


@dataclass(frozen=True)
class UnapprovedRow:
    deal: str
    deal_id: int
    owner: str
    line: str
    net: str
    applied: str
    approved: str
    state: str


def _approval_row(
    approval: DiscountApproval, user, form: DecisionForm | None = None
) -> ApprovalRow:
    owner = approval.deal.owner
    may_decide = policy.discount_decide_allowed(
        user, level=approval.required_level, owner_team_id=owner.team_id if owner else None
    )
    line = approval.line_item
    return ApprovalRow(
        approval=approval,
        deal=approval.deal.name,
        owner=str(owner) if owner else _("unassigned"),
        line=f"{line.product.sku} x {line.quantity.normalize():f}" if line else _("whole deal"),
        requested=percent(approval.requested_percent),
        approved=percent(approval.approved_percent),
        level=str(_LEVELS.get(approval.required_level, approval.required_level)),
        form=(form or DecisionForm(initial={"decision": "approve"})) if may_decide else None,
    )


def _unapproved_rows() -> list[UnapprovedRow]:
    rows = []
    for item in selectors.discounts_without_approval()[:200]:
        line = item.line
        rows.append(
            UnapprovedRow(
                deal=line.deal.name,
                deal_id=line.deal_id,
                owner=str(line.deal.owner) if line.deal.owner else _("unassigned"),
                line=f"{line.product.sku} x {line.quantity.normalize():f}",
                net=money(line.net_amount, line.currency),
                applied=percent(item.percent),
                approved=percent(item.approved),
                state=_("pending") if item.pending else _("no approval"),
            )
        )
    return rows


def _page(request: PageRequest, *, bound: dict[int, DecisionForm] | None = None) -> HttpResponse:
    bound = bound or {}
    user = request.user
    queue = [_approval_row(a, user, bound.get(a.pk)) for a in selectors.approvals_pending()[:200]]
    granted = [_approval_row(a, None) for a in selectors.approvals_granted()[:200]]
    bands = [
        {"top": percent(top), "level": _LEVELS.get(level, level)}
        for top, level in services.bands_current()
    ]
    return render(
        request,
        "pipeline/products/approvals.html",
        {"queue": queue, "granted": granted, "unapproved": _unapproved_rows(), "bands": bands},
    )


@approvals_required
def approval_queue(request: PageRequest) -> HttpResponse:
    return _page(request)


@approvals_required
@require_POST
def approval_decide(request: PageRequest, approval_id: int) -> HttpResponse:
    approval = get_object_or_404(DiscountApproval, pk=approval_id)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        return _page(request, bound={approval.pk: form})
    data = form.cleaned_data
    try:
        services.discount_approval_decide(
            approval_id=approval.pk,
            by=request.user,
            approve=data["decision"] == "approve",
            approved_percent=data.get("approved_percent"),
            note=data.get("note") or "",
        )
    except PermissionDenied:
        raise
    except DomainError as error:
        field = error.field if error.field in form.fields else None
        form.add_error(field, error.message)
        return _page(request, bound={approval.pk: form})
    messages.success(request, _("The decision was recorded."))
    return redirect("discounts:approval_queue")
