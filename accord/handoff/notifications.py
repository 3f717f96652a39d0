"""Telling people and systems what happened in the hand-off.

Three ways out, all written in the caller's transaction (outbox), so a rolled-back action
notifies nobody and a committed one cannot be lost:

* in-app: a ``Notification`` row (the bell and its unread count);
* email: the notification row is its own outbox entry (``email_pending``); a wake-up job
  sends every pending e-mail through Django's email backend (console in the demo), never
  inside the caller's transaction, because SMTP is slow and may fail (below);
* webhooks: the hand-off events below, delivered by the webhook outbox.

Every notification carries a ``key`` naming its occurrence: notifying twice with the same key
(a retried job, a double click) adds nothing.

E-mails go out in batches, not one job each: at 50 MQLs a second, one job per assignment
e-mail meant ~150 worker transactions a second (take, run, delete), each needing SQLite's one
write lock that the MQL transactions need too, and the queue still fell behind. Now the first
e-mail notification of a ``EMAIL_BUCKET_SECONDS`` time bucket (per process) queues one wake-up
job keyed by the bucket, held back until the bucket has ended plus ``EMAIL_GRACE_SECONDS``;
later ones in that bucket queue nothing (``accord.core.outbox.WakeUps``). The job sends
everything pending, in short transactions of its own: claim a batch (``emailed_at`` = a
lease), send with no transaction open, mark them done. So:

* at least once: a sender that dies after sending and before marking leaves its lease to
  expire (``EMAIL_LEASE``, seconds: a live sender renews it at every heartbeat, and the
  worker queues a wake-up when the sender's heartbeat stops), and the e-mails go again; a
  notification whose transaction commits after its bucket's job ran (a transaction longer
  than the grace) is sent by the next wake-up or by the periodic sweep
  (``notification_emails_sweep``, every minute) at the latest;
* a rolled-back action notifies nobody: its notification rows, and the wake-up queued with
  them, roll back;
* an e-mail that fails stays pending and is tried again by later runs, without blocking the
  others; after ``EMAIL_GIVE_UP`` it is dropped with an error in the log.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accord.accounts.models import Role, User
from accord.core.claims import DEAD_AFTER, claimant_running
from accord.core.events import Published
from accord.core.hooks import emit
from accord.core.jobs import idempotent
from accord.core.outbox import WakeUps
from accord.core.prepared import RowShape
from accord.handoff.models import Notification

logger = logging.getLogger(__name__)

#: The hand-off's public events: webhooks offer them to subscribe to (``webhooks.events``).
HANDOFF_EVENTS: dict[str, Any] = {
    "lead.mql": _("A lead became marketing-qualified (MQL)"),
    "lead.assigned": _("A lead was assigned to a rep (or queued)"),
    "lead.accepted": _("Sales accepted a lead (SAL)"),
    "lead.rejected": _("Sales rejected a lead, with a reason"),
    "lead.recycled": _("A lead went back to nurture"),
    "sla.warning": _("An SLA deadline is close"),
    "sla.breached": _("An SLA deadline passed"),
}

TITLE_MAX = Notification._meta.get_field("title").max_length or 200
KEY_MAX = Notification._meta.get_field("key").max_length or 200

# One prepared ``INSERT ... ON CONFLICT DO NOTHING``: a repeated key inserts nothing and
# raises nothing, so no savepoint is needed around it (every MQL's assignment notifies).
_NOTIFICATION_ROW = RowShape(
    Notification,
    ("user_id", "kind", "title", "body", "url", "key", "created_at", "email_pending"),
)

#: Wake-ups: one per bucket and process, run this long after the bucket ended.
EMAIL_BUCKET_SECONDS = 2
EMAIL_GRACE_SECONDS = 2
#: A claimed e-mail not marked sent after this is claimed again (its sender died). A live
#: sender renews the lease of what it holds at every heartbeat (``accord.core.claims``), so
#: the lease can be three beats: a killed sender's e-mails go again within seconds.
EMAIL_LEASE = DEAD_AFTER
EMAIL_WAKE_JOB = "accord.handoff.notifications.notification_emails_wake"
#: A failing e-mail is tried again by each run until it is this old.
EMAIL_GIVE_UP = timedelta(days=1)
#: E-mails claimed per transaction, and at most per run (the job has a time limit).
EMAIL_BATCH = 100
EMAIL_RUN_MAX = 1000


def event_emit(
    *, event: str, payload: Mapping[str, Any], key: str, at: datetime | None = None
) -> None:
    """Publish a hand-off event (webhooks deliver it: accord.wiring); ``key`` names the
    occurrence."""
    emit(Published(name=event, payload=payload, key=key, at=at))


def _notification_insert(
    *, user_id: int, kind: str, title: str, key: str, body: str, url: str, email: bool
) -> Notification | None:
    """Insert one notification; None when its key exists already."""
    values = (
        user_id, kind, str(title)[:TITLE_MAX], str(body), url, key[:KEY_MAX], timezone.now(),
        email,
    )  # fmt: skip
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
            user_id=user_id, kind=kind, title=title, key=key, body=body, url=url, email=email
        )
        if notification is not None and email:
            _email_wake_up()
    return notification


def notify_many(
    *, user_ids: Iterable[int], kind: str, title: str, key: str, body: str = "", url: str = ""
) -> int:
    """Notify each person once (the key is suffixed with their id); return how many."""
    with transaction.atomic(savepoint=False):
        created = [
            notification.pk
            for user_id in sorted(set(user_ids))
            if (
                notification := _notification_insert(
                    user_id=user_id, kind=kind, title=title, key=f"{key}:u{user_id}",
                    body=body, url=url, email=True,
                )
            )
        ]  # fmt: skip
        if created:
            _email_wake_up()
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


# --- The e-mail outbox ---------------------------------------------------------------------


def _bucket_now() -> int:
    return int(time.time() // EMAIL_BUCKET_SECONDS)


#: The wake-ups of the e-mail outbox (accord.core.outbox); ``_bucket_now`` is looked up at
#: each call, so that tests can fix the bucket.
_EMAIL_WAKE_UPS = WakeUps(
    "accord.handoff.notifications.notification_emails_wake",
    key_prefix="email:wake",
    bucket_seconds=EMAIL_BUCKET_SECONDS,
    grace_seconds=EMAIL_GRACE_SECONDS,
    bucket_now=lambda: _bucket_now(),
)


def _email_wake_up() -> None:
    """Make sure a job will send this transaction's e-mails (call inside it)."""
    _EMAIL_WAKE_UPS.ensure()


