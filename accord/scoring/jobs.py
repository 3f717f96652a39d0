"""Worker jobs for scoring: rescore one lead after a change, and the daily decay sweep.

A new touch or a property change enqueues ``lead_rescore`` for that lead in the writer's
transaction (outbox), keyed by what changed, so a redelivery does nothing twice. Engagement
points decay with time, so the sweep rescores every open lead that has engagement points, in
chunks: each chunk is its own keyed job, short enough not to hold SQLite's write lock long.
"""

from __future__ import annotations

import uuid

from django.db import transaction
from django.utils import timezone

from accord.core.jobs import enqueue, idempotent
from accord.scoring import services
from accord.scoring.models import LeadScore

DECAY_SCHEDULE_NAME = "scoring.decay"
DECAY_EVERY_MINUTES = 24 * 60
DECAY_CHUNK = 500


@idempotent
def lead_rescore(*, lead_id: int) -> int | None:
    """Rescore one lead (and move it to MQL if it now qualifies); return the score."""
    row = services.lead_score(lead_id=lead_id)
    return row.score if row else None


def lead_rescore_enqueue(*, lead_id: int | None, cause: str = "") -> None:
    """Queue a rescore of ``lead_id`` (nothing for None). ``cause`` names the change, e.g.
    ``touch:123``; without one, every call is a new change."""
    if lead_id is None:
        return
    enqueue(
        lead_rescore,
        key=f"scoring.lead:{lead_id}:{cause or uuid.uuid4().hex}",
        lead_id=lead_id,
    )


@idempotent
def leads_rescore_chunk(*, lead_ids: list[int]) -> int:
    return services.leads_rescore(lead_ids=lead_ids).scored


def scores_decay_sweep() -> int:
    """Queue a rescore for every open lead whose score has engagement points; return chunks.

    Keys carry the day, so running the sweep twice a day queues each chunk once.
    """
    day = timezone.localdate().isoformat()
    decaying = (
        LeadScore.objects.filter(engagement_points__gt=0, lead__is_open=True)
        .order_by("lead_id")
        .values_list("lead_id", flat=True)
    )
    count = 0
    chunk: list[int] = []
    with transaction.atomic():
        for lead_id in decaying.iterator(chunk_size=5000):
            chunk.append(lead_id)
            if len(chunk) == DECAY_CHUNK:
                _chunk_enqueue(day, chunk)
                count, chunk = count + 1, []
        if chunk:
            _chunk_enqueue(day, chunk)
            count += 1
    return count


def _chunk_enqueue(day: str, lead_ids: list[int]) -> None:
    enqueue(
        leads_rescore_chunk,
        key=f"scoring.decay:{day}:{lead_ids[0]}-{lead_ids[-1]}",
        lead_ids=list(lead_ids),
    )
