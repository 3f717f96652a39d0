"""Routing decisions as pure functions: which rule matches a lead, and which rep of a team
takes it next. No ORM: ``accord.handoff.routing.assignment`` reads the rows, calls these,
and writes.

Rep choice is a weighted fair queue in the spirit of Odoo CRM's assignment: a rep's weight is
their monthly capacity, their daily quota is ``capacity / 30`` minus the leads they received
in the last 24 hours, and among reps with quota left the one with the lowest load relative to
weight goes next (Sainte-Laguë: ``(received + ½) / capacity``), so over a day each rep's share
tracks their capacity exactly. Ties go to whoever waited longest since their last lead, then to
the lowest id: a rep who just received a lead moves to the back of the line, and nobody is
favoured for joining early (Odoo #259775). The choice is only fair if callers serialise it per
team (the caller holds a lock while reading loads and writing the assignment).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
from typing import Any

from accord.scoring.rules import OPERATORS, ValueProblem, field_property_split, fit_matches

#: Facts a routing condition may test, besides ``<entity>.properties.<key>``.
ROUTING_FIELDS: frozenset[str] = frozenset(
    {
        "lead.score",
        "lead.grade",
        "lead.segment",
        "lead.country",
        "lead.source_channel",
        "lead.source_campaign",
        "contact.job_title",
        "contact.email",
        "account.name",
        "account.domain",
        "account.industry",
        "account.employees",
        "account.country",
    }
)

#: Segments by head count when an account does not state its own ``segment`` property.
SEGMENT_BANDS: tuple[tuple[int, str], ...] = ((50, "smb"), (1000, "mid_market"))
SEGMENT_TOP = "enterprise"
DAYS_PER_MONTH = 30


def segment_for(employees: int | None, stated: Any = None) -> str:
    """The account's segment: its own ``segment`` property, else a head-count band."""
    if isinstance(stated, str) and stated.strip():
        return stated.strip().lower()
    if employees is None:
        return ""
    for upper, name in SEGMENT_BANDS:
        if employees < upper:
            return name
    return SEGMENT_TOP


@dataclass(frozen=True)
class Condition:
    field: str
    operator: str
    value: Any = None


@dataclass(frozen=True)
class Rule:
    """One routing rule as plain data; rules are tried in ``position`` order."""

    id: int
    position: int
    team_id: int
    conditions: tuple[Condition, ...]
    name: str = ""


def conditions_parse(raw: Any) -> tuple[Condition, ...]:
    """Turn stored JSON (a list of ``{field, operator, value}``) into conditions.

    Raises ``ValueError`` naming the first problem; an empty list is a catch-all rule.
    """
    if raw in (None, ""):
        return ()
    if not isinstance(raw, list):
        raise ValueError("Conditions must be a list of {field, operator, value} objects.")
    parsed = []
    for index, item in enumerate(raw, start=1):
        if not isinstance(item, Mapping):
            raise ValueError(f"Condition {index} is not an object.")
        field = str(item.get("field", "")).strip()
        operator = str(item.get("operator", "")).strip()
        if field not in ROUTING_FIELDS and field_property_split(field) is None:
            raise ValueError(f"Condition {index}: unknown field {field!r}.")
        if operator not in OPERATORS:
            raise ValueError(
                f"Condition {index}: unknown operator {operator!r}; "
                f"expected one of {', '.join(OPERATORS)}."
            )
        value = item.get("value")
        if operator == "in" and not isinstance(value, list):
            raise ValueError(f"Condition {index}: 'in' needs a list of values.")
        if operator == "range" and not isinstance(value, Mapping):
            raise ValueError(f"Condition {index}: 'range' needs {{'min': .., 'max': ..}}.")
        parsed.append(Condition(field=field, operator=operator, value=value))
    return tuple(parsed)


def condition_holds(condition: Condition, facts: Mapping[str, Any]) -> bool:
    """A condition on a fact of the wrong type does not hold (and never raises)."""
    try:
        return fit_matches(condition.operator, condition.value, facts.get(condition.field))
    except (ValueProblem, TypeError, ValueError, AttributeError):
        return False


def rule_matches(rule: Rule, facts: Mapping[str, Any]) -> bool:
    return all(condition_holds(c, facts) for c in rule.conditions)


def rule_first_match(rules: Sequence[Rule], facts: Mapping[str, Any]) -> Rule | None:
    """The first rule, by position then id, whose every condition holds."""
    for rule in sorted(rules, key=lambda r: (r.position, r.id)):
        if rule_matches(rule, facts):
            return rule
    return None


@dataclass(frozen=True)
class RepLoad:
    """What the choice needs to know about one member of a team."""

    user_id: int
    monthly_capacity: int
    received_24h: int
    last_assigned_at: datetime | None = None
    is_active: bool = True
    is_out_of_office: bool = False

    @property
    def daily_quota(self) -> int:
        return self.monthly_capacity // DAYS_PER_MONTH

    @property
    def quota_left(self) -> int:
        return self.daily_quota - self.received_24h

    @property
    def is_available(self) -> bool:
        return self.is_active and not self.is_out_of_office and self.monthly_capacity > 0


class NoRepReason:
    NO_ACTIVE_REPS = "no_active_reps"
    QUOTA_FULL = "quota_full"


@dataclass(frozen=True)
class RepChoice:
    user_id: int | None
    #: Why nobody was chosen (``NoRepReason``); empty when someone was.
    reason: str = ""


def rep_choose(reps: Sequence[RepLoad]) -> RepChoice:
    """The rep who takes the next lead of a team, or why nobody can."""
    available = [rep for rep in reps if rep.is_available]
    if not available:
        return RepChoice(None, NoRepReason.NO_ACTIVE_REPS)
    with_quota = [rep for rep in available if rep.quota_left > 0]
    if not with_quota:
        return RepChoice(None, NoRepReason.QUOTA_FULL)

    def order(rep: RepLoad) -> tuple[Fraction, int, float, int]:
        load = Fraction(2 * rep.received_24h + 1, 2 * rep.monthly_capacity)
        never = 0 if rep.last_assigned_at is None else 1
        waited = rep.last_assigned_at.timestamp() if rep.last_assigned_at else 0.0
        return (load, never, waited, rep.user_id)

    return RepChoice(min(with_quota, key=order).user_id)
