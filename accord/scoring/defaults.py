"""The default scoring profile, seeded by a data migration so a new install (and the demo)
scores leads from the first touch. Admins change it on the scoring pages.

Fit follows the demo company's ideal customer: revenue and marketing leaders at companies of
50 to 1,000 people with a budget; engagement counts pricing and demo page visits, webinars,
email clicks and downloads, decaying with a 30-day half-life; a demo request, a trial
sign-up or two pricing visits within a week qualify at once.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_noop

NAME = gettext_noop("Default")
GRADES = {"grade_a_min": 60, "grade_b_min": 40, "grade_c_min": 20}
HALF_LIFE_DAYS = 30.0
MQL: dict[str, Any] = {
    "min_score": 70,
    "min_grade": "C",
    "required_fields": [],
    "fast_track": True,
}
RULES: tuple[dict[str, Any], ...] = (
    {
        "kind": "fit",
        "name": gettext_noop("Revenue operations role"),
        "field": "contact.job_title",
        "operator": "in",
        "value": ["RevOps Lead", "Marketing Operations Manager", "Demand Generation Manager"],
        "points": 25,
    },
    {
        "kind": "fit",
        "name": gettext_noop("Marketing or sales leader"),
        "field": "contact.job_title",
        "operator": "in",
        "value": ["CMO", "VP Sales", "Head of Marketing", "Sales Director", "Founder"],
        "points": 20,
    },
    {
        "kind": "fit",
        "name": gettext_noop("Student"),
        "field": "contact.job_title",
        "operator": "contains",
        "value": "student",
        "points": -30,
    },
    {
        "kind": "fit",
        "name": gettext_noop("Mid-market company (51-1,000 people)"),
        "field": "account.employees",
        "operator": "range",
        "value": {"min": 51, "max": 1000},
        "points": 20,
    },
    {
        "kind": "fit",
        "name": gettext_noop("Enterprise company (over 1,000 people)"),
        "field": "account.employees",
        "operator": "range",
        "value": {"min": 1001},
        "points": 15,
    },
    {
        "kind": "fit",
        "name": gettext_noop("Target industry"),
        "field": "account.industry",
        "operator": "in",
        "value": ["Software", "Professional services", "Financial services", "Telecommunications"],
        "points": 10,
    },
    {
        "kind": "fit",
        "name": gettext_noop("Budget of $50k or more"),
        "field": "lead.properties.budget_range",
        "operator": "in",
        "value": ["$50k-200k", "over $200k"],
        "points": 15,
    },
    {
        "kind": "fit",
        "name": gettext_noop("Use case given"),
        "field": "lead.properties.use_case",
        "operator": "is_set",
        "value": None,
        "points": 5,
    },
    {
        "kind": "engagement",
        "name": gettext_noop("Visited /pricing"),
        "url_pattern": "/pricing",
        "points": 10,
        "cap": 30,
    },
    {
        "kind": "engagement",
        "name": gettext_noop("Visited /demo"),
        "url_pattern": "/demo",
        "points": 15,
        "cap": 30,
    },
    {
        "kind": "engagement",
        "name": gettext_noop("Webinar"),
        "touch_type": "webinar",
        "points": 10,
        "cap": 20,
    },
    {
        "kind": "engagement",
        "name": gettext_noop("Email click"),
        "touch_type": "email_click",
        "points": 3,
        "cap": 15,
    },
    {
        "kind": "engagement",
        "name": gettext_noop("Content download"),
        "touch_type": "content_download",
        "points": 5,
        "cap": 15,
    },
    {
        "kind": "fast_track",
        "name": gettext_noop("Demo request"),
        "touch_type": "demo_request",
        "min_count": 1,
    },
    {
        "kind": "fast_track",
        "name": gettext_noop("Trial sign-up"),
        "touch_type": "trial_signup",
        "min_count": 1,
    },
    {
        "kind": "fast_track",
        "name": gettext_noop("Pricing page twice in a week"),
        "url_pattern": "/pricing",
        "min_count": 2,
        "within_days": 7,
    },
)
