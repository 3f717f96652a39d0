"""The endpoint form: URL, description and subscribed events. Checks happen in the service."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accord.integrations.webhooks.events import event_choices


class WebhookEndpointForm(forms.Form):
    url = forms.CharField(
        label=_("URL"),
        max_length=2000,
        widget=forms.URLInput(attrs={"placeholder": "https://example.com/hooks/accord"}),
    )
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    events = forms.MultipleChoiceField(
        label=_("Events"), widget=forms.CheckboxSelectMultiple, choices=()
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Read at form time: other apps register their events when they load.
        self.fields["events"].choices = event_choices()
