"""Rule-based lead scoring as pure functions over plain data (no ORM).

A profile has three kinds of rules:

* **fit** rules test one field of the lead, its contact or account (or a custom property) with
  an operator (``equals``, ``in``, ``range``, ``contains``, ``is_set``) and add points; the fit
  points give the grade A-D through the profile's thresholds;
* **engagement** rules match touches (type, channel, campaign, URL pattern) and add points per
  matching touch, decayed by age (``points * 0.5 ** (age / half_life)``), up to a cap per rule;
* **fast-track** rules ("aha" actions: N matching touches within D days) qualify a lead
  whatever its points.

The score is fit points plus engagement points. Points are kept in hundredths (integers), so
the contributions listed in a ``ScoreBreakdown`` add up exactly to its total, and the score is
that total rounded half up.

Values of the wrong type (text in a numeric property) are handled per value: the rule does
not match that lead and the breakdown carries a warning; the run goes on.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from accord.scoring.rule_types import (
    Contribution,
    EngagementRule,
    FastTrackHit,
    FastTrackRule,
    FitRule,
    GradeThresholds,
    MqlDecision,
    MqlDefinition,
    Profile,
    ScoreBreakdown,
    Touch,
    url_path,
)

# The data types the rules work on are part of this module's vocabulary (``rules.Touch``).
from accord.scoring.rule_types import TouchMatch as TouchMatch
from accord.scoring.rule_types import round_half_up as round_half_up
from accord.scoring.rule_types import url_matches as url_matches

OPERATORS: tuple[str, ...] = ("equals", "in", "range", "contains", "is_set")
KINDS: tuple[str, ...] = ("fit", "engagement", "fast_track")
GRADES: tuple[str, ...] = ("A", "B", "C", "D")  # best first
SECONDS_PER_DAY = 86_400.0

#: Fields of our own models a fit rule may test (custom properties are ``<entity>.properties.X``).
MODEL_FIELDS: frozenset[str] = frozenset(
    {
        "contact.email",
        "contact.phone",
        "contact.first_name",
        "contact.last_name",
        "contact.job_title",
        "account.name",
        "account.domain",
        "account.industry",
        "account.employees",
        "account.country",
        "lead.source_channel",
        "lead.source_campaign",
    }
)
PROPERTY_PREFIXES: tuple[str, ...] = (
    "lead.properties.",
    "contact.properties.",
    "account.properties.",
)


def field_property_split(path: str) -> tuple[str, str] | None:
    """``("lead", "budget")`` for ``lead.properties.budget``; None for a model field."""
    for prefix in PROPERTY_PREFIXES:
        if path.startswith(prefix) and len(path) > len(prefix):
            return prefix.split(".", 1)[0], path[len(prefix) :]
    return None


# --- Fit -----------------------------------------------------------------------------------


class ValueProblem(ValueError):
    """A lead's value cannot be compared as the rule needs (e.g. text in a numeric rule)."""


def number_coerce(value: Any) -> float:
    """A number from an int, a float or numeric text ("1,200", " 42 "); ValueProblem else."""
    if isinstance(value, bool):
        raise ValueProblem(f"{value!r} is not a number")
    if isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueProblem(f"{value!r} is not a finite number")
        return float(value)
    if isinstance(value, str):
        text = value.strip().replace(",", "").replace("_", "").replace(" ", "")
        try:
            number = float(text)
        except ValueError:
            raise ValueProblem(f"{value!r} is not a number") from None
        if not math.isfinite(number):
            raise ValueProblem(f"{value!r} is not a finite number")
        return number
    raise ValueProblem(f"{value!r} is not a number")


def _is_set(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, list | dict | tuple):
        return bool(value)
    return True


def _equal(fact: Any, expected: Any) -> bool:
    if isinstance(expected, bool):
        if isinstance(fact, bool):
            return fact is expected
        return str(fact).strip().casefold() in (
            {"true", "yes", "1"} if expected else {"false", "no", "0"}
        )
    if isinstance(expected, int | float):
        return number_coerce(fact) == float(expected)
    if isinstance(fact, list | tuple):
        return any(_equal(item, expected) for item in fact)
    return str(fact).strip().casefold() == str(expected).strip().casefold()


