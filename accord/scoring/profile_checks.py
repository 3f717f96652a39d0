"""What is wrong with a scoring profile, before it is saved: the checks that need no
database (value types per operator, points that cannot reach the MQL threshold, …)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from accord.scoring.rule_types import FitRule, Profile, TouchMatch
from accord.scoring.rules import (
    GRADES,
    MODEL_FIELDS,
    OPERATORS,
    ValueProblem,
    field_property_split,
    number_coerce,
)

# --- Validation (the parts that need no database) ---------------------------------------------


@dataclass(frozen=True)
class Problem:
    field: str
    message: str


def max_fit_points(rules: Iterable[FitRule]) -> int:
    return sum(max(0, rule.points) for rule in rules)


def max_score(profile: Profile) -> float:
    """The most points any lead could reach (infinite when an engagement rule has no cap)."""
    engagement = 0.0
    for engagement_rule in profile.engagement:
        if engagement_rule.cap is None:
            return math.inf
        engagement += engagement_rule.cap
    return max_fit_points(profile.fit) + engagement


def fit_value_problem(operator: str, value: Any) -> str | None:
    """Why a fit rule's value does not suit its operator, or None."""
    if operator not in OPERATORS:
        return f"Unknown operator {operator!r}; expected one of: {', '.join(OPERATORS)}."
    if operator == "is_set":
        return None
    if operator == "in":
        if not isinstance(value, list | tuple) or not value:
            return "The 'in' operator needs a non-empty list of values."
        return None
    if operator == "range":
        if not isinstance(value, dict) or not ({"min", "max"} & set(value)):
            return "The 'range' operator needs a minimum, a maximum or both."
        try:
            low = None if value.get("min") is None else number_coerce(value["min"])
            high = None if value.get("max") is None else number_coerce(value["max"])
        except ValueProblem as problem:
            return f"The range bounds must be numbers: {problem}."
        if low is None and high is None:
            return "The 'range' operator needs a minimum, a maximum or both."
        if low is not None and high is not None and low > high:
            return "The range's minimum is above its maximum."
        return None
    if value is None or (isinstance(value, str) and not value.strip()):
        return f"The {operator!r} operator needs a value."
    return None


def profile_problems(profile: Profile) -> list[Problem]:
    """Everything wrong with a profile that can be told without the database.

    Problems name the field as ``rules.<rule id>.<attribute>``; a profile being edited gives
    its rules their position in the submitted list as ids.
    """
    problems: list[Problem] = []
    if profile.half_life_days is not None and not profile.half_life_days > 0:
        problems.append(Problem("half_life_days", "The half-life must be more than zero days."))
    t = profile.thresholds
    if not t.a > t.b > t.c:
        problems.append(
            Problem(
                "grade_a_min",
                "Grade thresholds must decrease: A's minimum above B's, B's above C's.",
            )
        )
    for fit_rule in profile.fit:
        i = fit_rule.id
        if fit_rule.field not in MODEL_FIELDS and field_property_split(fit_rule.field) is None:
            problems.append(Problem(f"rules.{i}.field", f"Unknown field {fit_rule.field!r}."))
        message = fit_value_problem(fit_rule.operator, fit_rule.value)
        if message:
            problems.append(Problem(f"rules.{i}.value", message))
    for engagement_rule in profile.engagement:
        i = engagement_rule.id
        if engagement_rule.points <= 0:
            problems.append(Problem(f"rules.{i}.points", "Points must be more than zero."))
        if engagement_rule.cap is not None and engagement_rule.cap <= 0:
            problems.append(Problem(f"rules.{i}.cap", "A cap must be more than zero."))
        if engagement_rule.half_life_days is not None and not engagement_rule.half_life_days > 0:
            problems.append(
                Problem(f"rules.{i}.half_life_days", "The half-life must be more than zero.")
            )
    for fast_rule in profile.fast_track:
        i = fast_rule.id
        if fast_rule.min_count < 1:
            problems.append(Problem(f"rules.{i}.min_count", "The count must be at least 1."))
        if fast_rule.within_days is not None and not fast_rule.within_days > 0:
            problems.append(
                Problem(f"rules.{i}.within_days", "The window must be more than zero days.")
            )
        if fast_rule.match == TouchMatch():
            problems.append(
                Problem(
                    f"rules.{i}.touch_type",
                    "A fast-track action must name a touch type, channel, campaign or URL.",
                )
            )
    return problems


def mql_problems(profile: Profile) -> list[Problem]:
    """Ways the MQL definition cannot be satisfied by any lead of this profile.

    Not part of ``profile_problems``: the definition is the agreement's, so these are checked
    when the agreement changes (against the active profile), not when a profile is saved.
    """
    definition = profile.mql
    problems: list[Problem] = []
    if definition.min_grade and definition.min_grade not in GRADES:
        problems.append(Problem("mql.min_grade", f"Unknown grade {definition.min_grade!r}."))
        return problems
    best = max_score(profile)
    if definition.min_score > best:
        problems.append(
            Problem(
                "mql.min_score",
                f"No lead can reach {definition.min_score} points: this profile gives at most "
                f"{best:g}.",
            )
        )
    if definition.min_grade and definition.min_grade != "D":
        needed = {"A": profile.thresholds.a, "B": profile.thresholds.b, "C": profile.thresholds.c}
        fit_best = max_fit_points(profile.fit)
        if needed[definition.min_grade] > fit_best:
            problems.append(
                Problem(
                    "mql.min_grade",
                    f"No lead can reach grade {definition.min_grade}: it needs "
                    f"{needed[definition.min_grade]} fit points and the fit rules give at most "
                    f"{fit_best}.",
                )
            )
    for name in definition.required_fields:
        if name not in MODEL_FIELDS and field_property_split(name) is None:
            problems.append(Problem("mql.required_fields", f"Unknown field {name!r}."))
    return problems
