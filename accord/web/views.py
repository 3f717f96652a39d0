"""Pages of the web shell. Each view: check access, read through a selector, render."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.vary import vary_on_headers

from accord.accounts.http import PageRequest
from accord.analytics.selectors import activity_by, funnel_summary
from accord.handoff.sla.health import queue_health
from accord.ui.dashboard import dashboard_view_model
from accord.ui.dashboard_panels import dashboard_panels
from accord.web.forms import PeriodForm


@login_required
@vary_on_headers("HX-Request")
def dashboard(request: PageRequest) -> HttpResponse:
    form = PeriodForm(request.GET, today=timezone.localdate())
    start, end = form.period()
    summary = funnel_summary(start=start, end=end)
    valid = form.is_valid()
    context = {
        "form": form,
        # Invalid input stays in the box so the person can see and fix what they typed.
        "start_value": start.isoformat() if valid else request.GET.get("start", ""),
        "end_value": end.isoformat() if valid else request.GET.get("end", ""),
        "start": start,
        "end": end,
        "dashboard": dashboard_view_model(summary),
        "panels": dashboard_panels(
            monthly=activity_by(start=start, end=end, group_by="month"),
            by_channel=activity_by(start=start, end=end, group_by="channel"),
            health=queue_health(),
            start=start,
            end=end,
        ),
    }
    # htmx swaps only the dashboard body when the period changes.
    template = "web/includes/dashboard_body.html" if request.htmx else "web/dashboard.html"
    return render(request, template, context)
