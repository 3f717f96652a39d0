"""What a digest holds: the week's sections, built once and kept as a snapshot.

Windows: the week is Monday 00:00 to the next Monday (local time); channels and promotions use
the twelve weeks ending with it (a week, even a month, has too few won deals to rank
channels by); the funnel also shows the month to date against the approved plans' need for
that month.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from accord.core.errors import InvalidInput
from accord.digest import sections_numbers as numbers
from accord.digest import sections_work as work

TRAILING = timedelta(days=84)
WEEK_RE = re.compile(r"^(\d{4})-W(\d{2})$")
#: The sections in the order of the agenda (the page and the e-mail follow it).
SECTIONS = (
    "funnel",
    "channels",
    "sla",
    "rejections",
    "promotions",
    "intel",
    "audits",
    "forecast",
)


def week_parse(value: str) -> date:
    """The Monday of an ISO week written ``YYYY-Www``."""
    match = WEEK_RE.match(value.strip())
    if match is None:
        raise InvalidInput(_("Write the week as YYYY-Www, e.g. 2026-W49."), field="week")
    try:
        return date.fromisocalendar(int(match[1]), int(match[2]), 1)
    except ValueError:
        raise InvalidInput(_("There is no such ISO week."), field="week") from None


def week_label(monday: date) -> str:
    year, week, _day = monday.isocalendar()
    return f"{year}-W{week:02d}"


def last_full_week(today: date) -> date:
    """The Monday of the last week that has ended by ``today``."""
    return today - timedelta(days=today.weekday() + 7)


def _aware(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def build_content(week: date) -> dict[str, Any]:
    """Every section of the week starting on Monday ``week``, as plain JSON."""
    start, end = _aware(week), _aware(week + timedelta(days=7))
    month_start = _aware(week.replace(day=1))
    trailing = end - TRAILING
    return {
        "week": week_label(week),
        "from": week.isoformat(),
        "to": (week + timedelta(days=6)).isoformat(),
        "funnel": numbers.funnel_vs_plan(start, end, month_start),
        "channels": numbers.channels(trailing, end),
        "sla": numbers.sla_breaches(start, end),
        "rejections": numbers.rejections(start, end),
        "promotions": work.promotion_results(trailing, end),
        "intel": work.intel_pending(end),
        "audits": work.audit_results(start, end),
        "forecast": work.forecast_movement(week),
    }
