"""Forms of the pipeline settings pages: what a person types, checked before the services.

Probability is typed as a percentage (0 to 100) and handed to the services as a fraction.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accord.pipeline.models import ForecastCategory


class PipelineForm(forms.Form):
    name = forms.CharField(label=_("Pipeline name"), max_length=100)


class StageForm(forms.Form):
    name = forms.CharField(label=_("Stage name"), max_length=100)
    probability = forms.DecimalField(
        label=_("Win probability (%)"), min_value=0, max_value=100, decimal_places=1
    )
    forecast_category = forms.ChoiceField(
        label=_("Forecast category"), choices=ForecastCategory.choices
    )
    stale_after_days = forms.IntegerField(
        label=_("Stale after (days)"), min_value=1, max_value=3650, required=False
    )

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["probability"] = Decimal(data["probability"]) / 100
        return data


class LostReasonForm(forms.Form):
    label = forms.CharField(label=_("Reason"), max_length=100)
