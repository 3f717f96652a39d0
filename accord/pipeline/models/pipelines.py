"""Pipelines, their ordered stages, and the editable list of reasons a deal is lost.

A stage is named by its ``key`` within its pipeline (as Salesforce's StageName and HubSpot's
dealstage): a deal stores the key, and the closed stages use the reserved keys ``won`` and
``lost`` in every pipeline, so ``deal.stage == "won"`` means the same wherever the deal is.
"""

from __future__ import annotations

from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accord.core.models import TimestampedModel
from accord.pipeline.models import defaults


class ForecastCategory(models.TextChoices):
    """Salesforce's forecast categories: a stage's default, which a rep may override."""

    PIPELINE = "pipeline", pgettext_lazy("forecast category", "Pipeline")
    BEST_CASE = "best_case", pgettext_lazy("forecast category", "Best case")
    COMMIT = "commit", pgettext_lazy("forecast category", "Commit")
    CLOSED = "closed", pgettext_lazy("forecast category", "Closed")
    OMITTED = "omitted", pgettext_lazy("forecast category", "Omitted")


class StageOutcome(models.TextChoices):
    OPEN = "open", _("Open")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


class Pipeline(TimestampedModel):
    name = models.CharField(_("name"), max_length=100)
    key = models.SlugField(_("key"), max_length=40, unique=True)
    order = models.PositiveIntegerField(_("order"), default=0)
    is_default = models.BooleanField(_("default"), default=False)
    is_archived = models.BooleanField(_("archived"), default=False)

    class Meta:
        verbose_name = _("pipeline")
        verbose_name_plural = _("pipelines")
        ordering = ["order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="one_default_pipeline"
            ),
            models.CheckConstraint(
                condition=~Q(is_default=True, is_archived=True),
                name="default_pipeline_not_archived",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class PipelineStage(models.Model):
    pipeline = models.ForeignKey(Pipeline, on_delete=models.CASCADE, related_name="stages")
    key = models.SlugField(_("key"), max_length=40)
    name = models.CharField(_("name"), max_length=100)
    order = models.PositiveIntegerField(_("order"), default=0)
    probability = models.DecimalField(_("win probability"), max_digits=4, decimal_places=3)
    forecast_category = models.CharField(
        _("forecast category"), max_length=20, choices=ForecastCategory.choices
    )
    outcome = models.CharField(
        _("outcome"), max_length=10, choices=StageOutcome.choices, default=StageOutcome.OPEN
    )
    #: A deal sitting longer than this in the stage is stale; null: never.
    stale_after_days = models.PositiveIntegerField(_("stale after (days)"), null=True, blank=True)

    class Meta:
        verbose_name = _("pipeline stage")
        verbose_name_plural = _("pipeline stages")
        ordering = ["pipeline", "order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["pipeline", "key"], name="stage_key_unique_in_pipeline"
            ),
            models.UniqueConstraint(
                fields=["pipeline", "outcome"],
                condition=Q(outcome__in=["won", "lost"]),
                name="one_won_one_lost_stage_per_pipeline",
            ),
            models.CheckConstraint(
                condition=Q(probability__gte=0) & Q(probability__lte=1),
                name="stage_probability_0_1",
            ),
            # The reserved keys and the closed outcomes go together.
            models.CheckConstraint(
                condition=Q(outcome="won", key="won")
                | Q(outcome="lost", key="lost")
                | (Q(outcome="open") & ~Q(key__in=["won", "lost"])),
                name="stage_outcome_matches_key",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pipeline.name}: {self.name}"


class DealLostReason(models.Model):
    key = models.SlugField(_("key"), max_length=30, unique=True)
    label = models.CharField(_("label"), max_length=100)
    order = models.PositiveIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("lost reason")
        verbose_name_plural = _("lost reasons")
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.label


def pipeline_default_id() -> int:
    """The default pipeline's id: ``Deal.pipeline``'s default.

    Creates the default pipeline with its stages (and the lost reasons) when there is none —
    a database the data migration never filled, such as one a test flushed — so a deal
    constructed anywhere without a pipeline lands where the migration put every old deal.
    """
    pk = Pipeline.objects.filter(is_default=True).values_list("pk", flat=True).first()
    if pk is not None:
        return pk
    return default_pipeline_seed().pk


def default_pipeline_seed() -> Pipeline:
    """Create the default pipeline, its stages and the lost reasons where missing."""
    try:
        with transaction.atomic():
            pipeline, created = Pipeline.objects.get_or_create(
                key=defaults.DEFAULT_PIPELINE_KEY,
                defaults={"name": defaults.DEFAULT_PIPELINE_NAME, "is_default": True},
            )
            if created:
                PipelineStage.objects.bulk_create(
                    PipelineStage(pipeline=pipeline, order=order, **seed._asdict())
                    for order, seed in enumerate(defaults.DEFAULT_STAGES)
                )
            for order, (key, label) in enumerate(defaults.DEFAULT_LOST_REASONS):
                DealLostReason.objects.get_or_create(
                    key=key, defaults={"label": label, "order": order}
                )
    except IntegrityError:  # another process seeded it first
        return Pipeline.objects.get(is_default=True)
    if not pipeline.is_default:
        # The key exists but another pipeline was made default (or none is).
        return Pipeline.objects.filter(is_default=True).first() or pipeline
    return pipeline
