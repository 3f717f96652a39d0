"""``/reports/promotions/``: do discounts buy revenue or destroy it. Every signed-in role
reads it, as the other reports (aggregates and reps' discounting, no customer names); its
tables download as CSV (one table) or as a workbook (a sheet per table)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accord.accounts import policy
from accord.analytics.attempts import Attempt, report_attempt
from accord.analytics.promotions.forms import PromotionsForm
from accord.analytics.promotions.rows import TABLE_KEYS, promotion_tables
from accord.analytics.reports import report_run
from accord.integrations.exporting import export_response, export_workbook_response
from accord.ui.promotions_page import promotions_page


def _run(request: HttpRequest) -> tuple[PromotionsForm, Attempt[Any]]:
    """The filter form and the report's run for it."""
    policy.page_require(request.user, "reports")  # type: ignore[arg-type]
    form = PromotionsForm(request.GET, today=timezone.localdate())
    return form, report_attempt(
        form, lambda: report_run("promotions", form.filters(), **form.options())
    )


def _export_url(request: HttpRequest, format: str, table: str = "") -> str:
    """The download of the page's report (the same filters) as ``format``."""
    query = request.GET.copy()
    query.pop("table", None)
    if table:
        query["table"] = table
    return f"{reverse(f'reports:promotions_{format}')}?{query.urlencode()}"


@login_required
def promotions(request: HttpRequest) -> HttpResponse:
    form, attempt = _run(request)
    page = None
    if attempt.value is not None:
        page = promotions_page(
            attempt.value,
            export_urls={key: _export_url(request, "csv", key) for key in TABLE_KEYS},
            workbook_url=_export_url(request, "xlsx"),
        )
    context = {"form": form, "page": page, "error": attempt.error, "not_ready": attempt.not_ready}
    return render(request, "analytics/promotions.html", context, status=422 if form.errors else 200)


@login_required
def promotions_export(request: HttpRequest, format: str) -> HttpResponse:
    """``export.csv?table=KEY`` (one table, the main one by default) or ``export.xlsx`` (a
    sheet per table), for the same filters as the page."""
    form, attempt = _run(request)
    result, error = attempt.value, attempt.error
    table_key = request.GET.get("table") or TABLE_KEYS[0]
    if table_key not in TABLE_KEYS:
        error = _("Unknown table; one of: %(keys)s.") % {"keys": ", ".join(TABLE_KEYS)}
    if result is None or error:
        if attempt.not_ready:
            error = _("There is no analytics copy yet: nothing to export.")
        problems = [
            (f"{form.fields[f].label}: " if f in form.fields else "") + str(e)
            for f, es in form.errors.items()
            for e in es
        ]
        messages.error(request, error or "; ".join(problems) or _("Fix the filters first."))
        query = request.GET.copy()
        query.pop("table", None)
        return redirect(f"{reverse('reports:promotions')}?{query.urlencode()}")
    stamp = timezone.localdate().isoformat()
    tables = promotion_tables(result)
    if format == "xlsx":
        sheets = [(str(t.title), t.rows, [(c, c) for c in t.columns]) for t in tables]
        return export_workbook_response(sheets, f"accord-promotions-{stamp}")
    table = next(t for t in tables if t.key == table_key)
    columns = [(c, c) for c in table.columns]
    return export_response(table.rows, columns, "csv", f"accord-promotions-{table.key}-{stamp}")
