"""Creating and changing deals.

A stage change made here goes through the same rules as ``deal_move`` (``stages``): won needs
an amount above zero and a close date, lost an active reason, and the stage must be one of the
deal's pipeline. Changing a deal's pipeline needs a stage of the new pipeline. Every stage
change and every amount change is appended to the deal's history.
"""

from __future__ import annotations

from typing import Any, Unpack

from django.db import transaction
from django.utils import timezone

from accord.accounts.models import User
from accord.contacts.models import Account, Lead
from accord.contacts.selectors import grades_at_handoff
from accord.core.errors import InvalidInput
from accord.core.money import amount_clean, currency_clean
from accord.pipeline.forecast.history import deal_close_date_record
from accord.pipeline.inputs import DealChanges, DealExtras, DealFields
from accord.pipeline.models import ChangeSource, Deal, ForecastCategory, StageOutcome
from accord.pipeline.products.services.lines import deal_amount_by_hand_check
from accord.pipeline.services.moves import (
    deal_locked,
    pipeline_for_deals,
    version_check,
)
from accord.pipeline.services.stages import (
    Closing,
    amount_record,
    first_open_stage,
    lost_reason_check,
    move_time,
    pipeline_stage,
    stage_enter,
    stage_events,
    stage_record,
)


def _row(model: Any, pk: int | None, *, field: str, label: str) -> Any:
    if pk is None:
        return None
    row = model.objects.filter(pk=pk).first()
    if row is None:
        raise InvalidInput(f"{label} {pk} does not exist.", field=field)
    return row


def _deal_apply(deal: Deal, fields: DealChanges) -> None:
    """Validate the fields besides stage and pipeline and set them on ``deal`` (not saved)."""
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
        lead = _row(Lead, fields["lead_id"], field="lead_id", label="Lead")
        if lead is None or lead.pk != deal.lead_id:
            # A new deal opens now; a re-linked one was opened at its created_at.
            opened = deal.created_at if deal.pk else None
            handed = grades_at_handoff([(lead.pk, opened)]) if lead else {}
            deal.handoff_grade = handed.get((lead.pk, opened), "") if lead else ""
        deal.lead = lead
    if "account_id" in fields:
        deal.account = _row(Account, fields["account_id"], field="account_id", label="Account")
    if "owner_id" in fields:
        deal.owner = _row(User, fields["owner_id"], field="owner_id", label="User")
    for field in ("promotion_code", "won_reason", "competitor"):
        if field in fields:
            setattr(deal, field, (fields[field] or "").strip())  # type: ignore[literal-required]
    if "is_promotion" in fields:
        # PATCH may send null for this non-nullable flag: read it as "no", not a crash.
        deal.is_promotion = bool(fields["is_promotion"])
    if "expected_close" in fields:
        deal.expected_close = fields["expected_close"]
    if "forecast_category" in fields:
        category = fields["forecast_category"] or ""
        if category and category not in ForecastCategory.values:
            raise InvalidInput(
                f"Unknown forecast category {category!r}; one of: "
                f"{', '.join(ForecastCategory.values)} ('' follows the stage).",
                field="forecast_category",
            )
        deal.forecast_category = category
    if fields.get("lost_reason"):
        deal.lost_reason = lost_reason_check(fields["lost_reason"])
    elif "lost_reason" in fields:
        deal.lost_reason = ""


def _deal_final_check(deal: Deal) -> None:
    """What must hold of any deal after a write, whatever changed."""
    if deal.stage == StageOutcome.LOST and not deal.lost_reason:
        raise InvalidInput("A lost deal needs a lost_reason.", field="lost_reason")
    if deal.stage == StageOutcome.WON and deal.amount <= 0:
        raise InvalidInput("A won deal needs an amount above zero.", field="amount")
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


def _closing(fields: DealChanges) -> Closing:
    return Closing(
        closed_at=fields.get("closed_at"),
        close_date=fields.get("close_date"),
        lost_reason=fields.get("lost_reason"),
        competitor=fields.get("competitor"),
    )


@transaction.atomic
def deal_create(
    *,
    name: str | None,
    amount: Any,
    external_id: str | None = None,
    by: User | None = None,
    source: str = ChangeSource.API,
    **fields: Unpack[DealExtras],
) -> Deal:
    """A new deal in ``pipeline`` (a key) or ``pipeline_id`` (else the default pipeline), in
    ``stage`` (else the pipeline's first open stage); its first stage starts its history."""
    pipeline_id, key = fields.get("pipeline_id"), fields.get("pipeline")
    deal = Deal(amount=0)
    if pipeline_id is not None or key:
        deal.pipeline = pipeline_for_deals(pipeline_id, key=key)
    _deal_apply(deal, DealChanges(name=name, amount=amount, **fields))
    closing = _closing(DealChanges(**fields))
    stage = pipeline_stage(deal.pipeline, fields.get("stage") or first_open_stage(deal.pipeline))
    when = move_time(closing) if stage.outcome != StageOutcome.OPEN else timezone.now()
    stage_enter(deal, stage, closing, at=when)
    _deal_final_check(deal)
    _external_id_check(deal, external_id)
    deal.save()
    stage_events(deal, stage_record(deal, "", at=when, by=by, source=source))
    return deal


@transaction.atomic
def deal_update(
    *,
    deal_id: int,
    changes: DealChanges,
    by: User | None = None,
    source: str = ChangeSource.API,
    expected_version: int | None = None,
) -> Deal:
    """Change a deal; a new ``stage`` (or ``pipeline``/``pipeline_id`` with a stage of it)
    moves it as ``deal_move`` does. The version goes up with every write."""
    deal = deal_locked(deal_id)
    version_check(deal, expected_version)
    external_id = changes.get("external_id", deal.external_id)
    from_stage, from_pipeline, old_amount = deal.stage, deal.pipeline_id, deal.amount
    old_close = deal.expected_close
    pipeline_id, key = changes.get("pipeline_id"), changes.get("pipeline")
    if (pipeline_id is not None and pipeline_id != deal.pipeline_id) or (
        key and key != deal.pipeline.key
    ):
        deal.pipeline = pipeline_for_deals(pipeline_id, key=key)
        if not changes.get("stage"):
            raise InvalidInput(
                f"Moving the deal to the pipeline {deal.pipeline.name!r} needs a stage of it.",
                field="stage",
            )
    _deal_apply(deal, changes)
    if "amount" in changes and deal.amount != old_amount:
        # A deal with line items takes its amount from them: a typed amount is refused.
        deal_amount_by_hand_check(deal_id=deal.pk, amount=deal.amount)
    stage_key = changes.get("stage") or deal.stage
    moved = deal.pipeline_id != from_pipeline or stage_key != from_stage
    now = timezone.now()
    when = now
    if moved:
        stage = pipeline_stage(deal.pipeline, stage_key)
        closing = _closing(changes)
        when = move_time(closing) if stage.outcome != StageOutcome.OPEN else now
        stage_enter(deal, stage, closing, at=when)
    _deal_final_check(deal)
    _external_id_check(deal, external_id)
    deal.version += 1
    deal.save()
    amount_record(deal, old_amount, at=now, by=by, source=source)
    deal_close_date_record(deal_id=deal.pk, old_date=old_close, new_date=deal.expected_close,
                           by=by, source=source, at=now)  # fmt: skip
    if moved:
        stage_events(deal, stage_record(deal, from_stage, at=when, by=by, source=source))
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
