"""The capture-site form: name, allowed origins (one per line), phone region, options.

The origins are checked line by line in ``capture.origins`` (the service checks them again),
so an error names the line and says why.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accord.core.errors import InvalidInput
from accord.tracking.capture.origins import ORIGINS_FIELD, origins_from_lines


class CaptureSiteForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    allowed_origins = forms.CharField(
        label=_("Allowed origins"),
        required=False,
        widget=forms.Textarea(
            attrs={"rows": 4, "placeholder": "https://www.example.com\nhttps://shop.example.com"}
        ),
        help_text=_(
            "One per line, as a browser sends it: https://host or https://host:port, no path. "
            "Only pages on these origins may post forms and page views; leave it empty to "
            "accept only server-to-server posts."
        ),
    )
    default_phone_region = forms.CharField(
        label=_("Default phone region"),
        max_length=2,
        required=False,
        help_text=_("Two-letter country code for phone numbers typed without +, e.g. GB."),
    )
    double_opt_in = forms.BooleanField(
        label=_("Double opt-in for e-mail marketing"),
        required=False,
        help_text=_("Marketing consent counts only once the person clicks the e-mailed link."),
    )
    requires_cookie_consent = forms.BooleanField(
        label=_("Tracking needs cookie consent"),
        required=False,
        help_text=_("The snippet stores and sends nothing until the page calls accord.consent()."),
    )

    def clean_allowed_origins(self) -> list[str]:
        try:
            return origins_from_lines(self.cleaned_data.get(ORIGINS_FIELD) or "")
        except InvalidInput as error:
            raise forms.ValidationError(error.message) from error


class CaptureSiteEditForm(CaptureSiteForm):
    is_active = forms.BooleanField(
        label=_("Active"),
        required=False,
        help_text=_("An inactive site's key is refused by the capture endpoints."),
    )
