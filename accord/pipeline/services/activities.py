"""Writes on activities: the calls, e-mails, meetings and notes logged on leads and deals."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Unpack

from django.db import transaction
from django.utils import timezone

from accord.accounts.models import User
from accord.contacts.models import Lead
from accord.core.errors import InvalidInput, NotFound
from accord.core.timeutils import aware_required
from accord.pipeline.inputs import ActivityChanges, ActivityExtras
from accord.pipeline.models import Activity, ActivityKind, ActivityOutcome, Deal


def _row(model: Any, pk: int | None, *, field: str, label: str) -> Any:
    if pk is None:
        return None
    row = model.objects.filter(pk=pk).first()
    if row is None:
        raise InvalidInput(f"{label} {pk} does not exist.", field=field)
    return row


def _activity_apply(activity: Activity, fields: ActivityChanges) -> None:
    if "kind" in fields:
        if fields["kind"] not in ActivityKind.values:
            raise InvalidInput(f"Unknown activity kind {fields['kind']!r}.", field="kind")
        activity.kind = fields["kind"]
    if "outcome" in fields:
        outcome = fields["outcome"] or ""
        if outcome not in ActivityOutcome.values:
            raise InvalidInput(f"Unknown outcome {outcome!r}.", field="outcome")
        activity.outcome = outcome
    if "at" in fields:
        activity.at = aware_required(fields["at"], field="at")
    if "duration_seconds" in fields:
        activity.duration_seconds = fields["duration_seconds"] or 0
    if "notes" in fields:
        activity.notes = fields["notes"] or ""


@transaction.atomic
def activity_create(
    *,
    kind: str,
    user: User | None,
    lead_id: int | None = None,
    deal_id: int | None = None,
    at: datetime | None = None,
    **fields: Unpack[ActivityExtras],
) -> Activity:
    """Log a call, email, meeting or note on a lead or a deal."""
    lead = _row(Lead, lead_id, field="lead_id", label="Lead")
    deal = _row(Deal, deal_id, field="deal_id", label="Deal")
    if lead is None and deal is None:
        raise InvalidInput("An activity belongs to a lead or a deal.", field="lead_id")
    activity = Activity(lead=lead, deal=deal, user=user, at=timezone.now())
    _activity_apply(activity, ActivityChanges(kind=kind, at=at, **fields))
    activity.save()
    return activity


@transaction.atomic
def activity_update(*, activity_id: int, changes: ActivityChanges) -> Activity:
    activity = Activity.objects.select_for_update().filter(pk=activity_id).first()
    if activity is None:
        raise NotFound(f"Activity {activity_id} does not exist.", field="activity_id")
    if "at" in changes and changes["at"] is None:
        raise InvalidInput("An activity needs a time.", field="at")
    _activity_apply(activity, changes)
    activity.save()
    return activity
