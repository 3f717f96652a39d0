"""``/reports/forecast/``: the forecast page. Sales' page: heads and admins read everyone's
forecast, a rep their own (``accord.accounts.policy.forecast_read_scope``). The page also
takes the calls: a rep's weekly submission and a manager's adjustment (``calls``)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accord.accounts import policy
from accord.analytics.attempts import report_attempt
from accord.analytics.forecast.calls import AdjustForm, SubmitForm, calls_context
from accord.analytics.forecast.forms import ForecastForm
from accord.analytics.reports import report_run
from accord.core.errors import DomainError, InvalidInput
from accord.pipeline.forecast import services
from accord.ui.forecast_page import forecast_page


@login_required
def forecast(request: HttpRequest) -> HttpResponse:
    return _page(request)


def _page(
    request: HttpRequest, *, submit: SubmitForm | None = None, adjust: AdjustForm | None = None
) -> HttpResponse:
    policy.page_require(request.user, "forecast")  # type: ignore[arg-type]
    own = policy.forecast_read_scope(policy.principal_for(request.user))  # type: ignore[arg-type]
    form = ForecastForm(request.GET, today=timezone.localdate(), own_only=own is not None)
    attempt = report_attempt(
        form,
        lambda: report_run(
            "forecast",
            form.filters(),
            scope_user_id=own.pk if own is not None else None,
            **form.options(),
        ),
    )
    context = {
        "form": form,
        "page": forecast_page(attempt.value) if attempt.value is not None else None,
        "error": attempt.error,
        "not_ready": attempt.not_ready,
        "own_only": own is not None,
        **calls_context(request.user, submit=submit, adjust=adjust),  # type: ignore[arg-type]
    }
    refused = form.errors or (submit and submit.errors) or (adjust and adjust.errors)
    return render(request, "analytics/forecast.html", context, status=422 if refused else 200)


def _refused(form: SubmitForm | AdjustForm, exc: DomainError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, str(exc))


@login_required
@require_POST
def forecast_submit(request: HttpRequest) -> HttpResponse:
    policy.page_require(request.user, "forecast")  # type: ignore[arg-type]
    form = SubmitForm(request.POST, today=timezone.localdate())
    if form.is_valid():
        kind, start = form.chosen_period()
        try:
            services.forecast_submit(
                principal=policy.principal_for(request.user),  # type: ignore[arg-type]
                period_kind=kind,
                period_start=start,
                commit=form.cleaned_data["commit"],
                best_case=form.cleaned_data["best_case"],
                notes=form.cleaned_data["notes"],
            )
        except services.SubmissionExists:
            done = _("This week's forecast for this period is already in; it cannot be changed.")
            form.add_error("period", done)
        except InvalidInput as exc:
            _refused(form, exc)
        else:
            messages.success(request, _("Your forecast is submitted."))
            return redirect("reports:forecast")
    return _page(request, submit=form)


@login_required
@require_POST
def forecast_adjust(request: HttpRequest) -> HttpResponse:
    policy.page_require(request.user, "forecast")  # type: ignore[arg-type]
    raw = request.POST.get("submission", "")
    submission_id = int(raw) if raw.isdigit() and len(raw) < 10 else 0
    form = AdjustForm(request.POST, prefix=f"s{submission_id}")
    if not submission_id:
        form.add_error(None, _("Pick a submission to adjust."))
    elif form.is_valid():
        try:
            services.forecast_adjust(
                principal=policy.principal_for(request.user),  # type: ignore[arg-type]
                submission_id=submission_id,
                commit=form.cleaned_data["commit"],
                best_case=form.cleaned_data["best_case"],
                reason=form.cleaned_data["reason"],
            )
        except InvalidInput as exc:
            _refused(form, exc)
        else:
            messages.success(request, _("The adjustment is saved beside the rep's call."))
            return redirect("reports:forecast")
    return _page(request, adjust=form)
