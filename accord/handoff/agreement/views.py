"""Agreement pages: the version in force, the open version (editor per side, approvals),
and the history with what each version changed. Managers and administrators only."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accord.accounts import policy
from accord.accounts.http import PageRequest
from accord.core.errors import DomainError
from accord.handoff.agreement import selectors as agreement_selectors
from accord.handoff.agreement import services
from accord.handoff.agreement.forms import AgreementForm, form_name
from accord.handoff.agreement.labels import SIDE_LABELS
from accord.handoff.agreement.terms import alert_terms
from accord.handoff.models import AgreementVersion, VersionStatus
from accord.scoring import qualification

managers_only = policy.page_required("agreement")


@managers_only
def agreement_overview(request: PageRequest) -> HttpResponse:
    agreement = agreement_selectors.agreement_main()
    rows = agreement_selectors.version_rows(agreement) if agreement else []
    active = next((r for r in rows if r.version.status == VersionStatus.ACTIVE), None)
    open_row = next(
        (r for r in rows if r.version.status in (VersionStatus.DRAFT, VersionStatus.PENDING)), None
    )
    side = services.side_of_user(request.user)
    preview = None
    if open_row is not None and request.GET.get("preview"):
        terms = qualification.Terms.of(open_row.version.content["mql_definition"])
        preview = qualification.terms_change_preview(terms=terms)
    context = {
        "agreement": agreement,
        "active": active,
        "open": open_row,
        "rows": rows,
        "preview": preview,
        "side": side,
        "side_label": SIDE_LABELS.get(side or ""),
        "can_edit": services.can_edit_agreement(request.user),
        "alert": alert_terms(active.version.content) if active else None,
    }
    return render(request, "handoff/agreement.html", context)


@managers_only
@require_POST
def version_action(request: PageRequest, version_id: int, action: str) -> HttpResponse:
    calls = {
        "submit": services.agreement_submit,
        "approve": services.agreement_approve,
        "withdraw": services.agreement_withdraw,
    }
    try:
        calls[action](user=request.user, version_id=version_id)
        messages.success(request, _("Done."))
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("handoff:agreement")


@managers_only
@require_POST
def draft_create(request: PageRequest) -> HttpResponse:
    try:
        version = services.agreement_draft_create(user=request.user)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("handoff:agreement")
    return redirect("handoff:draft_edit", version_id=version.pk)


@managers_only
def draft_edit(request: PageRequest, version_id: int) -> HttpResponse:
    version = get_object_or_404(AgreementVersion, pk=version_id, status=VersionStatus.DRAFT)
    side = services.side_of_user(request.user)
    form = AgreementForm(request.POST or None, content=version.content, side=side)
    if request.method == "POST" and form.is_valid():
        try:
            services.agreement_draft_edit(
                user=request.user,
                version_id=version.pk,
                content=form.content_build(),
                note=form.cleaned_data["note"] or None,
            )
            messages.success(request, _("The draft was saved."))
            return redirect("handoff:agreement")
        except DomainError as error:
            name = form_name(error.field or "")
            if error.field and error.field.startswith("rejection_reasons"):
                name = "rejection_reasons"
            elif error.field and error.field.startswith("marketing.mqls_per_month"):
                name = "mqls_per_month"
            elif error.field == "mql_definition.required_fields":
                name = "mql_required_fields"
            form.add_error(name if name in form.fields else None, error.message)
    context = {
        "version": version,
        "form": form,
        "side": side,
        "side_label": SIDE_LABELS.get(side or ""),
    }
    return render(request, "handoff/agreement_edit.html", context)
