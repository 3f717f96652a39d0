"""Create the default "New business" pipeline with its stages, seed the lost reasons, and
point every existing deal at the pipeline (each keeps its stage key: the old fixed stages are
this pipeline's)."""

from decimal import Decimal

from django.db import migrations
from django.db.models import F

STAGES = (
    ("qualification", "Qualification", Decimal("0.100"), "pipeline", "open"),
    ("discovery", "Discovery", Decimal("0.200"), "pipeline", "open"),
    ("proposal", "Proposal", Decimal("0.500"), "best_case", "open"),
    ("negotiation", "Negotiation", Decimal("0.750"), "commit", "open"),
    ("won", "Won", Decimal("1.000"), "closed", "won"),
    ("lost", "Lost", Decimal("0.000"), "omitted", "lost"),
)
LOST_REASONS = (
    ("price", "Price"),
    ("competitor", "Chose a competitor"),
    ("no_budget", "No budget"),
    ("no_decision", "No decision / went dark"),
    ("timing", "Bad timing"),
    ("features", "Missing features"),
)


def forward(apps, schema_editor):
    Pipeline = apps.get_model("pipeline", "Pipeline")
    PipelineStage = apps.get_model("pipeline", "PipelineStage")
    DealLostReason = apps.get_model("pipeline", "DealLostReason")
    Deal = apps.get_model("pipeline", "Deal")
    pipeline, created = Pipeline.objects.get_or_create(
        key="new_business", defaults={"name": "New business", "is_default": True}
    )
    if created:
        PipelineStage.objects.bulk_create(
            PipelineStage(
                pipeline=pipeline,
                key=key,
                name=name,
                order=order,
                probability=probability,
                forecast_category=category,
                outcome=outcome,
            )
            for order, (key, name, probability, category, outcome) in enumerate(STAGES)
        )
    for order, (key, label) in enumerate(LOST_REASONS):
        DealLostReason.objects.get_or_create(key=key, defaults={"label": label, "order": order})
    # One UPDATE each, not a loop: the 1M-lead demo database has hundreds of thousands of deals.
    Deal.objects.filter(pipeline__isnull=True).update(pipeline=pipeline)
    Deal.objects.filter(closed_at__isnull=False).update(stage_entered_at=F("closed_at"))
    Deal.objects.filter(closed_at__isnull=True).update(stage_entered_at=F("created_at"))
    # A stage the old fixed list never had cannot exist (it was a choice), but an unknown key
    # would make the deal unmovable: put it where the pipeline starts.
    keys = [key for key, *_ in STAGES]
    Deal.objects.exclude(stage__in=keys).update(stage="qualification")


def backward(apps, schema_editor):
    Deal = apps.get_model("pipeline", "Deal")
    Deal.objects.update(pipeline=None)


class Migration(migrations.Migration):
    dependencies = [("pipeline", "0003_pipelines_and_stages")]

    operations = [migrations.RunPython(forward, backward)]
