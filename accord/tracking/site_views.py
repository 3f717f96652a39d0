"""Capture-site settings pages: the sites, a new one, editing one, and its copy-paste code.

Each view: the page rule (``capture_sites``), fetch, one service call, render. The snippet
page is where creating a site lands, so the code to paste is the first thing one sees.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from accord.accounts import policy
from accord.accounts.http import PageRequest
from accord.core.errors import DomainError
from accord.tracking.capture.services import capture_site_create, capture_site_update
from accord.tracking.capture.snippets import site_snippets
from accord.tracking.models import CaptureSite
from accord.tracking.site_forms import CaptureSiteEditForm, CaptureSiteForm

sites_required = policy.page_required("capture_sites")


@dataclass(frozen=True)
class SiteRow:
    site: CaptureSite
    origins: str


@sites_required
def site_list(request: PageRequest) -> HttpResponse:
    rows = [
        SiteRow(site=site, origins=", ".join(site.allowed_origins or []))
        for site in CaptureSite.objects.order_by("name", "pk")
    ]
    return render(request, "tracking/sites/site_list.html", {"rows": rows})


def _form_error(form: CaptureSiteForm, error: DomainError) -> None:
    form.add_error(error.field if error.field in form.fields else None, error.message)


@sites_required
def site_create(request: PageRequest) -> HttpResponse:
    form = CaptureSiteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            site = capture_site_create(**form.cleaned_data)
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("The site was created. Paste this code into its pages."))
            return redirect("capture_sites:site_snippet", site_id=site.pk)
    return render(request, "tracking/sites/site_form.html", {"form": form})


@sites_required
def site_edit(request: PageRequest, site_id: int) -> HttpResponse:
    site = get_object_or_404(CaptureSite, pk=site_id)
    initial = {
        "name": site.name,
        "allowed_origins": "\n".join(site.allowed_origins or []),
        "default_phone_region": site.default_phone_region,
        "double_opt_in": site.double_opt_in,
        "requires_cookie_consent": site.requires_cookie_consent,
        "is_active": site.is_active,
    }
    form = CaptureSiteEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            capture_site_update(site_id=site.pk, **form.cleaned_data)
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("The site was saved."))
            return redirect("capture_sites:site_snippet", site_id=site.pk)
    return render(request, "tracking/sites/site_form.html", {"form": form, "site": site})


@sites_required
def site_snippet(request: PageRequest, site_id: int) -> HttpResponse:
    site = get_object_or_404(CaptureSite, pk=site_id)
    snippets = site_snippets(
        base_url=request.build_absolute_uri("/"),
        public_key=site.public_key,
        consent_required=site.requires_cookie_consent,
    )
    return render(
        request,
        "tracking/sites/site_snippet.html",
        {"site": site, "snippets": snippets, "origins": site.allowed_origins or []},
    )
