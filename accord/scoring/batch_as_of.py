"""Rule scores as of a moment per lead, for the predictive model's training: the same
rules, fed only the touches before each lead's snapshot (no hindsight)."""

from __future__ import annotations

import numpy as np
from django.utils import timezone

from accord.scoring import rules
from accord.scoring.batch import BatchScorer
from accord.scoring.batch_read import Touches, facts_read, touches_read


def scores_as_of(
    profile: rules.Profile,
    lead_ids: np.ndarray,
    snapshot_us: np.ndarray,
    *,
    touches: Touches | None = None,
    chunk_size: int = 50_000,
) -> np.ndarray:
    """Each lead's rule score as the rules give it at its own snapshot (epoch µs): touches
    dated after it unseen, decay seen from it; facts as stored. ``lead_ids`` in any order.

    The bulk equal of scoring each lead with ``rules.breakdown_compute(now=snapshot)`` over
    its touches dated at or before the snapshot.
    """
    scores = np.zeros(len(lead_ids))
    if not len(lead_ids):
        return scores
    scorer = BatchScorer(profile, now=timezone.now())
    touches = touches if touches is not None else touches_read(scorer)
    order = np.argsort(lead_ids, kind="stable")
    ids, snaps = np.asarray(lead_ids, dtype=np.int64)[order], np.asarray(snapshot_us)[order]
    for start in range(0, len(ids), chunk_size):
        chunk, chunk_snaps = ids[start : start + chunk_size], snaps[start : start + chunk_size]
        lo, hi = int(chunk[0]), int(chunk[-1])
        mine = touches.slice(lo, hi)
        position = np.searchsorted(chunk, mine.lead)
        inside = (position < len(chunk)) & (
            chunk[np.minimum(position, len(chunk) - 1)] == mine.lead
        )
        cut = chunk_snaps[np.minimum(position, len(chunk) - 1)]
        seen = inside & (mine.at <= cut)
        mine = Touches(mine.lead[seen], mine.at[seen], mine.id[seen], mine.sig[seen])
        engagement = dict(
            zip(
                np.unique(mine.lead).tolist(),
                scorer.engagement_totals(mine, cut[seen]).tolist(),
                strict=True,
            )
        )
        facts = {row[0]: row[4] for row in facts_read(scorer.fields, lo, hi, False)}
        values = [facts.get(lead_id, {}) for lead_id in chunk.tolist()]
        columns = [
            scorer.fit_column(index, [f.get(rule.field) for f in values])
            for index, (rule, _) in enumerate(scorer._fit)
        ]
        fits = (
            [
                sum(h for h, piece, warning in results if warning is None and piece is not None)
                for results in zip(*columns, strict=True)
            ]
            if columns
            else [0] * len(chunk)
        )
        for k, lead_id in enumerate(chunk.tolist()):
            total = fits[k] + engagement.get(lead_id, 0)
            scores[order[start + k]] = rules.round_half_up(total)
    return scores
