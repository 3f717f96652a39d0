"""The notification e-mail outbox: ``Notification.email_pending`` (with a partial index on the
pending rows) and its periodic sweep, which sends whatever a wake-up job missed (see
accord.handoff.notifications). The schedule is written out here so the migration means the
same forever."""

import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

SCHEDULE = "handoff.email_outbox"
FUNC = "accord.handoff.notifications.notification_emails_sweep"


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
        ("handoff", "0004_assignment_owner_kept"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="notification",
            name="email_pending",
            field=models.BooleanField(default=False),
        ),
        migrations.AddIndex(
            model_name="notification",
            index=models.Index(
                condition=models.Q(("email_pending", True)),
                fields=["id"],
                name="handoff_notif_email_pending",
            ),
        ),
        migrations.RunPython(schedule_add, schedule_remove),
    ]
