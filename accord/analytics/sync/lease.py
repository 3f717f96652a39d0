"""Exactly one node writes the analytics copy at a time: a lease row in the database.

Every writer of the copy (the minute sync, ``accord analytics sync``, the corrections of an
erasure) holds the ``analytics.copy`` lease while it writes and publishes, on whichever node
it runs. Taking it is one conditional UPDATE — free, or its holder's expiry passed — so on
PostgreSQL (the row is re-checked after a concurrent update commits) and on SQLite (one
writer at a time) two nodes can never both get it. The holder renews the expiry from a
thread every ``LEASE_SECONDS / 4`` while it works, clears the row when done, and checks it
still holds the lease right before it switches the published manifest (``lease_confirm``):
a holder that stalled past its expiry and was overtaken publishes nothing.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accord.analytics.engine import AnalyticsBusy
from accord.analytics.models import CopyLease

logger = logging.getLogger(__name__)

LEASE_NAME = "analytics.copy"
DEFAULT_LEASE_SECONDS = 120.0
_HOST = socket.gethostname()[:255]


class LeaseLost(AnalyticsBusy):
    """The lease expired and another node took it: this writer must not publish."""


def _lease_seconds() -> float:
    return float(getattr(settings, "ANALYTICS_LEASE_SECONDS", DEFAULT_LEASE_SECONDS))


def lease_try(token: str) -> bool:
    """Take the lease for ``token`` if it is free or expired; True when taken."""
    now = timezone.now()
    if not CopyLease.objects.filter(name=LEASE_NAME).exists():
        try:
            with transaction.atomic():
                CopyLease.objects.create(name=LEASE_NAME)
        except IntegrityError:  # another node created it first
            pass
    taken = (
        CopyLease.objects.filter(name=LEASE_NAME)
        .filter(Q(holder="") | Q(expires_at__lt=now) | Q(expires_at__isnull=True))
        .update(
            holder=token,
            host=_HOST,
            pid=os.getpid(),
            acquired_at=now,
            expires_at=now + timedelta(seconds=_lease_seconds()),
        )
    )
    return taken == 1


def lease_confirm(token: str) -> None:
    """Renew the lease, or raise ``LeaseLost`` if this token no longer holds it."""
    now = timezone.now()
    renewed = CopyLease.objects.filter(name=LEASE_NAME, holder=token, expires_at__gt=now).update(
        expires_at=now + timedelta(seconds=_lease_seconds())
    )
    if renewed != 1:
        raise LeaseLost(str(_("Another node took over the analytics copy.")))


def lease_release(token: str) -> None:
    CopyLease.objects.filter(name=LEASE_NAME, holder=token).update(holder="", expires_at=None)


def _renewing(token: str, stop: threading.Event) -> None:
    """Renew from a thread (its own database connection) until told to stop."""
    try:
        while not stop.wait(_lease_seconds() / 4):
            try:
                lease_confirm(token)
            except AnalyticsBusy:
                logger.warning("The analytics copy lease was lost while writing.")
                return
            except Exception:  # a missed renewal; the next may get through
                logger.warning("Could not renew the analytics copy lease.", exc_info=True)
    finally:
        connection.close()


@contextmanager
def copy_lease(*, wait: float) -> Iterator[str]:
    """Hold the lease for the block (waiting up to ``wait`` seconds); yield its token.

    Raises ``AnalyticsBusy`` when another node keeps it longer. Inside a transaction (tests)
    no renewing thread is started: nobody else could see the row anyway.
    """
    token = uuid.uuid4().hex
    deadline = time.monotonic() + wait
    while not lease_try(token):
        if time.monotonic() >= deadline:
            raise AnalyticsBusy(str(_("The analytics copy is busy; try again in a moment.")))
        time.sleep(0.1)
    stop = threading.Event()
    thread = threading.Thread(target=_renewing, args=(token, stop), daemon=True)
    renewing = not connection.in_atomic_block
    if renewing:
        thread.start()
    try:
        yield token
    finally:
        if renewing:
            stop.set()
            thread.join()
        lease_release(token)
