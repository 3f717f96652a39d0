"""The settings hub and the API access page (one's own API keys included).

Each view: the page rule, one service call, render. A new key is rendered in the response to
the POST that made it — never put in a URL or the session — so it is shown exactly once.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accord.accounts import policy
from accord.accounts.http import PageRequest
from accord.accounts.own_keys import own_key_create, own_key_revoke, own_keys, scopes_offered
from accord.core.errors import DomainError
from accord.web.api_access import scope_table
from accord.web.settings_hub import settings_cards_for

api_required = policy.page_required("api_access")


class OwnKeyForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Key name"),
        max_length=120,
        help_text=gettext_lazy("What the key is for, e.g. “Spreadsheet sync”."),
    )
    scopes = forms.MultipleChoiceField(
        label=gettext_lazy("Scopes"), widget=forms.CheckboxSelectMultiple, choices=()
    )

    def __init__(self, *args, scopes: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["scopes"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = [(scope, scope) for scope in scopes]


@api_required  # every role has at least this card; the hub itself asks for one card
def hub(request: PageRequest) -> HttpResponse:
    cards = settings_cards_for(request.user)
    if not cards:
        raise PermissionDenied(_("Your role may not open this page."))
    return render(request, "web/settings/hub.html", {"cards": cards})


def _api_page(request: PageRequest, form: OwnKeyForm) -> HttpResponse:
    return render(
        request,
        "web/settings/api.html",
        {
            "table": scope_table(request.user),
            "keys": own_keys(request.user),
            "form": form,
            "docs_url": reverse("api-v1:openapi-view"),
            "schema_url": reverse("api-v1:openapi-json"),
            "api_root": request.build_absolute_uri("/api/v1/"),
        },
    )


@api_required
def api_access(request: PageRequest) -> HttpResponse:
    return _api_page(request, OwnKeyForm(scopes=scopes_offered(request.user)))


@api_required
@require_POST
def key_create(request: PageRequest) -> HttpResponse:
    form = OwnKeyForm(request.POST, scopes=scopes_offered(request.user))
    if form.is_valid():
        try:
            key, raw = own_key_create(
                user=request.user,
                name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"],
            )
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            return render(request, "web/settings/key_created.html", {"key": key, "raw": raw})
    return _api_page(request, form)


@api_required
@require_POST
def key_revoke(request: PageRequest, key_id: int) -> HttpResponse:
    key = own_key_revoke(user=request.user, key_id=key_id)
    messages.success(request, _("The key %(prefix)s… was revoked.") % {"prefix": key.prefix})
    return redirect("settings:api")
