"""``/reports/promotions/``: do discounts buy revenue or destroy it. Every signed-in role
reads it, as the other reports (aggregates and reps' discounting, no customer names)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from accord.accounts import policy
from accord.analytics.engine import AnalyticsBusy, AnalyticsNotReady
from accord.analytics.promotions.forms import PromotionsForm
from accord.analytics.reports import report_run
from accord.core.errors import DomainError, InvalidInput
from accord.ui.promotions_page import promotions_page


@login_required
def promotions(request: HttpRequest) -> HttpResponse:
    policy.page_require(request.user, "reports")  # type: ignore[arg-type]
    form = PromotionsForm(request.GET, today=timezone.localdate())
    page, error, not_ready = None, None, False
    if form.is_valid():
        try:
            result = report_run("promotions", form.filters(), **form.options())
            page = promotions_page(result)
        except AnalyticsNotReady:
            not_ready = True
        except InvalidInput as exc:
            if exc.field in form.fields:
                form.add_error(exc.field, str(exc))
            else:
                error = str(exc)
        except (AnalyticsBusy, DomainError) as exc:
            error = str(exc)
    context = {"form": form, "page": page, "error": error, "not_ready": not_ready}
    return render(request, "analytics/promotions.html", context, status=422 if form.errors else 200)
