"""Reads of forecasting: submissions and quotas a caller may see (a rep: their own)."""

from __future__ import annotations

from datetime import date

from django.db.models import QuerySet

from accord.accounts.models import User
from accord.core.errors import NotFound
from accord.pipeline.models import ForecastSubmission, Quota


def submissions_visible(
    *,
    own: User | None,
    user_id: int | None = None,
    period_kind: str | None = None,
    period_start: date | None = None,
) -> QuerySet[ForecastSubmission]:
    rows = ForecastSubmission.objects.prefetch_related("deals", "adjustments")
    if own is not None:
        rows = rows.filter(user_id=own.pk)
    if user_id is not None:
        rows = rows.filter(user_id=user_id)
    if period_kind:
        rows = rows.filter(period_kind=period_kind)
    if period_start:
        rows = rows.filter(period_start=period_start)
    return rows


def submission_get(*, own: User | None, submission_id: int) -> ForecastSubmission:
    found = submissions_visible(own=own).filter(pk=submission_id).first()
    if found is None:
        raise NotFound(f"Submission {submission_id} does not exist.", field="submission_id")
    return found


def quotas_visible(
    *, own: User | None, user_id: int | None = None, period_kind: str | None = None
) -> QuerySet[Quota]:
    rows = Quota.objects.all()
    if own is not None:
        rows = rows.filter(user_id=own.pk)
    if user_id is not None:
        rows = rows.filter(user_id=user_id)
    if period_kind:
        rows = rows.filter(period_kind=period_kind)
    return rows
