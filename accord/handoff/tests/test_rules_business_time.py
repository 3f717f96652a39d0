"""Business-time arithmetic: worked examples (weekends, holidays, DST) and properties."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.handoff import rules

DAY = [["09:00", "18:00"]]
OFFICE = {"mon": DAY, "tue": DAY, "wed": DAY, "thu": DAY, "fri": DAY}
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def office(zone: str = "UTC", holidays=()) -> rules.Calendar:
    return rules.calendar_parse(time_zone=zone, working_hours=OFFICE, holidays=list(holidays))


def test_friday_1755_with_one_business_hour_is_due_monday_0955_in_the_teams_zone():
    for zone in ("UTC", "Europe/Berlin", "America/New_York", "Asia/Tokyo"):
        tz = ZoneInfo(zone)
        start = datetime(2026, 1, 9, 17, 55, tzinfo=tz)  # a Friday
        due = rules.business_deadline(start, timedelta(hours=1), office(zone))
        assert due == datetime(2026, 1, 12, 9, 55, tzinfo=tz)
        assert due.tzinfo == tz


def test_start_outside_hours_counts_from_the_next_opening():
    cal = office()
    saturday = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)
    assert rules.business_deadline(saturday, timedelta(minutes=30), cal) == datetime(
        2026, 1, 12, 9, 30, tzinfo=UTC
    )
    early = datetime(2026, 1, 13, 6, 0, tzinfo=UTC)
    assert rules.business_deadline(early, timedelta(hours=9), cal) == datetime(
        2026, 1, 13, 18, 0, tzinfo=UTC
    )


def test_holidays_are_skipped():
    cal = office(holidays=["2026-01-12", "2026-01-13"])
    start = datetime(2026, 1, 9, 17, 0, tzinfo=UTC)  # Friday
    assert rules.business_deadline(start, timedelta(hours=2), cal) == datetime(
        2026, 1, 14, 10, 0, tzinfo=UTC
    )
    assert rules.business_duration(start, datetime(2026, 1, 14, 10, 0, tzinfo=UTC), cal) == (
        timedelta(hours=2)
    )


def test_split_shifts_and_overnight_gaps():
    cal = rules.calendar_parse(
        time_zone="UTC", working_hours={"mon": [["13:00", "17:00"], ["08:00", "12:00"]]}
    )
    monday = datetime(2026, 1, 5, 11, 0, tzinfo=UTC)
    assert rules.business_deadline(monday, timedelta(hours=2), cal) == datetime(
        2026, 1, 5, 14, 0, tzinfo=UTC
    )
    # 1 h Monday afternoon left after 16:00, the rest the next Monday.
    assert rules.business_deadline(
        datetime(2026, 1, 5, 16, 0, tzinfo=UTC), timedelta(hours=3), cal
    ) == datetime(2026, 1, 12, 10, 0, tzinfo=UTC)


def test_berlin_spring_forward_day_is_an_hour_shorter_in_real_time():
    # Sunday 29 March 2026: clocks jump from 02:00 to 03:00 in Berlin.
    cal = rules.calendar_parse(
        time_zone="Europe/Berlin", working_hours={"sun": [["00:00", "24:00"]]}
    )
    start = datetime(2026, 3, 29, 0, 0, tzinfo=BERLIN)
    end = datetime(2026, 3, 30, 0, 0, tzinfo=BERLIN)
    assert rules.business_duration(start, end, cal) == timedelta(hours=23)
    assert rules.business_deadline(start, timedelta(hours=3), cal) == datetime(
        2026, 3, 29, 4, 0, tzinfo=BERLIN
    )


def test_berlin_fall_back_day_is_an_hour_longer_in_real_time():
    # Sunday 25 October 2026: clocks go back from 03:00 to 02:00.
    cal = rules.calendar_parse(
        time_zone="Europe/Berlin", working_hours={"sun": [["00:00", "24:00"]]}
    )
    start = datetime(2026, 10, 25, 0, 0, tzinfo=BERLIN)
    assert rules.business_duration(start, datetime(2026, 10, 26, tzinfo=BERLIN), cal) == (
        timedelta(hours=25)
    )
    due = rules.business_deadline(start, timedelta(hours=4), cal)
    assert due == datetime(2026, 10, 25, 3, 0, tzinfo=BERLIN)
    assert due.utcoffset() == timedelta(hours=1)


def test_new_york_office_hours_keep_their_wall_clock_across_dst():
    # Friday 6 March 2026 17:30 EST + 1 business hour → Monday 9 March 09:30 EDT.
    start = datetime(2026, 3, 6, 17, 30, tzinfo=NEW_YORK)
    due = rules.business_deadline(start, timedelta(hours=1), office("America/New_York"))
    assert (due.date(), due.hour, due.minute) == (date(2026, 3, 9), 9, 30)
    assert due.utcoffset() == timedelta(hours=-4)
    assert due.astimezone(UTC) == datetime(2026, 3, 9, 13, 30, tzinfo=UTC)


def test_zero_duration_is_the_start_and_bad_input_is_refused():
    cal = office()
    start = datetime(2026, 1, 10, 3, 0, tzinfo=UTC)
    assert rules.business_deadline(start, timedelta(0), cal) == start
    with pytest.raises(ValueError, match="negative"):
        rules.business_deadline(start, timedelta(minutes=-1), cal)
    with pytest.raises(ValueError, match="timezone-aware"):
        rules.business_deadline(datetime(2026, 1, 10), timedelta(hours=1), cal)
    assert rules.business_duration(start, start - timedelta(hours=5), cal) == timedelta(0)


def test_a_calendar_whose_days_are_all_holidays_is_an_error_not_a_hang():
    cal = rules.calendar_parse(time_zone="UTC", working_hours={"mon": DAY}, holidays=[])
    every_monday = frozenset(
        date(2026, 1, 5) + timedelta(weeks=n) for n in range(rules.SEARCH_LIMIT_DAYS // 7 + 3)
    )
    cal = rules.Calendar(zone=cal.zone, week=cal.week, holidays=every_monday)
    with pytest.raises(ValueError, match="no working time"):
        rules.business_deadline(datetime(2026, 1, 1, tzinfo=UTC), timedelta(hours=1), cal)


# ---- properties ----------------------------------------------------------------------------

ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata"]


@st.composite
def calendars(draw) -> rules.Calendar:
    zone = draw(st.sampled_from(ZONES))
    week = {}
    for day in rules.WEEKDAYS:
        points = sorted(draw(st.sets(st.integers(0, 96), max_size=4)))
        pairs = [points[i : i + 2] for i in range(0, len(points) - 1, 2)]
        week[day] = [[rules.minute_format(a * 15), rules.minute_format(b * 15)] for a, b in pairs]
    if not any(week.values()):
        week["wed"] = [["10:00", "11:30"]]
    holidays = draw(st.lists(st.dates(date(2026, 1, 1), date(2026, 12, 31)), max_size=5))
    return rules.calendar_parse(time_zone=zone, working_hours=week, holidays=holidays)


starts = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 31), timezones=st.just(UTC)
)
# A generated week may hold as little as 15 working minutes, and rules.business_deadline
# searches SEARCH_LIMIT_DAYS (three years) ahead: 8 hours (16 when two are added) always fits.
durations = st.timedeltas(min_value=timedelta(0), max_value=timedelta(hours=8))


@settings(max_examples=150, deadline=None)
@given(calendar=calendars(), start=starts, duration=durations)
def test_deadline_round_trips_through_business_duration(calendar, start, duration):
    due = rules.business_deadline(start, duration, calendar)
    assert due >= start
    assert rules.business_duration(start, due, calendar) == duration
    if duration > timedelta(0):
        assert rules.is_working_time(due, calendar)


@settings(max_examples=100, deadline=None)
@given(calendar=calendars(), start=starts, a=durations, b=durations)
def test_deadline_is_monotone_in_the_duration(calendar, start, a, b):
    short, long = sorted((a, b))
    assert rules.business_deadline(start, short, calendar) <= rules.business_deadline(
        start, long, calendar
    )


@settings(max_examples=100, deadline=None)
@given(calendar=calendars(), start=starts, a=durations, b=durations)
def test_deadlines_compose(calendar, start, a, b):
    # Waiting a then b is waiting a + b (the deadline of the first is the start of the second).
    first = rules.business_deadline(start, a, calendar)
    if a > timedelta(0):
        assert rules.business_deadline(first, b, calendar) == rules.business_deadline(
            start, a + b, calendar
        )


@settings(max_examples=100, deadline=None)
@given(calendar=calendars(), start=starts, hours=st.integers(0, 24 * 20))
def test_business_duration_never_exceeds_elapsed_time(calendar, start, hours):
    end = start + timedelta(hours=hours)
    assert timedelta(0) <= rules.business_duration(start, end, calendar) <= end - start