def fit_matches(operator: str, value: Any, fact: Any) -> bool:
    """Whether a fact satisfies ``operator value``; raise ValueProblem for a wrong-typed fact.

    A missing fact (None) never matches (except that ``is_set`` answers False for it).
    """
    if operator == "is_set":
        return _is_set(fact)
    if not _is_set(fact):
        return False
    if operator == "equals":
        return _equal(fact, value)
    if operator == "in":
        problems = []
        for option in value:
            try:
                if _equal(fact, option):
                    return True
            except ValueProblem as problem:
                problems.append(problem)
        if problems and len(problems) == len(value):
            raise problems[0]
        return False
    if operator == "range":
        number = number_coerce(fact)
        low, high = value.get("min"), value.get("max")
        return (low is None or number >= float(low)) and (high is None or number <= float(high))
    if operator == "contains":
        needle = str(value).strip().casefold()
        if isinstance(fact, list | tuple):
            return any(needle in str(item).casefold() for item in fact)
        return needle in str(fact).casefold()
    raise ValueError(f"Unknown operator {operator!r}")


def fit_evaluate(
    rules: Iterable[FitRule], facts: Mapping[str, Any]
) -> tuple[list[Contribution], list[str]]:
    contributions: list[Contribution] = []
    warnings: list[str] = []
    for rule in rules:
        fact = facts.get(rule.field)
        try:
            matched = fit_matches(rule.operator, rule.value, fact)
        except ValueProblem as problem:
            warnings.append(f"{rule.name}: {rule.field} {problem}")
            continue
        if matched and rule.points:
            contributions.append(
                Contribution(
                    rule_id=rule.id,
                    rule_name=rule.name,
                    kind="fit",
                    hundredths=rule.points * 100,
                    source="property",
                    ref=rule.field,
                    detail="" if fact is None else str(fact)[:200],
                )
            )
    return contributions, warnings


def grade_for(fit_points: float, thresholds: GradeThresholds) -> str:
    if fit_points >= thresholds.a:
        return "A"
    if fit_points >= thresholds.b:
        return "B"
    if fit_points >= thresholds.c:
        return "C"
    return "D"


def grade_at_least(grade: str, minimum: str) -> bool:
    if not minimum:
        return True
    if grade not in GRADES:
        return False
    return GRADES.index(grade) <= GRADES.index(minimum)


# --- Engagement ----------------------------------------------------------------------------


def decay_factor(age_days: float, half_life_days: float | None) -> float:
    """``0.5 ** (age / half_life)``; touches from the future count as new, never more."""
    if half_life_days is None:
        return 1.0
    if half_life_days <= 0:
        raise ValueError("half_life_days must be positive")
    return 0.5 ** (max(age_days, 0.0) / half_life_days)


def decayed_hundredths(points: int, age_days: float, half_life_days: float | None) -> int:
    """Points of one touch after decay, in hundredths (rounded half up, never below zero)."""
    value = points * 100 * decay_factor(age_days, half_life_days)
    return max(0, math.floor(value + 0.5))


def age_days(now: datetime, at: datetime) -> float:
    return (now - at).total_seconds() / SECONDS_PER_DAY


def engagement_evaluate(
    rule: EngagementRule,
    touches: Sequence[Touch],
    *,
    now: datetime,
    profile_half_life: float | None,
) -> list[Contribution]:
    """Contributions of one rule: newest matching touches first, until the cap is reached.

    The touch that crosses the cap counts only for what is left under it, so the listed
    contributions always add up to the capped total.
    """
    half_life = rule.half_life_days if rule.half_life_days is not None else profile_half_life
    cap = None if rule.cap is None else rule.cap * 100
    used = 0
    result: list[Contribution] = []
    for touch in sorted(touches, key=lambda t: (t.at, t.id), reverse=True):
        if cap is not None and used >= cap:
            break
        points = decayed_hundredths(rule.points, age_days(now, touch.at), half_life)
        if cap is not None:
            points = min(points, cap - used)
        if points <= 0:
            continue
        used += points
        result.append(
            Contribution(
                rule_id=rule.id,
                rule_name=rule.name,
                kind="engagement",
                hundredths=points,
                source="touchpoint",
                ref=str(touch.id),
                detail=f"{touch.type} {url_path(touch.url)} {touch.at:%Y-%m-%d}".strip(),
            )
        )
    return result


