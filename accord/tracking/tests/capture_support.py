"""Shared helpers of the capture endpoint tests (sites, follow-ups and row counts)."""

from __future__ import annotations

from django_q.models import OrmQ

from accord.contacts.models import Contact, Lead, StageTransition
from accord.tracking.capture.services import capture_site_create
from accord.tracking.capture.sites import site_cache_clear
from accord.tracking.models import CaptureSite, SubmissionFollowup, Touchpoint

ORIGIN = "https://www.example.com"
LEAD_URL = "/capture/lead"
EVENT_URL = "/capture/event"


def site_make(**overrides) -> CaptureSite:
    site_cache_clear()
    values = {"name": "Example", "allowed_origins": [ORIGIN], "default_phone_region": "GB"}
    values.update(overrides)
    return capture_site_create(**values)


def followups() -> list[tuple[int, int]]:
    """The pending capture follow-ups (outbox rows), as (lead id, touchpoint id)."""
    return list(SubmissionFollowup.objects.values_list("lead_id", "touchpoint_id"))


def followup_wake_ups() -> list[OrmQ]:
    """The queued wake-ups of the follow-up outbox (other services queue jobs of their own)."""
    return [q for q in OrmQ.objects.all() if q.task["func"].endswith(".followups_wake")]


def row_counts() -> dict[str, int]:
    return {
        "contacts": Contact.objects.count(),
        "leads": Lead.objects.count(),
        "transitions": StageTransition.objects.count(),
        "touchpoints": Touchpoint.objects.count(),
        "jobs": OrmQ.objects.count(),
        "followups": SubmissionFollowup.objects.count(),
    }
