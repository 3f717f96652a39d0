"""Shared set-up for scoring tests: a small profile and leads with touches."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from accord.contacts.models import Lead
from accord.contacts.tests.factories import AccountFactory, ContactFactory, LeadFactory
from accord.scoring import profiles, qualification
from accord.tracking.models import Touchpoint

RULES = (
    {
        "kind": "fit",
        "name": "Leader",
        "field": "contact.job_title",
        "operator": "in",
        "value": ["CMO", "VP Sales"],
        "points": 30,
    },
    {
        "kind": "fit",
        "name": "Mid-market",
        "field": "account.employees",
        "operator": "range",
        "value": {"min": 51, "max": 1000},
        "points": 20,
    },
    {"kind": "engagement", "name": "Pricing", "url_pattern": "/pricing", "points": 10, "cap": 30},
    {"kind": "fast_track", "name": "Demo request", "touch_type": "demo_request"},
)


#: The MQL definition these tests score under (published by the autouse fixture in conftest).
TERMS = qualification.Terms(min_score=60, min_grade="B")


def spec(**overrides) -> profiles.ProfileInput:
    values = dict(
        name="Test profile",
        grade_a_min=50,
        grade_b_min=30,
        grade_c_min=10,
        half_life_days=30.0,
        rules=RULES,
        is_active=True,
    )
    values.update(overrides)
    return profiles.ProfileInput(**values)


def lead_with(*, title: str = "CMO", employees: int | None = 200, **lead_fields) -> Lead:
    account = AccountFactory(employees=employees)
    return LeadFactory(contact=ContactFactory(job_title=title, account=account), **lead_fields)


def touch_add(
    lead: Lead,
    *,
    days_ago: float = 0,
    type: str = "page_view",
    url: str = "https://acme.example/pricing",
) -> Touchpoint:
    """A touch written directly (no job), for set-ups that score explicitly."""
    return Touchpoint.objects.create(
        lead=lead,
        contact=lead.contact,
        at=timezone.now() - timedelta(days=days_ago),
        type=type,
        url=url,
    )
