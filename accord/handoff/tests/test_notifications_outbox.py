"""The notification e-mail outbox: one wake-up job per time bucket sends every pending e-mail."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.db import transaction
from django.utils import timezone
from django_q.models import OrmQ

from accord.accounts.tests.factories import UserFactory
from accord.core.models import JobReceipt
from accord.handoff import notifications
from accord.handoff.models import Notification
from accord.handoff.notifications import (
    EMAIL_LEASE,
    emails_send_pending,
    notification_email_send,
    notify,
    notify_many,
)
from accord.integrations.tests.webhook_support import queued_jobs_run

pytestmark = pytest.mark.django_db


@pytest.fixture
def bucket(monkeypatch):
    """A fixed time bucket (an hour ahead), so that a test never straddles two."""
    fixed = int(time.time() + 3600) // notifications.EMAIL_BUCKET_SECONDS
    monkeypatch.setattr(notifications, "_bucket_now", lambda: fixed)
    return fixed


def _wake_ups() -> list[OrmQ]:
    return [row for row in OrmQ.objects.all() if row.task["func"].endswith("emails_wake")]


def test_twenty_notifications_queue_one_job_that_sends_twenty_emails(
    bucket, django_capture_on_commit_callbacks
):
    reps = [UserFactory(username=f"rep{n}") for n in range(20)]
    for n, rep in enumerate(reps):
        with transaction.atomic():  # each its own action, as twenty MQLs would be
            notify(user_id=rep.pk, kind="lead.assigned", title=f"Lead {n}", key=f"a:{n}")
    assert mail.outbox == []  # nothing is sent inside the actions
    (wake_up,) = _wake_ups()
    assert wake_up.task["kwargs"] == {"job_key": f"email:wake:{bucket}"}
    # Held back until the bucket has ended, plus the grace.
    run_at = (bucket + 1) * notifications.EMAIL_BUCKET_SECONDS + notifications.EMAIL_GRACE_SECONDS
    assert wake_up.lock.timestamp() == run_at

    assert queued_jobs_run(django_capture_on_commit_callbacks) == 1
    assert sorted(m.to[0] for m in mail.outbox) == sorted(rep.email for rep in reps)
    assert not Notification.objects.filter(email_pending=True).exists()
    assert not Notification.objects.filter(emailed_at__isnull=True).exists()
    assert emails_send_pending() == 0  # a second run (or the sweep) sends nothing
    assert len(mail.outbox) == 20


def test_a_later_bucket_gets_its_own_wake_up(monkeypatch):
    rep = UserFactory()
    for n, bucket in enumerate((7, 7, 8)):
        monkeypatch.setattr(notifications, "_bucket_now", lambda bucket=bucket: bucket)
        notify(user_id=rep.pk, kind="x", title="t", key=f"k{n}")
    assert sorted(row.task["kwargs"]["job_key"] for row in _wake_ups()) == [
        "email:wake:7",
        "email:wake:8",
    ]


def test_a_rolled_back_action_notifies_nobody_and_queues_nothing(bucket):
    rep = UserFactory()
    with pytest.raises(RuntimeError), transaction.atomic():
        notify(user_id=rep.pk, kind="x", title="t", key="gone")
        assert len(_wake_ups()) == 1
        raise RuntimeError("the action fails after notifying")
    assert not Notification.objects.exists()
    assert _wake_ups() == []
    # The rolled-back wake-up does not count as queued: the next notification queues one.
    notify(user_id=rep.pk, kind="x", title="t", key="kept")
    assert len(_wake_ups()) == 1


def test_the_same_key_twice_adds_nothing(bucket):
    rep = UserFactory()
    assert notify(user_id=rep.pk, kind="x", title="t", key="once") is not None
    assert notify(user_id=rep.pk, kind="x", title="t", key="once") is None
    assert emails_send_pending() == 1
    assert len(mail.outbox) == 1


def test_no_address_or_in_app_only_sends_nothing(bucket):
    no_address = UserFactory(email="")
    rep = UserFactory()
    notify(user_id=no_address.pk, kind="x", title="t", key="a")
    notify(user_id=rep.pk, kind="x", title="t", key="b", email=False)
    assert Notification.objects.get(key="b").email_pending is False
    assert emails_send_pending() == 0
    assert mail.outbox == []
    assert not Notification.objects.filter(email_pending=True).exists()
    assert not Notification.objects.filter(emailed_at__isnull=False).exists()


def test_a_fan_out_sends_through_the_same_outbox(bucket):
    managers = [UserFactory(username=f"m{n}") for n in range(3)]
    assert notify_many(user_ids=[m.pk for m in managers], kind="x", title="t", key="f") == 3
    assert len(_wake_ups()) == 1
    assert emails_send_pending() == 3


def test_a_sender_that_died_after_claiming_leaves_its_emails_to_be_sent_again(bucket):
    """At least once: claimed (lease taken) but never marked sent, as after a kill -9
    between the claim and the mark, the e-mail waits out the lease and goes again."""
    rep = UserFactory()
    notify(user_id=rep.pk, kind="x", title="t", key="k")
    claimed = notifications._emails_claim(now=timezone.now(), limit=10)
    assert [n.key for n, _ in claimed] == ["k"]  # ...and then the sender died
    assert emails_send_pending() == 0  # the lease is live: nobody else sends it
    Notification.objects.update(emailed_at=timezone.now() - EMAIL_LEASE - timedelta(seconds=1))
    assert emails_send_pending() == 1
    assert len(mail.outbox) == 1
    assert Notification.objects.get(key="k").email_pending is False


class _RefusingBackend(EmailBackend):
    """The locmem backend, refusing one address (a mailbox the server rejects)."""

    def send_messages(self, messages):
        if any("refused@" in address for m in messages for address in m.to):
            raise OSError("550 mailbox unavailable")
        return super().send_messages(messages)


def test_a_failing_email_waits_without_blocking_the_others(bucket, settings):
    settings.EMAIL_BACKEND = f"{__name__}._RefusingBackend"
    refused = UserFactory(username="refused", email="refused@example.com")
    others = [UserFactory(username=f"ok{n}") for n in range(3)]
    for user in [refused, *others]:
        notify(user_id=user.pk, kind="x", title="t", key=f"k{user.pk}")
    assert emails_send_pending() == 3
    assert sorted(m.to[0] for m in mail.outbox) == sorted(u.email for u in others)
    waiting = Notification.objects.get(user=refused)
    assert (waiting.email_pending, waiting.emailed_at) == (True, None)  # tried again later
    assert emails_send_pending() == 0
    # After EMAIL_GIVE_UP it is dropped (and logged), no longer tried.
    Notification.objects.filter(pk=waiting.pk).update(
        created_at=timezone.now() - notifications.EMAIL_GIVE_UP - timedelta(minutes=1)
    )
    assert emails_send_pending() == 0
    assert not Notification.objects.filter(email_pending=True).exists()


def test_an_email_job_queued_before_the_outbox_still_sends_once(
    django_capture_on_commit_callbacks,
):
    rep = UserFactory()
    legacy = Notification.objects.create(user=rep, kind="x", title="Old", key="old")
    assert legacy.email_pending is False  # as the migration leaves it
    with django_capture_on_commit_callbacks(execute=True):
        notification_email_send(job_key="email:old", notification_id=legacy.pk)
    assert [m.subject for m in mail.outbox] == ["[Accord] Old"]
    with django_capture_on_commit_callbacks(execute=True):
        notification_email_send(job_key="email:old-again", notification_id=legacy.pk)
    assert len(mail.outbox) == 1
    assert JobReceipt.objects.filter(key__startswith="email:old").count() == 2


def test_a_backlog_goes_out_in_batches_in_one_run(bucket, monkeypatch):
    monkeypatch.setattr(notifications, "EMAIL_BATCH", 2)
    rep = UserFactory()
    for n in range(5):
        notify(user_id=rep.pk, kind="x", title=f"t{n}", key=f"k{n}")
    assert emails_send_pending() == 5
    assert len(mail.outbox) == 5


class _UnreachableBackend(EmailBackend):
    def open(self):
        raise OSError("connection refused")


def test_an_unreachable_mail_server_leaves_every_email_pending(bucket, settings, monkeypatch):
    settings.EMAIL_BACKEND = f"{__name__}._UnreachableBackend"
    monkeypatch.setattr(notifications, "EMAIL_BATCH", 2)
    rep = UserFactory()
    for n in range(5):
        notify(user_id=rep.pk, kind="x", title=f"t{n}", key=f"k{n}")
    assert emails_send_pending() == 0  # and the run ends: no retrying within it
    assert Notification.objects.filter(email_pending=True, emailed_at__isnull=True).count() == 5
