"""Forms of the scoring admin pages: a profile (rules, weights, grades), and a rules formset.

The MQL definition is not here: it is a term of the hand-off agreement (see
``accord.scoring.qualification``).

A fit rule's value is typed as text: a list for "is one of" (comma-separated), ``10..200`` for
a range (either end may be left out), a number or text for "equals" and "contains".
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accord.scoring.models import Operator, RuleKind
from accord.scoring.profiles import ProfileInput
from accord.tracking.models import TouchType


def value_parse(operator: str, text: str) -> Any:
    text = (text or "").strip()
    if operator == "is_set":
        return None
    if operator == "in":
        return [part.strip() for part in text.split(",") if part.strip()]
    if operator == "range":
        low, sep, high = text.partition("..")
        if not sep:
            return {}  # refused by validation with a message saying how to write a range
        return {"min": _number(low), "max": _number(high)}
    if operator == "equals":
        number = _number(text)
        return text if number is None or isinstance(number, str) else number
    return text


def _number(text: str) -> Any:
    text = text.strip()
    if not text:
        return None
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            continue
    return text  # left for the service to reject with a named error


def value_format(operator: str, value: Any) -> str:
    if value is None:
        return ""
    if operator == "in" and isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if operator == "range" and isinstance(value, dict):
        low, high = value.get("min"), value.get("max")
        return f"{'' if low is None else low}..{'' if high is None else high}"
    return str(value)


class ProfileForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    is_active = forms.BooleanField(label=_("Active (scores every lead)"), required=False)
    grade_a_min = forms.IntegerField(label=_("Grade A from (fit points)"))
    grade_b_min = forms.IntegerField(label=_("Grade B from (fit points)"))
    grade_c_min = forms.IntegerField(label=_("Grade C from (fit points)"))
    half_life_days = forms.FloatField(
        label=_("Engagement half-life (days)"),
        required=False,
        help_text=_("Empty: engagement points do not decay."),
    )


class RuleForm(forms.Form):
    # The initial kind is the first choice, as the browser submits it for an untouched row: a
    # blank extra row then counts as unchanged and is skipped instead of failing validation.
    kind = forms.ChoiceField(label=_("Kind"), choices=RuleKind.choices, initial=RuleKind.FIT)
    name = forms.CharField(label=_("Name"), max_length=120)
    field = forms.CharField(label=_("Field"), max_length=200, required=False)
    operator = forms.ChoiceField(
        label=_("Operator"), choices=[("", "—"), *list(Operator.choices)], required=False
    )
    value = forms.CharField(label=_("Value"), max_length=2000, required=False)
    touch_type = forms.ChoiceField(
        label=_("Touch type"), choices=[("", _("any")), *list(TouchType.choices)], required=False
    )
    channel = forms.CharField(label=_("Channel"), max_length=60, required=False)
    campaign = forms.CharField(label=_("Campaign"), max_length=200, required=False)
    url_pattern = forms.CharField(label=_("URL pattern"), max_length=500, required=False)
    points = forms.IntegerField(label=_("Points"), required=False, initial=0)
    cap = forms.IntegerField(label=_("Cap"), required=False)
    half_life_days = forms.FloatField(label=_("Half-life"), required=False)
    min_count = forms.IntegerField(label=_("Touches"), required=False, initial=1)
    within_days = forms.FloatField(label=_("Within days"), required=False)


RuleFormSet = forms.formset_factory(RuleForm, extra=2, can_delete=True)


def spec_from_forms(profile_form: ProfileForm, rule_forms: forms.BaseFormSet) -> ProfileInput:
    data = profile_form.cleaned_data
    rules = []
    for form in rule_forms.forms:
        rule = getattr(form, "cleaned_data", None)
        if not rule or rule.get("DELETE") or not rule.get("name"):
            continue
        raw = {k: v for k, v in rule.items() if k != "DELETE" and v not in ("", None)}
        raw["value"] = value_parse(rule.get("operator", ""), rule.get("value", ""))
        raw.setdefault("points", 0)
        raw.setdefault("min_count", 1)
        rules.append(raw)
    return ProfileInput(
        name=data["name"],
        description=data.get("description") or "",
        is_active=bool(data.get("is_active")),
        grade_a_min=data["grade_a_min"],
        grade_b_min=data["grade_b_min"],
        grade_c_min=data["grade_c_min"],
        half_life_days=data.get("half_life_days"),
        rules=tuple(rules),
    )


def initial_from_spec(spec: ProfileInput) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    profile = {
        "name": spec.name,
        "description": spec.description,
        "is_active": spec.is_active,
        "grade_a_min": spec.grade_a_min,
        "grade_b_min": spec.grade_b_min,
        "grade_c_min": spec.grade_c_min,
        "half_life_days": spec.half_life_days,
    }
    rules = [
        {**rule, "value": value_format(rule.get("operator", ""), rule.get("value"))}
        for rule in spec.rules
    ]
    return profile, rules
