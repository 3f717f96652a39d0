"""Writes of joint plans: create (from measured rates), edit the assumptions, scenarios, and
the approval by both heads, as the hand-off agreement's.

Who: heads (marketing and sales managers) and administrators create and edit, exactly who may
edit the agreement (``can_edit_agreement``); a plan is approved by a marketing manager and a
sales manager, two people (``side_of_user``). Marketers and reps read. Every refusal happens
before anything is written, and every step writes a ``PlanRevision`` with the content after it.
"""

from __future__ import annotations

import copy
import logging
import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accord.accounts.models import User
from accord.core.errors import InvalidInput, NotFound, PermissionDenied
from accord.handoff.agreement.services import can_edit_agreement, side_of_user
from accord.planning import content as plan_content
from accord.planning import measured, rules
from accord.planning.models import (
    PeriodKind,
    Plan,
    PlanAction,
    PlanRevision,
    PlanScenario,
    PlanStatus,
)

logger = logging.getLogger(__name__)
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def can_edit_plan(user: User) -> bool:
    return can_edit_agreement(user)


def _edit_required(user: User) -> None:
    if not can_edit_plan(user):
        raise PermissionDenied(
            _("Only marketing and sales managers (or administrators) change plans."), field="user"
        )


def _plan_locked(plan_id: int) -> Plan:
    plan = Plan.objects.select_for_update().filter(pk=plan_id).first()
    if plan is None:
        raise NotFound(_("No such plan."), field="plan")
    return plan


def _revision(plan: Plan, *, action: str, user: User | None, side: str = "") -> None:
    PlanRevision.objects.create(
        plan=plan, action=action, actor=user, side=side, content=copy.deepcopy(plan.content)
    )


def _period_check(
    *, name: str, period_kind: str, start_month: str, window_start: Any, window_end: Any
) -> None:
    if not (name or "").strip():
        raise InvalidInput(_("Give the plan a name."), field="name")
    if period_kind not in PeriodKind.values:
        raise InvalidInput(_("The period is a quarter or a year."), field="period_kind")
    if not _MONTH.match(start_month or ""):
        raise InvalidInput(_("The first month is written YYYY-MM."), field="start_month")
    if not isinstance(window_start, date) or not isinstance(window_end, date):
        raise InvalidInput(_("Give the measured window's dates."), field="window_start")
    if window_start > window_end:
        raise InvalidInput(_("The window starts after it ends."), field="window_start")


def plan_create(
    *,
    user: User,
    name: str,
    period_kind: str,
    start_month: str,
    window_start: date,
    window_end: date,
    revenue_target: Any,
    content: Mapping[str, Any] | None = None,
) -> Plan:
    """A draft plan; without ``content``, its assumptions are those measured over the window."""
    _edit_required(user)
    _period_check(
        name=name,
        period_kind=period_kind,
        start_month=start_month,
        window_start=window_start,
        window_end=window_end,
    )
    target = rules.positive(revenue_target, field="revenue_target", label=_("Revenue target"))
    if content is None:
        found = measured.measured_assumptions(window_start=window_start, window_end=window_end)
        content = measured.content_from_measured(
            found, revenue_target=target, months=rules.PERIOD_MONTHS[period_kind]
        )
    else:
        content = {**content, "revenue_target": target}
    normalised = plan_content.content_validate(content)
    with transaction.atomic():
        plan = Plan.objects.create(
            name=name.strip()[:120],
            period_kind=period_kind,
            start_month=start_month,
            window_start=window_start,
            window_end=window_end,
            content=normalised,
            created_by=user,
        )
        _revision(plan, action=PlanAction.CREATED, user=user)
    logger.info("Plan %s created by %s.", plan.pk, user.pk)
    return plan


