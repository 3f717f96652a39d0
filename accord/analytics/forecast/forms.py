"""The forecast page's filters: periods around today, period kind, split, pipeline, team and
rep (a rep reads only their own forecast: no team or rep to pick)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accord.analytics import pickers
from accord.analytics.filters import ReportFilters
from accord.analytics.forms import MAX_PERIOD_DAYS
from accord.pipeline.forecast.periods import period_end, period_next, period_start
from accord.pipeline.models import Pipeline

PERIOD_LABELS = {"quarter": _("Quarter"), "month": _("Month")}
GROUP_LABELS = {
    "owner": _("Rep"),
    "team": _("Team"),
    "pipeline": _("Pipeline"),
    "none": _("Total"),
}


def default_range(today: date, kind: str) -> tuple[date, date]:
    """Three periods behind today's (forecast vs actual) to the one after it."""
    start = period_start(today, kind)
    for _step in range(3):
        start = period_start(start - timedelta(days=1), kind)
    return start, period_end(period_next(period_start(today, kind), kind), kind)


class ForecastForm(forms.Form):
    start = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    period = forms.ChoiceField(label=_("Periods"), required=False, choices=PERIOD_LABELS.items())
    by = forms.ChoiceField(label=_("Split by"), required=False, choices=GROUP_LABELS.items())
    pipeline = forms.ChoiceField(label=_("Pipeline"), required=False, choices=[])
    team = forms.ChoiceField(label=_("Team"), required=False, choices=[])
    rep = forms.ChoiceField(label=_("Rep"), required=False, choices=[])

    def __init__(self, data, *, today: date, own_only: bool):
        data = (data or {}).copy()
        kind = data.get("period") if data.get("period") in PERIOD_LABELS else "quarter"
        if not data.get("start") and not data.get("end"):
            start, end = default_range(today, kind)
            data["start"], data["end"] = start.isoformat(), end.isoformat()
        super().__init__(data)
        self.today = today
        pipelines = Pipeline.objects.filter(is_archived=False).values_list("key", "name")
        self.fields["pipeline"].choices = [("", _("All pipelines")), *pipelines]  # type: ignore[attr-defined]
        if own_only:
            del self.fields["team"], self.fields["rep"]
        else:
            teams = [(c.value, c.label) for c in pickers.team_choices()]
            reps = [(c.value, c.label) for c in pickers.rep_choices()]
            self.fields["team"].choices = [("", _("All teams")), *teams]  # type: ignore[attr-defined]
            self.fields["rep"].choices = [("", _("All reps")), *reps]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.errors:
            return cleaned
        kind = cleaned.get("period") or "quarter"
        default_start, default_end = default_range(self.today, kind)
        start = cleaned.get("start") or default_start
        end = cleaned.get("end") or default_end
        if start > end:
            self.add_error("start", _("The start date must be on or before the end date."))
        elif (end - start).days > MAX_PERIOD_DAYS:
            self.add_error("start", _("The period cannot be longer than ten years."))
        cleaned.update(start=start, end=end, period=kind, by=cleaned.get("by") or "owner")
        return cleaned

    def filters(self) -> ReportFilters:
        data = self.cleaned_data
        return ReportFilters(
            start=data["start"],
            end=data["end"],
            team=data.get("team") or None,
            rep=data.get("rep") or None,
        )

    def options(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "group_by": data["by"],
            "period": data["period"],
            "pipeline": data.get("pipeline") or None,
        }
