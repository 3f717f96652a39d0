"""The close-date history of deals (append-only): written by the deal services in the
transaction that changes a deal's expected close, read by the forecast (slipped deals, the
pipeline as it stood at a period's start)."""

from __future__ import annotations

from datetime import date, datetime

from django.utils import timezone

from accord.accounts.models import User
from accord.pipeline.models import ChangeSource, DealCloseDateChange


def deal_close_date_record(
    *,
    deal_id: int,
    old_date: date | None,
    new_date: date | None,
    by: User | None,
    source: str = ChangeSource.UI,
    at: datetime | None = None,
) -> DealCloseDateChange | None:
    """Record a change of a deal's expected close date (called by the deal services in the
    transaction that changes it); nothing when the date did not change."""
    if old_date == new_date:
        return None
    return DealCloseDateChange.objects.create(
        deal_id=deal_id,
        old_date=old_date,
        new_date=new_date,
        by=by,
        source=source,
        at=at or timezone.now(),
    )
