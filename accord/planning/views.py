"""Joint planning pages: the plans, one plan worked out (assumptions beside what was measured,
reverse funnel, channels, scenarios, plan vs actual, ICP, approvals, history), its editor.

Everyone signed in reads (``planning`` page); heads and administrators change plans and the two
heads approve (the services refuse anyone else, 403 from the policy's error).
"""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accord.accounts import policy
from accord.accounts.http import PageRequest
from accord.analytics.engine import AnalyticsNotReady
from accord.core.errors import DomainError, PermissionDenied
from accord.handoff.agreement.labels import SIDE_LABELS
from accord.handoff.agreement.services import side_of_user
from accord.planning import actuals, measured, selectors, services
from accord.planning.forms import PlanCreateForm, PlanEditForm, ScenarioForm, form_field
from accord.planning.models import Plan
from accord.ui import planning_page
from accord.ui.report_labels import month_label

readers = policy.page_required("planning")


def _editor_required(request: PageRequest) -> None:
    if not services.can_edit_plan(request.user):
        raise PermissionDenied(
            _("Only marketing and sales managers (or administrators) change plans.")
        )


def _plan_or_404(plan_id: int) -> Plan:
    plan = selectors.plan_get(plan_id)
    if plan is None:
        raise Http404(_("No such plan."))
    return plan


def _default_create_form() -> PlanCreateForm:
    today = timezone.localdate()
    quarter_first = date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
    return PlanCreateForm(
        initial={
            "period_kind": "quarter",
            "start_month": quarter_first.strftime("%Y-%m"),
            "window_start": today - timedelta(days=182),
            "window_end": today,
        }
    )


@readers
def plan_list(request: PageRequest) -> HttpResponse:
    can_edit = services.can_edit_plan(request.user)
    form = PlanCreateForm(request.POST) if request.method == "POST" else _default_create_form()
    if request.method == "POST":
        _editor_required(request)
        if form.is_valid():
            data = form.cleaned_data
            try:
                plan = services.plan_create(user=request.user, **data)
                messages.success(request, _("The plan was created from the measured rates."))
                return redirect("planning:detail", plan_id=plan.pk)
            except AnalyticsNotReady as error:
                form.add_error(None, error.message)
            except DomainError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
    plans = [(plan, month_label(plan.start_month)) for plan in selectors.plans_visible()]
    context = {"plans": plans, "form": form, "can_edit": can_edit}
    return render(request, "planning/list.html", context, status=422 if form.errors else 200)


@readers
def plan_detail(request: PageRequest, plan_id: int) -> HttpResponse:
    plan = _plan_or_404(plan_id)
    worked = selectors.plan_worked(plan)
    found = actual = None
    try:
        found = measured.measured_assumptions(
            window_start=plan.window_start, window_end=plan.window_end
        )
        actual = actuals.plan_vs_actual(worked, today=timezone.localdate())
    except AnalyticsNotReady:
        pass
    side = side_of_user(request.user)
    context = {
        "plan": plan,
        "period_label": month_label(plan.start_month),
        "can_edit": services.can_edit_plan(request.user),
        "side": side,
        "side_label": SIDE_LABELS.get(side or ""),
        "side_signed": bool(side and getattr(plan, f"{side}_approved_by_id")),
        "analytics_ready": found is not None,
        "assumptions": planning_page.assumption_rows(worked, found),
        "funnel": planning_page.funnel_table(worked),
        "channels": planning_page.channel_rows(worked, found),
        "scenarios": planning_page.scenario_columns(worked),
        "icp": planning_page.icp_view(worked),
        "capacity": planning_page.capacity_view(worked),
        "actual": planning_page.actual_view(actual, plan.currency) if actual else None,
        "history": selectors.history_rows(plan),
        "scenario_form": ScenarioForm(
            slugs=sorted(plan.content["channels"]),
            budgets={s: c["budget"] for s, c in plan.content["channels"].items()},
        ),
        "measured_as_of": found.data_as_of if found else None,
    }
    return render(request, "planning/detail.html", context)


@readers
def plan_edit(request: PageRequest, plan_id: int) -> HttpResponse:
    _editor_required(request)
    plan = _plan_or_404(plan_id)
    form = PlanEditForm(request.POST or None, plan_name=plan.name, content=plan.content)
    if request.method == "POST" and form.is_valid():
        try:
            services.plan_update(
                user=request.user,
                plan_id=plan.pk,
                changes=form.content_changes(),
                name=form.cleaned_data["name"],
            )
            messages.success(request, _("The plan was saved."))
            return redirect("planning:detail", plan_id=plan.pk)
        except DomainError as error:
            name = form_field(error.field or "")
            form.add_error(name if name in form.fields else None, error.message)
    status = 422 if request.method == "POST" else 200
    return render(request, "planning/edit.html", {"plan": plan, "form": form}, status=status)


@readers
@require_POST
def plan_action(request: PageRequest, plan_id: int, action: str) -> HttpResponse:
    plan = _plan_or_404(plan_id)
    calls = {
        "submit": services.plan_submit,
        "approve": services.plan_approve,
        "withdraw": services.plan_withdraw,
    }
    if action not in calls:
        raise Http404
    if action == "approve":
        if side_of_user(request.user) is None:
            raise DjangoPermissionDenied(
                _("Only a marketing manager or a sales manager can approve a plan.")
            )
    else:
        _editor_required(request)
    try:
        calls[action](user=request.user, plan_id=plan.pk)
        messages.success(request, _("Done."))
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("planning:detail", plan_id=plan.pk)


@readers
@require_POST
def scenario_add(request: PageRequest, plan_id: int) -> HttpResponse:
    _editor_required(request)
    plan = _plan_or_404(plan_id)
    form = ScenarioForm(request.POST, slugs=sorted(plan.content["channels"]), budgets={})
    if form.is_valid():
        try:
            services.scenario_save(
                user=request.user,
                plan_id=plan.pk,
                name=form.cleaned_data["name"],
                budgets=form.budgets(),
            )
            messages.success(request, _("The scenario was added."))
        except DomainError as error:
            messages.error(request, error.message)
    else:
        messages.error(request, _("Check the scenario: every budget is a number."))
    return redirect("planning:detail", plan_id=plan.pk)
