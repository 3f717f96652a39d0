"""Schedule the sweep that builds last week's digest (digest.jobs.digest_weekly_run)."""

from django.db import migrations
from django.utils import timezone

NAME = "digest.weekly"
FUNC = "accord.digest.jobs.digest_weekly_run"


def schedule_add(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.filter(name=NAME).delete()
    Schedule.objects.create(
        name=NAME, func=FUNC, kwargs="{}", schedule_type="I", minutes=6 * 60, repeats=-1,
        next_run=timezone.now(),
    )


def schedule_remove(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [("digest", "0001_initial"), ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more")]
    operations = [migrations.RunPython(schedule_add, schedule_remove)]
