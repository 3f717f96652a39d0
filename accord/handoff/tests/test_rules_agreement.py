"""Pure agreement rules: calendar validation, content validation, diffs, side ownership."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta

import pytest

from accord.core.errors import InvalidInput
from accord.handoff import defaults, rules


@pytest.mark.parametrize(
    ("working_hours", "field"),
    [
        ({"mon": [["09:00", "12:00"], ["11:00", "13:00"]]}, "working_hours.mon"),
        ({"tue": [["18:00", "09:00"]]}, "working_hours.tue[0]"),
        ({"wed": [["09:00", "09:00"]]}, "working_hours.wed[0]"),
        ({"thu": [["9am", "5pm"]]}, "working_hours.thu[0]"),
        ({"fri": [["09:00", "24:30"]]}, "working_hours.fri[0]"),
        ({"fri": [["09:00"]]}, "working_hours.fri[0]"),
        ({"funday": [["09:00", "10:00"]]}, "working_hours"),
        ({"mon": [], "sun": []}, "working_hours"),
        ({}, "working_hours"),
        ("09-18", "working_hours"),
    ],
)
def test_bad_working_hours_name_the_field(working_hours, field):
    with pytest.raises(InvalidInput) as error:
        rules.calendar_parse(time_zone="UTC", working_hours=working_hours)
    assert error.value.field == field


def test_unknown_time_zone_and_bad_holiday_name_the_field():
    with pytest.raises(InvalidInput) as error:
        rules.calendar_parse(time_zone="Mars/Olympus", working_hours=defaults.WORKING_HOURS)
    assert error.value.field == "time_zone"
    with pytest.raises(InvalidInput) as error:
        rules.calendar_parse(
            time_zone="UTC", working_hours=defaults.WORKING_HOURS, holidays=["2026-01-01", "x"]
        )
    assert error.value.field == "holidays[1]"


def test_touching_intervals_are_fine_and_serialise_sorted():
    calendar = rules.calendar_parse(
        time_zone="Europe/Berlin",
        working_hours={"mon": [["13:00", "17:00"], ["09:00", "13:00"]]},
    )
    assert rules.working_hours_serialise(calendar.week)["mon"] == [
        ["09:00", "13:00"],
        ["13:00", "17:00"],
    ]
    start = datetime(2026, 1, 5, 12, 0, tzinfo=calendar.zone)
    assert rules.business_deadline(start, timedelta(hours=2), calendar) == datetime(
        2026, 1, 5, 14, 0, tzinfo=calendar.zone
    )


def test_default_content_is_valid_and_errors_name_the_path():
    assert rules.agreement_content_validate(defaults.CONTENT)["sales"] == defaults.CONTENT["sales"]
    cases = [
        (("sales", "accept_within_business_hours"), 0, "sales.accept_within_business_hours"),
        (("sales", "attempts_before_recycle"), "six", "sales.attempts_before_recycle"),
        (("escalation", "reassign_on_breach"), 1, "escalation.reassign_on_breach"),
        (
            ("marketing", "quality_floor_accept_rate_pct"),
            101,
            "marketing.quality_floor_accept_rate_pct",
        ),
        (("mql_definition", "min_grade"), "Z", "mql_definition.min_grade"),
    ]
    for (section, key), value, field in cases:
        content = copy.deepcopy(defaults.CONTENT)
        content[section][key] = value
        with pytest.raises(InvalidInput) as error:
            rules.agreement_content_validate(content)
        assert error.value.field == field
    content = copy.deepcopy(defaults.CONTENT)
    content["rejection_reasons"].append(dict(content["rejection_reasons"][0]))
    with pytest.raises(InvalidInput) as error:
        rules.agreement_content_validate(content)
    assert error.value.field == f"rejection_reasons[{len(content['rejection_reasons']) - 1}]"
    content = copy.deepcopy(defaults.CONTENT)
    content["marketing"]["mqls_per_month"] = {"EMEA": -3}
    with pytest.raises(InvalidInput) as error:
        rules.agreement_content_validate(content)
    assert error.value.field == "marketing.mqls_per_month.EMEA"


def test_version_diff_lists_changed_paths_with_old_and_new():
    old = copy.deepcopy(defaults.CONTENT)
    new = copy.deepcopy(defaults.CONTENT)
    new["sales"]["accept_within_business_hours"] = 2
    new["marketing"]["mqls_per_month"] = {"EMEA": 120}
    new["rejection_reasons"] = new["rejection_reasons"][:2]
    changes = rules.version_diff(old, new)
    assert [(c.path, c.old, c.new, c.side) for c in changes] == [
        ("marketing.mqls_per_month.EMEA", None, 120, "marketing"),
        ("rejection_reasons", old["rejection_reasons"], new["rejection_reasons"], "shared"),
        ("sales.accept_within_business_hours", 4, 2, "sales"),
    ]
    assert rules.version_diff(old, copy.deepcopy(old)) == []


def test_each_side_may_change_only_its_own_commitments_and_shared_terms():
    old = copy.deepcopy(defaults.CONTENT)
    new = copy.deepcopy(defaults.CONTENT)
    new["sales"]["attempt_window_days"] = 21
    new["marketing"]["quality_floor_accept_rate_pct"] = 70
    new["mql_definition"]["min_score"] = 75
    changes = rules.version_diff(old, new)
    assert rules.paths_forbidden(changes, side="sales") == [
        "marketing.quality_floor_accept_rate_pct"
    ]
    assert rules.paths_forbidden(changes, side="marketing") == ["sales.attempt_window_days"]
    assert rules.paths_forbidden(changes, side=None) == [
        "marketing.quality_floor_accept_rate_pct",
        "sales.attempt_window_days",
    ]


def test_clock_plan_hot_and_other_leads_and_warning_in_business_time():
    calendar = rules.calendar_parse(time_zone="UTC", working_hours=defaults.WORKING_HOURS)
    friday = datetime(2026, 1, 9, 17, 0, tzinfo=UTC)
    hot = {
        p.kind: p
        for p in rules.clocks_plan(defaults.CONTENT, score=95, start=friday, calendar=calendar)
    }
    assert hot["accept"].due_at == datetime(2026, 1, 12, 12, 0, tzinfo=UTC)  # 1 h Fri + 3 h Mon
    assert hot["accept"].warn_at == datetime(2026, 1, 12, 11, 30, tzinfo=UTC)
    assert hot["first_attempt"].due_at == datetime(2026, 1, 9, 17, 15, tzinfo=UTC)
    assert hot["first_attempt"].warn_at is None  # 15 min SLA, 30 min warning: no warning
    other = {
        p.kind: p
        for p in rules.clocks_plan(defaults.CONTENT, score=10, start=friday, calendar=calendar)
    }
    assert other["first_attempt"].due_at == datetime(2026, 1, 12, 16, 0, tzinfo=UTC)
