"""The forms of the task pages and of the activity panel (lead and deal pages)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from accord.accounts.models import User
from accord.pipeline.models import ActivityKind, ActivityOutcome, TaskKind

_WHEN = {"type": "datetime-local"}
_WHEN_FORMAT = "%Y-%m-%dT%H:%M"


def _when(label: Any, *, required: bool) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        required=required,
        widget=forms.DateTimeInput(attrs=_WHEN, format=_WHEN_FORMAT),
    )


class _PersonChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj)


class TaskForm(forms.Form):
    title = forms.CharField(label=_("Task"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=TaskKind.choices, initial=TaskKind.CALL)
    due_at = _when(_("Due"), required=True)
    remind_at = _when(_("Remind me"), required=False)
    owner = _PersonChoice(label=_("For"), queryset=User.objects.none(), required=False)
    notes = forms.CharField(label=_("Notes"), required=False, max_length=2000)

    def __init__(self, *args: Any, owners: QuerySet[User] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if owners is None:
            del self.fields["owner"]  # a rep's tasks are their own
        else:
            owner = self.fields["owner"]
            assert isinstance(owner, forms.ModelChoiceField)
            owner.queryset = owners
            owner.empty_label = str(_("Me"))


class ActivityForm(forms.Form):
    kind = forms.ChoiceField(label=_("Activity"), choices=ActivityKind.choices)
    outcome = forms.ChoiceField(label=_("Outcome"), choices=ActivityOutcome.choices, required=False)
    at = _when(_("When"), required=False)
    notes = forms.CharField(label=_("Notes"), required=False, max_length=5000)


class TaskFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds")), *TaskKind.choices]
    )
    owner = _PersonChoice(
        label=_("Owner"), queryset=User.objects.none(), required=False, empty_label=_("Everyone")
    )
    q = forms.CharField(label=_("Search"), required=False, max_length=100)

    def __init__(self, *args: Any, owners: QuerySet[User] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if owners is None:
            del self.fields["owner"]
        else:
            owner = self.fields["owner"]
            assert isinstance(owner, forms.ModelChoiceField)
            owner.queryset = owners
