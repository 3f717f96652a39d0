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
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accord.accounts.models import Role, User
from accord.core.jobs import enqueue, idempotent
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


def event_emit(
    *, event: str, payload: Mapping[str, Any], key: str, at: datetime | None = None
) -> int:
    """Emit a hand-off webhook event (outbox); ``key`` names the occurrence."""
    return webhook_event_emit(event=event, payload=payload, key=f"{event}:{key}", at=at)


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
    with transaction.atomic():
        try:
            with transaction.atomic():  # a savepoint: a repeated key leaves the caller usable
                notification = Notification.objects.create(
                    user_id=user_id,
                    kind=kind,
                    title=str(title)[:TITLE_MAX],
                    body=str(body),
                    url=url,
                    key=key[:200],
                )
        except IntegrityError:
            return None
        if email:
            enqueue(
                notification_email_send,
                key=f"email:{key}"[:200],
                notification_id=notification.pk,
            )
    return notification


def notify_many(
    *, user_ids: Iterable[int], kind: str, title: str, key: str, body: str = "", url: str = ""
) -> int:
    """``notify`` each person once (the key is suffixed with their id); return how many."""
    sent = 0
    for user_id in sorted(set(user_ids)):
        if notify(
            user_id=user_id, kind=kind, title=title, key=f"{key}:u{user_id}", body=body, url=url
        ):
            sent += 1
    return sent


def managers_of(team_id: int | None) -> list[int]:
    """Who hears about a team's routing problems and breaches: its managers, else every
    active manager (a lead in the fallback queue has no team)."""
    managers = User.objects.filter(is_active=True, role=Role.MANAGER)
    if team_id is not None:
        own = list(managers.filter(team_id=team_id).values_list("pk", flat=True))
        if own:
            return own
    return list(managers.values_list("pk", flat=True))


@idempotent
def notification_email_send(*, notification_id: int) -> bool:
    """Send one notification by email; the send is the last thing done (see core.jobs)."""
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


def unread_count(*, user_id: int) -> int:
    return Notification.objects.filter(user_id=user_id, read_at__isnull=True).count()


def notifications_mark_read(*, user_id: int, notification_id: int | None = None) -> int:
    """Mark one (or every) unread notification of this person read; return how many."""
    unread = Notification.objects.filter(user_id=user_id, read_at__isnull=True)
    if notification_id is not None:
        unread = unread.filter(pk=notification_id)
    return unread.update(read_at=timezone.now())
