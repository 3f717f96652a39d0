"""The filter form of "Where are my MQLs?": pickers with people's names, a period that
defaults to the last 12 months."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accord.accounts.models import Role, User
from accord.handoff.inbox.mql_status import DEFAULT_PERIOD_DAYS, STATUS_LABELS, MqlFilters
from accord.handoff.inbox.selectors import InboxFilters
from accord.tracking.models import Campaign, Channel


class _RepChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj)  # the full name, the username only when there is none


def _date(label: Any) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        # ISO: a date input shows nothing for a value in the locale's format (05.12.2026).
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class MqlStatusForm(forms.Form):
    start = _date(_("From"))
    end = _date(_("To"))
    channel = forms.ModelChoiceField(
        label=_("Channel"), required=False, queryset=Channel.objects.all(),
        empty_label=_("All channels"),
    )  # fmt: skip
    campaign = forms.ModelChoiceField(
        label=_("Campaign"), required=False, queryset=Campaign.objects.order_by("name"),
        empty_label=_("All campaigns"),
    )  # fmt: skip
    owner = _RepChoice(
        label=_("Rep"), required=False,
        queryset=User.objects.filter(role__in=(Role.SALES, Role.MANAGER)).order_by(
            "first_name", "last_name", "username"
        ),
        empty_label=_("All reps"),
    )  # fmt: skip
    status = forms.ChoiceField(
        label=_("Status"), required=False,
        choices=[("", _("Any status")), *STATUS_LABELS.items()],
    )  # fmt: skip

    def __init__(self, data: Any, *, today: date) -> None:
        # Unbound (no filters asked for), the pickers show the default period in use.
        super().__init__(data, initial=self._defaults_for(today))
        self.today = today

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        end = cleaned.get("end") or self.today
        start = cleaned.get("start") or end - timedelta(days=DEFAULT_PERIOD_DAYS)
        if start > end:
            self.add_error("start", _("The start date must be on or before the end date."))
        cleaned["start"], cleaned["end"] = start, end
        return cleaned

    def filters(self) -> MqlFilters:
        """The filters asked for; where a field is invalid, its default (the form says why)."""
        data = self.cleaned_data if self.is_valid() else self._defaults()
        return MqlFilters(
            start=data["start"],
            end=data["end"],
            channel_id=data["channel"].pk if data.get("channel") else None,
            campaign_id=data["campaign"].pk if data.get("campaign") else None,
            owner_id=data["owner"].pk if data.get("owner") else None,
            status=data.get("status") or None,
        )

    def _defaults(self) -> dict[str, Any]:
        return self._defaults_for(self.today)

    @staticmethod
    def _defaults_for(today: date) -> dict[str, Any]:
        return {"start": today - timedelta(days=DEFAULT_PERIOD_DAYS), "end": today}


class InboxFilterForm(forms.Form):
    """The inbox's filters: hot leads only, SLA state, channel. Invalid values are ignored
    (the form names the field) and the inbox shows everything."""

    hot = forms.BooleanField(label=_("Hot only"), required=False)
    sla = forms.ChoiceField(
        label=_("SLA"), required=False,
        choices=[
            ("", _("Any SLA state")),
            ("breached", _("Breached")),
            ("warning", _("Due soon (warning)")),
            ("ok", _("On time")),
            ("none", _("No clock running")),
        ],
    )  # fmt: skip
    channel = forms.ModelChoiceField(
        label=_("Channel"), required=False, queryset=Channel.objects.all(),
        empty_label=_("All channels"),
    )  # fmt: skip

    def filters(self) -> InboxFilters:
        if not self.is_valid():
            return InboxFilters()
        data = self.cleaned_data
        return InboxFilters(
            hot_only=bool(data.get("hot")),
            sla_state=data.get("sla") or "",
            channel_id=data["channel"].pk if data.get("channel") else None,
        )
