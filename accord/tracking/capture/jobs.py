"""Follow-up jobs queued one per submission before the follow-up outbox (``followups.py``).

Submissions now queue a ``SubmissionFollowup`` row instead; this job stays so that jobs
already queued when the outbox arrived still run (they are keyed by their touchpoint, and
``idempotent`` runs each once).
"""

from __future__ import annotations

from accord.core.jobs import idempotent
from accord.tracking.capture.followups import followup_apply


@idempotent
def submission_followup(*, lead_id: int, touchpoint_id: int) -> bool:
    """Run the follow-up of one submission; ``False`` when its rows no longer exist."""
    return followup_apply(lead_id=lead_id, touchpoint_id=touchpoint_id)
