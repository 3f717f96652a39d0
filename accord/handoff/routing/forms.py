"""Form of the routing-rule editor: a rule and its conditions, text in, plain data out.

A condition's value is typed as on the scoring pages: a list for "is one of" (``a, b, c``),
``10..200`` for a range (either end may be left out), a number or text otherwise. The forms
only parse; ``accord.handoff.routing.rule_editing`` checks and names what is wrong.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accord.accounts.models import Team
from accord.handoff.models import RoutingRule
from accord.scoring.forms import value_format, value_parse
from accord.scoring.models import Operator


class RoutingRuleForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120, required=False)
    team = forms.ModelChoiceField(
        label=_("Team"), queryset=Team.objects.all(), required=False,
        empty_label=_("— choose —"),
    )  # fmt: skip
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    @staticmethod
    def initial_of(rule: RoutingRule) -> dict[str, Any]:
        return {"name": rule.name, "team": rule.team_id, "is_active": rule.is_active}


class ConditionForm(forms.Form):
    field = forms.CharField(
        label=_("Field"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"list": "routing-fields"}),
    )
    operator = forms.ChoiceField(
        label=_("Operator"), choices=[("", "—"), *list(Operator.choices)], required=False
    )
    value = forms.CharField(label=_("Value"), max_length=2000, required=False)


ConditionFormSet = forms.formset_factory(ConditionForm, extra=2, can_delete=True)


def conditions_from(formset: Any) -> tuple[list[dict[str, Any]], list[int]]:
    """The conditions typed in the formset (blank and deleted rows left out), and for each
    the index of its row, so an error about ``conditions[i]`` lands on the right row."""
    conditions, rows = [], []
    for index, form in enumerate(formset.forms):
        data = getattr(form, "cleaned_data", None) or {}
        if data.get("DELETE") or not (data.get("field") or data.get("operator")):
            continue
        operator = data.get("operator") or ""
        conditions.append(
            {
                "field": (data.get("field") or "").strip(),
                "operator": operator,
                "value": value_parse(operator, data.get("value") or ""),
            }
        )
        rows.append(index)
    return conditions, rows


def conditions_initial(conditions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "field": item.get("field", ""),
            "operator": item.get("operator", ""),
            "value": value_format(item.get("operator", ""), item.get("value")),
        }
        for item in conditions or []
        if isinstance(item, dict)
    ]


def condition_text(condition: dict[str, Any]) -> str:
    """One condition as people read it on the list page (``account.employees range 1000..``)."""
    operator = condition.get("operator", "")
    value = value_format(operator, condition.get("value"))
    return f"{condition.get('field', '')} {operator} {value}".strip()
