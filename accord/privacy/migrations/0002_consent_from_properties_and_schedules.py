"""Move the consent kept on contacts (``properties["consent"]``, one overwritable answer)
into the ledger, and schedule the retention and incident-reminder jobs.

Each old answer becomes one ``migration`` event (its time, version and site kept); the key
is then removed from the contact's properties, so nothing reads or writes it any more.
"""

from datetime import UTC, datetime

from django.db import migrations
from django.utils import timezone

SCHEDULES = {
    "privacy.retention": {
        "func": "accord.privacy.jobs.retention_job",
        "schedule_type": "D",
        "minutes": None,
    },
    "privacy.incident_reminders": {
        "func": "accord.privacy.jobs.incident_reminders_job",
        "schedule_type": "I",
        "minutes": 30,
    },
}


def _when(value, default):
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        return default
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def consent_move(apps, schema_editor):
    Contact = apps.get_model("contacts", "Contact")
    ConsentEvent = apps.get_model("privacy", "ConsentEvent")
    events = []
    for contact in Contact.objects.filter(properties__has_key="consent").iterator():
        entry = contact.properties.pop("consent")
        if isinstance(entry, dict) and entry.get("granted") is not None:
            events.append(
                ConsentEvent(
                    contact_id=contact.pk,
                    purpose="processing",
                    lawful_basis="consent",
                    channel="migration",
                    granted=bool(entry.get("granted")),
                    at=_when(entry.get("at"), contact.created_at),
                    text_version=str(entry.get("version") or "")[:64],
                    source_page=f"site:{entry.get('site', '')}"[:2000],
                )
            )
        Contact.objects.filter(pk=contact.pk).update(properties=contact.properties)
        if len(events) >= 1000:
            ConsentEvent.objects.bulk_create(events)
            events = []
    ConsentEvent.objects.bulk_create(events)


def consent_restore(apps, schema_editor):
    Contact = apps.get_model("contacts", "Contact")
    ConsentEvent = apps.get_model("privacy", "ConsentEvent")
    for event in ConsentEvent.objects.filter(channel="migration").order_by("at", "id"):
        contact = Contact.objects.get(pk=event.contact_id)
        contact.properties["consent"] = {
            "granted": event.granted,
            "version": event.text_version,
            "at": event.at.isoformat(),
            "site": event.source_page.removeprefix("site:"),
        }
        Contact.objects.filter(pk=contact.pk).update(properties=contact.properties)
    ConsentEvent.objects.filter(channel="migration").delete()


def schedules_add(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    for name, wanted in SCHEDULES.items():
        values = {"kwargs": "{}", "args": None, "repeats": -1, **wanted}
        existing = Schedule.objects.filter(name=name)
        if existing.exists():
            existing.update(**values)
        else:
            Schedule.objects.create(name=name, next_run=timezone.now(), **values)


def schedules_remove(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name__in=list(SCHEDULES)).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("privacy", "0001_initial"),
        ("contacts", "0001_initial"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [
        migrations.RunPython(consent_move, consent_restore),
        migrations.RunPython(schedules_add, schedules_remove),
    ]
