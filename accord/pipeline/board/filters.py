"""The deals board's and list's filters: one Django form (a bad value is reported on its
field) and the queryset it narrows. Both pages read the same parameters, so a filtered board
links to the same deals listed."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from accord.accounts.models import Role, Team, User
from accord.pipeline.models import Deal, Pipeline
from accord.tracking.models import Campaign, Channel

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def person_name(user: User | None) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.username


class _MonthInput(forms.TextInput):
    input_type = "month"


class DealFilterForm(forms.Form):
    pipeline = forms.ModelChoiceField(
        label=_("Pipeline"),
        required=False,
        queryset=Pipeline.objects.none(),
        to_field_name="key",
        empty_label=None,
    )
    owner = forms.ModelChoiceField(
        label=_("Owner"), required=False, queryset=User.objects.none(), empty_label=_("Anyone")
    )
    team = forms.ModelChoiceField(
        label=_("Team"), required=False, queryset=Team.objects.none(), empty_label=_("Any team")
    )
    month = forms.CharField(
        label=_("Close month"), required=False, max_length=7, widget=_MonthInput
    )
    channel = forms.ModelChoiceField(
        label=_("Lead channel"),
        required=False,
        queryset=Channel.objects.all(),
        empty_label=_("Any channel"),
    )
    campaign = forms.ModelChoiceField(
        label=_("Lead campaign"),
        required=False,
        queryset=Campaign.objects.order_by("name"),
        empty_label=_("Any campaign"),
    )
    amount_min = forms.DecimalField(
        label=_("Amount from"), required=False, min_value=0, max_digits=16, decimal_places=2
    )
    amount_max = forms.DecimalField(
        label=_("Amount to"), required=False, min_value=0, max_digits=16, decimal_places=2
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        pipeline = self.fields["pipeline"]
        assert isinstance(pipeline, forms.ModelChoiceField)
        pipeline.queryset = Pipeline.objects.filter(is_archived=False).order_by("order", "pk")
        owner = self.fields["owner"]
        assert isinstance(owner, forms.ModelChoiceField)
        owner.queryset = User.objects.filter(
            is_active=True, role__in=[Role.SALES, Role.MANAGER]
        ).order_by("first_name", "last_name", "username")
        owner.label_from_instance = person_name  # type: ignore[method-assign,assignment]
        team = self.fields["team"]
        assert isinstance(team, forms.ModelChoiceField)
        team.queryset = Team.objects.filter(is_active=True)

    def clean_month(self) -> date | None:
        value = (self.cleaned_data.get("month") or "").strip()
        if not value:
            return None
        found = _MONTH.match(value)
        if not found or not 1 <= int(found.group(2)) <= 12:
            raise forms.ValidationError(_("Enter a month as YYYY-MM."))
        return date(int(found.group(1)), int(found.group(2)), 1)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        low, high = data.get("amount_min"), data.get("amount_max")
        if low is not None and high is not None and low > high:
            self.add_error("amount_max", _("The lowest amount is above the highest."))
        return data


#: The filters that narrow deals (the pipeline picks the board, not a filter).
FILTER_NAMES = ("owner", "team", "month", "channel", "campaign", "amount_min", "amount_max")


def _next_month(first: date) -> date:
    return date(first.year + first.month // 12, first.month % 12 + 1, 1)


def deal_filter(deals: QuerySet[Deal], data: dict[str, Any]) -> QuerySet[Deal]:
    """Apply a valid ``DealFilterForm``'s cleaned data (pipeline excluded)."""
    if data.get("owner"):
        deals = deals.filter(owner=data["owner"])
    if data.get("team"):
        deals = deals.filter(owner__team=data["team"])
    if data.get("month"):
        deals = deals.filter(
            expected_close__gte=data["month"], expected_close__lt=_next_month(data["month"])
        )
    if data.get("channel"):
        deals = deals.filter(lead__source_channel=data["channel"])
    if data.get("campaign"):
        deals = deals.filter(lead__source_campaign=data["campaign"])
    if data.get("amount_min") is not None:
        deals = deals.filter(amount__gte=data["amount_min"])
    if data.get("amount_max") is not None:
        deals = deals.filter(amount__lte=data["amount_max"])
    return deals
