"""Deals keep their lead's fit grade at hand-off; existing deals get the grade their lead's
last move to MQL before the deal recorded, else the lead's grade now (the rule of
``accord.contacts.selectors.grades_at_handoff``, in SQL)."""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery, Value
from django.db.models.fields.json import KT
from django.db.models.functions import Coalesce

#: The grades scoring records (contacts.Grade, as of this migration).
GRADES = ("A", "B", "C", "D")


def handoff_grades_fill(apps, schema_editor):
    deal_model = apps.get_model("pipeline", "Deal")
    lead_model = apps.get_model("contacts", "Lead")
    transition_model = apps.get_model("contacts", "StageTransition")
    # The latest move to MQL at or before the deal that recorded a grade (a JSON null or a
    # number reads as text on SQLite: only the four grades count), else the lead's grade now.
    recorded = (
        transition_model.objects.filter(
            lead_id=OuterRef("lead_id"), to_stage="mql", at__lte=OuterRef("created_at")
        )
        .filter(details__grade__in=GRADES)
        .annotate(recorded_grade=KT("details__grade"))
        .order_by("-at", "-id")
        .values("recorded_grade")[:1]
    )
    now = lead_model.objects.filter(pk=OuterRef("lead_id")).values("grade")[:1]
    deal_model.objects.filter(lead__isnull=False).update(
        handoff_grade=Coalesce(
            Subquery(recorded), Subquery(now), Value(""), output_field=models.CharField()
        )
    )


class Migration(migrations.Migration):
    dependencies = [
        ("contacts", "0009_lead_is_test"),
        ("pipeline", "0008_merge_20261205_2159"),
    ]

    operations = [
        migrations.AddField(
            model_name="deal",
            name="handoff_grade",
            field=models.CharField(
                blank=True, default="", max_length=1, verbose_name="grade at hand-off"
            ),
        ),
        migrations.RunPython(handoff_grades_fill, migrations.RunPython.noop),
    ]
