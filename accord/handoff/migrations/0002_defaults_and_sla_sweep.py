"""Seed the default calendar and an active agreement version, and schedule the SLA sweep
(every minute; see accord.handoff.jobs). The content is copied here, not imported from
accord.handoff.defaults, so this migration means the same thing forever."""

from django.db import migrations
from django.utils import timezone

SCHEDULE = "handoff.sla_sweep"
FUNC = "accord.handoff.jobs.sla_clocks_sweep"
AGREEMENT_NAME = "Marketing and sales hand-off"
CALENDAR_NAME = "Default (Mon-Fri 09:00-18:00 UTC)"
DAY = [["09:00", "18:00"]]
WORKING_HOURS = {"mon": DAY, "tue": DAY, "wed": DAY, "thu": DAY, "fri": DAY, "sat": [], "sun": []}
CONTENT = {
    "mql_definition": {
        "scoring_profile": "Default",
        "min_score": 70,
        "min_grade": "C",
        "required_fields": [],
        "fast_track": True,
        "hot_min_score": 90,
    },
    "sales": {
        "accept_within_business_hours": 4,
        "first_attempt_within_minutes_hot": 15,
        "first_attempt_within_hours_other": 8,
        "attempts_before_recycle": 6,
        "attempt_window_days": 14,
    },
    "marketing": {"mqls_per_month": {}, "quality_floor_accept_rate_pct": 60},
    "rejection_reasons": [
        {"code": "not_a_fit", "label": "Not a fit (size, industry or role)"},
        {"code": "no_budget", "label": "No budget"},
        {"code": "bad_contact_data", "label": "Contact data wrong or missing"},
        {"code": "duplicate", "label": "Duplicate of an open lead"},
        {"code": "student_or_competitor", "label": "Student, job seeker or competitor"},
        {"code": "bad_timing", "label": "Not now (bad timing)"},
    ],
    "escalation": {"warn_before_minutes": 30, "reassign_on_breach": False},
}


def defaults_add(apps, schema_editor):
    Calendar = apps.get_model("handoff", "BusinessCalendar")
    Agreement = apps.get_model("handoff", "HandoffAgreement")
    Version = apps.get_model("handoff", "AgreementVersion")
    Schedule = apps.get_model("django_q", "Schedule")
    now = timezone.now()
    if not Calendar.objects.filter(is_default=True).exists():
        Calendar.objects.create(
            name=CALENDAR_NAME,
            time_zone="UTC",
            working_hours=WORKING_HOURS,
            holidays=[],
            is_default=True,
        )
    agreement, _ = Agreement.objects.get_or_create(name=AGREEMENT_NAME)
    if not Version.objects.filter(agreement=agreement).exists():
        Version.objects.create(
            agreement=agreement,
            number=1,
            status="active",
            content=CONTENT,
            note="Initial agreement installed with Accord.",
            submitted_at=now,
            activated_at=now,
        )
    wanted = {
        "func": FUNC,
        "kwargs": "{}",
        "args": None,
        "schedule_type": "I",
        "minutes": 1,
        "repeats": -1,
    }
    existing = Schedule.objects.filter(name=SCHEDULE)
    if existing.exists():
        existing.update(**wanted)
    else:
        Schedule.objects.create(name=SCHEDULE, next_run=now, **wanted)


def defaults_remove(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=SCHEDULE).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("handoff", "0001_initial"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(defaults_add, defaults_remove)]
