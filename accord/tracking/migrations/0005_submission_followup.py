"""The capture follow-up outbox: ``SubmissionFollowup`` and its periodic sweep, which runs
whatever a wake-up job missed (see accord.tracking.capture.followups). The schedule is
written out here so the migration means the same forever."""

import django.utils.timezone
from django.db import migrations, models

SCHEDULE = "capture.followup_outbox"
FUNC = "accord.tracking.capture.followups.followups_sweep"


def schedule_add(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    wanted = {"func": FUNC, "kwargs": "{}", "args": None, "schedule_type": "I", "minutes": 1,
              "repeats": -1}  # fmt: skip
    existing = Schedule.objects.filter(name=SCHEDULE)
    if existing.exists():
        existing.update(**wanted)
    else:
        Schedule.objects.create(name=SCHEDULE, next_run=django.utils.timezone.now(), **wanted)


def schedule_remove(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=SCHEDULE).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("tracking", "0004_channel_rule"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [
        migrations.CreateModel(
            name="SubmissionFollowup",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),  # fmt: skip
                ("lead_id", models.BigIntegerField()),
                ("touchpoint_id", models.BigIntegerField()),
                ("created_at", models.DateTimeField()),
                ("claimed_until", models.DateTimeField(blank=True, null=True)),
                ("attempts", models.PositiveSmallIntegerField(default=0)),
                ("last_error", models.TextField(blank=True, default="")),
                ("failed_at", models.DateTimeField(blank=True, null=True)),
            ],
            options={
                "ordering": ["id"],
                "verbose_name": "submission follow-up",
                "verbose_name_plural": "submission follow-ups",
            },
        ),
        migrations.RunPython(schedule_add, schedule_remove),
    ]
