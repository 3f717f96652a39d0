"""Small synthetic histories for the predictive tests: leads, outcomes and touchpoints.

The outcome depends on a custom property ("plan": pro wins more), a numeric property
("seats") and early webinar touches, so a model has something real to learn in a few
hundred leads.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd

from accord.contacts.models import Contact, Lead
from accord.core.lifecycle import Stage
from accord.scoring.predictive.features import CATEGORICAL, NUMERIC, FeatureSpec
from accord.tracking.models import Touchpoint, TouchType


def history_create(
    *, n: int = 240, seed: int = 0, open_leads: int = 0, start: datetime | None = None
) -> list[Lead]:
    """``n`` closed leads over 240 days plus ``open_leads`` open ones; returns all leads."""

    start = start or datetime(2025, 1, 1, 9, tzinfo=UTC)
    rng = np.random.default_rng(seed)
    total = n + open_leads
    contacts = Contact.objects.bulk_create(
        Contact(email=f"p{seed}-{i}@example{i % 7}.com") for i in range(total)
    )
    plans = rng.choice(["pro", "basic", "trial"], size=total, p=[0.3, 0.4, 0.3])
    seats = rng.integers(1, 200, size=total)
    webinars = rng.poisson(1.0, size=total)
    logit = -1.2 + 1.6 * (plans == "pro") - 1.0 * (plans == "trial") + 0.9 * webinars
    logit += 0.004 * seats
    won = rng.random(total) < 1 / (1 + np.exp(-logit))
    leads = []
    for i, contact in enumerate(contacts):
        created = start + timedelta(days=float(i) * 240 / total)
        stage = Stage.LEAD if i >= n else (Stage.CUSTOMER if won[i] else Stage.DISQUALIFIED)
        leads.append(
            Lead(
                contact=contact,
                stage=stage,
                is_open=i >= n,
                created_at=created,
                stage_changed_at=created + timedelta(days=30),
                properties={"plan": str(plans[i]), "seats": int(seats[i])},
            )
        )
    leads = Lead.objects.bulk_create(leads)
    touches = [
        Touchpoint(
            contact=lead.contact,
            lead=lead,
            type=TouchType.WEBINAR,
            at=lead.created_at + timedelta(hours=2 + k),
        )
        for lead, count in zip(leads, webinars, strict=True)
        for k in range(int(count))
    ]
    Touchpoint.objects.bulk_create(touches)
    return leads


#: The columns of ``frame_synthetic``: two numbers and a category.
SYNTHETIC_SPEC = FeatureSpec((("visits", NUMERIC), ("employees", NUMERIC), ("plan", CATEGORICAL)))


def frame_synthetic(n: int, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    """A feature frame (no database) whose outcome depends on visits and plan, with some
    employee counts missing: for the estimator tests."""
    rng = np.random.default_rng(seed)
    plan = rng.choice(["pro", "basic", "trial"], n)
    visits = rng.poisson(3, n).astype(float)
    employees = np.where(rng.random(n) < 0.1, np.nan, rng.lognormal(4, 1, n))
    logit = 0.4 * visits - 1.5 + np.select([plan == "pro", plan == "trial"], [1.0, -1.0], 0.0)
    won = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    X = pd.DataFrame(
        {"visits": visits, "employees": employees, "plan": pd.Series(plan, dtype=object)}
    )
    return X, won
