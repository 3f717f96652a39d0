"""Retention: each type of data is kept for its period, then removed or anonymised.

Periods come from settings (``PRIVACY_RETENTION_DAYS``, from the environment) unless an
administrator set a ``RetentionPolicy`` for the type (its empty ``days`` keeps the data for
ever). ``retention_run`` is what the daily worker job and ``accord privacy retention`` run;
with ``dry_run`` it only counts. What happens to each type:

* anonymous visitor touches (never linked to a person) older than the period: deleted, in
  the database and (``analytics`` subscribes to ``AnonymousTouchesDeleted``) in the analytics
  copy's raw touches (the copy's daily traffic counts, which are aggregates, stay);
* unconverted leads: a person with no open lead and no deal, unchanged for the period, is
  anonymised as an erasure would (rows kept, counts kept; not put on the suppression list:
  they did not ask for anything);
* webhook delivery logs that are finished (delivered or abandoned): deleted, by
  ``integrations`` (above ``privacy``), which subscribes to ``RetentionDue``;
* uploaded import files waiting under ``IMPORT_UPLOAD_DIR`` (``VAR_DIR/imports``): deleted;
* in-app notifications whose e-mail is not pending: deleted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from accord.contacts.models import Contact, Lead
from accord.core.events import AnonymousTouchesDeleted, RetentionDue
from accord.core.hooks import emit
from accord.handoff.models import Notification
from accord.pipeline.models import Deal
from accord.privacy.erasure import contact_anonymise
from accord.privacy.models import RetentionDataType, RetentionPolicy
from accord.tracking.models import Touchpoint


@dataclass(frozen=True)
class RetentionLine:
    data_type: str
    label: str
    days: int | None
    action: str
    count: int


def retention_periods() -> dict[str, int | None]:
    periods = dict.fromkeys(RetentionDataType.values)
    periods.update(getattr(settings, "PRIVACY_RETENTION_DAYS", {}))
    for policy in RetentionPolicy.objects.all():
        periods[policy.data_type] = policy.days
    return periods


def _cutoff(now: datetime, days: int | None) -> datetime | None:
    return None if days is None else now - timedelta(days=days)


def _anonymous_touches(cutoff: datetime) -> QuerySet[Touchpoint]:
    return Touchpoint.objects.filter(contact__isnull=True, at__lt=cutoff)


def _unconverted_contacts(cutoff: datetime) -> QuerySet[Contact]:
    leads = Lead.objects.filter(contact=OuterRef("pk"))
    return (
        Contact.objects.filter(updated_at__lt=cutoff)
        .exclude(properties__has_key="erased_at")  # already anonymised
        .exclude(Exists(leads.filter(is_open=True)))
        .exclude(Exists(Deal.objects.filter(lead__contact=OuterRef("pk"))))
    )


def _old_notifications(cutoff: datetime) -> QuerySet[Notification]:
    return Notification.objects.filter(created_at__lt=cutoff, email_pending=False)


def _import_files(cutoff: datetime) -> list[Path]:
    folder = Path(settings.IMPORT_UPLOAD_DIR)
    if not folder.is_dir():
        return []
    limit = cutoff.timestamp()
    return [p for p in folder.iterdir() if p.is_file() and p.stat().st_mtime < limit]


def retention_run(*, dry_run: bool = False, now: datetime | None = None) -> list[RetentionLine]:
    now = now or timezone.now()
    periods = retention_periods()
    labels = dict(RetentionDataType.choices)
    lines = []
    for data_type in RetentionDataType.values:
        days = periods.get(data_type)
        cutoff = _cutoff(now, days)
        action, count = _apply(data_type, cutoff, dry_run=dry_run)
        lines.append(RetentionLine(data_type, str(labels[data_type]), days, action, count))
    return lines


def _apply(data_type: str, cutoff: datetime | None, *, dry_run: bool) -> tuple[str, int]:
    if data_type == RetentionDataType.ANONYMOUS_TOUCHES:
        action = "delete"
        if cutoff is None:
            return action, 0
        rows = _anonymous_touches(cutoff)
        if dry_run:
            return action, rows.count()
        with transaction.atomic():
            count = rows.delete()[0]
        if count:  # the analytics copy's raw touches follow (accord.wiring)
            emit(AnonymousTouchesDeleted(before=cutoff))
        return action, count
    if data_type == RetentionDataType.UNCONVERTED_LEADS:
        action = "anonymise"
        if cutoff is None:
            return action, 0
        contacts = _unconverted_contacts(cutoff)
        if dry_run:
            return action, contacts.count()
        count = 0
        for contact in contacts.iterator():
            contact_anonymise(contact=contact)
            count += 1
        return action, count
    if data_type == RetentionDataType.IMPORT_FILES:
        action = "delete"
        files = _import_files(cutoff) if cutoff else []
        if not dry_run:
            for path in files:
                path.unlink(missing_ok=True)
        return action, len(files)
    if cutoff is None:
        return "delete", 0
    if data_type == RetentionDataType.NOTIFICATIONS:
        notifications = _old_notifications(cutoff)
        if dry_run:
            return "delete", notifications.count()
        return "delete", notifications.delete()[0]
    # A type held by an app above privacy (webhook delivery logs): its handler deletes it.
    due = RetentionDue(data_type=data_type, cutoff=cutoff, dry_run=dry_run, counts={})
    emit(due)
    return "delete", sum(due.counts.values())
