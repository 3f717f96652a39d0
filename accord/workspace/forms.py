"""The list pages' filters: each a Django form, so a bad value is reported on its field."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accord.accounts.models import Role, Team, User
from accord.contacts.models import Grade
from accord.core.lifecycle import Stage
from accord.tracking.models import Campaign, Channel
from accord.workspace.models import ListPage
from accord.workspace.sorting import LEAD_SORTS


def _person(user: User) -> str:
    return user.get_full_name() or user.username


class _DateInput(forms.DateInput):
    input_type = "date"


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class LeadFilterForm(SearchForm):
    stage = forms.ChoiceField(label=_("Stage"), required=False)
    owner = forms.ModelChoiceField(
        label=_("Owner"), required=False, queryset=User.objects.none(), empty_label=_("Anyone")
    )
    team = forms.ModelChoiceField(
        label=_("Team"), required=False, queryset=Team.objects.none(), empty_label=_("Any team")
    )
    channel = forms.ModelChoiceField(
        label=_("Channel"),
        required=False,
        queryset=Channel.objects.all(),
        empty_label=_("Any channel"),
    )
    campaign = forms.ModelChoiceField(
        label=_("Campaign"),
        required=False,
        queryset=Campaign.objects.order_by("name"),
        empty_label=_("Any campaign"),
    )
    grade = forms.ChoiceField(label=_("Grade"), required=False)
    score_min = forms.IntegerField(label=_("Score from"), required=False, min_value=0)
    score_max = forms.IntegerField(label=_("Score to"), required=False, min_value=0)
    created_from = forms.DateField(label=_("Created from"), required=False, widget=_DateInput)
    created_to = forms.DateField(label=_("Created to"), required=False, widget=_DateInput)
    activity_from = forms.DateField(
        label=_("Last activity from"), required=False, widget=_DateInput
    )
    activity_to = forms.DateField(label=_("Last activity to"), required=False, widget=_DateInput)
    win_min = forms.IntegerField(
        label=_("Win probability from, %"), required=False, min_value=0, max_value=100
    )
    win_max = forms.IntegerField(
        label=_("Win probability to, %"), required=False, min_value=0, max_value=100
    )
    sort = forms.ChoiceField(label=_("Sort"), required=False, widget=forms.HiddenInput)

    RANGES = (
        ("score_min", "score_max", _("The lowest score is above the highest.")),
        ("created_from", "created_to", _("The start date is after the end date.")),
        ("activity_from", "activity_to", _("The start date is after the end date.")),
        ("win_min", "win_max", _("The lowest probability is above the highest.")),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["stage"].choices = [("", _("Any stage")), *Stage.choices]  # type: ignore[attr-defined]
        self.fields["grade"].choices = [("", _("Any grade")), *Grade.choices]  # type: ignore[attr-defined]
        self.fields["sort"].choices = (  # type: ignore[attr-defined]
            [("", "")] + [(k, k) for k in LEAD_SORTS] + [(f"-{k}", f"-{k}") for k in LEAD_SORTS]
        )
        owner = self.fields["owner"]
        assert isinstance(owner, forms.ModelChoiceField)
        owner.queryset = User.objects.filter(
            is_active=True, role__in=[Role.SALES, Role.MANAGER]
        ).order_by("first_name", "last_name", "username")
        owner.label_from_instance = _person  # type: ignore[method-assign,assignment]
        team = self.fields["team"]
        assert isinstance(team, forms.ModelChoiceField)
        team.queryset = Team.objects.filter(is_active=True)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for low, high, message in self.RANGES:
            both = data.get(low) is not None and data.get(high) is not None
            if both and data[low] > data[high]:
                self.add_error(high, message)
        return data


class SavedViewForm(forms.Form):
    page = forms.ChoiceField(choices=ListPage.choices)
    name = forms.CharField(label=_("Name of the view"), max_length=80)
    query = forms.CharField(required=False, max_length=2000)


class BulkForm(forms.Form):
    ACTIONS = (
        ("assign", _("Assign")),
        ("review", _("Add to a review")),
        ("export", _("Export to CSV")),
    )
    action = forms.ChoiceField(label=_("Action"), choices=ACTIONS)
    lead = forms.TypedMultipleChoiceField(label=_("Leads"), coerce=int, required=False)
    #: "selected": the ticked leads; "filtered": every lead the query string finds.
    scope = forms.ChoiceField(
        choices=(("selected", _("Selected leads")), ("filtered", _("Every lead found"))),
        required=False,
    )
    query = forms.CharField(required=False, max_length=2000)
    to_user = forms.ModelChoiceField(
        label=_("Give to"), required=False, queryset=User.objects.filter(is_active=True)
    )
    reason = forms.CharField(label=_("Why"), required=False, max_length=500)
    review = forms.IntegerField(label=_("Review"), required=False, min_value=1)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        lead = self.fields["lead"]
        assert isinstance(lead, forms.TypedMultipleChoiceField)
        # Any id is accepted here; visibility and the policy decide afterwards.
        lead.valid_value = lambda value: str(value).isdigit()  # type: ignore[method-assign]
