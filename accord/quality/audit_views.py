"""Lead-handling audit pages at /audits/ (auditors: managers and administrators): scores per
rep and team over time, the items that fail most, coaching, test-lead tokens, templates,
recording an audit, and speed to lead."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accord.accounts import policy
from accord.accounts.http import PageRequest
from accord.accounts.shopper_tokens import MAX_AGE, shopper_token_mint
from accord.core.errors import DomainError
from accord.quality import selectors, services
from accord.quality.forms import AuditForm, TemplateForm
from accord.quality.models import AuditTemplate


def _overview(request: PageRequest, *, token: str = "") -> HttpResponse:
    return render(
        request,
        "quality/audit_index.html",
        {
            "audits": selectors.audits()[:20],
            "by_rep": selectors.scores_by_month(by="rep"),
            "by_team": selectors.scores_by_month(by="team"),
            "failing": selectors.failing_items(),
            "coaching": selectors.coaching_open(),
            "templates": AuditTemplate.objects.filter(is_active=True),
            "test_leads": selectors.test_leads(),
            "token": token,
            "token_days": MAX_AGE.days,
        },
    )


@policy.page_required("audits")
def audit_index(request: PageRequest) -> HttpResponse:
    return _overview(request)


@require_POST
@policy.page_required("audits")
def token_mint(request: PageRequest) -> HttpResponse:
    return _overview(request, token=shopper_token_mint(by=request.user))


@policy.page_required("audits")
def template_create(request: PageRequest) -> HttpResponse:
    form = TemplateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.audit_template_create(
                by=request.user,
                name=form.cleaned_data["name"],
                description=form.cleaned_data["description"],
                items=form.items(),
            )
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("Audit template saved."))
            return redirect("audits:index")
    return render(request, "quality/template_form.html", {"form": form})


@policy.page_required("audits")
def audit_record(request: PageRequest, template_id: int) -> HttpResponse:
    template = get_object_or_404(AuditTemplate, pk=template_id, is_active=True)
    initial = {"lead": request.GET.get("lead", "")}
    form = AuditForm(request.POST or None, template=template, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            audit = services.audit_record(
                by=request.user,
                template_id=template.pk,
                rep_id=data["rep"],
                lead_id=data["lead"],
                results=form.results(),
                notes=data["notes"],
                counts_in_sla=data["counts_in_sla"],
                coaching=data["coaching"],
                coaching_owner_id=data["coaching_owner"],
                coaching_due=data["coaching_due"],
            )
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(
                request, _("Audit recorded: score %(score)s.") % {"score": audit.score}
            )
            return redirect("audits:detail", audit_id=audit.pk)
    return render(request, "quality/audit_form.html", {"form": form, "template": template})


@policy.page_required("audits")
def audit_detail(request: PageRequest, audit_id: int) -> HttpResponse:
    audit = get_object_or_404(selectors.audits(), pk=audit_id)
    return render(
        request,
        "quality/audit_detail.html",
        {
            "audit": audit,
            "results": audit.results.select_related("item").order_by("item__position"),
            "coaching": audit.coaching.select_related("owner"),
        },
    )


@require_POST
@policy.page_required("audits")
def coaching_done(request: PageRequest, note_id: int) -> HttpResponse:
    try:
        services.coaching_done(by=request.user, note_id=note_id)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Coaching marked done."))
    return redirect("audits:index")
