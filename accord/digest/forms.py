from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accord.accounts.models import User
from accord.digest.services import TEXT_MAX


class AgendaForm(forms.Form):
    text = forms.CharField(label=_("Agenda item"), max_length=TEXT_MAX)


class DecisionForm(forms.Form):
    text = forms.CharField(label=_("Decision"), max_length=TEXT_MAX)
    owner = forms.ModelChoiceField(
        label=_("Owner"), queryset=User.objects.filter(is_active=True).order_by("username")
    )
    due_date = forms.DateField(label=_("Due date"), widget=forms.DateInput(attrs={"type": "date"}))
