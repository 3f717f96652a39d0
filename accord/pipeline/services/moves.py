"""Moving a deal to another stage (the board, the deal page, the API's move endpoint).

Optimistic concurrency: the caller states the ``version`` of the deal it saw. The row is
locked for the move (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite's IMMEDIATE transactions
serialise writers), so of two people moving the same deal at once the first wins and the
second gets a ``Conflict`` carrying the deal's current stage and version — never a lost update.
"""

from __future__ import annotations

from datetime import date, datetime

from django.db import transaction

from accord.accounts.models import User
from accord.core.errors import Conflict, InvalidInput, NotFound
from accord.pipeline.forecast.history import deal_close_date_record
from accord.pipeline.models import ChangeSource, Deal, Pipeline
from accord.pipeline.selectors import deal_stage_name
from accord.pipeline.services.stages import (
    Closing,
    move_time,
    pipeline_stage,
    stage_enter,
    stage_events,
    stage_record,
)


def deal_locked(deal_id: int) -> Deal:
    """The deal, locked for this transaction (``NotFound`` naming ``deal_id`` if missing)."""
    deal = Deal.objects.select_for_update().select_related("pipeline").filter(pk=deal_id).first()
    if deal is None:
        raise NotFound(f"Deal {deal_id} does not exist.", field="deal_id")
    return deal


def version_check(deal: Deal, expected_version: int | None) -> None:
    """Refuse a write based on another version of ``deal`` than the stored one."""
    if expected_version is None or expected_version == deal.version:
        return
    stage = deal_stage_name(deal)
    raise Conflict(
        f"Someone changed this deal since you saw it: it is now in {stage} "
        f"(version {deal.version}, you saw {expected_version}). Look again and retry.",
        field="expected_version",
        current={
            "pipeline": deal.pipeline.key,
            "stage": deal.stage,
            "stage_name": stage,
            "version": deal.version,
        },
    )


@transaction.atomic
def deal_move(
    *,
    deal_id: int,
    to_stage: str,
    expected_version: int | None,
    by: User | None,
    closed_at: datetime | None = None,
    close_date: date | None = None,
    lost_reason: str | None = None,
    competitor: str | None = None,
    source: str = ChangeSource.UI,
    to_pipeline_id: int | None = None,
    at: datetime | None = None,
) -> Deal:
    """Move a deal to ``to_stage`` (of ``to_pipeline_id`` when it changes pipeline).

    Won needs an amount above zero and a close date (``close_date``, the date of
    ``closed_at``, or the deal's expected close); lost needs an active ``lost_reason``
    (``competitor`` optional). The move is appended to the stage history, the version goes
    up by one, and ``DealStageChanged`` (and ``DealWon``/``DealLost``) are emitted. Moving to
    the stage the deal is in changes nothing.
    """
    deal = deal_locked(deal_id)
    version_check(deal, expected_version)
    pipeline = deal.pipeline
    if to_pipeline_id is not None and to_pipeline_id != deal.pipeline_id:
        pipeline = pipeline_for_deals(to_pipeline_id)
    stage = pipeline_stage(pipeline, to_stage)
    if pipeline.pk == deal.pipeline_id and stage.key == deal.stage:
        return deal
    from_stage, old_close = deal.stage, deal.expected_close
    closing = Closing(closed_at, close_date, lost_reason, competitor)
    when = move_time(closing, at)
    deal.pipeline = pipeline
    stage_enter(deal, stage, closing, at=when)
    deal.version += 1
    deal.save()
    deal_close_date_record(deal_id=deal.pk, old_date=old_close, new_date=deal.expected_close,
                           by=by, source=source, at=when)  # fmt: skip
    stage_events(deal, stage_record(deal, from_stage, at=when, by=by, source=source))
    return deal


def pipeline_for_deals(pipeline_id: int | None, *, key: str | None = None) -> Pipeline:
    """The pipeline a deal may be put in (by id or key): it exists and is not archived."""
    rows = Pipeline.objects.all()
    pipeline = (
        rows.filter(pk=pipeline_id).first()
        if pipeline_id is not None
        else rows.filter(key=key).first()
    )
    field = "pipeline_id" if pipeline_id is not None else "pipeline"
    if pipeline is None:
        raise InvalidInput(f"Unknown pipeline {pipeline_id or key!r}.", field=field)
    if pipeline.is_archived:
        raise InvalidInput(
            f"The pipeline {pipeline.name!r} is archived and takes no deals.", field=field
        )
    return pipeline
