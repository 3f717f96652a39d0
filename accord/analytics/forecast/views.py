"""``/reports/forecast/``: the forecast page. Sales' page: heads and admins read everyone's
forecast, a rep their own (``accord.accounts.policy.forecast_read_scope``)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from accord.accounts import policy
from accord.analytics.engine import AnalyticsBusy, AnalyticsNotReady
from accord.analytics.forecast.forms import ForecastForm
from accord.analytics.reports import report_run
from accord.core.errors import DomainError, InvalidInput
from accord.ui.forecast_page import forecast_page


@login_required
def forecast(request: HttpRequest) -> HttpResponse:
    policy.page_require(request.user, "forecast")  # type: ignore[arg-type]
    own = policy.forecast_read_scope(policy.principal_for(request.user))  # type: ignore[arg-type]
    form = ForecastForm(request.GET, today=timezone.localdate(), own_only=own is not None)
    page, error, not_ready = None, None, False
    if form.is_valid():
        try:
            result = report_run(
                "forecast",
                form.filters(),
                scope_user_id=own.pk if own is not None else None,
                **form.options(),
            )
            page = forecast_page(result)
        except AnalyticsNotReady:
            not_ready = True
        except InvalidInput as exc:
            if exc.field in form.fields:
                form.add_error(exc.field, str(exc))
            else:
                error = str(exc)
        except (AnalyticsBusy, DomainError) as exc:
            error = str(exc)
    context = {
        "form": form,
        "page": page,
        "error": error,
        "not_ready": not_ready,
        "own_only": own is not None,
    }
    return render(request, "analytics/forecast.html", context, status=422 if form.errors else 200)
