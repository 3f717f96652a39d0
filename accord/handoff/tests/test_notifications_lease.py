"""A sender's claimed e-mails: its heartbeat keeps them, its death frees them in seconds.

The e-mail lease used to be five minutes, so e-mails claimed by a sender killed mid-batch
waited that long. Now the lease is three heartbeats and a live sender renews it at every
beat (``accord.core.claims``). A real sender runs in a thread against committed data
(``transactional_db``), held inside its mail server by a backend that waits for the test.
"""

from __future__ import annotations

import threading
import time

import pytest
from django.core.mail.backends.locmem import EmailBackend
from django.utils import timezone

from accord.accounts.tests.factories import UserFactory
from accord.core.claims import DEAD_AFTER
from accord.core.models import Claimant
from accord.handoff import notifications
from accord.handoff.models import Notification
from accord.handoff.notifications import emails_send_pending, notify

DEADLINE_SECONDS = 30
_release = threading.Event()
_entered = threading.Event()


class SlowBackend(EmailBackend):
    """The locmem backend, held in ``send_messages`` until the test releases it."""

    def send_messages(self, messages):
        _entered.set()
        _release.wait(DEADLINE_SECONDS)
        return super().send_messages(messages)


def _poll(condition, what: str) -> None:
    deadline = time.monotonic() + DEADLINE_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what}")
        time.sleep(0.05)


def test_a_live_sender_keeps_its_emails_and_a_dead_one_frees_them(transactional_db, settings):
    settings.EMAIL_BACKEND = f"{__name__}.SlowBackend"
    _release.clear()
    _entered.clear()
    rep = UserFactory(email="rep@example.com")
    notify(user_id=rep.pk, kind="x", title="t", key="k")
    sender = threading.Thread(target=emails_send_pending)
    sender.start()
    try:
        _entered.wait(DEADLINE_SECONDS)
        claimed_at = Notification.objects.get(key="k").emailed_at
        # The sender is stuck in its mail server, alive: its heartbeat renews the lease ...
        _poll(lambda: Notification.objects.get(key="k").emailed_at > claimed_at, "a renewal")
        # ... so a sender looking one lease past the claim finds nothing to take.
        assert notifications._emails_claim(now=claimed_at + DEAD_AFTER, limit=10) == []
        assert Claimant.objects.filter(job=notifications.EMAIL_WAKE_JOB).exists()
    finally:
        _release.set()
        sender.join(DEADLINE_SECONDS)
    notification = Notification.objects.get(key="k")
    assert notification.email_pending is False
    assert not Claimant.objects.exists()


def test_emails_of_a_sender_whose_heartbeat_stopped_are_taken_after_three_beats(
    transactional_db,
):
    rep = UserFactory(email="rep@example.com")
    notify(user_id=rep.pk, kind="x", title="t", key="k")
    claimed_at = timezone.now()
    assert len(notifications._emails_claim(now=claimed_at, limit=10)) == 1  # ... then killed
    assert notifications._emails_claim(now=claimed_at + DEAD_AFTER / 2, limit=10) == []
    later = notifications._emails_claim(now=claimed_at + DEAD_AFTER * 1.01, limit=10)
    assert [n.key for n, _ in later] == ["k"]
