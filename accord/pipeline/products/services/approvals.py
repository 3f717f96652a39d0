"""The discount approval ladder: bands, requests and decisions.

A line whose discount is deeper than the rep's rung needs an approval. When the person who
writes the line may grant it (a head of sales within their rungs, an administrator), the
approval is recorded as granted by them at once; otherwise a pending request goes to the
queue. A decision records the approved depth beside the requested one; approving less than
was asked leaves the line above its approval, which the exceptions register shows.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from accord.accounts import policy
from accord.accounts.models import User
from accord.core.errors import InvalidInput, NotFound
from accord.pipeline.models import (
    ApprovalStatus,
    Deal,
    DealLineItem,
    DiscountApproval,
    DiscountBand,
)
from accord.pipeline.products import rules

DEFAULT_BANDS: tuple[tuple[Decimal, str], ...] = (
    (Decimal(10), "rep"),
    (Decimal(20), "manager"),
    (Decimal(100), "admin"),
)


def bands_current() -> list[tuple[Decimal, str]]:
    """The ladder as (max %, level), lowest rung first; the default one when none is set."""
    rows = list(DiscountBand.objects.order_by("max_percent").values_list("max_percent", "approver"))
    return rows or list(DEFAULT_BANDS)


@transaction.atomic
def discount_bands_set(*, bands: list[tuple[Any, str]]) -> list[DiscountBand]:
    """Replace the ladder (administrators; the caller checks)."""
    cleaned: list[tuple[Decimal, str]] = []
    for top, level in bands:
        try:
            value = Decimal(str(top)).quantize(Decimal("0.01"))
        except ArithmeticError:
            raise InvalidInput(f"{top!r} is not a percentage.", field="bands") from None
        cleaned.append((value, level))
    rules.bands_check(cleaned)
    DiscountBand.objects.all().delete()
    return [
        DiscountBand.objects.create(max_percent=top, approver=level)
        for top, level in sorted(cleaned)
    ]


def _percent_clean(value: Any, *, field: str) -> Decimal:
    try:
        percent = Decimal(str(value))
    except ArithmeticError:
        raise InvalidInput(f"{value!r} is not a percentage.", field=field) from None
    if not percent.is_finite() or not Decimal(0) <= percent <= rules.HUNDRED:
        raise InvalidInput(f"A discount is between 0 and 100% (got {value}).", field=field)
    return percent.quantize(Decimal("0.01"))


def line_approval_sync(
    *, line: DealLineItem, by: User | None, percent: Decimal, reason: str
) -> None:
    """After ``line`` was written with an effective discount of ``percent``: record the
    approval it needs (granted by ``by`` when within their rung, else pending), or withdraw
    a pending request the line no longer needs."""
    bands = bands_current()
    pending = DiscountApproval.objects.filter(line_item=line, status=ApprovalStatus.PENDING)
    if percent <= rules.level_limit("rep", bands):
        pending.update(status=ApprovalStatus.WITHDRAWN, decided_at=timezone.now())
        return
    granted = DiscountApproval.objects.filter(
        line_item=line, status=ApprovalStatus.APPROVED, approved_percent__gte=percent
    )
    if granted.exists():
        return
    needed = rules.required_level(percent, bands)
    mine = policy.discount_level_of(by) if by is not None else "rep"
    now = timezone.now()
    if mine is not None and rules.level_rank(mine) >= rules.level_rank(needed) and by is not None:
        pending.update(status=ApprovalStatus.WITHDRAWN, decided_at=now)
        DiscountApproval.objects.create(
            deal_id=line.deal_id,
            line_item=line,
            requested_by=by,
            requested_percent=percent,
            required_level=needed,
            reason=reason[:500],
            status=ApprovalStatus.APPROVED,
            approved_percent=percent,
            approver=by,
            decided_at=now,
            decision_note="within the approver's own rung",
        )
        return
    current = pending.first()
    if current is not None:
        current.requested_percent = percent
        current.required_level = needed
        current.requested_by = by
        current.requested_at = now
        if reason:
            current.reason = reason[:500]
        current.save()
        return
    DiscountApproval.objects.create(
        deal_id=line.deal_id,
        line_item=line,
        requested_by=by,
        requested_percent=percent,
        required_level=needed,
        reason=reason[:500],
    )


@transaction.atomic
def discount_approval_request(
    *,
    deal_id: int,
    by: User | None,
    requested_percent: Any,
    reason: str = "",
    line_item_id: int | None = None,
) -> DiscountApproval:
    """Ask for a discount before applying it (a deal-wide or one line's request)."""
    deal = Deal.objects.filter(pk=deal_id).first()
    if deal is None:
        raise NotFound(f"Deal {deal_id} does not exist.", field="deal_id")
    line = None
    if line_item_id is not None:
        line = DealLineItem.objects.filter(pk=line_item_id, deal_id=deal_id).first()
        if line is None:
            raise InvalidInput(
                f"Line item {line_item_id} is not on deal {deal_id}.", field="line_item_id"
            )
    percent = _percent_clean(requested_percent, field="requested_percent")
    bands = bands_current()
    if percent <= rules.level_limit("rep", bands):
        raise InvalidInput(
            f"A discount up to {rules.level_limit('rep', bands)}% needs no approval.",
            field="requested_percent",
        )
    return DiscountApproval.objects.create(
        deal=deal,
        line_item=line,
        requested_by=by,
        requested_percent=percent,
        required_level=rules.required_level(percent, bands),
        reason=(reason or "").strip()[:500],
    )


@transaction.atomic
def discount_approval_decide(
    *,
    approval_id: int,
    by: User,
    approve: bool,
    approved_percent: Any = None,
    note: str = "",
) -> DiscountApproval:
    """Approve (all or part of the requested depth) or reject a pending request."""
    approval = (
        DiscountApproval.objects.select_for_update(of=("self",))
        .select_related("deal__owner")
        .filter(pk=approval_id)
        .first()
    )
    if approval is None:
        raise NotFound(f"Approval {approval_id} does not exist.", field="approval_id")
    if approval.status != ApprovalStatus.PENDING:
        raise InvalidInput(
            f"This request was already {approval.status}; ask again for a new decision.",
            field="approval_id",
            code="already_decided",
        )
    owner = approval.deal.owner
    team_id = owner.team_id if owner is not None else None
    if approve:
        percent = (
            approval.requested_percent
            if approved_percent is None
            else _percent_clean(approved_percent, field="approved_percent")
        )
        if percent > approval.requested_percent:
            raise InvalidInput(
                "Approve at most what was requested "
                f"({approval.requested_percent}%); a deeper discount is a new request.",
                field="approved_percent",
            )
        level = rules.required_level(percent, bands_current())
        policy.discount_decide_require(by, level=level, owner_team_id=team_id)
        approval.status = ApprovalStatus.APPROVED
        approval.approved_percent = percent
    else:
        policy.discount_decide_require(by, level=approval.required_level, owner_team_id=team_id)
        approval.status = ApprovalStatus.REJECTED
    approval.approver = by
    approval.decided_at = timezone.now()
    approval.decision_note = (note or "").strip()[:500]
    approval.save()
    return approval
