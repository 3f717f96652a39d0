"""Reads of deals and activities, shared by the API, the UI and the CLI."""

from __future__ import annotations

from datetime import date, datetime

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from accord.accounts.models import User
from accord.pipeline.models import (
    Activity,
    Deal,
    DealAmountChange,
    DealLostReason,
    DealStage,
    DealStageChange,
    Pipeline,
    PipelineStage,
)
from accord.pipeline.models.defaults import DEFAULT_STAGES

#: The seeded stages' English names, by key: such a stage not renamed shows in the reader's
#: language (``DealStage``'s translated label).
_SEED_NAMES = {seed.key: seed.name for seed in DEFAULT_STAGES}


def deals_visible(*, user: User | None) -> QuerySet[Deal]:
    """Every deal, or (for a sales rep) their own and unassigned ones."""
    deals = Deal.objects.all()
    if user is not None:
        deals = deals.filter(Q(owner=user) | Q(owner__isnull=True))
    return deals


def deal_list(
    *,
    user: User | None = None,
    stage: str | None = None,
    owner_id: int | None = None,
    lead_id: int | None = None,
    account_id: int | None = None,
    pipeline: str | None = None,
    closed_after: datetime | None = None,
    expected_close_before: date | None = None,
) -> QuerySet[Deal]:
    deals = deals_visible(user=user)
    if stage:
        deals = deals.filter(stage=stage)
    if owner_id is not None:
        deals = deals.filter(owner_id=owner_id)
    if lead_id is not None:
        deals = deals.filter(lead_id=lead_id)
    if account_id is not None:
        deals = deals.filter(account_id=account_id)
    if pipeline:
        deals = deals.filter(pipeline__key=pipeline)
    if closed_after:
        deals = deals.filter(closed_at__gte=closed_after)
    if expected_close_before:
        deals = deals.filter(expected_close__lt=expected_close_before)
    return deals


def activities_visible(*, user: User | None) -> QuerySet[Activity]:
    """Every activity, or (for a sales rep) those on leads and deals they may see."""
    activities = Activity.objects.all()
    if user is not None:
        activities = activities.filter(
            Q(lead__isnull=False, lead__owner=user)
            | Q(lead__isnull=False, lead__owner__isnull=True)
            | Q(deal__isnull=False, deal__owner=user)
            | Q(deal__isnull=False, deal__owner__isnull=True)
        )
    return activities


def activity_list(
    *,
    user: User | None = None,
    lead_id: int | None = None,
    deal_id: int | None = None,
    user_id: int | None = None,
    kind: str | None = None,
    since: datetime | None = None,
) -> QuerySet[Activity]:
    activities = activities_visible(user=user)
    if lead_id is not None:
        activities = activities.filter(lead_id=lead_id)
    if deal_id is not None:
        activities = activities.filter(deal_id=deal_id)
    if user_id is not None:
        activities = activities.filter(user_id=user_id)
    if kind:
        activities = activities.filter(kind=kind)
    if since:
        activities = activities.filter(at__gte=since)
    return activities


def stage_label(key: str, name: str) -> str:
    """A stage's display name: a seeded stage keeps its translation until an admin renames it."""
    if _SEED_NAMES.get(key) == name and key in DealStage.values:
        return str(DealStage(key).label)
    return name


def stage_names() -> dict[tuple[int | None, str], str]:
    """Every stage's display name by ``(pipeline id, key)`` (a few dozen rows at most)."""
    return {
        (pipeline_id, key): stage_label(key, name)
        for pipeline_id, key, name in PipelineStage.objects.values_list(
            "pipeline_id", "key", "name"
        )
    }


def deal_stage_name(deal: Deal, names: dict[tuple[int | None, str], str] | None = None) -> str:
    """The name of the stage ``deal`` is in (its key when the stage no longer exists)."""
    names = stage_names() if names is None else names
    return names.get((deal.pipeline_id, deal.stage), deal.stage)


def deal_stage_history(*, deal_id: int) -> QuerySet[DealStageChange]:
    """A deal's stage moves, each with ``left_at``: when the next move took it out (null for
    the stage it is in). Time in a stage is ``left_at`` (or now) minus ``at``."""
    later = DealStageChange.objects.filter(deal_id=OuterRef("deal_id")).filter(
        Q(at__gt=OuterRef("at")) | Q(at=OuterRef("at"), pk__gt=OuterRef("pk"))
    )
    return DealStageChange.objects.filter(deal_id=deal_id).annotate(
        left_at=Subquery(later.order_by("at", "pk").values("at")[:1])
    )


def seconds_between(start: datetime, end: datetime | None) -> int:
    """Whole seconds from ``start`` to ``end`` (now when None), never negative."""
    return max(0, int(((end or timezone.now()) - start).total_seconds()))


def deal_amount_history(*, deal_id: int) -> QuerySet[DealAmountChange]:
    return DealAmountChange.objects.filter(deal_id=deal_id)


def pipelines_visible(*, include_archived: bool = True) -> QuerySet[Pipeline]:
    pipelines = Pipeline.objects.all()
    if not include_archived:
        pipelines = pipelines.filter(is_archived=False)
    return pipelines


def stage_deal_counts(*, pipeline_id: int) -> dict[str, int]:
    """How many deals sit in each stage of a pipeline, by stage key."""
    rows = (
        Deal.objects.filter(pipeline_id=pipeline_id)
        .values("stage")
        .annotate(n=Count("pk"))
        .values_list("stage", "n")
    )
    return dict(rows)


def lost_reasons(*, active_only: bool = False) -> QuerySet[DealLostReason]:
    reasons = DealLostReason.objects.all()
    if active_only:
        reasons = reasons.filter(is_active=True)
    return reasons
