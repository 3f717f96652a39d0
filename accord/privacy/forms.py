"""Forms of the privacy pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accord.privacy.models import LawfulBasis, Purpose


class PersonRequestForm(forms.Form):
    email = forms.CharField(label=_("E-mail"), required=False, max_length=254)
    phone = forms.CharField(label=_("Phone"), required=False, max_length=40)


class ErasureForm(PersonRequestForm):
    confirm = forms.BooleanField(
        label=_("I understand that erasure cannot be undone."), required=True
    )


class ConsentChangeForm(PersonRequestForm):
    purpose = forms.ChoiceField(label=_("Purpose"), choices=Purpose.choices)
    granted = forms.TypedChoiceField(
        label=_("Decision"),
        choices=[("1", _("Granted")), ("0", _("Withdrawn"))],
        coerce=lambda value: value == "1",
    )
    lawful_basis = forms.ChoiceField(
        label=_("Lawful basis"), choices=LawfulBasis.choices, initial=LawfulBasis.CONSENT
    )
