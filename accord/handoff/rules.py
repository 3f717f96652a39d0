"""Pure rules of the hand-off: business-time arithmetic, calendar and agreement validation,
version diffs and who owns which part of the agreement. No ORM here.

Business time is real elapsed time inside working intervals. Working hours are wall-clock
times in the calendar's zone; each interval is turned into an instant range with zoneinfo
(so a 09:00-18:00 day is 9 real hours on any day, and a night shift across a DST change is
as long as it really is), and all arithmetic is done on UTC instants: adding a timedelta to a
datetime that carries a ZoneInfo adds wall-clock time, which is wrong across DST changes.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from accord.core.errors import InvalidInput

WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MINUTES_PER_DAY = 24 * 60
# A calendar whose next working minute is further away than this is treated as broken (all
# days holidays, say) rather than searched forever.
SEARCH_LIMIT_DAYS = 3 * 366
_HHMM = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)$")

# ---- calendars ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Calendar:
    """A validated calendar: zone, per-weekday intervals in minutes from midnight, holidays."""

    zone: ZoneInfo
    week: tuple[tuple[tuple[int, int], ...], ...]  # 7 entries, Monday first
    holidays: frozenset[date] = frozenset()


def time_zone_parse(name: Any, *, field: str = "time_zone") -> ZoneInfo:
    if not isinstance(name, str) or not name.strip():
        raise InvalidInput("Choose a time zone, e.g. Europe/Berlin.", field=field)
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: "America", over-long names
        raise InvalidInput(
            f"Unknown time zone {name!r}; use an IANA name such as Europe/Berlin.", field=field
        ) from None


def _minute_parse(value: Any, *, field: str) -> int:
    match = _HHMM.match(value) if isinstance(value, str) else None
    if not match or (match.group(1) == "24" and match.group(2) != "00"):
        raise InvalidInput(f"{value!r} is not a time of day as HH:MM (00:00-24:00).", field=field)
    return int(match.group(1)) * 60 + int(match.group(2))


def minute_format(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def working_hours_parse(raw: Any, *, field: str = "working_hours") -> tuple:
    """Check ``{"mon": [["09:00", "18:00"], ...], ...}``; return 7 sorted interval tuples.

    Refused, naming the place: unknown weekday keys, malformed times, an interval that ends at
    or before its start, intervals of one day that overlap, and a week without any hours.
    Missing weekdays are days off; intervals that touch (12:00-13:00, 13:00-17:00) are fine.
    """
    if not isinstance(raw, Mapping):
        raise InvalidInput("Working hours must map weekdays (mon…sun) to intervals.", field=field)
    unknown = sorted(set(raw) - set(WEEKDAYS))
    if unknown:
        raise InvalidInput(f"Unknown weekday {unknown[0]!r}; use mon…sun.", field=field)
    week = []
    for day in WEEKDAYS:
        intervals = raw.get(day) or []
        if not isinstance(intervals, list | tuple):
            raise InvalidInput("A day's hours must be a list of intervals.", field=f"{field}.{day}")
        parsed = []
        for index, interval in enumerate(intervals):
            place = f"{field}.{day}[{index}]"
            if not isinstance(interval, list | tuple) or len(interval) != 2:
                raise InvalidInput("An interval is a pair [start, end].", field=place)
            start = _minute_parse(interval[0], field=place)
            end = _minute_parse(interval[1], field=place)
            if end <= start:
                raise InvalidInput(
                    f"The interval {interval[0]}-{interval[1]} ends before it starts.", field=place
                )
            parsed.append((start, end))
        parsed.sort()
        for before, after in itertools.pairwise(parsed):
            if after[0] < before[1]:
                raise InvalidInput(
                    f"{minute_format(before[0])}-{minute_format(before[1])} and "
                    f"{minute_format(after[0])}-{minute_format(after[1])} overlap.",
                    field=f"{field}.{day}",
                )
        week.append(tuple(parsed))
    if not any(week):
        raise InvalidInput("A calendar needs working hours on at least one day.", field=field)
    return tuple(week)


def holidays_parse(raw: Any, *, field: str = "holidays") -> frozenset[date]:
    if raw is None:
        return frozenset()
    if not isinstance(raw, list | tuple | set | frozenset):
        raise InvalidInput("Holidays must be a list of dates (YYYY-MM-DD).", field=field)
    days = set()
    for index, value in enumerate(raw):
        if isinstance(value, date) and not isinstance(value, datetime):
            days.add(value)
            continue
        try:
            days.add(date.fromisoformat(str(value).strip()))
        except ValueError:
            raise InvalidInput(
                f"{value!r} is not a date (YYYY-MM-DD).", field=f"{field}[{index}]"
            ) from None
    return frozenset(days)


def calendar_parse(*, time_zone: Any, working_hours: Any, holidays: Any = None) -> Calendar:
    """Validate raw calendar data (as stored or as typed) into a ``Calendar``."""
    return Calendar(
        zone=time_zone_parse(time_zone),
        week=working_hours_parse(working_hours),
        holidays=holidays_parse(holidays),
    )


def working_hours_serialise(week: tuple) -> dict[str, list[list[str]]]:
    return {
        day: [[minute_format(start), minute_format(end)] for start, end in week[index]]
        for index, day in enumerate(WEEKDAYS)
    }


# ---- business time ------------------------------------------------------------------------


def _utc_required(value: datetime, name: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")
    return value.astimezone(UTC)


def _instant(day: date, minute: int, zone: ZoneInfo) -> datetime:
    local = datetime.combine(day, time()) + timedelta(minutes=minute)  # 24:00 → next midnight
    return local.replace(tzinfo=zone).astimezone(UTC)


def _day_windows(day: date, calendar: Calendar) -> list[tuple[datetime, datetime]]:
    """The day's working intervals as UTC instant ranges.

    Wall times inside a spring-forward gap map (fold=0) past times just after the gap, so two
    intervals of such a day can overlap or one can come out empty once converted: they are
    merged, and empty ones dropped, so the windows stay ordered and disjoint.
    """
    if day in calendar.holidays:
        return []
    windows: list[tuple[datetime, datetime]] = []
    for start, end in calendar.week[day.weekday()]:
        begins, ends = _instant(day, start, calendar.zone), _instant(day, end, calendar.zone)
        if ends <= begins:
            continue
        if windows and begins <= windows[-1][1]:
            windows[-1] = (windows[-1][0], max(windows[-1][1], ends))
        else:
            windows.append((begins, ends))
    return windows


def _windows_from(moment: datetime, calendar: Calendar) -> Iterator[tuple[datetime, datetime]]:
    """Working windows (UTC) that end after ``moment``, in order; stops at the search limit."""
    # Start a day early: the local date of a UTC instant can be behind the window's day.
    first = moment.astimezone(calendar.zone).date() - timedelta(days=1)
    last_end: datetime | None = None
    for offset in range(SEARCH_LIMIT_DAYS + 2):
        for begins, ends in _day_windows(first + timedelta(days=offset), calendar):
            if ends <= moment:
                continue
            # Windows of neighbouring days can touch (24:00 and 00:00) but never overlap.
            if last_end is not None and begins < last_end:
                begins = last_end
                if ends <= begins:
                    continue
            last_end = ends
            yield begins, ends


def business_deadline(start: datetime, duration: timedelta, calendar: Calendar) -> datetime:
    """The instant when ``duration`` of working time has passed since ``start``.

    Returned in the calendar's zone. A zero duration is ``start`` itself; otherwise the result
    always lies inside a working window (its end included).
    """
    if duration < timedelta(0):
        raise ValueError("duration must not be negative")
    moment = _utc_required(start, "start")
    if duration == timedelta(0):
        return moment.astimezone(calendar.zone)
    remaining = duration
    for begins, ends in _windows_from(moment, calendar):
        begins = max(begins, moment)
        available = ends - begins
        if remaining <= available:
            return (begins + remaining).astimezone(calendar.zone)
        remaining -= available
    raise ValueError(f"the calendar has no working time within {SEARCH_LIMIT_DAYS} days")


def business_duration(start: datetime, end: datetime, calendar: Calendar) -> timedelta:
    """Working time between ``start`` and ``end`` (zero when ``end`` is not after ``start``)."""
    begin, finish = _utc_required(start, "start"), _utc_required(end, "end")
    total = timedelta(0)
    if finish <= begin:
        return total
    for window_begins, window_ends in _windows_from(begin, calendar):
        if window_begins >= finish:
            break
        total += min(window_ends, finish) - max(window_begins, begin)
    return total


def is_working_time(moment: datetime, calendar: Calendar) -> bool:
    """True when ``moment`` lies in a working window (its end included)."""
    instant = _utc_required(moment, "moment")
    for begins, ends in _windows_from(instant - timedelta(microseconds=1), calendar):
        return begins <= instant <= ends
    return False


# ---- the agreement ------------------------------------------------------------------------

SHARED, MARKETING, SALES = "shared", "marketing", "sales"


@dataclass(frozen=True)
class FieldSpec:
    kind: type  # int, bool, str
    minimum: int | None = None
    maximum: int | None = None


# Every leaf of an agreement's content with its type and range; the first path segment says
# which side owns it (``side_of``). ``marketing.mqls_per_month`` (team name → count) and
# ``rejection_reasons`` are checked apart, being open-ended.
AGREEMENT_FIELDS: dict[str, FieldSpec] = {
    "mql_definition.scoring_profile": FieldSpec(str),
    "mql_definition.min_score": FieldSpec(int, -10_000, 10_000),
    "mql_definition.min_grade": FieldSpec(str),
    "mql_definition.fast_track": FieldSpec(bool),
    "mql_definition.hot_min_score": FieldSpec(int, -10_000, 10_000),
    "sales.accept_within_business_hours": FieldSpec(int, 1, 24 * 30),
    "sales.first_attempt_within_minutes_hot": FieldSpec(int, 1, 24 * 60),
    "sales.first_attempt_within_hours_other": FieldSpec(int, 1, 24 * 30),
    "sales.attempts_before_recycle": FieldSpec(int, 1, 100),
    "sales.attempt_window_days": FieldSpec(int, 1, 365),
    "marketing.quality_floor_accept_rate_pct": FieldSpec(int, 0, 100),
    "escalation.warn_before_minutes": FieldSpec(int, 0, 24 * 60),
    "escalation.reassign_on_breach": FieldSpec(bool),
}
# Terms a version may state or leave out (readers fall back to their defaults).
AGREEMENT_OPTIONAL_FIELDS: dict[str, FieldSpec] = {
    "marketing.rejection_alert_window_mqls": FieldSpec(int, 1, 10_000),
    "marketing.rejection_alert_rate_pct": FieldSpec(int, 0, 100),
}
REASON_OUTCOMES = ("recycled", "disqualified")
GRADES = ("", "A", "B", "C", "D", "F")
_CODE = re.compile(r"^[a-z0-9_]{1,40}$")


def side_of(path: str) -> str:
    """Which side owns a content path: ``sales``, ``marketing`` or ``shared`` (both)."""
    head = path.split(".", 1)[0].split("[", 1)[0]
    return head if head in (SALES, MARKETING) else SHARED


def _get(content: Mapping[str, Any], path: str) -> Any:
    value: Any = content
    for part in path.split("."):
        if not isinstance(value, Mapping) or part not in value:
            raise InvalidInput("This term is missing from the agreement.", field=path)
        value = value[part]
    return value


def agreement_content_validate(content: Any) -> dict[str, Any]:
    """Check an agreement's content; return a normalised copy. Errors name the path."""
    if not isinstance(content, Mapping):
        raise InvalidInput("The agreement must be a JSON object.", field="content")
    optional = {
        path: spec
        for path, spec in AGREEMENT_OPTIONAL_FIELDS.items()
        if path.split(".")[1] in (content.get(path.split(".")[0]) or {})
    }
    for path, spec in (AGREEMENT_FIELDS | optional).items():
        value = _get(content, path)
        # bool is an int in Python; a flag must not pass as a number, nor a number as a flag.
        if spec.kind is int and (isinstance(value, bool) or not isinstance(value, int)):
            raise InvalidInput("Enter a whole number.", field=path)
        if spec.kind is not int and not isinstance(value, spec.kind):
            raise InvalidInput(f"Expected {spec.kind.__name__}.", field=path)
        if spec.minimum is not None and value < spec.minimum:
            raise InvalidInput(f"Must be at least {spec.minimum}.", field=path)
        if spec.maximum is not None and value > spec.maximum:
            raise InvalidInput(f"Must be at most {spec.maximum}.", field=path)
    if content["mql_definition"]["min_grade"] not in GRADES:
        raise InvalidInput("Use a grade A-F or leave empty.", field="mql_definition.min_grade")
    required = _get(content, "mql_definition.required_fields")
    if not isinstance(required, list) or not all(isinstance(f, str) and f for f in required):
        raise InvalidInput("A list of field names.", field="mql_definition.required_fields")
    targets = _get(content, "marketing.mqls_per_month")
    if not isinstance(targets, Mapping):
        raise InvalidInput("Map team names to monthly MQLs.", field="marketing.mqls_per_month")
    for team, count in targets.items():
        if not isinstance(count, int) or isinstance(count, bool) or count < 0:
            raise InvalidInput(
                "Enter a whole number of MQLs, 0 or more.", field=f"marketing.mqls_per_month.{team}"
            )
    reasons = content.get("rejection_reasons")
    if not isinstance(reasons, list) or not reasons:
        raise InvalidInput("List at least one rejection reason.", field="rejection_reasons")
    codes = set()
    for index, reason in enumerate(reasons):
        place = f"rejection_reasons[{index}]"
        if not isinstance(reason, Mapping) or not isinstance(reason.get("label"), str):
            raise InvalidInput("A reason has a code and a label.", field=place)
        code = reason.get("code")
        if not isinstance(code, str) or not _CODE.match(code):
            raise InvalidInput("A code is 1-40 lower-case letters, digits or _.", field=place)
        if code in codes:
            raise InvalidInput(f"The code {code!r} is listed twice.", field=place)
        if not reason["label"].strip():
            raise InvalidInput("A reason needs a label.", field=place)
        if reason.get("outcome", REASON_OUTCOMES[0]) not in REASON_OUTCOMES:
            raise InvalidInput("The outcome is recycled or disqualified.", field=place)
        codes.add(code)
    known = {"mql_definition", "sales", "marketing", "rejection_reasons", "escalation"}
    extra = sorted(set(content) - known)
    if extra:
        raise InvalidInput(f"Unknown section {extra[0]!r}.", field=extra[0])
    return {
        key: (dict(content[key]) if isinstance(content[key], Mapping) else content[key])
        for key in sorted(known)
    } | {"rejection_reasons": [dict(reason) for reason in reasons]}