# --- Fast track ----------------------------------------------------------------------------


def fast_track_hit(rule: FastTrackRule, touches: Sequence[Touch]) -> FastTrackHit | None:
    """The first window of ``within_days`` holding ``min_count`` matching touches, if any."""
    ordered = sorted(touches, key=lambda t: (t.at, t.id))
    need = max(1, rule.min_count)
    if len(ordered) < need:
        return None
    for end in range(need - 1, len(ordered)):
        start = end - need + 1
        span = age_days(ordered[end].at, ordered[start].at)
        if rule.within_days is None or span <= rule.within_days:
            ids = tuple(t.id for t in ordered[start : end + 1])
            return FastTrackHit(rule_id=rule.id, rule_name=rule.name, touch_ids=ids)
    return None


# --- Whole profile --------------------------------------------------------------------------


@dataclass
class TouchClassifier:
    """Which rules each kind of touch matches, remembered per distinct touch signature.

    Batch scoring sees millions of touches but few distinct (type, channel, campaign, URL)
    combinations, so each is matched against the rules once.
    """

    profile: Profile
    _cache: dict[tuple[str, str, str, str], tuple[tuple[int, ...], tuple[int, ...]]] = field(
        default_factory=dict
    )

    def classify(self, touch: Touch) -> tuple[tuple[int, ...], tuple[int, ...]]:
        key = (touch.type, touch.channel, touch.campaign, touch.url)
        found = self._cache.get(key)
        if found is None:
            found = (
                tuple(i for i, r in enumerate(self.profile.engagement) if r.match.matches(touch)),
                tuple(i for i, r in enumerate(self.profile.fast_track) if r.match.matches(touch)),
            )
            if len(self._cache) < 200_000:
                self._cache[key] = found
        return found


def breakdown_compute(
    profile: Profile,
    *,
    facts: Mapping[str, Any],
    touches: Sequence[Touch],
    now: datetime,
    classifier: TouchClassifier | None = None,
) -> ScoreBreakdown:
    classifier = classifier or TouchClassifier(profile)
    contributions, warnings = fit_evaluate(profile.fit, facts)
    grade = grade_for(sum(c.hundredths for c in contributions) / 100, profile.thresholds)
    engaged: dict[int, list[Touch]] = {}
    tracked: dict[int, list[Touch]] = {}
    for touch in touches:
        engagement_ids, fast_ids = classifier.classify(touch)
        for index in engagement_ids:
            engaged.setdefault(index, []).append(touch)
        for index in fast_ids:
            tracked.setdefault(index, []).append(touch)
    for index, matching in sorted(engaged.items()):
        contributions.extend(
            engagement_evaluate(
                profile.engagement[index],
                matching,
                now=now,
                profile_half_life=profile.half_life_days,
            )
        )
    hits = []
    for index, matching in sorted(tracked.items()):
        hit = fast_track_hit(profile.fast_track[index], matching)
        if hit is not None:
            hits.append(hit)
    return ScoreBreakdown(
        contributions=tuple(contributions),
        grade=grade,
        fast_track=tuple(hits),
        warnings=tuple(warnings),
    )


def mql_check(
    definition: MqlDefinition, breakdown: ScoreBreakdown, facts: Mapping[str, Any]
) -> MqlDecision | None:
    """Which criterion makes the lead an MQL, or None. Required fields gate every path."""
    if any(not _is_set(facts.get(name)) for name in definition.required_fields):
        return None
    if definition.fast_track and breakdown.fast_track:
        hit = breakdown.fast_track[0]
        return MqlDecision(criterion="fast_track", rule_id=hit.rule_id, rule_name=hit.rule_name)
    if breakdown.score >= definition.min_score and grade_at_least(
        breakdown.grade, definition.min_grade
    ):
        return MqlDecision(criterion="score_and_grade")
    return None
