"""The filter form every report page shares, and the report options of some pages."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accord.analytics import pickers
from accord.analytics.attribution.aggregate import ALL_MODELS
from accord.analytics.filters import COHORT, PERIOD, ReportFilters, segment_parse
from accord.analytics.runners.attribution import (
    CONVERSIONS,
    DEFAULT_HALF_LIFE_DAYS,
    DEFAULT_LOOKBACK_DAYS,
)
from accord.core.errors import InvalidInput

#: A typo like 0202 would otherwise scan everything.
MAX_PERIOD_DAYS = 366 * 10
#: The campaign box offers its names from this list (type-ahead).
CAMPAIGN_LIST_ID = "campaign-options"


def default_period(today: date) -> tuple[date, date]:
    """The last twelve months, today included (as the dashboard)."""
    try:
        year_ago = today.replace(year=today.year - 1)
    except ValueError:  # 29 February
        year_ago = today.replace(year=today.year - 1, day=28)
    return year_ago + timedelta(days=1), today


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
    "pipeline": _("Pipeline"),
}


def _date(label) -> forms.DateField:
    return forms.DateField(
        label=label, required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


def _picker(label) -> forms.ChoiceField:
    return forms.ChoiceField(label=label, required=False, choices=[])


def _any(label) -> list[tuple[str, str]]:
    return [("", label)]


class ReportFilterForm(forms.Form):
    start = _date(_("From"))
    end = _date(_("To"))
    mode = forms.ChoiceField(
        label=_("Mode"),
        required=False,
        choices=[(COHORT, _("Cohort: leads created in the period")), (PERIOD, _("Period"))],
    )
    channel = _picker(_("Channel"))
    campaign = forms.CharField(
        label=_("Campaign"),
        required=False,
        max_length=200,
        widget=forms.TextInput(
            attrs={"list": CAMPAIGN_LIST_ID, "autocomplete": "off", "placeholder": _("Any")}
        ),
    )
    team = _picker(_("Team"))
    rep = _picker(_("Rep"))
    segment = _picker(_("Segment"))

    def __init__(self, data, *, today: date, group_choices: tuple[str, ...] = ()):
        self.campaigns = pickers.campaign_choices()
        by_value = {c.value: c.label for c in self.campaigns}
        data = (data or {}).copy()
        if data.get("campaign") in by_value:
            # A link names the campaign by its UTM name; the box shows its name.
            data["campaign"] = by_value[data["campaign"]]
        if not data.get("start") and not data.get("end"):
            # The boxes show the period the report covers: the last twelve months.
            start, end = default_period(today)
            data["start"], data["end"] = start.isoformat(), end.isoformat()
        super().__init__(data)
        self.today = today
        self._choices(
            "channel",
            _any(_("All channels")) + [(c.value, c.label) for c in pickers.channel_choices()],
        )
        self._choices(
            "team", _any(_("All teams")) + [(c.value, c.label) for c in pickers.team_choices()]
        )
        self._choices(
            "rep", _any(_("All reps")) + [(c.value, c.label) for c in pickers.rep_choices()]
        )
        segments = [(c.value, c.label) for c in pickers.segment_choices()]
        asked = (data or {}).get("segment") or ""
        if asked and asked not in dict(segments):
            # A custom-property segment (``<property>=<value>``) from a link or a pin.
            try:
                if segment_parse(asked)[0] == "property":
                    segments.append((asked, asked))
            except InvalidInput:
                pass  # the field says it is not a valid choice
        self._choices("segment", _any(_("All segments")) + segments)
        if group_choices:
            self.fields["by"] = forms.ChoiceField(
                label=_("Split by"),
                required=False,
                choices=[(g, GROUP_LABELS[g]) for g in group_choices],
            )

    def _choices(self, name: str, choices: list[tuple[str, str]]) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices

    def clean_campaign(self) -> str:
        """A campaign picked by its name (or given by its UTM name, as links do)."""
        typed = (self.cleaned_data.get("campaign") or "").strip()
        if not typed:
            return ""
        for choice in self.campaigns:
            if typed == choice.value:
                return choice.value
        for choice in self.campaigns:
            if typed.casefold() == choice.label.casefold():
                return choice.value
        raise forms.ValidationError(
            _("There is no campaign named %(name)s; pick one from the list."),
            params={"name": typed},
        )

    def campaign_names(self) -> list[str]:
        """The names the campaign box offers as one types (its datalist)."""
        return sorted({c.label for c in self.campaigns}, key=str.casefold)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}  # Form.clean returns cleaned_data, never None
        if self.errors:
            return cleaned
        end = cleaned.get("end") or self.today
        start = cleaned.get("start") or default_period(end)[0]
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
    value = forms.ChoiceField(
        label=_("Credit"),
        required=False,
        choices=[("revenue", _("Revenue")), ("margin", _("Margin"))],
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
            "value": data.get("value") or "revenue",
            "lookback_days": data.get("lookback_days") or DEFAULT_LOOKBACK_DAYS,
            "half_life_days": data.get("half_life_days") or DEFAULT_HALF_LIFE_DAYS,
            "markov_order": data.get("markov_order") or 1,
        }


class PinForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    report = forms.CharField(max_length=30)
    query = forms.CharField(required=False, max_length=2000)
