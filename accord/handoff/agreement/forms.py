"""Forms of the agreement editor and the calendar editor: text in, plain data out.

The forms only parse what people type; every rule (ranges, overlaps, who may change what)
is checked by the services, whose errors name the field.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accord.accounts.models import Team
from accord.handoff import rules
from accord.handoff.agreement.labels import FIELD_LABELS, OPTIONAL_HELP, SIDE_LABELS


def form_name(path: str) -> str:
    return path.replace(".", "__")


class AgreementForm(forms.Form):
    """One field per term; the other side's commitments are shown but disabled."""

    def __init__(self, *args: Any, content: dict[str, Any], side: str | None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.content = content
        optional = rules.AGREEMENT_OPTIONAL_FIELDS
        for path, spec in (rules.AGREEMENT_FIELDS | optional).items():
            section, key = path.split(".")
            label = FIELD_LABELS.get(path, path)
            if spec.kind is bool:
                field: forms.Field = forms.BooleanField(label=label, required=False)
            elif spec.kind is int:
                field = forms.IntegerField(
                    label=label,
                    required=path not in optional,
                    help_text=OPTIONAL_HELP.get(path, ""),
                )
            else:
                field = forms.CharField(label=label, required=False, max_length=120)
            field.initial = content.get(section, {}).get(key)
            field.disabled = rules.paths_forbidden([rules.Change(path, 0, 1)], side=side) != []
            _side_set(field, rules.side_of(path))
            self.fields[form_name(path)] = field
        self.fields["mql_required_fields"] = forms.CharField(
            label=_("MQL: required fields"),
            required=False,
            max_length=2000,
            help_text=_("Comma-separated, e.g. contact.phone, lead.properties.budget_range"),
            initial=", ".join(content.get("mql_definition", {}).get("required_fields", [])),
        )
        _side_set(self.fields["mql_required_fields"], rules.SHARED)
        marketing = rules.paths_forbidden([rules.Change("marketing.x", 0, 1)], side=side) != []
        self.fields["mqls_per_month"] = forms.CharField(
            label=_("MQLs per month per team (one “team: number” a line)"),
            widget=forms.Textarea(attrs={"rows": 3}),
            required=False,
            disabled=marketing,
            initial="\n".join(
                f"{team}: {count}"
                for team, count in content.get("marketing", {}).get("mqls_per_month", {}).items()
            ),
        )
        _side_set(self.fields["mqls_per_month"], rules.MARKETING)
        self.fields["rejection_reasons"] = forms.CharField(
            label=_("Rejection reasons (one “code | label” a line)"),
            widget=forms.Textarea(attrs={"rows": 7}),
            initial="\n".join(
                " | ".join([r["code"], r["label"]] + ([r["outcome"]] if r.get("outcome") else []))
                for r in content.get("rejection_reasons", [])
            ),
        )
        _side_set(self.fields["rejection_reasons"], rules.SHARED)
        self.fields["note"] = forms.CharField(
            label=_("What changed and why"),
            widget=forms.Textarea(attrs={"rows": 2}),
            required=False,
        )
        _side_set(self.fields["note"], rules.SHARED)

    def content_build(self) -> dict[str, Any]:
        """The new content: the old one with this form's values put in."""
        data = self.cleaned_data
        content = {k: (dict(v) if isinstance(v, dict) else v) for k, v in self.content.items()}
        for path in rules.AGREEMENT_FIELDS:
            section, key = path.split(".")
            content.setdefault(section, {})[key] = data[form_name(path)]
        # Optional terms left empty are left out, so readers apply their defaults.
        for path in rules.AGREEMENT_OPTIONAL_FIELDS:
            section, key = path.split(".")
            value = data.get(form_name(path))
            if value is None:
                content.setdefault(section, {}).pop(key, None)
            else:
                content.setdefault(section, {})[key] = value
        content["mql_definition"]["required_fields"] = [
            name.strip()
            for name in (data.get("mql_required_fields") or "").split(",")
            if name.strip()
        ]
        targets: dict[str, Any] = {}
        for line in (data.get("mqls_per_month") or "").splitlines():
            if line.strip():
                team, _sep, count = line.rpartition(":")
                value = count.strip()
                targets[team.strip()] = int(value) if value.lstrip("-").isdigit() else value
        content["marketing"]["mqls_per_month"] = targets
        reasons = []
        for line in data["rejection_reasons"].splitlines():
            if line.strip():
                parts = [part.strip() for part in line.split("|")]
                reason = {"code": parts[0], "label": parts[1] if len(parts) > 1 else ""}
                if len(parts) > 2 and parts[2]:
                    reason["outcome"] = parts[2]
                reasons.append(reason)
        content["rejection_reasons"] = reasons
        return content


class CalendarForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    time_zone = forms.CharField(label=_("Time zone (IANA, e.g. Europe/Berlin)"), max_length=64)
    team = forms.ModelChoiceField(
        label=_("Team"), queryset=Team.objects.all(), required=False,
        empty_label=_("— none —"),
    )  # fmt: skip
    is_default = forms.BooleanField(label=_("Default calendar"), required=False)
    holidays = forms.CharField(
        label=_("Holidays (one YYYY-MM-DD a line)"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        for day, label in zip(rules.WEEKDAYS, WEEKDAY_LABELS, strict=True):
            self.fields[f"hours_{day}"] = forms.CharField(
                label=label, required=False, help_text=_("e.g. 09:00-12:00, 13:00-18:00")
            )

    def working_hours(self) -> dict[str, list[list[str]]]:
        hours = {}
        for day in rules.WEEKDAYS:
            text = self.cleaned_data.get(f"hours_{day}") or ""
            hours[day] = [
                [part.strip() for part in chunk.split("-", 1)]
                for chunk in text.split(",")
                if chunk.strip()
            ]
        return hours

    def holidays_list(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["holidays"].splitlines() if line.strip()]

    @staticmethod
    def initial_of(calendar: Any) -> dict[str, Any]:
        initial = {
            "name": calendar.name,
            "time_zone": calendar.time_zone,
            "team": calendar.team_id,
            "is_default": calendar.is_default,
            "holidays": "\n".join(calendar.holidays),
        }
        for day in rules.WEEKDAYS:
            initial[f"hours_{day}"] = ", ".join(
                f"{a}-{b}" for a, b in calendar.working_hours.get(day, [])
            )
        return initial


WEEKDAY_LABELS = (
    _("Monday"), _("Tuesday"), _("Wednesday"), _("Thursday"), _("Friday"), _("Saturday"),
    _("Sunday"),
)  # fmt: skip


def _side_set(field: forms.Field, side: str) -> None:
    """Which side of the agreement owns ``field``: the editor's template shows it
    (``field.field.side_label``). Django form fields have no such attribute, hence setattr."""
    setattr(field, "side", side)  # noqa: B010
    setattr(field, "side_label", SIDE_LABELS[side])  # noqa: B010
