"""A deal entering a stage: the closing rules, the append-only record, and the events.

Shared by every write that changes a deal's stage (create, update, move), so a deal is won or
lost under the same rules whichever way it gets there: won needs an amount above zero and a
close date, lost needs a reason from the active list.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from accord.accounts.models import User
from accord.core.errors import InvalidInput
from accord.core.events import DealLost, DealStageChanged, DealWon
from accord.core.hooks import emit
from accord.core.timeutils import aware_required
from accord.pipeline.models import (
    ChangeSource,
    Deal,
    DealAmountChange,
    DealLostReason,
    DealStageChange,
    Pipeline,
    PipelineStage,
    StageOutcome,
)


@dataclass(frozen=True)
class Closing:
    """What closing a deal may say: when, the close date, and (lost) why and to whom."""

    closed_at: datetime | None = None
    close_date: date | None = None
    lost_reason: str | None = None
    competitor: str | None = None


def pipeline_stage(pipeline: Pipeline, key: str | None) -> PipelineStage:
    """The stage ``key`` of ``pipeline``; any other key is refused, naming ``stage``."""
    stages = list(pipeline.stages.all())
    keys = ", ".join(s.key for s in stages)
    if not key:
        raise InvalidInput(
            f"Choose a stage of the pipeline {pipeline.name!r}: {keys}.", field="stage"
        )
    for stage in stages:
        if stage.key == key:
            return stage
    elsewhere = (
        PipelineStage.objects.filter(key=key)
        .exclude(pipeline=pipeline)
        .select_related("pipeline")
        .first()
    )
    if elsewhere is not None:
        raise InvalidInput(
            f"The stage {key!r} belongs to the pipeline {elsewhere.pipeline.name!r}, not to "
            f"this deal's pipeline {pipeline.name!r}; choose one of its stages: {keys}.",
            field="stage",
        )
    raise InvalidInput(
        f"The pipeline {pipeline.name!r} has no stage {key!r}; its stages: {keys}.", field="stage"
    )


def first_open_stage(pipeline: Pipeline) -> str:
    """Where a new deal starts when no stage is named: the pipeline's first open stage."""
    for stage in pipeline.stages.all():
        if stage.outcome == StageOutcome.OPEN:
            return stage.key
    raise InvalidInput(f"The pipeline {pipeline.name!r} has no open stage.", field="stage")


def lost_reason_check(key: str | None) -> str:
    """``key`` if it names an active lost reason (refused, naming ``lost_reason``, if not)."""
    active = list(DealLostReason.objects.filter(is_active=True).values_list("key", flat=True))
    if not key:
        raise InvalidInput(
            f"A lost deal needs a lost_reason, one of: {', '.join(active)}.", field="lost_reason"
        )
    if key not in active:
        raise InvalidInput(
            f"{key!r} is not an active lost reason; choose one of: {', '.join(active)}.",
            field="lost_reason",
        )
    return key


def stage_enter(deal: Deal, stage: PipelineStage, closing: Closing, *, at: datetime) -> None:
    """Put ``deal`` in ``stage`` (not saved), after the rules of closing it there.

    The rep's ``forecast_category`` is left as it is: a stage move never overwrites it.
    """
    if stage.outcome == StageOutcome.WON:
        _won_check(deal, closing)
        deal.lost_reason = ""
    if stage.outcome == StageOutcome.LOST:
        reason = closing.lost_reason if closing.lost_reason is not None else deal.lost_reason
        deal.lost_reason = lost_reason_check(reason)
        if closing.competitor is not None:
            deal.competitor = closing.competitor.strip()[:200]
    if stage.outcome == StageOutcome.OPEN:
        deal.closed_at = None
    else:
        deal.closed_at = at
    deal.stage = stage.key
    deal.stage_entered_at = at


def _won_check(deal: Deal, closing: Closing) -> None:
    if deal.amount is None or Decimal(deal.amount) <= 0:
        raise InvalidInput("A won deal needs an amount above zero.", field="amount")
    close_date = closing.close_date
    if close_date is None and closing.closed_at is not None:
        close_date = closing.closed_at.date()
    close_date = close_date or deal.expected_close
    if close_date is None:
        raise InvalidInput(
            "A won deal needs a close date (close_date, or the deal's expected_close).",
            field="close_date",
        )
    deal.expected_close = close_date


def move_time(closing: Closing, at: datetime | None = None) -> datetime:
    """When a move happens: the closing time it states, else ``at``, else now."""
    if closing.closed_at is not None:
        return aware_required(closing.closed_at, field="closed_at")
    return aware_required(at, field="at")


def stage_record(
    deal: Deal, from_stage: str, *, at: datetime, by: User | None, source: str
) -> DealStageChange:
    """Append the move of ``deal`` (saved, in its new stage) to its stage history."""
    if source not in ChangeSource.values:
        raise InvalidInput(f"Unknown change source {source!r}.", field="source")
    return DealStageChange.objects.create(
        deal=deal,
        pipeline=deal.pipeline,
        from_stage=from_stage,
        to_stage=deal.stage,
        at=at,
        by=by,
        amount=deal.amount,
        source=source,
    )


def amount_record(
    deal: Deal, old_amount: Decimal, *, at: datetime, by: User | None, source: str
) -> None:
    """Append a change of ``deal``'s amount (nothing when it did not change)."""
    if Decimal(old_amount) != Decimal(deal.amount):
        DealAmountChange.objects.create(
            deal=deal, old_amount=old_amount, new_amount=deal.amount, at=at, by=by, source=source
        )


def stage_events(deal: Deal, change: DealStageChange) -> None:
    """Tell the apps above (webhooks) about the move, inside the writer's transaction."""
    if change.from_stage:
        emit(
            DealStageChanged(
                deal=deal,
                from_stage=change.from_stage,
                to_stage=change.to_stage,
                at=change.at,
                change_id=change.pk,
                by_id=change.by_id,
            )
        )
    if deal.stage == StageOutcome.WON:
        emit(DealWon(deal=deal))
    elif deal.stage == StageOutcome.LOST:
        emit(DealLost(deal=deal))
