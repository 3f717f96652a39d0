"""Schedule the analytics sync (every minute) that keeps the DuckDB copy current
(see accord.analytics.jobs)."""

from django.db import migrations
from django.utils import timezone

NAME = "analytics.sync"
FUNC = "accord.analytics.jobs.analytics_sync_job"


def schedule_add(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    existing = Schedule.objects.filter(name=NAME).order_by("pk")
    wanted = {
        "func": FUNC,
        "kwargs": "{}",
        "args": None,
        "schedule_type": "I",
        "minutes": 1,
        "repeats": -1,
    }
    if existing.exists():
        existing.update(**wanted)
    else:
        Schedule.objects.create(name=NAME, next_run=timezone.now(), **wanted)


def schedule_remove(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(schedule_add, schedule_remove)]
