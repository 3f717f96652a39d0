"""Log-in lockouts (django-axes): who is locked out, and unlocking a username or an address.

Axes records failed log-ins (``AccessAttempt``, one row per username, address and browser).
A username or an address is locked once its failures within the cool-off reach
``AXES_FAILURE_LIMIT``; these functions read and clear those records for administrators.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import datetime

from axes.models import AccessAttempt
from axes.utils import reset as axes_reset
from django.conf import settings
from django.db.models import Max, Sum
from django.utils import timezone


@dataclass(frozen=True)
class Lockout:
    kind: str  # "username" or "ip"
    value: str
    failures: int
    last_attempt: datetime


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def lockouts_list() -> list[Lockout]:
    """The usernames and addresses locked out now (failures within the cool-off)."""
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    recent = AccessAttempt.objects.filter(attempt_time__gte=since)
    found: list[Lockout] = []
    for kind, column in (("username", "username"), ("ip", "ip_address")):
        rows = (
            recent.exclude(**{f"{column}__isnull": True})
            .values(column)
            .annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
            .filter(failures__gte=settings.AXES_FAILURE_LIMIT)
            .order_by(column)
        )
        found += [Lockout(kind, row[column], row["failures"], row["last"]) for row in rows]
    return found


def lockout_clear(*, target: str) -> int:
    """Unlock ``target`` (an IP address, else a username); return the records removed."""
    target = target.strip()
    if _is_ip(target):
        return axes_reset(ip=target)
    return axes_reset(username=target)
