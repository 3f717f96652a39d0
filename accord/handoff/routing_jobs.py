"""Routing jobs run by ``accord worker``: route an MQL whose routing inside its own
transaction failed (``accord.handoff.hooks`` queues this job then), and retry the waiting
queue.

The module's path is a job address — queued rows and the schedule written by migration
``handoff.0003`` name ``accord.handoff.routing_jobs.*`` — so it stays at the app's top level
while the routing code lives in ``accord.handoff.routing``."""

from __future__ import annotations

from accord.core.jobs import idempotent
from accord.handoff.routing.assignment import lead_route, leads_waiting


@idempotent
def lead_route_job(*, lead_id: int) -> str:
    return lead_route(lead_id=lead_id).outcome


def routing_queue_sweep() -> int:
    """Periodic: try again every MQL still waiting for a rep (quota reset, rep back in office).

    A sweep over current state, safe to run twice: ``lead_route`` routes only leads that are
    still unowned MQLs, under the team lock.
    """

    routed = 0
    for lead_id in leads_waiting():
        if lead_route(lead_id=lead_id).user_id is not None:
            routed += 1
    return routed
