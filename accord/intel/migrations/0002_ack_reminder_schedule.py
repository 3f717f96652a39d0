"""Schedule the acknowledgement-reminder sweep (see accord.intel.jobs)."""

from django.db import migrations
from django.utils import timezone

NAME = "intel.ack_reminders"
FUNC = "accord.intel.jobs.ack_reminders_sweep"


def schedule_add(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.filter(name=NAME).delete()
    Schedule.objects.create(
        name=NAME, func=FUNC, kwargs="{}", schedule_type="I", minutes=15, repeats=-1,
        next_run=timezone.now(),
    )


def schedule_remove(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [("intel", "0001_feed"), ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more")]
    operations = [migrations.RunPython(schedule_add, schedule_remove)]
