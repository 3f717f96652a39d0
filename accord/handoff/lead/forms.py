"""Forms of the lead page's sales actions: qualify (BANT), open a deal, rate the lead.

They only parse what people type; ``accord.handoff.inbox.actions`` and ``feedback`` decide what is
allowed and name the field at fault, and the view puts that error on the form.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accord.core.money import DEFAULT_CURRENCY


class QualifyForm(forms.Form):
    budget = forms.CharField(label=_("Budget"), max_length=200, required=False)
    authority = forms.CharField(label=_("Authority"), max_length=200, required=False)
    need = forms.CharField(label=_("Need"), max_length=200, required=False)
    timeline = forms.CharField(label=_("Timeline"), max_length=200, required=False)


class DealForm(forms.Form):
    name = forms.CharField(label=_("Deal name"), max_length=200, required=False)
    amount = forms.CharField(label=_("Amount"), max_length=40, required=False)
    currency = forms.CharField(
        label=_("Currency"), max_length=3, required=False, initial=DEFAULT_CURRENCY
    )
    expected_close = forms.DateField(
        label=_("Expected close"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


RATING_COMMENT_MAX = 500  # as QualityRating.comment
RATING_CHOICES = [(str(n), str(n)) for n in range(1, 6)]


class RatingForm(forms.Form):
    rating = forms.ChoiceField(
        label=_("Lead quality (1 poor to 5 excellent)"),
        choices=RATING_CHOICES,
        required=False,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(label=_("Comment"), max_length=RATING_COMMENT_MAX, required=False)
