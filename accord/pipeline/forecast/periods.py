"""Forecast periods (calendar months and quarters) and submission weeks: pure date rules."""

from __future__ import annotations

from datetime import date, timedelta

from accord.core.errors import InvalidInput

MONTH = "month"
QUARTER = "quarter"
PERIOD_KINDS = (MONTH, QUARTER)


def kind_check(kind: str, *, field: str = "period_kind") -> str:
    if kind not in PERIOD_KINDS:
        raise InvalidInput(
            f"The period must be one of {', '.join(PERIOD_KINDS)}, not {kind!r}.", field=field
        )
    return kind


def period_start(day: date, kind: str) -> date:
    """The first day of the month or quarter holding ``day``."""
    kind_check(kind)
    if kind == MONTH:
        return day.replace(day=1)
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def period_next(start: date, kind: str) -> date:
    """The first day of the period after the one starting ``start``."""
    step = 1 if kind_check(kind) == MONTH else 3
    month = start.month - 1 + step
    return date(start.year + month // 12, month % 12 + 1, 1)


def period_end(start: date, kind: str) -> date:
    """The last day of the period starting ``start``."""
    return period_next(start, kind) - timedelta(days=1)


def period_start_check(start: date, kind: str, *, field: str = "period_start") -> date:
    """``start`` itself when it begins a period of ``kind``; InvalidInput naming ``field``."""
    if period_start(start, kind) != start:
        raise InvalidInput(
            f"{start.isoformat()} does not begin a {kind}: use "
            f"{period_start(start, kind).isoformat()}.",
            field=field,
        )
    return start


def periods_between(first: date, last: date, kind: str) -> list[date]:
    """The starts of every period that overlaps ``first``..``last`` (inclusive)."""
    starts = []
    current = period_start(first, kind)
    while current <= last:
        starts.append(current)
        current = period_next(current, kind)
    return starts


def period_label(start: date, kind: str) -> str:
    """``2026-04`` for a month, ``2026-Q2`` for a quarter (the same in every language)."""
    if kind_check(kind) == MONTH:
        return f"{start.year}-{start.month:02d}"
    return f"{start.year}-Q{(start.month - 1) // 3 + 1}"


def week_start(day: date) -> date:
    """The Monday of the ISO week holding ``day`` (a forecast is submitted once a week)."""
    return day - timedelta(days=day.weekday())
