"""The speed-to-lead page at /audits/speed-to-lead/ (auditors): the analytics runner's bands
per rep, team or channel, rendered through ``accord.ui.speed``."""

from __future__ import annotations

from datetime import timedelta

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from accord.accounts import policy
from accord.accounts.http import PageRequest
from accord.accounts.models import Team, User
from accord.analytics.engine import AnalyticsBusy, AnalyticsNotReady
from accord.analytics.filters import ReportFilters
from accord.analytics.runners.speed import GROUPS, STARTS, SpeedQuery, SpeedRunner
from accord.tracking.models import Channel
from accord.ui.speed import speed_view


@policy.page_required("audits")
def speed_to_lead(request: PageRequest) -> HttpResponse:
    group = request.GET.get("group", "rep")
    start = request.GET.get("start", "mql")
    group = group if group in GROUPS else "rep"
    start = start if start in STARTS else "mql"
    today = timezone.localdate()
    # The hand-offs of the last 90 days (period mode: by when the start happened).
    filters = ReportFilters(start=today - timedelta(days=90), end=today, mode="period")
    context = {"group": group, "start": start, "filters": filters, "view": None, "problem": ""}
    try:
        result = SpeedRunner(SpeedQuery(filters=filters, group_by=group, start=start)).run()
    except (AnalyticsNotReady, AnalyticsBusy) as error:
        context["problem"] = str(error)
    else:
        context["view"] = speed_view(result, names=_group_names(group))
    return render(request, "quality/speed.html", context)


def _group_names(group: str) -> dict[object, str]:
    """People's and teams' names for the rows (the analytics copy holds usernames)."""
    if group == "rep":
        return {user.pk: str(user) for user in User.objects.all()}
    if group == "team":
        return dict(Team.objects.values_list("pk", "name"))
    return dict(Channel.objects.values_list("pk", "name"))
