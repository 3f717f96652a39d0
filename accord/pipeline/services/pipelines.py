"""Editing pipelines, their stages and the lost reasons (the settings page and the API).

What is never allowed: deleting a pipeline that has (or had) deals — archive it instead;
deleting a stage that holds deals — move them first; deleting the ``won``/``lost`` stages or a
pipeline's last open stage; archiving the default pipeline. Each refusal says what to do.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accord.core.errors import InvalidInput, NotFound
from accord.pipeline.models import (
    Deal,
    DealLostReason,
    DealStageChange,
    ForecastCategory,
    Pipeline,
    PipelineStage,
    StageOutcome,
)
from accord.pipeline.models.defaults import DEFAULT_STAGES
from accord.pipeline.selectors import stage_label


def _name_clean(value: Any, *, field: str = "name", max_length: int = 100) -> str:
    name = str(value or "").strip()
    if not name:
        raise InvalidInput(_("A name is required."), field=field)
    if len(name) > max_length:
        raise InvalidInput(_("At most %(n)d characters.") % {"n": max_length}, field=field)
    return name


def _key_free(model: Any, base: str, *, max_length: int, **scope: Any) -> str:
    """A slug of ``base`` not yet used (``-2``, ``-3``… appended when it is)."""
    stem = (slugify(base).replace("-", "_") or "item")[: max_length - 4]
    key, n = stem, 1
    while key in ("won", "lost") or model.objects.filter(key=key, **scope).exists():
        n += 1
        key = f"{stem}_{n}"
    return key


def _probability_clean(value: Any) -> Decimal:
    try:
        probability = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise InvalidInput(
            _("The probability is a number from 0 to 1."), field="probability"
        ) from None
    if not probability.is_finite() or not 0 <= probability <= 1:
        raise InvalidInput(_("The probability is a number from 0 to 1."), field="probability")
    return probability.quantize(Decimal("0.001"))


def _category_clean(value: Any) -> str:
    if value not in ForecastCategory.values:
        raise InvalidInput(
            _("Unknown forecast category %(value)r.") % {"value": value},
            field="forecast_category",
        )
    return str(value)


def _stale_clean(value: Any) -> int | None:
    if value in (None, ""):
        return None
    try:
        days = int(value)
    except (TypeError, ValueError):
        raise InvalidInput(_("Days are a whole number."), field="stale_after_days") from None
    if not 1 <= days <= 3650:
        raise InvalidInput(
            _("Stale after 1 to 3650 days, or empty for never."), field="stale_after_days"
        )
    return days


def _pipeline_get(pipeline_id: int) -> Pipeline:
    pipeline = Pipeline.objects.select_for_update().filter(pk=pipeline_id).first()
    if pipeline is None:
        raise NotFound(f"Pipeline {pipeline_id} does not exist.", field="pipeline_id")
    return pipeline


def _stage_get(stage_id: int, pipeline_id: int | None = None) -> PipelineStage:
    stages = PipelineStage.objects.select_related("pipeline")
    if pipeline_id is not None:
        stages = stages.filter(pipeline_id=pipeline_id)
    stage = stages.filter(pk=stage_id).first()
    if stage is None:
        raise NotFound(f"Stage {stage_id} does not exist.", field="stage_id")
    return stage


@transaction.atomic
def pipeline_create(*, name: str, key: str | None = None) -> Pipeline:
    """A new pipeline, last in order, with the default pipeline's stages to start from."""
    name = _name_clean(name)
    if key:
        key = slugify(key).replace("-", "_")[:40]
        if not key or Pipeline.objects.filter(key=key).exists():
            raise InvalidInput(_("This key is taken or empty."), field="key")
    else:
        key = _key_free(Pipeline, name, max_length=40)
    order = (Pipeline.objects.aggregate(top=Max("order"))["top"] or 0) + 1
    pipeline = Pipeline.objects.create(name=name, key=key, order=order)
    PipelineStage.objects.bulk_create(
        PipelineStage(pipeline=pipeline, order=n, **seed._asdict())
        for n, seed in enumerate(DEFAULT_STAGES)
    )
    return pipeline


