"""The default scoring profile's fit points for simulated leads, and whether it would make
them MQLs at once.

The demo company is scored with the seeded profile (``accord.scoring.defaults``) and the
seeded agreement's MQL definition. A lead the simulator leaves at the lead stage must not meet
that definition today, or the first rescore would turn it into an MQL "now" (and flood the
reps' queues with a year of leads). So the simulator makes every lead the profile qualifies
on arrival an MQL, and keeps the engagement of the others below the threshold. This module
reads the fit rules of the seeded profile (fields: job title, account size, industry, budget
range, use case) and applies them to the simulator's columns.
"""

from __future__ import annotations

import math

import numpy as np

from accord.demo import catalog
from accord.scoring import defaults

#: The seeded definition's score threshold (``defaults.MQL``).
MQL_MIN_SCORE: int = int(defaults.MQL["min_score"])
#: Points per converting touch type under the seeded engagement rules (first touch only).
OFFER_POINTS: dict[str, int] = {
    "content_download": 5,
    "webinar": 10,
    "form_submission": 0,
    "demo_request": 15,  # the /demo page
    "trial_signup": 0,
}


def budget_index(employees: np.ndarray) -> np.ndarray:
    """The lead's budget range (index into ``catalog.BUDGET_RANGES``), as ``funnel`` stores it."""
    logs = np.log10(np.maximum(employees, 1)) * 1.2
    return np.minimum(3, logs.astype(int))


def _matches(rule: dict, values: list) -> np.ndarray:
    operator, wanted = rule["operator"], rule["value"]
    if operator == "in":
        return np.array([v in wanted for v in values])
    if operator == "contains":
        return np.array([str(wanted).lower() in str(v).lower() for v in values])
    if operator == "range":
        low = wanted.get("min", -math.inf)
        high = wanted.get("max", math.inf)
        return np.array([low <= v <= high for v in values])
    if operator == "is_set":
        return np.array([v not in (None, "") for v in values])
    return np.zeros(len(values), dtype=bool)


def default_fit_points(
    *, titles: np.ndarray, employees: np.ndarray, industries: np.ndarray
) -> np.ndarray:
    """Fit points of the seeded profile per lead (indices into the catalog's tables)."""
    columns = {
        "contact.job_title": [catalog.JOB_TITLES[t][0] for t in titles.tolist()],
        "account.employees": employees.tolist(),
        "account.industry": [catalog.INDUSTRIES[i] for i in industries.tolist()],
        "lead.properties.budget_range": [
            catalog.BUDGET_RANGES[b] for b in budget_index(employees).tolist()
        ],
        "lead.properties.use_case": ["set"] * len(titles),
    }
    points = np.zeros(len(titles), dtype=np.int64)
    for rule in defaults.RULES:
        if rule["kind"] == "fit" and rule["field"] in columns:
            points += np.where(_matches(rule, columns[rule["field"]]), rule["points"], 0)
    return points
