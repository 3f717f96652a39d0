"""The default agreement and calendar, seeded by a data migration so a new install (and the
demo) starts SLA clocks from the first assignment. Managers change them on the hand-off pages.

The MQL definition is a copy of the default scoring profile's (``accord.scoring.defaults``):
the agreement is the document both sides signed, so it keeps the terms as they were approved.
The seeded rejection reasons are stored in English and shown in the reader's language while
their label is still the seeded one (``terms.reason_label``).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_noop

AGREEMENT_NAME = gettext_noop("Marketing and sales hand-off")
CALENDAR_NAME = gettext_noop("Default (Mon-Fri 09:00-18:00 UTC)")
WEEKDAY_HOURS = [["09:00", "18:00"]]
WORKING_HOURS: dict[str, list[list[str]]] = {
    "mon": WEEKDAY_HOURS,
    "tue": WEEKDAY_HOURS,
    "wed": WEEKDAY_HOURS,
    "thu": WEEKDAY_HOURS,
    "fri": WEEKDAY_HOURS,
    "sat": [],
    "sun": [],
}
CONTENT: dict[str, Any] = {
    "mql_definition": {
        "scoring_profile": "Default",
        "min_score": 70,
        "min_grade": "C",
        "required_fields": [],
        "fast_track": True,
        "hot_min_score": 90,
    },
    "sales": {
        "accept_within_business_hours": 4,
        "first_attempt_within_minutes_hot": 15,
        "first_attempt_within_hours_other": 8,
        "attempts_before_recycle": 6,
        "attempt_window_days": 14,
    },
    "marketing": {
        "mqls_per_month": {},
        "quality_floor_accept_rate_pct": 60,
    },
    "rejection_reasons": [
        {"code": "not_a_fit", "label": gettext_noop("Not a fit (size, industry or role)")},
        {"code": "no_budget", "label": gettext_noop("No budget")},
        {"code": "bad_contact_data", "label": gettext_noop("Contact data wrong or missing")},
        {"code": "duplicate", "label": gettext_noop("Duplicate of an open lead")},
        {
            "code": "student_or_competitor",
            "label": gettext_noop("Student, job seeker or competitor"),
        },
        {"code": "bad_timing", "label": gettext_noop("Not now (bad timing)")},
    ],
    "escalation": {
        "warn_before_minutes": 30,
        "reassign_on_breach": False,
    },
}
