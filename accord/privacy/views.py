"""Privacy pages: the public unsubscribe and confirmation links, and the administrators'
data-subject requests, audit log and incidents.

The public links act on POST only (a button on the page the link opens): mail scanners and
link previews fetch every link in a message, and a GET that confirmed or unsubscribed would
let them answer for the person.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accord.accounts import policy
from accord.core.errors import DomainError
from accord.privacy.consent import confirmation_accept, consent_change, unsubscribe_by_token
from accord.privacy.dsar import person_export
from accord.privacy.erasure import person_erase
from accord.privacy.forms import ConsentChangeForm, ErasureForm, PersonRequestForm
from accord.privacy.incidents import incident_timers
from accord.privacy.models import AuditEntry, Incident

AUDIT_PER_PAGE = 50

privacy_required = policy.page_required("privacy")


def _public(
    request: HttpRequest, *, title: str, message: str, status: int = 200, ask: str = ""
) -> HttpResponse:
    return render(
        request,
        "privacy/public_link.html",
        {"title": title, "message": message, "ask": ask},
        status=status,
    )


@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    title = _("Unsubscribe")
    if request.method == "GET":
        return _public(
            request,
            title=title,
            message=_("Stop receiving marketing e-mails from us?"),
            ask=_("Unsubscribe"),
        )
    try:
        unsubscribe_by_token(token=token)
    except DomainError as error:
        return _public(request, title=title, message=_(error.message), status=400)
    return _public(
        request,
        title=title,
        message=_("You are unsubscribed. We will not send you marketing e-mails."),
    )


@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    title = _("Confirm your subscription")
    if request.method == "GET":
        return _public(
            request,
            title=title,
            message=_("Confirm that you want to receive our e-mails."),
            ask=_("Confirm"),
        )
    try:
        confirmation_accept(token=token)
    except DomainError as error:
        return _public(request, title=title, message=_(error.message), status=400)
    return _public(request, title=title, message=_("Thank you: your subscription is confirmed."))


def _requests_render(request: HttpRequest, status: int = 200, **forms) -> HttpResponse:
    context = {
        "export_form": PersonRequestForm(),
        "erase_form": ErasureForm(),
        "consent_form": ConsentChangeForm(),
        **forms,
    }
    return render(request, "privacy/requests.html", context, status=status)


@privacy_required
def requests_page(request: HttpRequest) -> HttpResponse:
    return _requests_render(request)


def _form_error(form: PersonRequestForm, error: DomainError) -> None:
    form.add_error(error.field if error.field in form.fields else None, error.message)


@privacy_required
@require_POST
def request_export(request: HttpRequest) -> HttpResponse:
    form = PersonRequestForm(request.POST)
    if form.is_valid():
        try:
            export = person_export(
                email=form.cleaned_data["email"],
                phone=form.cleaned_data["phone"],
                actor=request.user,
            )
        except DomainError as error:
            _form_error(form, error)
        else:
            response = HttpResponse(export.content, content_type="application/zip")
            response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
            return response
    return _requests_render(request, status=400, export_form=form)


@privacy_required
@require_POST
def request_erase(request: HttpRequest) -> HttpResponse:
    form = ErasureForm(request.POST)
    result = None
    if form.is_valid():
        try:
            result = person_erase(
                email=form.cleaned_data["email"],
                phone=form.cleaned_data["phone"],
                actor=request.user,
            )
        except DomainError as error:
            _form_error(form, error)
    if result is None:
        return _requests_render(request, status=400, erase_form=form)
    return _requests_render(request, erased=result)


@privacy_required
@require_POST
def consent_change_view(request: HttpRequest) -> HttpResponse:
    """An administrator records a person's decision (a withdrawal by letter or phone, a
    consent given on paper): one ledger row naming the administrator."""
    form = ConsentChangeForm(request.POST)
    if form.is_valid():
        try:
            event = consent_change(
                email=form.cleaned_data["email"],
                phone=form.cleaned_data["phone"],
                purpose=form.cleaned_data["purpose"],
                granted=form.cleaned_data["granted"],
                lawful_basis=form.cleaned_data["lawful_basis"],
                actor=request.user,
            )
        except DomainError as error:
            _form_error(form, error)
        else:
            return _requests_render(request, consent_recorded=event)
    return _requests_render(request, status=400, consent_form=form)


@privacy_required
def audit_list(request: HttpRequest) -> HttpResponse:
    entries = AuditEntry.objects.select_related("actor")
    action = request.GET.get("action", "").strip()
    if action:
        entries = entries.filter(action__startswith=action[:60])
    page = Paginator(entries, AUDIT_PER_PAGE).get_page(request.GET.get("page"))
    actions = AuditEntry.objects.order_by("action").values_list("action", flat=True).distinct()
    rows = [(entry, audit_details_text(entry.details)) for entry in page.object_list]
    context = {"page": page, "rows": rows, "action": action, "actions": list(actions)}
    return render(request, "privacy/audit.html", context)


def audit_details_text(details: dict) -> str:
    """``key: value; ...`` with lists and nested counts written plainly (not Python repr)."""

    def plain(value: object) -> str:
        if isinstance(value, list):
            return ", ".join(plain(v) for v in value)
        if isinstance(value, dict):
            return ", ".join(f"{k} {plain(v)}" for k, v in value.items() if v)
        return str(value)

    return "; ".join(f"{key}: {plain(value)}" for key, value in (details or {}).items())


@privacy_required
def incident_list(request: HttpRequest) -> HttpResponse:
    timers = [incident_timers(incident) for incident in Incident.objects.all()[:200]]
    return render(request, "privacy/incidents.html", {"timers": timers})