@dataclass(frozen=True)
class Change:
    path: str
    old: Any
    new: Any

    @property
    def side(self) -> str:
        return side_of(self.path)


_MISSING = object()


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    # An empty mapping has no leaves: {} → {"EMEA": 120} is one change, at ...EMEA.
    if isinstance(value, Mapping):
        flat: dict[str, Any] = {}
        for key, item in value.items():
            flat.update(_flatten(item, f"{prefix}.{key}" if prefix else str(key)))
        return flat
    return {prefix: value}


def version_diff(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Change]:
    """Every leaf path whose value differs between two contents, sorted by path.

    Lists (rejection reasons, required fields) compare whole: reordering is a change. A path
    present on one side only shows ``None`` on the other.
    """
    before, after = _flatten(old), _flatten(new)
    changes = []
    for path in sorted(set(before) | set(after)):
        a, b = before.get(path, _MISSING), after.get(path, _MISSING)
        if a != b:
            changes.append(Change(path, None if a is _MISSING else a, None if b is _MISSING else b))
    return changes


def paths_forbidden(changes: list[Change], *, side: str | None) -> list[str]:
    """Changed paths that ``side`` may not change alone: the other side's commitments.

    ``side`` None (an editor on neither side, e.g. an administrator) may change shared terms
    only. Shared terms still need both approvals, like every version.
    """
    return [c.path for c in changes if c.side != SHARED and c.side != side]


