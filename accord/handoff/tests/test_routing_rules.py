"""Pure routing decisions: rule matching and the weighted round-robin choice."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from accord.handoff.routing.rules import (
    NoRepReason,
    RepLoad,
    Rule,
    conditions_parse,
    rep_choose,
    rule_first_match,
    segment_for,
)

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


def _rule(rule_id, position, team_id, conditions):
    return Rule(
        id=rule_id, position=position, team_id=team_id, conditions=conditions_parse(conditions)
    )


def test_first_matching_rule_by_position_wins():
    rules = [
        _rule(1, 20, 100, []),  # catch-all, tried last
        _rule(2, 10, 200, [{"field": "lead.country", "operator": "in", "value": ["DE", "AT"]}]),
        _rule(3, 5, 300, [{"field": "lead.score", "operator": "range", "value": {"min": 90}}]),
    ]
    assert rule_first_match(rules, {"lead.country": "de", "lead.score": 40}).team_id == 200
    assert rule_first_match(rules, {"lead.country": "DE", "lead.score": 95}).team_id == 300
    assert rule_first_match(rules, {"lead.country": "FR", "lead.score": 10}).team_id == 100


def test_every_condition_must_hold_and_wrong_types_do_not_match():
    rule = _rule(
        1, 1, 7,
        [
            {"field": "lead.segment", "operator": "equals", "value": "enterprise"},
            {"field": "lead.source_campaign", "operator": "equals", "value": "spring-webinar"},
            {"field": "account.employees", "operator": "range", "value": {"min": 1000}},
        ],
    )  # fmt: skip
    facts = {
        "lead.segment": "enterprise",
        "lead.source_campaign": "spring-webinar",
        "account.employees": 5000,
    }
    assert rule_first_match([rule], facts) is rule
    assert rule_first_match([rule], {**facts, "lead.source_campaign": "other"}) is None
    assert rule_first_match([rule], {**facts, "account.employees": "lots"}) is None
    assert rule_first_match([rule], {}) is None


def test_no_rules_match_nothing():
    assert rule_first_match([], {"lead.score": 100}) is None


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("nope", "must be a list"),
        ([{"field": "lead.shoe_size", "operator": "equals", "value": 1}], "unknown field"),
        ([{"field": "lead.score", "operator": "above", "value": 1}], "unknown operator"),
        ([{"field": "lead.grade", "operator": "in", "value": "A"}], "needs a list"),
        ([{"field": "lead.score", "operator": "range", "value": 5}], "'range' needs"),
    ],
)
def test_bad_conditions_are_refused_with_the_reason(raw, message):
    with pytest.raises(ValueError, match=message):
        conditions_parse(raw)


def test_custom_properties_are_valid_fields():
    (condition,) = conditions_parse(
        [{"field": "account.properties.tier", "operator": "equals", "value": "gold"}]
    )
    assert condition.field == "account.properties.tier"


@pytest.mark.parametrize(
    ("employees", "stated", "segment"),
    [(10, None, "smb"), (50, None, "mid_market"), (999, None, "mid_market"),
     (1000, None, "enterprise"), (None, None, ""), (10, "Strategic", "strategic")],
)  # fmt: skip
def test_segment_from_head_count_unless_stated(employees, stated, segment):
    assert segment_for(employees, stated) == segment


def _simulate(reps: list[RepLoad], leads: int) -> Counter:
    """Give ``leads`` leads one at a time, updating loads like the database would."""
    state = {rep.user_id: rep for rep in reps}
    got: Counter = Counter()
    for n in range(leads):
        choice = rep_choose(list(state.values()))
        if choice.user_id is None:
            break
        got[choice.user_id] += 1
        rep = state[choice.user_id]
        state[rep.user_id] = replace(
            rep, received_24h=rep.received_24h + 1, last_assigned_at=T0 + timedelta(seconds=n)
        )
    return got


def test_equal_reps_share_exactly_and_in_turn():
    reps = [RepLoad(user_id=i, monthly_capacity=3000, received_24h=0) for i in (4, 3, 2, 1)]
    assert _simulate(reps, 400) == {1: 100, 2: 100, 3: 100, 4: 100}
    # The first four leads go to four different people (nobody gets two in a row).
    assert set(_simulate(reps, 4)) == {1, 2, 3, 4}


def test_shares_follow_capacity():
    reps = [
        RepLoad(user_id=1, monthly_capacity=6000, received_24h=0),
        RepLoad(user_id=2, monthly_capacity=3000, received_24h=0),
        RepLoad(user_id=3, monthly_capacity=3000, received_24h=0),
    ]
    assert _simulate(reps, 100) == {1: 50, 2: 25, 3: 25}


def test_early_members_are_not_favoured_the_longest_waiting_goes_first():
    earlier = T0 - timedelta(hours=1)
    reps = [
        RepLoad(user_id=1, monthly_capacity=300, received_24h=1, last_assigned_at=T0),
        RepLoad(user_id=2, monthly_capacity=300, received_24h=1, last_assigned_at=earlier),
    ]
    assert rep_choose(reps).user_id == 2


def test_inactive_and_out_of_office_reps_are_skipped():
    reps = [
        RepLoad(user_id=1, monthly_capacity=300, received_24h=0, is_active=False),
        RepLoad(user_id=2, monthly_capacity=300, received_24h=0, is_out_of_office=True),
        RepLoad(user_id=3, monthly_capacity=300, received_24h=5),
    ]
    assert rep_choose(reps).user_id == 3
    assert (
        rep_choose(reps[:2]) == rep_choose([])
        and rep_choose([]).reason == NoRepReason.NO_ACTIVE_REPS
    )


def test_daily_quota_is_capacity_over_thirty_minus_last_24h():
    rep = RepLoad(user_id=1, monthly_capacity=90, received_24h=2)
    assert (rep.daily_quota, rep.quota_left) == (3, 1)
    assert _simulate([rep], 10) == {1: 1}
    full = replace(rep, received_24h=3)
    choice = rep_choose([full])
    assert (choice.user_id, choice.reason) == (None, NoRepReason.QUOTA_FULL)
