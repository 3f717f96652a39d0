"""Report pages, CSV export and the meeting board. Every signed-in role reads reports.

Each view: parse the filter form → ``pages.report_page`` (runner → table and figures) →
render. Before the first sync the page shows how to build the analytics copy.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accord.accounts import policy
from accord.analytics import pins
from accord.analytics.attempts import report_attempt
from accord.analytics.forms import (
    CAMPAIGN_LIST_ID,
    AttributionForm,
    PinForm,
    ReportFilterForm,
)
from accord.analytics.models import PinnedReport
from accord.core.errors import InvalidInput
from accord.integrations.exporting import export_response
from accord.ui import report_pages as pages


def _form(name: str, data) -> ReportFilterForm:
    form_class = AttributionForm if name == "attribution" else ReportFilterForm
    return form_class(data, today=timezone.localdate(), group_choices=pages.GROUPS[name])


def _page(name: str, data) -> tuple[ReportFilterForm, pages.ReportPage | None, str | None, bool]:
    """The form, the page (or None), an error message, and whether the copy is missing."""
    form = _form(name, data)
    if not form.is_valid():
        return form, None, None, False
    options = form.options() if isinstance(form, AttributionForm) else {}
    group_by = form.cleaned_data.get("by") or (
        pages.GROUPS[name][0] if pages.GROUPS[name] else None
    )
    attempt = report_attempt(
        form, lambda: pages.report_page(name, form.filters(), group_by=group_by, options=options)
    )
    return form, attempt.value, attempt.error, attempt.not_ready


def _name(name: str) -> str:
    if name not in pages.TITLES:
        raise Http404
    return name


@login_required
def report_index(request: HttpRequest) -> HttpResponse:
    reports = [
        {"name": n, "title": t, "description": pages.DESCRIPTIONS[n]}
        for n, t in pages.TITLES.items()
    ]
    # The backtest sits with the reports (the header keeps one entry for both).
    can_backtest = policy.page_allowed(request.user, "predictive")  # type: ignore[arg-type]
    can_forecast = policy.page_allowed(request.user, "forecast")  # type: ignore[arg-type]
    return render(
        request,
        "analytics/index.html",
        {
            "reports": reports,
            "can_backtest": can_backtest,
            "can_forecast": can_forecast,
            "can_audit": policy.page_allowed(request.user, "audits"),  # type: ignore[arg-type]
            "can_digest": policy.page_allowed(request.user, "digest"),  # type: ignore[arg-type]
        },
    )


@login_required
def report_detail(request: HttpRequest, name: str) -> HttpResponse:
    name = _name(name)
    form, page, error, not_ready = _page(name, request.GET)
    context = {
        "name": name,
        "title": pages.TITLES[name],
        "description": pages.DESCRIPTIONS[name],
        "form": form,
        "page": page,
        "error": error,
        "not_ready": not_ready,
        "query": request.GET.urlencode(),
        "can_pin": pins.pin_allowed(request.user),
        "campaign_names": form.campaign_names(),
        "campaign_list_id": CAMPAIGN_LIST_ID,
    }
    status = 422 if form.errors else 200
    return render(request, "analytics/report.html", context, status=status)


@login_required
def report_export(request: HttpRequest, name: str) -> HttpResponse:
    name = _name(name)
    _unused, page, error, _not_ready = _page(name, request.GET)
    if page is None:
        messages.error(request, error or _("Fix the filters before exporting."))
        return redirect(f"{reverse('reports:detail', args=[name])}?{request.GET.urlencode()}")
    columns = [(h.key, h.label) for h in page.columns]
    stamp = timezone.localdate().isoformat()
    return export_response(page.records, columns, "csv", f"accord-{name}-{stamp}")


@login_required
def board(request: HttpRequest) -> HttpResponse:
    """The meeting board: every pinned report's headline table, in the heads' order."""
    items = []
    for pin in PinnedReport.objects.all():
        form, page, error, not_ready = _page(pin.report, pin.filters)
        if not_ready:
            return render(request, "analytics/board.html", {"not_ready": True, "items": []})
        query = "&".join(f"{k}={v}" for k, v in pin.filters.items())
        items.append(
            {"pin": pin, "page": page, "error": error or _form_error(form), "query": query}
        )
    return render(
        request,
        "analytics/board.html",
        {"items": items, "can_pin": pins.pin_allowed(request.user), "not_ready": False},
    )


def _form_error(form: ReportFilterForm) -> str | None:
    if not form.errors:
        return None
    return "; ".join(str(e) for errors in form.errors.values() for e in errors)


def _pin_action(request: HttpRequest, action) -> HttpResponse:
    if not pins.pin_allowed(request.user):
        return HttpResponse(
            _("Only managers and administrators change the meeting board."), status=403
        )
    try:
        action()
    except InvalidInput as error:
        messages.error(request, str(error))
    return redirect("reports:board")


@login_required
@require_POST
def pin_create(request: HttpRequest) -> HttpResponse:
    form = PinForm(request.POST)
    if not form.is_valid():
        if not pins.pin_allowed(request.user):
            return HttpResponse(status=403)
        messages.error(request, _("A pinned report needs a title."))
        return redirect("reports:board")
    data = form.cleaned_data
    return _pin_action(
        request,
        lambda: pins.pinned_report_create(
            user=request.user, title=data["title"], report=data["report"], query=data["query"]
        ),
    )


@login_required
@require_POST
def pin_delete(request: HttpRequest, pin_id: int) -> HttpResponse:
    return _pin_action(request, lambda: pins.pinned_report_delete(user=request.user, pin_id=pin_id))


@login_required
@require_POST
def pin_move(request: HttpRequest, pin_id: int, direction: str) -> HttpResponse:
    return _pin_action(
        request,
        lambda: pins.pinned_report_move(user=request.user, pin_id=pin_id, direction=direction),
    )