def _merged(base: Mapping[str, Any], patch: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in patch.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = _merged(merged[key], value)
        else:
            merged[key] = value
    return merged


def plan_update(
    *, user: User, plan_id: int, changes: Mapping[str, Any], name: str | None = None
) -> Plan:
    """Change a plan's assumptions (a partial content: only the keys given change).

    An approved plan goes back to draft and its approvals are dropped: both heads approve the
    plan as it now stands. A plan awaiting approval is returned to draft first.
    """
    _edit_required(user)
    if not isinstance(changes, Mapping):
        raise InvalidInput(_("The plan's content must be an object."), field="content")
    with transaction.atomic():
        plan = _plan_locked(plan_id)
        if plan.status == PlanStatus.PENDING:
            raise InvalidInput(
                _("The plan awaits approval; return it to draft before changing it."),
                field="plan",
            )
        normalised = plan_content.content_validate(_merged(plan.content, changes))
        if name is not None:
            if not name.strip():
                raise InvalidInput(_("Give the plan a name."), field="name")
            plan.name = name.strip()[:120]
        reopened = plan.status == PlanStatus.APPROVED
        if reopened:
            _approvals_clear(plan)
            plan.status = PlanStatus.DRAFT
            _revision(plan, action=PlanAction.REOPENED, user=user)
        plan.content = normalised
        plan.updated_at = timezone.now()
        plan.save()
        _revision(plan, action=PlanAction.EDITED, user=user)
    logger.info("Plan %s edited by %s.", plan_id, user.pk)
    return plan


def _approvals_clear(plan: Plan) -> None:
    plan.marketing_approved_by = plan.sales_approved_by = None
    plan.marketing_approved_at = plan.sales_approved_at = plan.approved_at = None
    plan.submitted_at = None


def plan_submit(*, user: User, plan_id: int) -> Plan:
    _edit_required(user)
    with transaction.atomic():
        plan = _plan_locked(plan_id)
        if plan.status != PlanStatus.DRAFT:
            raise InvalidInput(_("Only a draft can be submitted."), field="plan")
        plan_content.content_validate(plan.content)
        plan.status = PlanStatus.PENDING
        plan.submitted_at = timezone.now()
        plan.save()
        _revision(plan, action=PlanAction.SUBMITTED, user=user)
    return plan


def plan_withdraw(*, user: User, plan_id: int) -> Plan:
    _edit_required(user)
    with transaction.atomic():
        plan = _plan_locked(plan_id)
        if plan.status != PlanStatus.PENDING:
            raise InvalidInput(_("Only a plan awaiting approval can be withdrawn."), field="plan")
        _approvals_clear(plan)
        plan.status = PlanStatus.DRAFT
        plan.save()
        _revision(plan, action=PlanAction.WITHDRAWN, user=user)
    return plan


def plan_approve(*, user: User, plan_id: int) -> Plan:
    """The user's side signs; with both sides (two people) the plan is approved."""
    side = side_of_user(user)
    if side is None or not user.is_active:
        raise PermissionDenied(
            _("Only a marketing manager or a sales manager can approve a plan."), field="user"
        )
    with transaction.atomic():
        plan = _plan_locked(plan_id)
        if plan.status != PlanStatus.PENDING:
            raise InvalidInput(_("Only a plan awaiting approval can be approved."), field="plan")
        if getattr(plan, f"{side}_approved_by_id") is not None:
            raise InvalidInput(_("Your side has already approved this plan."), field="plan")
        if user.pk in (plan.marketing_approved_by_id, plan.sales_approved_by_id):
            raise PermissionDenied(
                _("The other side's approval must come from another person."), field="user"
            )
        now = timezone.now()
        setattr(plan, f"{side}_approved_by", user)
        setattr(plan, f"{side}_approved_at", now)
        if plan.marketing_approved_by_id and plan.sales_approved_by_id:
            plan.status = PlanStatus.APPROVED
            plan.approved_at = now
        plan.save()
        _revision(plan, action=PlanAction.APPROVED, user=user, side=side)
    logger.info("Plan %s approved for %s by %s.", plan_id, side, user.pk)
    return plan


def _budgets(raw: Any, plan: Plan) -> dict[str, float]:
    if not isinstance(raw, Mapping) or not raw:
        raise InvalidInput(_("Give a budget for at least one channel."), field="budgets")
    budgets = {}
    for slug, value in raw.items():
        if slug not in plan.content.get("channels", {}):
            raise InvalidInput(
                _("Channel %(channel)s is not among the plan's channels.") % {"channel": slug},
                field=f"budgets.{slug}",
            )
        budgets[str(slug)] = rules.not_negative(
            value, field=f"budgets.{slug}", label=_("Budget for %(channel)s") % {"channel": slug}
        )
    return budgets


def scenario_save(
    *,
    user: User,
    plan_id: int,
    name: str,
    budgets: Any,
    note: str = "",
    scenario_id: int | None = None,
) -> PlanScenario:
    """Create a scenario (another channel mix), or change one."""
    _edit_required(user)
    name = (name or "").strip()
    if not name:
        raise InvalidInput(_("Give the scenario a name."), field="name")
    try:
        with transaction.atomic():
            plan = _plan_locked(plan_id)
            clean = _budgets(budgets, plan)
            scenario = (
                PlanScenario.objects.filter(plan=plan, pk=scenario_id).first()
                if scenario_id
                else PlanScenario(plan=plan)
            )
            if scenario is None:
                raise NotFound(_("No such scenario."), field="scenario")
            scenario.name, scenario.budgets, scenario.note = name[:120], clean, note.strip()[:300]
            scenario.save()
    except IntegrityError:
        raise InvalidInput(_("This plan has a scenario with this name."), field="name") from None
    return scenario


def scenario_delete(*, user: User, plan_id: int, scenario_id: int) -> None:
    _edit_required(user)
    deleted, _rows = PlanScenario.objects.filter(plan_id=plan_id, pk=scenario_id).delete()
    if not deleted:
        raise NotFound(_("No such scenario."), field="scenario")
