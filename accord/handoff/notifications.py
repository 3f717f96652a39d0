"""Telling people and systems what happened in the hand-off.

Three ways out, all written in the caller's transaction (outbox), so a rolled-back action
notifies nobody and a committed one cannot be lost:

* in-app: a ``Notification`` row (the bell and its unread count);
* email: a job per notification sends it through Django's email backend (console in the
  demo), never inside the caller's transaction, because SMTP is slow and may fail;
* webhooks: the hand-off events below, delivered by the webhook outbox.

Every notification carries a ``key`` naming its occurrence: notifying twice with the same key
(a retried job, a double click) adds nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accord.accounts.models import Role, User
from accord.core.jobs import enqueue, idempotent
from accord.core.prepared import RowShape
from accord.handoff.models import Notification
from accord.integrations.webhooks.events import event_register, webhook_event_emit

logger = logging.getLogger(__name__)

#: The hand-off's webhook events (registered at import; the app's ``ready`` imports us).
HANDOFF_EVENTS: dict[str, Any] = {
    "lead.mql": _("A lead became marketing-qualified (MQL)"),
    "lead.assigned": _("A lead was assigned to a rep (or queued)"),
    "lead.accepted": _("Sales accepted a lead (SAL)"),
    "lead.rejected": _("Sales rejected a lead, with a reason"),
    "lead.recycled": _("A lead went back to nurture"),
    "sla.warning": _("An SLA deadline is close"),
    "sla.breached": _("An SLA deadline passed"),
}
for _name, _description in HANDOFF_EVENTS.items():
    event_register(_name, _description)

TITLE_MAX = Notification._meta.get_field("title").max_length or 200
KEY_MAX = Notification._meta.get_field("key").max_length or 200

# One prepared ``INSERT ... ON CONFLICT DO NOTHING``: a repeated key inserts nothing and
# raises nothing, so no savepoint is needed around it (every MQL's assignment notifies).
_NOTIFICATION_ROW = RowShape(
    Notification, ("user_id", "kind", "title", "body", "url", "key", "created_at")
)


def event_emit(
    *, event: str, payload: Mapping[str, Any], key: str, at: datetime | None = None
) -> int:
    """Emit a hand-off webhook event (outbox); ``key`` names the occurrence."""
    return webhook_event_emit(event=event, payload=payload, key=f"{event}:{key}", at=at)


def _notification_insert(
    *, user_id: int, kind: str, title: str, key: str, body: str, url: str
) -> Notification | None:
    """Insert one notification; None when its key exists already."""
    values = (user_id, kind, str(title)[:TITLE_MAX], str(body), url, key[:KEY_MAX], timezone.now())
    if _NOTIFICATION_ROW.has_save_receivers():
        try:
            with transaction.atomic():  # a savepoint: a repeated key leaves the caller usable
                return Notification.objects.create(
                    **dict(zip(_NOTIFICATION_ROW.fields, values, strict=True))
                )
        except IntegrityError:
            return None
    with connection.cursor() as cursor:
        cursor.execute(
            _NOTIFICATION_ROW.insert_sql(connection, ignore_conflicts=True),
            _NOTIFICATION_ROW.params(values, connection),
        )
        row = cursor.fetchone()
    if row is None:
        return None
    notification = Notification(
        pk=row[0], **dict(zip(_NOTIFICATION_ROW.fields, values, strict=True))
    )
    notification._state.adding = False
    return notification


def notify(
    *,
    user_id: int,
    kind: str,
    title: str,
    key: str,
    body: str = "",
    url: str = "",
    email: bool = True,
) -> Notification | None:
    """Notify one person in the app and (when they have an address) by email.

    Returns the new notification, or None when this ``key`` was already notified.
    """
    with transaction.atomic(savepoint=False):
        notification = _notification_insert(
            user_id=user_id, kind=kind, title=title, key=key, body=body, url=url
        )
        if notification is not None and email:
            enqueue(
                notification_email_send,
                key=f"email:{key}"[:200],
                notification_id=notification.pk,
            )
    return notification


def notify_many(
    *, user_ids: Iterable[int], kind: str, title: str, key: str, body: str = "", url: str = ""
) -> int:
    """Notify each person once (the key is suffixed with their id); return how many.

    The e-mails of one fan-out go out from one job, not one job per person.
    """
    with transaction.atomic(savepoint=False):
        created = [
            notification.pk
            for user_id in sorted(set(user_ids))
            if (
                notification := _notification_insert(
                    user_id=user_id, kind=kind, title=title, key=f"{key}:u{user_id}",
                    body=body, url=url,
                )
            )
        ]  # fmt: skip
        if created:
            # The first new id names this batch: a later fan-out under the same key (a
            # manager added since) is another batch and gets its own job.
            enqueue(
                notification_emails_send,
                key=f"email:{key}:n{created[0]}"[:200],
                notification_ids=created,
            )
    return len(created)


def managers_of(team_id: int | None) -> list[int]:
    """Who hears about a team's routing problems and breaches: its managers, else every
    active manager (a lead in the fallback queue has no team)."""
    managers = User.objects.filter(is_active=True, role=Role.MANAGER)
    if team_id is not None:
        own = list(managers.filter(team_id=team_id).values_list("pk", flat=True))
        if own:
            return own
    return list(managers.values_list("pk", flat=True))


def _email_send(notification_id: int) -> bool:
    """Send one notification by email unless done already; the send is the last thing done
    for it (see core.jobs)."""
    notification = Notification.objects.select_related("user").filter(pk=notification_id).first()
    if notification is None or not notification.user.email or notification.emailed_at:
        return False
    Notification.objects.filter(pk=notification_id).update(emailed_at=timezone.now())
    body = notification.body
    if notification.url:
        body = f"{body}\n\n{notification.url}".strip()
    send_mail(
        subject=f"[Accord] {notification.title}",
        message=body,
        from_email=getattr(settings, "DEFAULT_FROM_EMAIL", None),
        recipient_list=[notification.user.email],
    )
    return True


@idempotent
def notification_email_send(*, notification_id: int) -> bool:
    """Send one notification by email."""
    return _email_send(notification_id)


@idempotent
def notification_emails_send(*, notification_ids: list[int]) -> int:
    """Send the e-mails of one fan-out (``notify_many``); return how many went out.

    A crash part-way repeats the whole job, and the e-mails already sent go again: the same
    at-least-once as one job per e-mail, for the handful of managers a fan-out reaches.
    """
    return sum(_email_send(notification_id) for notification_id in notification_ids)


def unread_count(*, user_id: int) -> int:
    return Notification.objects.filter(user_id=user_id, read_at__isnull=True).count()


def notifications_mark_read(*, user_id: int, notification_id: int | None = None) -> int:
    """Mark one (or every) unread notification of this person read; return how many."""
    unread = Notification.objects.filter(user_id=user_id, read_at__isnull=True)
    if notification_id is not None:
        unread = unread.filter(pk=notification_id)
    return unread.update(read_at=timezone.now())
