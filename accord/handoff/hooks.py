"""The hand-off's entry point from the lifecycle: a lead just became an MQL.

``accord.contacts.services.lead_transition`` calls ``lead_mql_reached`` inside its
transaction, so the ``lead.mql`` event and the routing job commit with the stage change or
not at all. Routing itself runs in the worker (it locks a team's cursor; the caller — a
scoring job, an import, an API request — must not wait on that).
"""

from __future__ import annotations

from datetime import datetime

from accord.core.jobs import enqueue

ROUTE_JOB = "accord.handoff.routing_jobs.lead_route_job"


def lead_mql_reached(*, lead_id: int, transition_id: int, at: datetime) -> None:
    from accord.handoff.notifications import event_emit

    event_emit(
        event="lead.mql",
        payload={"lead_id": lead_id, "transition_id": transition_id, "at": at},
        key=f"{lead_id}:{transition_id}",
        at=at,
    )
    # One key per MQL transition: a lead that comes back from nurture is routed again.
    enqueue(ROUTE_JOB, key=f"route:{lead_id}:{transition_id}", lead_id=lead_id)
