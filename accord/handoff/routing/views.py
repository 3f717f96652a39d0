"""Routing-rule pages (managers and administrators): the ordered list, with up/down and
delete, and the editor of one rule and its conditions.

A refused save re-renders the form with the error on the field it names; nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accord.accounts.http import PageRequest
from accord.core.errors import DomainError
from accord.handoff.agreement.views import managers_only
from accord.handoff.models import RoutingRule
from accord.handoff.routing import rule_editing as routing_admin
from accord.handoff.routing.forms import (
    ConditionFormSet,
    RoutingRuleForm,
    condition_text,
    conditions_from,
    conditions_initial,
)
from accord.handoff.routing.rules import ROUTING_FIELDS


@dataclass(frozen=True)
class RuleRow:
    rule: RoutingRule
    conditions: list[str]
    is_first: bool
    is_last: bool


def _rows() -> list[RuleRow]:
    rules = list(RoutingRule.objects.select_related("team").order_by("position", "pk"))
    return [
        RuleRow(
            rule=rule,
            conditions=[condition_text(c) for c in rule.conditions or [] if isinstance(c, dict)],
            is_first=index == 0,
            is_last=index == len(rules) - 1,
        )
        for index, rule in enumerate(rules)
    ]


@managers_only
def routing_list(request: PageRequest) -> HttpResponse:
    return render(request, "handoff/routing_list.html", {"rows": _rows()})


@managers_only
@require_POST
def routing_move(request: PageRequest, rule_id: int, direction: str) -> HttpResponse:
    error = ""
    try:
        routing_admin.routing_rule_move(user=request.user, rule_id=rule_id, direction=direction)
    except DomainError as problem:
        error = problem.message
    if request.htmx:
        context = {"rows": _rows(), "error": error}
        return render(request, "handoff/includes/routing_table.html", context)
    if error:
        messages.error(request, error)
    return redirect("handoff:routing_list")


@managers_only
@require_POST
def routing_delete(request: PageRequest, rule_id: int) -> HttpResponse:
    try:
        routing_admin.routing_rule_delete(user=request.user, rule_id=rule_id)
        messages.success(request, _("The routing rule was deleted."))
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("handoff:routing_list")


def _error_place(error: DomainError, form: RoutingRuleForm, formset, rows: list[int]) -> None:  # type: ignore[no-untyped-def]
    """Put a service error on the field it names (``conditions[i].value`` → row i's value)."""
    field = error.field or ""
    if field.startswith("conditions[") and "]" in field:
        index_text, _sep, attribute = field[len("conditions[") :].partition("]")
        attribute = attribute.lstrip(".")
        if index_text.isdigit() and int(index_text) < len(rows):
            row = formset.forms[rows[int(index_text)]]
            row.add_error(attribute if attribute in row.fields else None, error.message)
            return
    if field in form.fields:
        form.add_error(field, error.message)
    else:
        form.add_error(None, error.message)


@managers_only
def routing_edit(request: PageRequest, rule_id: int | None = None) -> HttpResponse:
    rule = get_object_or_404(RoutingRule, pk=rule_id) if rule_id else None
    form = RoutingRuleForm(
        request.POST or None,
        initial=RoutingRuleForm.initial_of(rule) if rule else {"is_active": True},
    )
    formset = ConditionFormSet(
        request.POST or None,
        prefix="conditions",
        initial=conditions_initial(rule.conditions) if rule else None,
    )
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        conditions, rows = conditions_from(formset)
        data = form.cleaned_data
        fields = {
            "user": request.user,
            "name": data["name"],
            "team_id": data["team"].pk if data["team"] else None,
            "conditions": conditions,
            "is_active": data["is_active"],
        }
        try:
            if rule:
                routing_admin.routing_rule_update(rule_id=rule.pk, **fields)
            else:
                routing_admin.routing_rule_create(**fields)
            messages.success(request, _("The routing rule was saved."))
            return redirect("handoff:routing_list")
        except DomainError as error:
            _error_place(error, form, formset, rows)
    context = {
        "rule": rule,
        "form": form,
        "formset": formset,
        "fields_known": sorted(ROUTING_FIELDS),
    }
    return render(request, "handoff/routing_edit.html", context)
