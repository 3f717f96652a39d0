"""Forms of the privacy pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class PersonRequestForm(forms.Form):
    email = forms.CharField(label=_("E-mail"), required=False, max_length=254)
    phone = forms.CharField(label=_("Phone"), required=False, max_length=40)


class ErasureForm(PersonRequestForm):
    confirm = forms.BooleanField(
        label=_("I understand that erasure cannot be undone."), required=True
    )