@transaction.atomic
def pipeline_update(
    *,
    pipeline_id: int,
    name: str | None = None,
    is_default: bool | None = None,
    is_archived: bool | None = None,
) -> Pipeline:
    pipeline = _pipeline_get(pipeline_id)
    if name is not None:
        pipeline.name = _name_clean(name)
    if is_archived is not None:
        if is_archived and (pipeline.is_default and is_default is not False):
            raise InvalidInput(
                _("The default pipeline cannot be archived: make another one the default first."),
                field="is_archived",
            )
        pipeline.is_archived = is_archived
    if is_default:
        if pipeline.is_archived:
            raise InvalidInput(
                _("An archived pipeline cannot be the default: restore it first."),
                field="is_default",
            )
        Pipeline.objects.filter(is_default=True).exclude(pk=pipeline.pk).update(is_default=False)
        pipeline.is_default = True
    elif is_default is False and pipeline.is_default:
        raise InvalidInput(
            _("There is always one default pipeline: make another one the default instead."),
            field="is_default",
        )
    pipeline.save()
    return pipeline


@transaction.atomic
def pipeline_delete(*, pipeline_id: int) -> None:
    """Delete a pipeline that never had a deal; refused, saying what to do, otherwise."""
    pipeline = _pipeline_get(pipeline_id)
    if pipeline.is_default:
        raise InvalidInput(
            _("The default pipeline cannot be deleted: make another one the default first."),
            field="pipeline_id",
        )
    deals = Deal.objects.filter(pipeline=pipeline).count()
    if deals:
        raise InvalidInput(
            ngettext(
                "The pipeline %(name)s has %(n)d deal: archive it instead (it then takes no "
                "new deals), or move the deal to another pipeline first.",
                "The pipeline %(name)s has %(n)d deals: archive it instead (it then takes no "
                "new deals), or move the deals to another pipeline first.",
                deals,
            )
            % {"name": pipeline.name, "n": deals},
            field="pipeline_id",
        )
    if DealStageChange.objects.filter(pipeline=pipeline).exists():
        raise InvalidInput(
            _(
                "Deals have passed through the pipeline %(name)s and their history names it: "
                "archive it instead."
            )
            % {"name": pipeline.name},
            field="pipeline_id",
        )
    pipeline.delete()


@transaction.atomic
def pipelines_reorder(*, pipeline_ids: Sequence[int]) -> None:
    """Put the pipelines in this order (those not named keep their place after them)."""
    known = set(Pipeline.objects.values_list("pk", flat=True))
    unknown = [pk for pk in pipeline_ids if pk not in known]
    if unknown or len(set(pipeline_ids)) != len(pipeline_ids):
        raise InvalidInput(_("Name each pipeline once, by id."), field="pipeline_ids")
    rest = [pk for pk in Pipeline.objects.values_list("pk", flat=True) if pk not in pipeline_ids]
    for order, pk in enumerate([*pipeline_ids, *rest]):
        Pipeline.objects.filter(pk=pk).update(order=order)


@transaction.atomic
def stage_create(
    *,
    pipeline_id: int,
    name: str,
    probability: Any,
    forecast_category: str,
    stale_after_days: Any = None,
    key: str | None = None,
) -> PipelineStage:
    """A new open stage, last among the open ones (before won and lost)."""
    pipeline = _pipeline_get(pipeline_id)
    name = _name_clean(name)
    if key:
        key = slugify(key).replace("-", "_")[:40]
        if not key or key in ("won", "lost") or pipeline.stages.filter(key=key).exists():
            raise InvalidInput(_("This key is taken or reserved."), field="key")
    else:
        key = _key_free(PipelineStage, name, max_length=40, pipeline=pipeline)
    stage = PipelineStage(
        pipeline=pipeline,
        key=key,
        name=name,
        probability=_probability_clean(probability),
        forecast_category=_category_clean(forecast_category),
        stale_after_days=_stale_clean(stale_after_days),
        outcome=StageOutcome.OPEN,
    )
    open_ids = list(pipeline.stages.filter(outcome=StageOutcome.OPEN).values_list("pk", flat=True))
    stage.save()
    _stages_number(pipeline, [*open_ids, stage.pk])
    return stage


@transaction.atomic
def stage_update(
    *,
    stage_id: int,
    pipeline_id: int | None = None,
    name: str | None = None,
    probability: Any = None,
    forecast_category: str | None = None,
    stale_after_days: Any = ...,
) -> PipelineStage:
    """Change a stage; the won and lost stages keep their probability (1 and 0)."""
    stage = _stage_get(stage_id, pipeline_id)
    if name is not None:
        stage.name = _name_clean(name)
    if probability is not None:
        value = _probability_clean(probability)
        if (stage.outcome == StageOutcome.WON and value != 1) or (
            stage.outcome == StageOutcome.LOST and value != 0
        ):
            raise InvalidInput(
                _("A won stage's probability is 1 and a lost stage's 0."), field="probability"
            )
        stage.probability = value
    if forecast_category is not None:
        stage.forecast_category = _category_clean(forecast_category)
    if stale_after_days is not ...:
        stage.stale_after_days = _stale_clean(stale_after_days)
    stage.save()
    return stage