# ---- SLA clocks ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ClockPlan:
    kind: str
    due_at: datetime
    warn_at: datetime | None


def clock_durations(content: Mapping[str, Any], *, score: int) -> dict[str, timedelta]:
    """Business-time length of each clock an assignment starts, per the agreement."""
    sales = content["sales"]
    hot = score >= content["mql_definition"]["hot_min_score"]
    first_attempt = (
        timedelta(minutes=sales["first_attempt_within_minutes_hot"])
        if hot
        else timedelta(hours=sales["first_attempt_within_hours_other"])
    )
    return {
        "accept": timedelta(hours=sales["accept_within_business_hours"]),
        "first_attempt": first_attempt,
    }


def clocks_plan(
    content: Mapping[str, Any], *, score: int, start: datetime, calendar: Calendar
) -> list[ClockPlan]:
    """Due and warning instants of the clocks an assignment at ``start`` starts.

    The warning comes when ``warn_before_minutes`` of business time remain; a clock shorter
    than that has no warning (it would fire at once).
    """
    warn_before = timedelta(minutes=content["escalation"]["warn_before_minutes"])
    plans = []
    for kind, duration in clock_durations(content, score=score).items():
        due = business_deadline(start, duration, calendar)
        warn = None
        if warn_before and duration > warn_before:
            warn = business_deadline(start, duration - warn_before, calendar)
        plans.append(ClockPlan(kind, due, warn))
    return plans


# Which clocks each satisfying action stops.
STOPS: dict[str, tuple[str, ...]] = {
    "accepted": ("accept",),
    "rejected": ("accept", "first_attempt"),
    "attempt_logged": ("first_attempt",),
    "reassigned": ("accept", "first_attempt"),
    "closed": ("accept", "first_attempt"),
}
