"""The promotion page's filters: the reports' filters (the last twelve months by default),
plus the pipeline and the smallest group worth comparing."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accord.analytics.filters import COHORT, PERIOD
from accord.analytics.forms import ReportFilterForm
from accord.pipeline.models import Pipeline


class PromotionsForm(ReportFilterForm):
    pipeline = forms.ChoiceField(label=_("Pipeline"), required=False, choices=[])
    min_closed = forms.IntegerField(
        label=_("Smallest group"), required=False, min_value=1, max_value=10_000,
        widget=forms.NumberInput(attrs={"placeholder": "30", "size": 5}),
    )  # fmt: skip

    def __init__(self, data, *, today: date):
        super().__init__(data, today=today)
        del self.fields["campaign"]  # deals are not split by campaign here (their channel is)
        modes = [
            (COHORT, _("Deals created in the period")),
            (PERIOD, _("Deals closed in the period")),
        ]
        self._choices("mode", modes)  # type: ignore[arg-type]
        pipelines = Pipeline.objects.filter(is_archived=False).values_list("key", "name")
        self._choices("pipeline", [("", _("All pipelines")), *pipelines])  # type: ignore[list-item]

    def options(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "pipeline": data.get("pipeline") or None,
            "min_closed": data.get("min_closed") or 30,
        }
