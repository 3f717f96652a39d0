"""Seed the default scoring profile (accord.scoring.defaults) and schedule the daily decay
sweep (accord.scoring.jobs.scores_decay_sweep)."""

from django.db import migrations
from django.utils import timezone

SCHEDULE = "scoring.decay"
FUNC = "accord.scoring.jobs.scores_decay_sweep"


def seed(apps, schema_editor):
    from accord.scoring import defaults

    Profile = apps.get_model("scoring", "ScoringProfile")
    Rule = apps.get_model("scoring", "ScoringRule")
    Mql = apps.get_model("scoring", "MqlDefinition")
    if not Profile.objects.filter(name=defaults.NAME).exists():
        profile = Profile.objects.create(
            name=defaults.NAME,
            description="Seeded default: edit it to match your ideal customer.",
            is_active=not Profile.objects.filter(is_active=True).exists(),
            half_life_days=defaults.HALF_LIFE_DAYS,
            **defaults.GRADES,
        )
        Rule.objects.bulk_create(
            Rule(profile=profile, position=i, **{"min_count": 1, **rule})
            for i, rule in enumerate(defaults.RULES)
        )
        Mql.objects.create(profile=profile, version=1, **defaults.MQL)

    Schedule = apps.get_model("django_q", "Schedule")
    wanted = {"func": FUNC, "kwargs": "{}", "args": None, "schedule_type": "I",
              "minutes": 24 * 60, "repeats": -1}
    existing = Schedule.objects.filter(name=SCHEDULE)
    if existing.exists():
        existing.update(**wanted)
    else:
        Schedule.objects.create(name=SCHEDULE, next_run=timezone.now(), **wanted)


def unseed(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=SCHEDULE).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("scoring", "0001_initial"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