@transaction.atomic
def stage_delete(*, stage_id: int, pipeline_id: int | None = None) -> None:
    """Delete an open stage that holds no deals; refused, saying what to do, otherwise."""
    stage = _stage_get(stage_id, pipeline_id)
    if stage.outcome != StageOutcome.OPEN:
        raise InvalidInput(_("Every pipeline keeps its won and lost stages."), field="stage_id")
    deals = Deal.objects.filter(pipeline_id=stage.pipeline_id, stage=stage.key).count()
    if deals:
        raise InvalidInput(
            ngettext(
                "%(n)d deal is in the stage %(stage)s: move it to another stage of "
                "%(pipeline)s first (on the deals board), then delete the stage.",
                "%(n)d deals are in the stage %(stage)s: move them to another stage of "
                "%(pipeline)s first (on the deals board), then delete the stage.",
                deals,
            )
            % {
                "n": deals,
                "stage": stage_label(stage.key, stage.name),
                "pipeline": stage.pipeline.name,
            },
            field="stage_id",
        )
    if not stage.pipeline.stages.filter(outcome=StageOutcome.OPEN).exclude(pk=stage.pk).exists():
        raise InvalidInput(
            _("A pipeline needs at least one open stage: add another one first."),
            field="stage_id",
        )
    stage.delete()


def _stages_number(pipeline: Pipeline, open_ids: Sequence[int]) -> None:
    """Number the open stages in ``open_ids`` order, then won, then lost."""
    closed = list(
        pipeline.stages.exclude(outcome=StageOutcome.OPEN)
        .order_by("outcome")  # "lost" < "won": won first below
        .values_list("pk", "outcome")
    )
    won = [pk for pk, outcome in closed if outcome == StageOutcome.WON]
    lost = [pk for pk, outcome in closed if outcome == StageOutcome.LOST]
    for order, pk in enumerate([*open_ids, *won, *lost]):
        PipelineStage.objects.filter(pk=pk).update(order=order)


@transaction.atomic
def stages_reorder(*, pipeline_id: int, stage_ids: Sequence[int]) -> None:
    """Put a pipeline's open stages in this order (won and lost stay last)."""
    pipeline = _pipeline_get(pipeline_id)
    open_ids = set(pipeline.stages.filter(outcome=StageOutcome.OPEN).values_list("pk", flat=True))
    if set(stage_ids) != open_ids or len(stage_ids) != len(open_ids):
        raise InvalidInput(
            _("Name each open stage of the pipeline once, by id."), field="stage_ids"
        )
    _stages_number(pipeline, stage_ids)


@transaction.atomic
def lost_reason_create(*, label: str, key: str | None = None) -> DealLostReason:
    label = _name_clean(label, field="label")
    if key:
        key = slugify(key).replace("-", "_")[:30]
        if not key or DealLostReason.objects.filter(key=key).exists():
            raise InvalidInput(_("This key is taken or empty."), field="key")
    else:
        key = _key_free(DealLostReason, label, max_length=30)
    order = (DealLostReason.objects.aggregate(top=Max("order"))["top"] or 0) + 1
    return DealLostReason.objects.create(key=key, label=label, order=order)


@transaction.atomic
def lost_reason_update(
    *, reason_id: int, label: str | None = None, is_active: bool | None = None
) -> DealLostReason:
    """Rename or (de)activate a lost reason; deals keep theirs when it is retired."""
    reason = DealLostReason.objects.select_for_update().filter(pk=reason_id).first()
    if reason is None:
        raise NotFound(f"Lost reason {reason_id} does not exist.", field="reason_id")
    if label is not None:
        reason.label = _name_clean(label, field="label")
    if is_active is not None:
        if (
            not is_active
            and not DealLostReason.objects.filter(is_active=True).exclude(pk=reason.pk).exists()
        ):
            raise InvalidInput(
                _("Keep at least one active lost reason: a lost deal needs one."),
                field="is_active",
            )
        reason.is_active = is_active
    reason.save()
    return reason
