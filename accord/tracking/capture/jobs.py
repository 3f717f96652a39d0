"""Background follow-up of an accepted lead submission (runs in ``accord worker``).

The capture endpoint answers as soon as the submission is committed; everything slow that
reacts to a new submission (scoring, routing, webhooks) hooks in here. It rescores the lead
itself (the form touch is recorded with ``rescore=False``), so a submission queues one job,
not two. The job is enqueued in
the submission's own transaction, so it exists exactly when the submission does, and it must
be idempotent: it is keyed by its touchpoint, and ``idempotent`` runs it once per key.
"""

from __future__ import annotations

import logging

from accord.contacts.models import Lead
from accord.core.jobs import idempotent
from accord.scoring.services import lead_score
from accord.tracking.models import Touchpoint

logger = logging.getLogger(__name__)


@idempotent
def submission_followup(*, lead_id: int, touchpoint_id: int) -> bool:
    """Run the follow-up of one submission; ``False`` when its rows no longer exist."""
    exists = (
        Lead.objects.filter(pk=lead_id).exists()
        and Touchpoint.objects.filter(pk=touchpoint_id, lead_id=lead_id).exists()
    )
    if not exists:
        logger.info("Submission follow-up skipped: lead %s / touch %s gone", lead_id, touchpoint_id)
        return False
    logger.info("Submission follow-up: lead %s, touch %s", lead_id, touchpoint_id)
    # What scoring's own ``lead_rescore`` job does for every other new touch.
    lead_score(lead_id=lead_id)
    return True
