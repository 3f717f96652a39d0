"""A plan with given assumptions, for tests that need one without an analytics copy."""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

from accord.accounts.models import User
from accord.accounts.policy_table import PLAN_BODY
from accord.planning import services
from accord.planning.models import Plan


def plan_content(**changes: Any) -> dict[str, Any]:
    content = copy.deepcopy(PLAN_BODY["content"])
    content.update(changes)
    return content


def plan_seed(*, user: User, start_month: str = "2026-01", **changes: Any) -> Plan:
    return services.plan_create(
        user=user,
        name="Seed plan",
        period_kind="quarter",
        start_month=start_month,
        window_start=date(2025, 1, 1),
        window_end=date(2025, 6, 30),
        revenue_target=changes.pop("revenue_target", 90000),
        content=plan_content(**changes),
    )
