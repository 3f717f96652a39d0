"""The weekly digest's jobs (job addresses: schedules and queued rows name them).

``digest_weekly_run`` is a sweep the worker runs every few hours: when the last full week has
no digest yet, it builds one. ``Digest.week_start`` is unique, so a second run — or two
workers at once — builds nothing more: one digest per week, never two.
``digest_email_send`` mails one head, once (keyed per digest and person).
"""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from accord.accounts.models import User
from accord.core.jobs import idempotent
from accord.digest.content import last_full_week
from accord.digest.mail import digest_message
from accord.digest.models import Digest
from accord.digest.services import digest_build


def digest_weekly_run(*, today: date | None = None) -> int | None:
    """Build last week's digest if it is missing; its id, or None when it existed."""
    digest, created = digest_build(week=last_full_week(today or timezone.localdate()))
    return digest.pk if created else None


@idempotent
def digest_email_send(*, digest_id: int, user_id: int) -> bool:
    digest = Digest.objects.filter(pk=digest_id).first()
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if digest is None or user is None or not user.email:
        return False
    digest_message(digest, user).send()  # the last thing the body does (core.jobs)
    return True
