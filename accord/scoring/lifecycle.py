"""Scoring's answers to lifecycle events (subscribed in ``accord.wiring``).

A lead's fit rules read lead, contact and account fields, its behaviour rules read touches:
when either changes, the lead is rescored. Outside the worker the rescore is queued (an
idempotent job per cause), inside a capture follow-up it runs at once.
"""

from __future__ import annotations

from accord.core.events import LeadChanged, SubmissionSettled, TouchRecorded
from accord.scoring.jobs import lead_rescore_enqueue
from accord.scoring.services import lead_score


def lead_changed_rescore(event: LeadChanged) -> None:
    for lead_id in event.lead_ids:
        lead_rescore_enqueue(lead_id=lead_id)


def touch_recorded_rescore(event: TouchRecorded) -> None:
    lead_rescore_enqueue(lead_id=event.lead_id, cause=f"touch:{event.touch_id}")


def submission_settled_score(event: SubmissionSettled) -> None:
    # What the lead_rescore job does for every other new touch, without queueing it again:
    # the follow-up already runs in the worker.
    lead_score(lead_id=event.lead_id)
