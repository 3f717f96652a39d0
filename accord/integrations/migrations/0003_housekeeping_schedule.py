"""Schedule the daily housekeeping job (see accord.integrations.housekeeping)."""

from django.db import migrations
from django.utils import timezone

NAME = "housekeeping.daily"
FUNC = "accord.integrations.housekeeping.housekeeping_run"


def schedule_add(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.filter(name=NAME).delete()
    Schedule.objects.create(
        name=NAME, func=FUNC, kwargs="{}", schedule_type="I", minutes=24 * 60, repeats=-1,
        next_run=timezone.now(),
    )


def schedule_remove(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [("integrations", "0002_webhooks_sweep_schedule"), ("core", "0001_initial")]
    operations = [migrations.RunPython(schedule_add, schedule_remove)]