# Control characters (C0, DEL, C1) and the Unicode line/paragraph separators: a header is one
# line, and Django refuses a subject holding CR or LF (BadHeaderError) -- so a lead named
# "Eve\r\nBcc: ..." on a public form would have stopped every e-mail naming it.
_HEADER_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def header_text(text: str) -> str:
    """``text`` made safe for a single-line e-mail header: control runs become one space."""
    return " ".join(_HEADER_UNSAFE.sub(" ", str(text)).split())


def _email_message(notification: Notification, address: str) -> EmailMessage:
    body = notification.body
    if notification.url:
        body = f"{body}\n\n{notification.url}".strip()
    return EmailMessage(
        subject=header_text(f"[Accord] {notification.title}"),
        body=body,
        from_email=getattr(settings, "DEFAULT_FROM_EMAIL", None),
        to=[address],
    )


def _emails_claim(*, now: datetime, limit: int) -> list[tuple[Notification, str]]:
    """Claim up to ``limit`` pending e-mails (lease = now) and return them with their address;
    pending ones whose person has no address are done at once."""
    claimable = (
        Notification.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(email_pending=True)
        .exclude(emailed_at__gte=now - EMAIL_LEASE)  # claimed by a live sender
        .select_related("user")
        .only("pk", "title", "body", "url", "created_at", "user__email")
        .order_by("pk")
    )
    with transaction.atomic():
        rows = list(claimable[:limit])
        claimed = [(n, n.user.email) for n in rows if n.user.email]
        no_address = [n.pk for n in rows if not n.user.email]
        if claimed:
            Notification.objects.filter(pk__in=[n.pk for n, _ in claimed]).update(emailed_at=now)
        if no_address:
            Notification.objects.filter(pk__in=no_address).update(email_pending=False)
    return claimed


