"""Forms of the web shell: the dashboard's period filter."""

from __future__ import annotations

from datetime import date, timedelta

from django import forms
from django.utils.translation import gettext_lazy as _

#: Periods longer than this are refused: a typo like 0202 would otherwise scan everything.
MAX_PERIOD_DAYS = 366 * 10


def default_period(today: date) -> tuple[date, date]:
    """The last twelve months, today included."""
    try:
        year_ago = today.replace(year=today.year - 1)
    except ValueError:  # 29 February
        year_ago = today.replace(year=today.year - 1, day=28)
    return year_ago + timedelta(days=1), today


class PeriodForm(forms.Form):
    # <input type="date"> always sends ISO dates; Django also accepts the locale's format.
    start = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, data, *, today: date):
        super().__init__(data)
        self.today = today

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        default_start, default_end = default_period(self.today)
        start = cleaned.get("start") or default_start
        end = cleaned.get("end") or default_end
        if start > end:
            self.add_error("start", _("The start date must be on or before the end date."))
        elif (end - start).days > MAX_PERIOD_DAYS:
            self.add_error("start", _("The period cannot be longer than ten years."))
        cleaned["start"], cleaned["end"] = start, end
        return cleaned

    def period(self) -> tuple[date, date]:
        """The requested period when valid, else the default one (the page says why)."""
        if self.is_valid():
            return self.cleaned_data["start"], self.cleaned_data["end"]
        return default_period(self.today)
