"""Writes on deals and activities.

A deal's stage may move freely between the open stages; closing it (won or lost) stamps
``closed_at``, and a lost deal needs a reason, so win/loss analysis never has gaps.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Unpack

from django.db import transaction
from django.utils import timezone

from accord.accounts.models import User
from accord.contacts.models import Account, Lead
from accord.core.errors import InvalidInput, NotFound
from accord.core.events import DealWon
from accord.core.hooks import emit
from accord.core.money import amount_clean, currency_clean
from accord.core.timeutils import aware_required
from accord.pipeline.inputs import (
    ActivityChanges,
    ActivityExtras,
    DealChanges,
    DealExtras,
    DealFields,
)
from accord.pipeline.models import (
    Activity,
    ActivityKind,
    ActivityOutcome,
    Deal,
    DealStage,
    LostReason,
    Pipeline,
)

_CLOSED = (DealStage.WON, DealStage.LOST)


def _row(model: Any, pk: int | None, *, field: str, label: str) -> Any:
    if pk is None:
        return None
    row = model.objects.filter(pk=pk).first()
    if row is None:
        raise InvalidInput(f"{label} {pk} does not exist.", field=field)
    return row


def _deal_apply(deal: Deal, fields: DealChanges) -> None:
    """Validate ``fields`` and set them on ``deal`` (not saved)."""
    if "name" in fields:
        name = (fields["name"] or "").strip()
        if not name:
            raise InvalidInput("A deal needs a name.", field="name")
        deal.name = name
    if "amount" in fields:
        deal.amount = amount_clean(fields["amount"], field="amount")
    if "discount_amount" in fields:
        deal.discount_amount = amount_clean(fields["discount_amount"], field="discount_amount")
    if "currency" in fields:
        deal.currency = currency_clean(fields["currency"])
    if "lead_id" in fields:
        deal.lead = _row(Lead, fields["lead_id"], field="lead_id", label="Lead")
    if "account_id" in fields:
        deal.account = _row(Account, fields["account_id"], field="account_id", label="Account")
    if "owner_id" in fields:
        deal.owner = _row(User, fields["owner_id"], field="owner_id", label="User")
    if fields.get("pipeline"):
        key = str(fields["pipeline"]).strip()
        pipeline = Pipeline.objects.filter(key=key).first()
        if pipeline is None:
            raise InvalidInput(f"Unknown pipeline {key!r}.", field="pipeline")
        deal.pipeline = pipeline
    for field in ("promotion_code", "won_reason"):
        if field in fields:
            setattr(deal, field, (fields[field] or "").strip())
    if "is_promotion" in fields:
        # PATCH may send null for this non-nullable flag: read it as "no", not a crash.
        deal.is_promotion = bool(fields["is_promotion"])
    if "expected_close" in fields:
        deal.expected_close = fields["expected_close"]
    if "lost_reason" in fields:
        reason = fields["lost_reason"] or ""
        if reason and reason not in LostReason.values:
            raise InvalidInput(f"Unknown lost reason {reason!r}.", field="lost_reason")
        deal.lost_reason = reason
    if "stage" in fields:
        stage = fields["stage"]
        if stage not in DealStage.values:
            raise InvalidInput(f"Unknown deal stage {stage!r}.", field="stage")
        if stage in _CLOSED and deal.stage not in _CLOSED:
            deal.closed_at = aware_required(fields.get("closed_at"), field="closed_at")
        elif stage not in _CLOSED:
            deal.closed_at = None
        deal.stage = stage
    if deal.stage == DealStage.LOST and not deal.lost_reason:
        raise InvalidInput("A lost deal needs a lost_reason.", field="lost_reason")
    if deal.discount_amount > deal.amount:
        raise InvalidInput("The discount is larger than the amount.", field="discount_amount")


def _external_id_check(deal: Deal, external_id: str | None) -> None:
    if external_id is not None:
        taken = Deal.objects.filter(external_id=external_id)
        if deal.pk:
            taken = taken.exclude(pk=deal.pk)
        if taken.exists():
            raise InvalidInput(
                f"Another deal already has external_id {external_id!r}.", field="external_id"
            )
    deal.external_id = external_id


@transaction.atomic
def deal_create(
    *,
    name: str | None,
    amount: Any,
    external_id: str | None = None,
    **fields: Unpack[DealExtras],
) -> Deal:
    deal = Deal(amount=0)
    _deal_apply(deal, DealChanges(name=name, amount=amount, **fields))
    _external_id_check(deal, external_id)
    deal.save()
    if deal.stage == DealStage.WON:
        emit(DealWon(deal=deal))  # webhooks (accord.wiring)
    return deal


@transaction.atomic
def deal_update(*, deal_id: int, changes: DealChanges) -> Deal:
    deal = Deal.objects.select_for_update().filter(pk=deal_id).first()
    if deal is None:
        raise NotFound(f"Deal {deal_id} does not exist.", field="deal_id")
    external_id = changes.get("external_id", deal.external_id)
    was_won = deal.stage == DealStage.WON
    _deal_apply(deal, changes)
    _external_id_check(deal, external_id)
    deal.save()
    if deal.stage == DealStage.WON and not was_won:
        emit(DealWon(deal=deal))  # webhooks (accord.wiring)
    return deal


@transaction.atomic
def deal_upsert(
    *, external_id: str | None = None, **fields: Unpack[DealFields]
) -> tuple[Deal, bool]:
    """Create a deal, or update the one with this ``external_id``; ``(deal, created)``."""
    if external_id is not None:
        known = Deal.objects.filter(external_id=external_id).first()
        if known is not None:
            return deal_update(deal_id=known.pk, changes=DealChanges(**fields)), False
    return deal_create(external_id=external_id, **fields), True


def _activity_apply(activity: Activity, fields: ActivityChanges) -> None:
    if "kind" in fields:
        if fields["kind"] not in ActivityKind.values:
            raise InvalidInput(f"Unknown activity kind {fields['kind']!r}.", field="kind")
        activity.kind = fields["kind"]
    if "outcome" in fields:
        outcome = fields["outcome"] or ""
        if outcome not in ActivityOutcome.values:
            raise InvalidInput(f"Unknown outcome {outcome!r}.", field="outcome")
        activity.outcome = outcome
    if "at" in fields:
        activity.at = aware_required(fields["at"], field="at")
    if "duration_seconds" in fields:
        activity.duration_seconds = fields["duration_seconds"] or 0
    if "notes" in fields:
        activity.notes = fields["notes"] or ""


@transaction.atomic
def activity_create(
    *,
    kind: str,
    user: User | None,
    lead_id: int | None = None,
    deal_id: int | None = None,
    at: datetime | None = None,
    **fields: Unpack[ActivityExtras],
) -> Activity:
    """Log a call, email, meeting or note on a lead or a deal."""
    lead = _row(Lead, lead_id, field="lead_id", label="Lead")
    deal = _row(Deal, deal_id, field="deal_id", label="Deal")
    if lead is None and deal is None:
        raise InvalidInput("An activity belongs to a lead or a deal.", field="lead_id")
    activity = Activity(lead=lead, deal=deal, user=user, at=timezone.now())
    _activity_apply(activity, ActivityChanges(kind=kind, at=at, **fields))
    activity.save()
    return activity


@transaction.atomic
def activity_update(*, activity_id: int, changes: ActivityChanges) -> Activity:
    activity = Activity.objects.select_for_update().filter(pk=activity_id).first()
    if activity is None:
        raise NotFound(f"Activity {activity_id} does not exist.", field="activity_id")
    if "at" in changes and changes["at"] is None:
        raise InvalidInput("An activity needs a time.", field="at")
    _activity_apply(activity, changes)
    activity.save()
    return activity
