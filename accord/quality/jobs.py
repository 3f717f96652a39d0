"""The scheduled lead-quality review (a job address: schedules name this module's function).

Once a day the worker runs ``reviews_schedule_run``, a sweep: when the previous calendar month
has no scheduled review yet, it sets one up (``REVIEW_DEFAULTS``: N leads per channel, the
active sales people as raters, due two weeks after the month ends). The review's
``schedule_key`` is unique, so a second run — or two workers at once — creates nothing more.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accord.accounts import policy
from accord.accounts.models import Role, User
from accord.core.errors import InvalidInput
from accord.quality.models import Review
from accord.quality.services import review_create

REVIEW_DEFAULTS = {"per_channel": 5, "overlap_pct": 20, "due_days": 14}


def _previous_month(today: date) -> tuple[date, date]:
    end = today.replace(day=1) - timedelta(days=1)
    return end.replace(day=1), end


def reviews_schedule_run(*, today: date | None = None) -> int | None:
    """Create last month's review if it is missing; its id, or None when nothing was made."""
    today = today or timezone.localdate()
    start, end = _previous_month(today)
    key = f"monthly:{start:%Y-%m}"
    if Review.objects.filter(schedule_key=key).exists():
        return None
    raters = [
        user.pk
        for user in User.objects.filter(
            is_active=True, role__in=(Role.SALES, Role.MANAGER)
        ).order_by("pk")
        if policy.rater_eligible(user)
    ]
    if not raters:
        return None
    try:
        with transaction.atomic():
            review = review_create(
                by=None,
                name=_("Lead quality, %(month)s") % {"month": f"{start:%Y-%m}"},
                period_start=start,
                period_end=end,
                per_channel=REVIEW_DEFAULTS["per_channel"],
                overlap_pct=REVIEW_DEFAULTS["overlap_pct"],
                rater_ids=raters,
                due_date=end + timedelta(days=REVIEW_DEFAULTS["due_days"]),
                seed=int(f"{start:%Y%m}"),
                schedule_key=key,
            )
    except InvalidInput:
        return None  # no hand-offs last month: nothing to review
    except IntegrityError:
        return None  # another worker made it first
    return review.pk
