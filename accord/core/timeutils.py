"""Time helpers: every stored time is timezone-aware; naive input is refused, not guessed."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from accord.core.errors import InvalidInput


def aware_required(value: datetime | None, *, field: str) -> datetime:
    """Return ``value`` (or now, when None); refuse a naive datetime with a named error."""
    if value is None:
        return timezone.now()
    if not isinstance(value, datetime):
        raise InvalidInput(f"{value!r} is not a date and time.", field=field)
    if timezone.is_naive(value):
        raise InvalidInput(
            "The time has no time zone; send it with an offset, e.g. 2026-01-31T09:00:00+03:00.",
            field=field,
        )
    return value