def _emails_deliver(claimed: list[tuple[Notification, str]], *, now: datetime) -> tuple[int, int]:
    """Send claimed e-mails (no transaction open: SMTP is slow) and record the outcome;
    return how many were sent and how many failed."""
    sent: list[int] = []
    failed: list[Notification] = []
    mailer = get_connection()
    try:
        mailer.open()  # one connection for the batch (SMTP: one login)
    except Exception:
        logger.exception("The mail server cannot be reached; %s e-mail(s) wait.", len(claimed))
        failed = [notification for notification, _ in claimed]
    else:
        try:
            for notification, address in claimed:
                try:
                    mailer.send_messages([_email_message(notification, address)])
                except Exception:  # this one waits; the others still go
                    logger.exception("E-mail of notification %s failed.", notification.pk)
                    failed.append(notification)
                else:
                    sent.append(notification.pk)
        finally:
            mailer.close()
    given_up = [n.pk for n in failed if n.created_at < now - EMAIL_GIVE_UP]
    retry = [n.pk for n in failed if n.pk not in given_up]
    with transaction.atomic():
        if sent:
            Notification.objects.filter(pk__in=sent).update(email_pending=False)
        if retry:  # free the lease: the next run tries again
            Notification.objects.filter(pk__in=retry).update(emailed_at=None)
        if given_up:
            logger.error("Gave up e-mailing notifications %s after %s.", given_up, EMAIL_GIVE_UP)
            Notification.objects.filter(pk__in=given_up).update(
                email_pending=False, emailed_at=None
            )
    return len(sent), len(failed)


def emails_send_pending(*, limit: int = EMAIL_RUN_MAX) -> int:
    """Send pending notification e-mails, oldest first; return how many went out.

    Call it outside a transaction: each batch is claimed and marked in short transactions
    of its own, and nothing is held while the mail server answers.
    """
    total = attempted = 0
    held: list[int] = []  # the batch being sent: its leases are renewed at each heartbeat

    def renew(now: datetime) -> None:
        if pks := list(held):
            Notification.objects.filter(pk__in=pks, email_pending=True).update(emailed_at=now)

    # A claimant whose death (heartbeat stopped) makes the worker queue a wake-up at once.
    with claimant_running(job=EMAIL_WAKE_JOB, renew=renew):
        while attempted < limit:
            now = timezone.now()
            claimed = _emails_claim(now=now, limit=min(EMAIL_BATCH, limit - attempted))
            if not claimed:
                break
            held[:] = [notification.pk for notification, _ in claimed]
            attempted += len(claimed)
            sent, failed = _emails_deliver(claimed, now=now)
            held.clear()
            total += sent
            if failed or len(claimed) < EMAIL_BATCH:
                break  # failures wait for the next run, not this one's next batch
    return total


@idempotent
def notification_emails_wake() -> None:
    """The wake-up job: send what is pending once this job's receipt has committed (so not
    inside the job's transaction, which on SQLite holds the database's write lock)."""
    transaction.on_commit(emails_send_pending)


def notification_emails_sweep() -> int:
    """Periodic (every minute): send whatever no wake-up sent (a transaction that committed
    after its bucket's job ran, a sender that died, an e-mail that failed)."""
    return emails_send_pending()


@idempotent
def notification_email_send(*, notification_id: int) -> None:
    """A job queued before the outbox (one per e-mail): the outbox sends it now."""
    Notification.objects.filter(pk=notification_id, emailed_at__isnull=True).update(
        email_pending=True
    )
    transaction.on_commit(emails_send_pending)


@idempotent
def notification_emails_send(*, notification_ids: list[int]) -> None:
    """A fan-out's job queued before the outbox: the outbox sends its e-mails now."""
    Notification.objects.filter(pk__in=notification_ids, emailed_at__isnull=True).update(
        email_pending=True
    )
    transaction.on_commit(emails_send_pending)


def unread_count(*, user_id: int) -> int:
    return Notification.objects.filter(user_id=user_id, read_at__isnull=True).count()


def notifications_mark_read(*, user_id: int, notification_id: int | None = None) -> int:
    """Mark one (or every) unread notification of this person read; return how many."""
    unread = Notification.objects.filter(user_id=user_id, read_at__isnull=True)
    if notification_id is not None:
        unread = unread.filter(pk=notification_id)
    return unread.update(read_at=timezone.now())
