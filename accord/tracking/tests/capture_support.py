"""Shared helpers of the capture endpoint tests (sites and row counts)."""

from __future__ import annotations

from django_q.models import OrmQ

from accord.contacts.models import Contact, Lead, StageTransition
from accord.tracking.capture.services import capture_site_create
from accord.tracking.capture.sites import site_cache_clear
from accord.tracking.models import CaptureSite, Touchpoint

ORIGIN = "https://www.example.com"
LEAD_URL = "/capture/lead"
EVENT_URL = "/capture/event"


def site_make(**overrides) -> CaptureSite:
    site_cache_clear()
    values = {"name": "Example", "allowed_origins": [ORIGIN], "default_phone_region": "GB"}
    values.update(overrides)
    return capture_site_create(**values)


def followup_jobs() -> list[OrmQ]:
    """The queued capture follow-ups (other services queue jobs of their own, e.g. rescoring)."""
    return [q for q in OrmQ.objects.all() if q.task["func"].endswith(".submission_followup")]


def row_counts() -> dict[str, int]:
    return {
        "contacts": Contact.objects.count(),
        "leads": Lead.objects.count(),
        "transitions": StageTransition.objects.count(),
        "touchpoints": Touchpoint.objects.count(),
        "jobs": OrmQ.objects.count(),
    }
