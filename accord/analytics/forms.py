"""The filter form every report page shares, and the report options of some pages."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accord.analytics.attribution.aggregate import ALL_MODELS
from accord.analytics.filters import COHORT, PERIOD, ReportFilters
from accord.analytics.runners.attribution import (
    CONVERSIONS,
    DEFAULT_HALF_LIFE_DAYS,
    DEFAULT_LOOKBACK_DAYS,
)
from accord.core.errors import InvalidInput

#: A typo like 0202 would otherwise scan everything.
MAX_PERIOD_DAYS = 366 * 10
DEFAULT_PERIOD_DAYS = 89

MODEL_LABELS = {
    "first_touch": _("First touch"),
    "last_touch": _("Last touch"),
    "linear": _("Linear"),
    "time_decay": _("Time decay"),
    "u_shaped": _("U-shaped"),
    "w_shaped": _("W-shaped"),
    "full_path": _("Full path"),
    "markov": _("Markov chain"),
    "shapley": _("Shapley value"),
}
CONVERSION_LABELS = {
    "won": _("Won revenue"),
    "mql": _("Reaching MQL"),
    "sql": _("Reaching SQL"),
    "opportunity": _("Reaching opportunity"),
}
GROUP_LABELS = {
    "none": _("Total"),
    "channel": _("Channel"),
    "campaign": _("Campaign"),
    "month": _("Month"),
}


def _date(label) -> forms.DateField:
    return forms.DateField(
        label=label, required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


def _text(label, max_length: int) -> forms.CharField:
    return forms.CharField(label=label, required=False, max_length=max_length)


class ReportFilterForm(forms.Form):
    start = _date(_("From"))
    end = _date(_("To"))
    mode = forms.ChoiceField(
        label=_("Mode"),
        required=False,
        choices=[(COHORT, _("Cohort: leads created in the period")), (PERIOD, _("Period"))],
    )
    channel = _text(_("Channel"), 60)
    campaign = _text(_("Campaign"), 200)
    team = _text(_("Team"), 120)
    rep = _text(_("Rep"), 150)
    segment = _text(_("Segment"), 200)

    def __init__(self, data, *, today: date, group_choices: tuple[str, ...] = ()):
        super().__init__(data)
        self.today = today
        if group_choices:
            self.fields["by"] = forms.ChoiceField(
                label=_("Split by"),
                required=False,
                choices=[(g, GROUP_LABELS[g]) for g in group_choices],
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}  # Form.clean returns cleaned_data, never None
        if self.errors:
            return cleaned
        end = cleaned.get("end") or self.today
        start = cleaned.get("start") or end - timedelta(days=DEFAULT_PERIOD_DAYS)
        if start > end:
            self.add_error("start", _("The start date must be on or before the end date."))
        elif (end - start).days > MAX_PERIOD_DAYS:
            self.add_error("start", _("The period cannot be longer than ten years."))
        cleaned["start"], cleaned["end"] = start, end
        cleaned["mode"] = cleaned.get("mode") or COHORT
        if cleaned.get("segment"):
            try:
                self.filters_from(cleaned)
            except InvalidInput as error:
                self.add_error(error.field if error.field in self.fields else None, str(error))
        return cleaned

    @staticmethod
    def filters_from(cleaned: dict[str, Any]) -> ReportFilters:
        return ReportFilters(
            start=cleaned["start"],
            end=cleaned["end"],
            mode=cleaned["mode"],
            **{
                k: cleaned.get(k) or None for k in ("channel", "campaign", "team", "rep", "segment")
            },
        )

    def filters(self) -> ReportFilters:
        """The filters (call after ``is_valid()`` is true)."""
        return self.filters_from(self.cleaned_data)


class AttributionForm(ReportFilterForm):
    model = forms.ChoiceField(
        label=_("Model"),
        required=False,
        choices=[("", _("All models"))] + [(m, MODEL_LABELS[m]) for m in ALL_MODELS],
    )
    conversion = forms.ChoiceField(
        label=_("Conversion"),
        required=False,
        choices=[(c, CONVERSION_LABELS[c]) for c in CONVERSIONS],
    )
    lookback_days = forms.FloatField(
        label=_("Lookback (days)"), required=False, min_value=0.01, max_value=3650
    )
    half_life_days = forms.FloatField(
        label=_("Half-life (days)"), required=False, min_value=0.01, max_value=3650
    )
    markov_order = forms.IntegerField(
        label=_("Markov order"), required=False, min_value=1, max_value=4
    )

    def options(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "model": data.get("model") or None,
            "conversion": data.get("conversion") or "won",
            "lookback_days": data.get("lookback_days") or DEFAULT_LOOKBACK_DAYS,
            "half_life_days": data.get("half_life_days") or DEFAULT_HALF_LIFE_DAYS,
            "markov_order": data.get("markov_order") or 1,
        }


class PinForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    report = forms.CharField(max_length=30)
    query = forms.CharField(required=False, max_length=2000)
