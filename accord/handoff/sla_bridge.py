"""The one place routing and sales actions call the SLA clocks (``accord.handoff.clocks``).

Kept apart so that routing and actions speak one small vocabulary — start the clocks for a
new owner, move them to another owner, stop the ones an action satisfies — whatever shape
the clock service's own functions take.
"""

from __future__ import annotations

from datetime import datetime

from accord.accounts.models import User


def clocks_start(*, lead_id: int, owner_id: int, at: datetime) -> None:
    """Start the agreement's clocks for a lead just given to ``owner_id``."""
    from accord.handoff import clocks

    clocks.sla_clocks_start(lead_id=lead_id, owner_id=owner_id, at=at)


def clocks_start_routed(
    *, lead_id: int, score: int, team_id: int | None, owner_id: int, at: datetime
) -> None:
    """``clocks_start`` for routing, which holds the lead and knows its score and new team
    (that team's calendar applies, else the default): no re-reading of lead and owner."""
    from accord.handoff import clocks

    clocks.sla_clocks_start_known(
        lead_id=lead_id, score=score, calendar_team_id=team_id, owner_id=owner_id, at=at
    )


def clocks_reassign(*, lead_id: int, owner_id: int, at: datetime, by: User | None) -> None:
    """The previous owner's clocks stop (``reassigned``); the new owner gets full time."""
    from accord.handoff import clocks

    clocks.sla_clocks_start(lead_id=lead_id, owner_id=owner_id, at=at)


def clocks_stop(
    *, lead_id: int, at: datetime, reason: str, kinds: tuple[str, ...] | None = None
) -> None:
    """Stop the running clocks an action satisfied: by default those ``reason`` stops
    (``accord.handoff.rules.STOPS``: accepted, rejected, attempt_logged, ...)."""
    from accord.handoff import clocks

    clocks.sla_clocks_stop(lead_id=lead_id, kinds=kinds, at=at, reason=reason)
