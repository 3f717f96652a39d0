"""``/api/v1/forecast``: the forecast report (read), reps' weekly submissions (create;
never changed afterwards), managers' adjustments and quotas (heads and admins).

Resource ``forecasts``: a rep reads only their own forecast, submissions and quotas; heads,
admins and keys with a ``forecasts`` scope read everyone's (``policy.forecast_read_scope``).
"""

from __future__ import annotations

from datetime import date, timedelta

from django.http import HttpRequest
from ninja import Query, Router, Status

from accord.accounts import policy
from accord.analytics.filters import ReportFilters
from accord.analytics.forecast.schemas import (
    QUOTA_ORDERINGS,
    SUBMISSION_ORDERINGS,
    AdjustmentIn,
    AdjustmentOut,
    ForecastIn,
    QuotaFilters,
    QuotaIn,
    QuotaOut,
    QuotaPage,
    SubmissionFilters,
    SubmissionIn,
    SubmissionOut,
    SubmissionPage,
)
from accord.analytics.reports import report_run
from accord.analytics.runners.forecast import ForecastResult
from accord.api.auth import principal_of
from accord.api.errors import COMMON_ERRORS, POST_ERRORS, ErrorOut
from accord.api.lookups import IdPath
from accord.api.paging import page_of
from accord.pipeline.forecast import selectors
from accord.pipeline.forecast.services import forecast_adjust, forecast_submit, quota_set

router = Router(tags=["forecast"])


@router.get("", response={200: ForecastResult, **COMMON_ERRORS, 503: ErrorOut})
def forecast(request: HttpRequest, data: Query[ForecastIn]):
    own = policy.forecast_read_scope(principal_of(request))
    end = data.end or date.today() + timedelta(days=92)
    filters = ReportFilters(
        start=data.start or date.today() - timedelta(days=273),
        end=end,
        channel=data.channel,
        campaign=data.campaign,
        team=data.team,
        rep=data.rep,
        segment=data.segment,
    )
    return report_run(
        "forecast",
        filters,
        group_by=data.by,
        period=data.period,
        pipeline=data.pipeline,
        seed=data.seed,
        simulations=data.simulations,
        scope_user_id=own.pk if own is not None else None,
    )


@router.get("/submissions", response={200: SubmissionPage, **COMMON_ERRORS})
def submission_list(request: HttpRequest, filters: Query[SubmissionFilters]):
    own = policy.forecast_read_scope(principal_of(request))
    rows = selectors.submissions_visible(
        own=own,
        user_id=filters.user_id,
        period_kind=filters.period_kind,
        period_start=filters.period_start,
    )
    return page_of(rows, filters, allowed=SUBMISSION_ORDERINGS)


@router.post("/submissions", response={201: SubmissionOut, **POST_ERRORS, 409: ErrorOut})
def submission_create(request: HttpRequest, payload: SubmissionIn):
    """Submit the caller's forecast for a period this week (once; never changed after)."""
    submission = forecast_submit(principal=principal_of(request), **payload.dict())
    return Status(201, submission)


@router.get("/submissions/{submission_id}", response={200: SubmissionOut, **COMMON_ERRORS})
def submission_get(request: HttpRequest, submission_id: int = IdPath):
    own = policy.forecast_read_scope(principal_of(request))
    return selectors.submission_get(own=own, submission_id=submission_id)


@router.post(
    "/submissions/{submission_id}/adjustments",
    response={201: AdjustmentOut, **POST_ERRORS},
)
def adjustment_create(request: HttpRequest, payload: AdjustmentIn, submission_id: int = IdPath):
    """A head's adjustment of a rep's submission, kept apart from it (who, what, why)."""
    principal = principal_of(request)
    own = policy.forecast_read_scope(principal)
    selectors.submission_get(own=own, submission_id=submission_id)
    adjustment = forecast_adjust(principal=principal, submission_id=submission_id,
                                 **payload.dict())  # fmt: skip
    return Status(201, adjustment)


@router.get("/quotas", response={200: QuotaPage, **COMMON_ERRORS})
def quota_list(request: HttpRequest, filters: Query[QuotaFilters]):
    own = policy.forecast_read_scope(principal_of(request))
    rows = selectors.quotas_visible(
        own=own, user_id=filters.user_id, period_kind=filters.period_kind
    )
    return page_of(rows, filters, allowed=QUOTA_ORDERINGS)


@router.post("/quotas", response={201: QuotaOut, **POST_ERRORS})
def quota_set_endpoint(request: HttpRequest, payload: QuotaIn):
    """Set a rep's quota for a month or quarter (heads of the rep's team and admins)."""
    return Status(201, quota_set(principal=principal_of(request), **payload.dict()))
