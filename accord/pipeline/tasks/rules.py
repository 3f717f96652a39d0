"""The stale-deal rule, as plain maths (no ORM).

An open deal is stale when nothing was logged on it for its stage's ``days`` (the last
activity, or its creation when it has none), or when no next step is scheduled (no open task
on it due from now on). A stage without ``days`` never makes its deals stale.
"""

from __future__ import annotations

from datetime import datetime, timedelta

NO_ACTIVITY = "no_activity"
NO_NEXT_STEP = "no_next_step"


def stale_reasons(
    *, now: datetime, days: int | None, last_touch_at: datetime, has_next_step: bool
) -> tuple[str, ...]:
    """Why the deal is stale (empty: it is not)."""
    if days is None:
        return ()
    reasons: list[str] = []
    if last_touch_at < now - timedelta(days=days):
        reasons.append(NO_ACTIVITY)
    if not has_next_step:
        reasons.append(NO_NEXT_STEP)
    return tuple(reasons)
