"""The plan's forms: create one from measured rates, and edit its assumptions.

Rates are typed in percent and stored as shares; the range checks are the service's (one
place), and its errors come back on the field they name (``form_field``)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accord.planning import rules
from accord.planning.content import SIZE_BAND_CHOICES, lag_label, rate_label
from accord.planning.models import PeriodKind


def form_field(path: str) -> str:
    """``rates.lead_mql`` → ``rates__lead_mql`` (the form's name for a content path)."""
    return path.replace(".", "__")


class PlanCreateForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    period_kind = forms.ChoiceField(label=_("Period"), choices=PeriodKind.choices)
    start_month = forms.CharField(label=_("First month (YYYY-MM)"), max_length=7)
    revenue_target = forms.FloatField(label=_("Revenue target"))
    window_start = forms.DateField(
        label=_("Measure rates from"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    window_end = forms.DateField(
        label=_("until"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )


def _list_text(values: list[str]) -> str:
    return ", ".join(values)


class PlanEditForm(forms.Form):
    """Every assumption of a plan; channel fields are added per channel of the plan."""

    name = forms.CharField(label=_("Name"), max_length=120)
    revenue_target = forms.FloatField(label=_("Revenue target"))
    deal_size = forms.FloatField(label=_("Average deal size"))
    icp__description = forms.CharField(
        label=_("Ideal customer profile"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    icp__size_bands = forms.MultipleChoiceField(
        label=_("ICP: company sizes (employees)"),
        required=False,
        choices=[(b, b) for b in SIZE_BAND_CHOICES],
        widget=forms.CheckboxSelectMultiple,
    )
    icp__industries = forms.CharField(label=_("ICP: industries (comma-separated)"), required=False)
    target_segments = forms.CharField(label=_("Target segments (comma-separated)"), required=False)
    key_channels = forms.MultipleChoiceField(
        label=_("Key channels"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, plan_name: str, content: dict[str, Any], **kwargs: Any):
        initial = {
            "name": plan_name,
            "revenue_target": content["revenue_target"],
            "deal_size": content["deal_size"],
            "icp__description": content["icp"]["description"],
            "icp__size_bands": content["icp"]["size_bands"],
            "icp__industries": _list_text(content["icp"]["industries"]),
            "target_segments": _list_text(content["target_segments"]),
            "key_channels": content["key_channels"],
        }
        kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        self.channel_slugs = sorted(content["channels"])
        self.fields["key_channels"].choices = [(s, s) for s in self.channel_slugs]  # type: ignore[attr-defined]
        for key in rules.RATE_KEYS:
            name = f"rates__{key}"
            self.fields[name] = forms.FloatField(label=f"{rate_label(key)} (%)")
            self.initial[name] = round(content["rates"][key] * 100, 2)
        for stage in rules.LAG_STAGES:
            name = f"lags__{stage}"
            self.fields[name] = forms.IntegerField(label=lag_label(stage))
            self.initial[name] = content["lags"][stage]
        for slug in self.channel_slugs:
            item = content["channels"][slug]
            for part, label, value in (
                ("budget", _("budget"), item["budget"]),
                ("cpl", _("cost per lead"), item["cpl"]),
                ("lead_mql", _("lead → MQL (%)"), round(item["lead_mql"] * 100, 2)),
                ("share", _("share of MQLs (%)"), round(item["share"] * 100, 2)),
            ):
                name = f"channels__{slug}__{part}"
                self.fields[name] = forms.FloatField(
                    label=f"{slug}: {label}", required=part == "lead_mql"
                )
                self.initial[name] = value

    def channel_rows(self) -> list[tuple[str, list[Any]]]:
        return [
            (slug, [self[f"channels__{slug}__{p}"] for p in ("budget", "cpl", "lead_mql", "share")])
            for slug in self.channel_slugs
        ]

    def rate_fields(self) -> list[Any]:
        return [self[f"rates__{k}"] for k in rules.RATE_KEYS]

    def lag_fields(self) -> list[Any]:
        return [self[f"lags__{s}"] for s in rules.LAG_STAGES]

    def content_changes(self) -> dict[str, Any]:
        data = self.cleaned_data

        def split(text: str) -> list[str]:
            return [part.strip() for part in (text or "").split(",") if part.strip()]

        def share(value: float | None) -> float | None:
            return None if value is None else value / 100

        return {
            "revenue_target": data["revenue_target"],
            "deal_size": data["deal_size"],
            "rates": {k: share(data[f"rates__{k}"]) for k in rules.RATE_KEYS},
            "lags": {s: data[f"lags__{s}"] for s in rules.LAG_STAGES},
            "channels": {
                slug: {
                    "budget": data[f"channels__{slug}__budget"] or 0,
                    "cpl": data[f"channels__{slug}__cpl"],
                    "lead_mql": share(data[f"channels__{slug}__lead_mql"]),
                    "share": share(data[f"channels__{slug}__share"]) or 0,
                }
                for slug in self.channel_slugs
            },
            "icp": {
                "description": data["icp__description"],
                "size_bands": list(data["icp__size_bands"]),
                "industries": split(data["icp__industries"]),
            },
            "target_segments": split(data["target_segments"]),
            "key_channels": list(data["key_channels"]),
        }


class ScenarioForm(forms.Form):
    name = forms.CharField(label=_("Scenario name"), max_length=120)

    def __init__(self, *args: Any, slugs: list[str], budgets: dict[str, float], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.slugs = slugs
        for slug in slugs:
            self.fields[f"budgets__{slug}"] = forms.FloatField(
                label=slug, initial=budgets.get(slug, 0)
            )

    def budgets(self) -> dict[str, float]:
        return {slug: self.cleaned_data[f"budgets__{slug}"] for slug in self.slugs}
