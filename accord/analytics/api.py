"""``/api/v1/reports/...``: the same reports as ``accord report``, as typed JSON.

Every signed-in role and any API key with a read scope may read reports: they are the
numbers both teams share (DESIGN.md §1). Parse → runner → the runner's frozen result.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.http import HttpRequest
from ninja import Query, Router

from accord.analytics.filters import ReportFilters
from accord.analytics.promotions.schemas import PromotionsIn
from accord.analytics.reports import report_run
from accord.analytics.runners.attribution import AttributionResult
from accord.analytics.runners.funnel import FunnelResult
from accord.analytics.runners.kpis import KpisResult
from accord.analytics.runners.promotions import PromotionsResult
from accord.analytics.runners.quality import QualityResult
from accord.analytics.runners.reps import RepsResult
from accord.analytics.runners.velocity import VelocityResult
from accord.analytics.schemas import (
    AttributionIn,
    FunnelIn,
    KpisIn,
    QualityIn,
    ReportFiltersIn,
    SlaIn,
)
from accord.api.auth import access_require
from accord.api.errors import COMMON_ERRORS, ErrorOut

router = Router(tags=["reports"])
RESOURCE = "reports"


def _filters(request: HttpRequest, data: ReportFiltersIn) -> ReportFilters:
    access_require(request, RESOURCE, "read")
    end = data.end or date.today()
    return ReportFilters(
        start=data.start or end - timedelta(days=89),
        end=end,
        mode=data.mode,
        channel=data.channel,
        campaign=data.campaign,
        team=data.team,
        rep=data.rep,
        segment=data.segment,
    )


@router.get("/funnel", response={200: FunnelResult, **COMMON_ERRORS, 503: ErrorOut})
def funnel(request: HttpRequest, data: Query[FunnelIn]):
    return report_run("funnel", _filters(request, data), group_by=data.by)


@router.get("/kpis", response={200: KpisResult, **COMMON_ERRORS, 503: ErrorOut})
def kpis(request: HttpRequest, data: Query[KpisIn]):
    return report_run("kpis", _filters(request, data), group_by=data.by)


@router.get("/velocity", response={200: VelocityResult, **COMMON_ERRORS, 503: ErrorOut})
def velocity(request: HttpRequest, data: Query[SlaIn]):
    return report_run("velocity", _filters(request, data), sla_hours=data.sla_hours)


@router.get("/quality", response={200: QualityResult, **COMMON_ERRORS, 503: ErrorOut})
def quality(request: HttpRequest, data: Query[QualityIn]):
    return report_run("quality", _filters(request, data), group_by=data.by)


@router.get("/reps", response={200: RepsResult, **COMMON_ERRORS, 503: ErrorOut})
def reps(request: HttpRequest, data: Query[SlaIn]):
    return report_run("reps", _filters(request, data), sla_hours=data.sla_hours)


@router.get("/attribution", response={200: AttributionResult, **COMMON_ERRORS, 503: ErrorOut})
def attribution(request: HttpRequest, data: Query[AttributionIn]):
    return report_run(
        "attribution",
        _filters(request, data),
        group_by=data.by,
        model=data.model,
        conversion=data.conversion,
        value=data.value,
        lookback_days=data.lookback_days,
        half_life_days=data.half_life_days,
        markov_order=data.markov_order,
    )


@router.get("/promotions", response={200: PromotionsResult, **COMMON_ERRORS, 503: ErrorOut})
def promotions(request: HttpRequest, data: Query[PromotionsIn]):
    """Do discounts buy revenue or destroy it: each promotion against full price and
    matched deals, by discount band, per rep (default period: the last 365 days)."""
    access_require(request, RESOURCE, "read")
    end = data.end or date.today()
    filters = ReportFilters(
        start=data.start or end - timedelta(days=364),
        end=end,
        mode=data.mode,
        channel=data.channel,
        campaign=data.campaign,
        team=data.team,
        rep=data.rep,
        segment=data.segment,
    )
    return report_run("promotions", filters, pipeline=data.pipeline, min_closed=data.min_closed)
