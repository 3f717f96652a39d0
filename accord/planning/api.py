"""REST endpoints of joint plans (``plans:read|write``): list, read (with the reverse funnel),
create from measured rates, change assumptions, submit and approve. Permission-checked fetch,
one service call, a response. Writes act as a person (heads and administrators, as on the
pages); an approval is a head's signature, never given through an API key."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status

from accord.accounts import policy
from accord.api.auth import access_require
from accord.api.errors import COMMON_ERRORS, POST_ERRORS
from accord.api.lookups import IdPath, row_or_404
from accord.api.paging import page_of
from accord.core.errors import PermissionDenied
from accord.planning import selectors, services
from accord.planning.models import Plan
from accord.planning.schemas import (
    PLAN_ORDERINGS,
    PlanDetail,
    PlanFilters,
    PlanIn,
    PlanPage,
    PlanPatch,
)

router = Router(tags=["plans"])


def _plan_get(plan_id: int) -> Plan:
    return row_or_404(Plan.objects.all(), plan_id, label="Plan", field="plan_id")


def _detail(plan: Plan) -> dict[str, Any]:
    worked = selectors.plan_worked(plan)
    return {
        **{f.attname: getattr(plan, f.attname) for f in Plan._meta.concrete_fields},
        "scenarios": list(plan.scenarios.all()),
        "reverse_funnel": [vars(stage) for stage in worked.funnel.stages],
    }


@router.get("", response={200: PlanPage, **COMMON_ERRORS})
def plan_list(request: HttpRequest, filters: Query[PlanFilters]):
    """Every plan (newest first by default), without their assumptions."""
    access_require(request, "plans", "read")
    plans = Plan.objects.all()
    if filters.status:
        plans = plans.filter(status=filters.status)
    return page_of(plans, filters, allowed=PLAN_ORDERINGS)


@router.get("/{plan_id}", response={200: PlanDetail, **COMMON_ERRORS})
def plan_get(request: HttpRequest, plan_id: int = IdPath):
    """A plan with its assumptions, scenarios and what each stage needs month by month."""
    access_require(request, "plans", "read")
    return _detail(_plan_get(plan_id))


@router.post("", response={201: PlanDetail, **POST_ERRORS})
def plan_create(request: HttpRequest, payload: PlanIn):
    """A draft plan; without ``content`` its assumptions are measured over the window."""
    principal = access_require(request, "plans", "write")
    plan = services.plan_create(user=policy.person_require(principal), **payload.dict())
    return Status(201, _detail(plan))


@router.patch("/{plan_id}", response={200: PlanDetail, **COMMON_ERRORS})
def plan_patch(request: HttpRequest, payload: PlanPatch, plan_id: int = IdPath):
    """Change assumptions (an approved plan returns to draft: both heads approve again)."""
    principal = access_require(request, "plans", "write")
    _plan_get(plan_id)
    services.plan_update(
        user=policy.person_require(principal),
        plan_id=plan_id,
        changes=payload.content,
        name=payload.name,
    )
    return _detail(_plan_get(plan_id))


@router.post("/{plan_id}/submit", response={200: PlanDetail, **POST_ERRORS})
def plan_submit(request: HttpRequest, plan_id: int = IdPath):
    """Send a draft for approval."""
    principal = access_require(request, "plans", "write")
    _plan_get(plan_id)
    services.plan_submit(user=policy.person_require(principal), plan_id=plan_id)
    return _detail(_plan_get(plan_id))


@router.post("/{plan_id}/approve", response={200: PlanDetail, **POST_ERRORS})
def plan_approve(request: HttpRequest, plan_id: int = IdPath):
    """Approve for your side (marketing or sales manager); with both, the plan is approved.
    Refused (403) for anyone else and for API keys."""
    principal = access_require(request, "plans", "write")
    _plan_get(plan_id)
    if principal.key is not None:
        raise PermissionDenied(
            "An approval is a head's signature: sign in to approve; API keys cannot.",
            field="user",
        )
    services.plan_approve(user=policy.person_require(principal), plan_id=plan_id)
    return _detail(_plan_get(plan_id))
