"""Writes of routing rules by people: create, edit, reorder and delete.

Managers and administrators only. Every refusal happens before anything is written, and its
error names the field: ``name``, ``team``, or ``conditions[<i>].field|operator|value`` (``i``
counting from 0 in the order the conditions were sent). Rules keep positions 10, 20, 30… in
the order they are tried, so moving one swaps it with its neighbour and leaves room between.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from accord.accounts import policy
from accord.accounts.models import Team, User
from accord.core.errors import InvalidInput, NotFound, PermissionDenied
from accord.handoff.models import RoutingRule
from accord.handoff.routing.rules import ROUTING_FIELDS
from accord.scoring.profile_checks import fit_value_problem
from accord.scoring.rules import OPERATORS, field_property_split

logger = logging.getLogger(__name__)

POSITION_STEP = 10
NAME_MAX = 120
MAX_CONDITIONS = 50
DIRECTIONS = ("up", "down")


def can_manage_routing(user: User | None) -> bool:
    return policy.page_allowed(user, "routing")


def _manage_required(user: User | None) -> None:
    if not can_manage_routing(user):
        raise PermissionDenied(
            _("Only managers and administrators change routing rules."), field="user"
        )


def conditions_clean(raw: Any) -> list[dict[str, Any]]:
    """Check conditions as sent (a list of ``{field, operator, value}``); return them as stored.

    The same checks as ``routing_rules.conditions_parse`` (which routing applies when it reads
    the rules), plus the value's shape for its operator, each error naming its place.
    """
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise InvalidInput(
            _("Conditions are a list of field, operator, value."), field="conditions"
        )
    if len(raw) > MAX_CONDITIONS:
        raise InvalidInput(
            _("A rule has at most %(n)s conditions.") % {"n": MAX_CONDITIONS}, field="conditions"
        )
    cleaned = []
    for index, item in enumerate(raw):
        place = f"conditions[{index}]"
        if not isinstance(item, Mapping):
            raise InvalidInput(_("A condition has a field, an operator and a value."), field=place)
        field = str(item.get("field") or "").strip()
        operator = str(item.get("operator") or "").strip()
        value = item.get("value")
        if not field:
            raise InvalidInput(_("Choose the field the condition tests."), field=f"{place}.field")
        if field not in ROUTING_FIELDS and field_property_split(field) is None:
            raise InvalidInput(
                _("Unknown field %(field)s; use one of %(known)s or <entity>.properties.<key>.")
                % {"field": repr(field), "known": ", ".join(sorted(ROUTING_FIELDS))},
                field=f"{place}.field",
            )
        if operator not in OPERATORS:
            raise InvalidInput(
                _("Unknown operator %(operator)s; expected one of %(known)s.")
                % {"operator": repr(operator), "known": ", ".join(OPERATORS)},
                field=f"{place}.operator",
            )
        problem = fit_value_problem(operator, value)
        if problem:
            raise InvalidInput(problem, field=f"{place}.value")
        cleaned.append(
            {"field": field, "operator": operator, "value": None if operator == "is_set" else value}
        )
    return cleaned


def _fields_clean(*, name: Any, team_id: Any, conditions: Any) -> dict[str, Any]:
    name = str(name or "").strip()
    if not name:
        raise InvalidInput(_("Give the rule a name."), field="name")
    if len(name) > NAME_MAX:
        raise InvalidInput(
            _("The name is longer than %(n)s characters.") % {"n": NAME_MAX}, field="name"
        )
    if team_id in (None, ""):
        raise InvalidInput(_("Choose the team that gets the matching leads."), field="team")
    team = Team.objects.filter(pk=team_id).first() if str(team_id).isdigit() else None
    if team is None:
        raise InvalidInput(_("No such team."), field="team")
    return {"name": name, "team": team, "conditions": conditions_clean(conditions)}


def _renumber(rules: list[RoutingRule]) -> None:
    for index, rule in enumerate(rules, start=1):
        if rule.position != index * POSITION_STEP:
            rule.position = index * POSITION_STEP
            rule.save(update_fields=["position"])


def _rules_locked() -> list[RoutingRule]:
    # Locking every rule serialises reorderings: two moves at once cannot interleave.
    return list(RoutingRule.objects.select_for_update().order_by("position", "pk"))


def routing_rule_create(
    *, user: User | None, name: Any, team_id: Any, conditions: Any = None, is_active: bool = True
) -> RoutingRule:
    """Add a rule; it is tried after every existing rule."""
    _manage_required(user)
    fields = _fields_clean(name=name, team_id=team_id, conditions=conditions)
    with transaction.atomic():
        _rules_locked()
        last = RoutingRule.objects.aggregate(top=Max("position"))["top"] or 0
        rule = RoutingRule.objects.create(
            **fields, is_active=bool(is_active), position=last + POSITION_STEP
        )
    logger.info("Routing rule %s created by %s.", rule.pk, user.pk)  # type: ignore[union-attr]
    return rule


def _rule_get(rule_id: int) -> RoutingRule:
    rule = RoutingRule.objects.select_for_update().filter(pk=rule_id).first()
    if rule is None:
        raise NotFound(_("No such routing rule."), field="rule_id")
    return rule


def routing_rule_update(
    *,
    user: User | None,
    rule_id: int,
    name: Any,
    team_id: Any,
    conditions: Any = None,
    is_active: bool = True,
) -> RoutingRule:
    """Change a rule's name, team, conditions and whether it is used; its place stays."""
    _manage_required(user)
    fields = _fields_clean(name=name, team_id=team_id, conditions=conditions)
    with transaction.atomic():
        rule = _rule_get(rule_id)
        for key, value in fields.items():
            setattr(rule, key, value)
        rule.is_active = bool(is_active)
        rule.save(update_fields=["name", "team", "conditions", "is_active"])
    logger.info("Routing rule %s updated by %s.", rule.pk, user.pk)  # type: ignore[union-attr]
    return rule


def routing_rule_move(*, user: User | None, rule_id: int, direction: str) -> list[RoutingRule]:
    """Swap a rule with the one tried before (``up``) or after it (``down``); return the
    rules in their new order. Moving the first rule up (or the last down) changes nothing."""
    _manage_required(user)
    if direction not in DIRECTIONS:
        raise InvalidInput(_("Move a rule up or down."), field="direction")
    with transaction.atomic():
        rules = _rules_locked()
        index = next((i for i, rule in enumerate(rules) if rule.pk == rule_id), None)
        if index is None:
            raise NotFound(_("No such routing rule."), field="rule_id")
        other = index - 1 if direction == "up" else index + 1
        if 0 <= other < len(rules):
            rules[index], rules[other] = rules[other], rules[index]
        _renumber(rules)
    logger.info("Routing rule %s moved %s by %s.", rule_id, direction, user.pk)  # type: ignore[union-attr]
    return rules


def routing_rule_delete(*, user: User | None, rule_id: int) -> None:
    """Delete a rule; past assignments keep their history (their rule reads as none)."""
    _manage_required(user)
    with transaction.atomic():
        _rule_get(rule_id).delete()
    logger.info("Routing rule %s deleted by %s.", rule_id, user.pk)  # type: ignore[union-attr]
