"""Pure scoring rules: operators, decay, caps, grades, fast-track and the MQL check."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accord.scoring import profile_checks, rules
from accord.scoring.rules import (
    EngagementRule,
    FastTrackRule,
    FitRule,
    GradeThresholds,
    MqlDefinition,
    Profile,
    Touch,
    TouchMatch,
)

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def touch(
    pk: int,
    days_ago: float,
    *,
    type="page_view",
    url="https://x.example/pricing",
    channel="direct",
    campaign="",
):
    return Touch(pk, NOW - timedelta(days=days_ago), type, channel, campaign, url)


def profile(**overrides) -> Profile:
    base = dict(
        fit=(
            FitRule(1, "Leader", "contact.job_title", "in", ["CMO", "VP Sales"], 20),
            FitRule(2, "Mid-market", "account.employees", "range", {"min": 51, "max": 1000}, 20),
            FitRule(3, "Student", "contact.job_title", "contains", "student", -30),
        ),
        engagement=(
            EngagementRule(10, "Pricing", TouchMatch(url_pattern="/pricing"), points=10, cap=25),
        ),
        fast_track=(FastTrackRule(20, "Demo", TouchMatch(touch_type="demo_request")),),
        thresholds=GradeThresholds(a=40, b=20, c=10),
        mql=MqlDefinition(min_score=50, min_grade="B"),
        half_life_days=30.0,
    )
    base.update(overrides)
    return Profile(**base)


# --- Operators ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("operator", "value", "fact", "expected"),
    [
        ("equals", "Software", "software ", True),
        ("equals", "Software", "Retail", False),
        ("equals", 50, "50", True),
        ("equals", 50, 50.0, True),
        ("equals", True, "yes", True),
        ("equals", True, "no", False),
        ("in", ["CMO", "VP Sales"], "vp sales", True),
        ("in", ["CMO", "VP Sales"], "Student", False),
        ("in", [10, 20], "20", True),
        ("range", {"min": 51, "max": 1000}, 51, True),
        ("range", {"min": 51, "max": 1000}, "1,000", True),
        ("range", {"min": 51, "max": 1000}, 1001, False),
        ("range", {"min": 51}, 10**6, True),
        ("range", {"max": 10}, -5, True),
        ("contains", "market", "Head of Marketing", True),
        ("contains", "market", "VP Sales", False),
        ("contains", "b", ["a", "abc"], True),
        ("is_set", None, "x", True),
        ("is_set", None, "  ", False),
        ("is_set", None, None, False),
        ("is_set", None, [], False),
        ("is_set", None, 0, True),
        ("equals", "x", None, False),
        ("range", {"min": 1}, None, False),
    ],
)
def test_each_operator(operator, value, fact, expected):
    assert rules.fit_matches(operator, value, fact) is expected


@pytest.mark.parametrize(
    ("operator", "value", "fact"),
    [
        ("range", {"min": 1}, "lots"),
        ("range", {"min": 1}, True),
        ("equals", 5, "five"),
        ("in", [1, 2], "one"),
    ],
)
def test_wrong_typed_values_raise_a_value_problem(operator, value, fact):
    with pytest.raises(rules.ValueProblem):
        rules.fit_matches(operator, value, fact)


def test_wrong_typed_value_is_handled_per_value_with_a_warning():
    fit = (
        FitRule(1, "Big", "lead.properties.seats", "range", {"min": 10}, 10),
        FitRule(2, "Leader", "contact.job_title", "equals", "CMO", 20),
    )
    contributions, warnings = rules.fit_evaluate(
        fit, {"lead.properties.seats": "many", "contact.job_title": "CMO"}
    )
    assert [c.rule_id for c in contributions] == [2]
    assert len(warnings) == 1 and "seats" in warnings[0] and "'many'" in warnings[0]
    good, none = rules.fit_evaluate(fit, {"lead.properties.seats": "12"})
    assert [c.rule_id for c in good] == [1] and none == []


def test_url_patterns():
    assert rules.url_matches("/pricing", "https://x.example/pricing?plan=team")
    assert rules.url_matches("/pricing", "https://x.example/pricing/enterprise")
    assert not rules.url_matches("/pricing", "https://x.example/pricing-old")
    assert rules.url_matches("/blog/*", "https://x.example/blog/post")
    assert not rules.url_matches("/blog/*", "https://x.example/docs")
    assert not rules.url_matches("/pricing", "")


# --- Decay (property tests) -----------------------------------------------------------------

ages = st.floats(min_value=0, max_value=3650, allow_nan=False)
half_lives = st.floats(min_value=0.01, max_value=3650, allow_nan=False)
points = st.integers(min_value=1, max_value=1000)


@given(points=points, a=ages, b=ages, half_life=half_lives)
def test_decay_is_monotone_in_age(points, a, b, half_life):
    young, old = sorted((a, b))
    assert rules.decayed_hundredths(points, young, half_life) >= rules.decayed_hundredths(
        points, old, half_life
    )


@given(points=points, half_life=half_lives)
def test_decay_halves_at_one_half_life(points, half_life):
    assert rules.decay_factor(half_life, half_life) == pytest.approx(0.5)
    assert rules.decay_factor(2 * half_life, half_life) == pytest.approx(0.25)
    assert abs(rules.decayed_hundredths(points, half_life, half_life) - points * 50) <= 1


@given(
    points=points,
    age=st.floats(min_value=-3650, max_value=10**6, allow_nan=False),
    half_life=half_lives,
)
def test_decay_is_never_negative_nor_above_the_points(points, age, half_life):
    value = rules.decayed_hundredths(points, age, half_life)
    assert 0 <= value <= points * 100


def test_decay_refuses_a_zero_half_life():
    with pytest.raises(ValueError, match="half_life"):
        rules.decay_factor(1, 0)
    assert rules.decay_factor(1000, None) == 1.0


@given(
    ages_days=st.lists(st.floats(min_value=0, max_value=400, allow_nan=False), max_size=30),
    cap=st.integers(min_value=1, max_value=100),
    pts=st.integers(min_value=1, max_value=50),
)
def test_cap_is_respected_and_contributions_sum_to_the_rule_total(ages_days, cap, pts):
    rule = EngagementRule(1, "Pricing", TouchMatch(url_pattern="/pricing"), points=pts, cap=cap)
    touches = [touch(i, age) for i, age in enumerate(ages_days)]
    result = rules.engagement_evaluate(rule, touches, now=NOW, profile_half_life=30.0)
    total = sum(c.hundredths for c in result)
    assert 0 <= total <= cap * 100
    assert all(c.hundredths > 0 for c in result)
    uncapped = sum(rules.decayed_hundredths(pts, age, 30.0) for age in ages_days)
    assert total == min(uncapped, cap * 100)


# --- Whole breakdown ------------------------------------------------------------------------


@given(
    title=st.sampled_from(["CMO", "Student", "VP Sales", "", "Engineer"]),
    employees=st.one_of(st.none(), st.integers(0, 5000), st.text(max_size=5)),
    ages_days=st.lists(st.floats(min_value=0, max_value=200, allow_nan=False), max_size=15),
)
def test_breakdown_contributions_sum_to_the_score(title, employees, ages_days):
    facts = {"contact.job_title": title, "account.employees": employees}
    touches = [touch(i, age) for i, age in enumerate(ages_days)]
    breakdown = rules.breakdown_compute(profile(), facts=facts, touches=touches, now=NOW)
    total = sum(c.hundredths for c in breakdown.contributions)
    assert breakdown.total_hundredths == total
    assert breakdown.score == rules.round_half_up(total)
    assert abs(breakdown.score - total / 100) <= 0.5
    assert breakdown.fit_hundredths + breakdown.engagement_hundredths == total


def test_breakdown_names_each_rule_and_its_source():
    facts = {"contact.job_title": "CMO", "account.employees": 200}
    touches = [touch(7, 0), touch(8, 30)]
    breakdown = rules.breakdown_compute(profile(), facts=facts, touches=touches, now=NOW)
    assert [(c.rule_name, c.hundredths, c.source, c.ref) for c in breakdown.contributions] == [
        ("Leader", 2000, "property", "contact.job_title"),
        ("Mid-market", 2000, "property", "account.employees"),
        ("Pricing", 1000, "touchpoint", "7"),
        ("Pricing", 500, "touchpoint", "8"),
    ]
    assert breakdown.score == 55 and breakdown.grade == "A"


@pytest.mark.parametrize(
    ("fit", "grade"),
    [(40, "A"), (39, "B"), (20, "B"), (19.99, "C"), (10, "C"), (9, "D"), (-30, "D")],
)
def test_grade_thresholds(fit, grade):
    assert rules.grade_for(fit, GradeThresholds(a=40, b=20, c=10)) == grade


def test_fast_track_needs_the_count_within_the_window():
    rule = FastTrackRule(1, "Pricing twice in a week", TouchMatch(url_pattern="/pricing"), 2, 7)
    assert rules.fast_track_hit(rule, [touch(1, 30), touch(2, 20)]) is None
    hit = rules.fast_track_hit(rule, [touch(1, 30), touch(2, 20), touch(3, 15)])
    assert hit is not None and hit.touch_ids == (2, 3)
    anytime = FastTrackRule(2, "Twice ever", TouchMatch(url_pattern="/pricing"), 2, None)
    assert rules.fast_track_hit(anytime, [touch(1, 300), touch(2, 1)]).touch_ids == (1, 2)


def test_mql_check_reports_the_criterion_that_fired():
    p = profile()
    leader = {"contact.job_title": "CMO", "account.employees": 200}
    low = rules.breakdown_compute(p, facts=leader, touches=[], now=NOW)
    assert rules.mql_check(p.mql, low, leader) is None  # 40 points, grade A: below 50
    high = rules.breakdown_compute(p, facts=leader, touches=[touch(1, 0)], now=NOW)
    assert rules.mql_check(p.mql, high, leader).criterion == "score_and_grade"
    demo = rules.breakdown_compute(
        p, facts={}, touches=[touch(2, 5, type="demo_request", url="")], now=NOW
    )
    decision = rules.mql_check(p.mql, demo, {})
    assert (decision.criterion, decision.rule_name) == ("fast_track", "Demo")
    required = MqlDefinition(min_score=50, min_grade="B", required_fields=("contact.phone",))
    assert rules.mql_check(required, demo, {}) is None
    assert rules.mql_check(required, demo, {"contact.phone": "+1415"}).criterion == "fast_track"


# --- Validation without the database --------------------------------------------------------


def test_profile_problems_name_the_field():
    assert profile_checks.profile_problems(profile()) == []
    fields = lambda p: [problem.field for problem in profile_checks.profile_problems(p)]  # noqa: E731
    assert fields(profile(half_life_days=0)) == ["half_life_days"]
    # The MQL definition is the agreement's: a profile is not refused for it...
    assert fields(profile(mql=MqlDefinition(min_score=10_000))) == []
    # ...the agreement is, through mql_problems against the active profile.
    mql_fields = lambda p: [problem.field for problem in profile_checks.mql_problems(p)]  # noqa: E731
    assert mql_fields(profile(mql=MqlDefinition(min_score=10_000))) == ["mql.min_score"]
    no_cap = (EngagementRule(10, "Any", TouchMatch(), points=1),)
    assert mql_fields(profile(engagement=no_cap, mql=MqlDefinition(min_score=10_000))) == []
    assert mql_fields(
        profile(
            mql=MqlDefinition(min_score=0, min_grade="A"),
            thresholds=GradeThresholds(a=100, b=20, c=10),
        )
    ) == ["mql.min_grade"]
    assert fields(profile(thresholds=GradeThresholds(a=10, b=20, c=5))) == ["grade_a_min"]
    bad_range = (FitRule(4, "x", "account.employees", "range", {"min": 5, "max": 1}, 1),)
    assert fields(profile(fit=bad_range, mql=MqlDefinition(min_score=0))) == ["rules.4.value"]
    unknown = (FitRule(5, "x", "contact.shoe_size", "is_set", None, 1),)
    assert fields(profile(fit=unknown, mql=MqlDefinition(min_score=0))) == ["rules.5.field"]
