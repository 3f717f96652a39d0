"""Writes for scoring: profiles (validated as a whole), lead scores, and the move to MQL.

``lead_score`` rescoring one lead is the incremental path (a worker job per new touch or
property change); ``leads_rescore`` scores a chunk of leads with one query for their facts and
one for their touches, and is what the batch command and the decay sweep use.

A lead that meets the MQL definition is moved to MQL through the lifecycle service, once per
journey: the transition log is checked under the lead's row lock, so concurrent jobs (or a
repeat of a job) never move it twice.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from accord.contacts.models import Lead, StageTransition
from accord.contacts.services import lead_transition
from accord.core.lifecycle import Stage
from accord.scoring import incremental, rules, selectors
from accord.scoring.models import LeadScore

logger = logging.getLogger(__name__)

#: Stages from which scoring may move a lead to MQL (the waterfall allows lead/recycled → MQL).
QUALIFIABLE_STAGES = frozenset({Stage.LEAD, Stage.RECYCLED})


# --- Scoring leads ------------------------------------------------------------------------


def breakdown_json(breakdown: rules.ScoreBreakdown) -> list[dict[str, Any]]:
    return [
        {
            "rule_id": c.rule_id,
            "rule": c.rule_name,
            "kind": c.kind,
            "points": c.points,
            "source": c.source,
            "ref": c.ref,
            "detail": c.detail,
        }
        for c in breakdown.contributions
    ]


def _score_row(
    lead_id: int,
    active: selectors.ActiveProfile,
    breakdown: rules.ScoreBreakdown,
    decision: rules.MqlDecision | None,
    now: datetime,
) -> LeadScore:
    return LeadScore(
        lead_id=lead_id,
        profile_id=active.id,
        profile_version=active.version,
        score=breakdown.score,
        grade=breakdown.grade,
        fit_points=breakdown.fit_hundredths / 100,
        engagement_points=breakdown.engagement_hundredths / 100,
        breakdown=breakdown_json(breakdown),
        fast_track=[
            {"rule_id": h.rule_id, "rule": h.rule_name, "touch_ids": list(h.touch_ids)}
            for h in breakdown.fast_track
        ],
        warnings=list(breakdown.warnings),
        qualifies=decision.criterion if decision else "",
        computed_at=now,
    )


def _mql_fire(
    *,
    lead_id: int,
    decision: rules.MqlDecision,
    breakdown: rules.ScoreBreakdown,
    active: selectors.ActiveProfile,
) -> bool:
    """Move the lead to MQL unless it already went there in this journey; True if moved."""
    # No savepoint: a failure here fails the caller's transaction anyway.
    with transaction.atomic(savepoint=False):
        state = incremental.mql_state_locked(lead_id)
        if state is None or state[0] not in QUALIFIABLE_STAGES or state[1]:
            return False
        lead_transition(
            lead_id=lead_id,
            to_stage=Stage.MQL,
            reason="",
            details={
                "criterion": decision.criterion,
                "rule_id": decision.rule_id,
                "rule": decision.rule_name,
                "score": breakdown.score,
                "grade": breakdown.grade,
                "profile_id": active.id,
                "mql_version": active.mql_version,
                "agreement_version": active.agreement_version,
            },
        )
    return True


def lead_score(
    *, lead_id: int, now: datetime | None = None, qualify: bool = True
) -> LeadScore | None:
    """Rescore one lead with the active profile; move it to MQL if it now qualifies.

    Returns None when there is no active profile or the lead no longer exists. This is the
    per-touch worker path: its statements are prepared once per process (``incremental``)
    and the profile is compiled once per profile version (``selectors.active_profile``).
    """
    active = selectors.active_profile()
    if active is None:
        return None
    now = now or timezone.now()
    found = incremental.facts_one(lead_id, active.profile)
    if found is None:
        return None
    lead, reached_mql = found
    breakdown = rules.breakdown_compute(
        active.profile,
        facts=lead.facts,
        touches=selectors.touches_of(lead_id),
        now=now,
        classifier=active.classifier,
    )
    decision = rules.mql_check(active.profile.mql, breakdown, lead.facts)
    row = _score_row(lead_id, active, breakdown, decision, now)
    with transaction.atomic(savepoint=False):
        incremental.score_upsert(row)
        if (lead.score, lead.grade) != (row.score, row.grade):
            incremental.lead_columns_set(lead_id, row.score, row.grade)
        # An MQL move is never undone within a journey, so a lead seen to have one needs no
        # lock; otherwise _mql_fire re-checks under the lead's row lock.
        if (
            qualify
            and decision is not None
            and lead.stage in QUALIFIABLE_STAGES
            and not reached_mql
        ):
            _mql_fire(lead_id=lead_id, decision=decision, breakdown=breakdown, active=active)
    return row


@dataclass(frozen=True)
class RescoreResult:
    scored: int = 0
    grade_changed: int = 0
    moved_to_mql: int = 0
    warnings: int = 0

    def __add__(self, other: RescoreResult) -> RescoreResult:
        return RescoreResult(
            self.scored + other.scored,
            self.grade_changed + other.grade_changed,
            self.moved_to_mql + other.moved_to_mql,
            self.warnings + other.warnings,
        )


_SCORE_UPDATE_FIELDS = [f.name for f in LeadScore._meta.concrete_fields if f.name not in {"lead"}]


def leads_rescore(
    *,
    lead_ids: Sequence[int],
    now: datetime | None = None,
    qualify: bool = True,
    active: selectors.ActiveProfile | None = None,
) -> RescoreResult:
    """Score a chunk of leads in bulk: one read of facts, one of touches, two writes."""
    active = active or selectors.active_profile()
    if active is None or not lead_ids:
        return RescoreResult()
    now = now or timezone.now()
    leads = selectors.facts_by_lead(lead_ids, active.profile)
    touches = selectors.touches_by_lead([lead.lead_id for lead in leads])
    rows, candidates, grade_changed, warnings = [], [], 0, 0
    for lead in leads:
        breakdown = rules.breakdown_compute(
            active.profile,
            facts=lead.facts,
            touches=touches.get(lead.lead_id, ()),
            now=now,
            classifier=active.classifier,
        )
        decision = rules.mql_check(active.profile.mql, breakdown, lead.facts)
        rows.append(_score_row(lead.lead_id, active, breakdown, decision, now))
        grade_changed += lead.grade != breakdown.grade
        warnings += bool(breakdown.warnings)
        if qualify and decision is not None and lead.stage in QUALIFIABLE_STAGES:
            candidates.append((lead.lead_id, decision, breakdown))
    moved = 0
    with transaction.atomic():
        LeadScore.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["lead"],
            update_fields=_SCORE_UPDATE_FIELDS,
        )
        _lead_columns_sync([row.lead_id for row in rows])
        if candidates:
            done = set(
                StageTransition.objects.filter(
                    lead_id__in=[c[0] for c in candidates], to_stage=Stage.MQL
                ).values_list("lead_id", flat=True)
            )
            for lead_id, decision, breakdown in candidates:
                if lead_id not in done:
                    moved += _mql_fire(
                        lead_id=lead_id, decision=decision, breakdown=breakdown, active=active
                    )
    return RescoreResult(
        scored=len(rows), grade_changed=grade_changed, moved_to_mql=moved, warnings=warnings
    )


def _lead_columns_sync(lead_ids: Sequence[int]) -> None:
    """Copy score and grade onto the leads (one UPDATE ... FROM; both databases support it)."""
    if not lead_ids:
        return
    lead_table = Lead._meta.db_table
    score_table = LeadScore._meta.db_table
    marks = ", ".join(["%s"] * len(lead_ids))
    sql = (
        f'UPDATE "{lead_table}" SET "score" = s."score", "grade" = s."grade" '
        f'FROM "{score_table}" s WHERE s."lead_id" = "{lead_table}"."id" '
        f'AND "{lead_table}"."id" IN ({marks}) '
        f'AND ("{lead_table}"."score" <> s."score" OR "{lead_table}"."grade" <> s."grade")'
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, list(lead_ids))


def lead_id_chunks(*, chunk_size: int = 1000, open_only: bool = False) -> Iterable[list[int]]:
    """Lead ids in ascending chunks, read by keyset (no OFFSET, no list of every id in memory)."""
    last = 0
    leads = Lead.objects.filter(is_open=True) if open_only else Lead.objects.all()
    while True:
        chunk = list(
            leads.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:chunk_size]
        )
        if not chunk:
            return
        yield chunk
        last = chunk[-1]
