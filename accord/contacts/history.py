"""Placing leads in the waterfall from imported history: the one "historical" transition path.

``lead_transition`` moves one lead now, emits its events and starts routing at MQL. History
imported from another CRM is different: the moves happened long ago (a deal was opened in
2023 and won in 2024), nobody should be notified or routed, and thousands of leads move at
once. This module applies the same rules (``transition_check`` for every step, never dated
before the lead's previous move) and writes the ``StageTransition`` rows with the given
historical times, in bulk, without events.

The rule that ties deals to the lifecycle: a lead with a deal reached opportunity when its
first deal was created; a won deal makes it a customer when the deal was won; when all its
deals are lost it is lost when the last one closed. A lead only moves forward: a lead already
closed (customer, lost, disqualified) keeps its stage, and the plan's notes count it (the
consistency check shows such leads).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from accord.contacts.models import Lead, StageTransition
from accord.core.lifecycle import (
    CLOSED_STAGES,
    FUNNEL_STAGES,
    OFF_PATH_STAGES,
    Stage,
    transition_check,
)

HISTORY_DETAILS = {"source": "import", "historical": True}
LOST_REASON = "Deal lost (imported history)"
_MAIN_PATH = [str(s) for s in FUNNEL_STAGES]
_BATCH = 1000


def history_path(current: str, target: str) -> list[str]:
    """The stages a lead at ``current`` enters, in order, to reach ``target``.

    Along the main path (lead, MQL, SAL, SQL, opportunity), then customer or lost; a recycled
    lead re-enters at MQL. Empty when the lead is at ``target`` or cannot get there forward.
    """
    if current == target or current in CLOSED_STAGES:
        return []
    end = Stage.OPPORTUNITY if target == Stage.LOST else target
    if current == Stage.RECYCLED:
        start = _MAIN_PATH.index(Stage.MQL)
        path: list[str] = [Stage.MQL]
    elif current in _MAIN_PATH:
        start = _MAIN_PATH.index(current)
        path = []
    else:
        return []
    if _MAIN_PATH.index(end) < start:
        return []
    path += _MAIN_PATH[start + 1 : _MAIN_PATH.index(end) + 1]
    if target == Stage.LOST:
        path.append(Stage.LOST)
    return [str(s) for s in path]


@dataclass
class LeadTarget:
    """Where one lead's deals put it: opportunity at ``opened``, then ``stage`` at ``closed``."""

    stage: str
    opened: datetime
    closed: datetime | None = None


def targets_from_deals(
    deals: Iterable[tuple[int, str, datetime, datetime | None]],
) -> dict[int, LeadTarget]:
    """``(lead id, deal stage, created_at, closed_at)`` rows -> each lead's target.

    Any won deal makes a customer (at its earliest win); all lost makes lost (at the latest
    loss); otherwise the lead is an opportunity.
    """
    per_lead: dict[int, list[tuple[str, datetime, datetime | None]]] = {}
    for lead_id, stage, created, closed in deals:
        per_lead.setdefault(lead_id, []).append((stage, created, closed))
    targets: dict[int, LeadTarget] = {}
    for lead_id, rows in per_lead.items():
        opened = min(created for _, created, _ in rows)
        won = [closed or created for stage, created, closed in rows if stage == "won"]
        lost = [closed or created for stage, created, closed in rows if stage == "lost"]
        if won:
            targets[lead_id] = LeadTarget(Stage.CUSTOMER, opened, min(won))
        elif len(lost) == len(rows):
            targets[lead_id] = LeadTarget(Stage.LOST, opened, max(lost))
        else:
            targets[lead_id] = LeadTarget(Stage.OPPORTUNITY, opened)
    return targets


@dataclass
class HistoryPlan:
    """The transitions to write and the leads to move; ``notes`` for the import preview."""

    transitions: list[StageTransition] = field(default_factory=list)
    moves: dict[int, tuple[str, datetime]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def apply(self, *, now: datetime) -> None:
        StageTransition.objects.bulk_create(self.transitions, batch_size=_BATCH)
        leads = [
            Lead(
                pk=pk,
                stage=stage,
                stage_changed_at=at,
                is_open=stage not in CLOSED_STAGES,
                updated_at=now,
            )
            for pk, (stage, at) in self.moves.items()
        ]
        Lead.objects.bulk_update(
            leads, ["stage", "stage_changed_at", "is_open", "updated_at"], batch_size=_BATCH
        )


def lead_history_plan(
    deals: Iterable[tuple[int, str, datetime, datetime | None]],
) -> HistoryPlan:
    """Plan the moves that put the deals' leads where the deals say (see the module doc)."""
    targets = targets_from_deals(deals)
    plan = HistoryPlan()
    kept_closed = 0
    moved: dict[str, int] = {}
    ids = list(targets)
    for start in range(0, len(ids), _BATCH):
        rows = Lead.objects.filter(pk__in=ids[start : start + _BATCH]).values_list(
            "pk", "stage", "stage_changed_at"
        )
        for pk, current, changed_at in rows:
            target = targets[pk]
            path = history_path(current, target.stage)
            if not path:
                kept_closed += current != target.stage
                continue
            at = max(target.opened, changed_at)
            stage = current
            for step in path:
                closing = step in (Stage.CUSTOMER, Stage.LOST)
                if closing and target.closed is not None:
                    at = max(target.closed, at)
                reason = LOST_REASON if step in OFF_PATH_STAGES else ""
                transition_check(stage, step, reason)  # the lifecycle's own rules
                plan.transitions.append(
                    StageTransition(
                        lead_id=pk,
                        from_stage=stage,
                        to_stage=step,
                        at=at,
                        reason=reason,
                        details=HISTORY_DETAILS,
                    )
                )
                stage = step
            plan.moves[pk] = (stage, at)
            moved[stage] = moved.get(stage, 0) + 1
    if moved:
        parts = ", ".join(f"{count} to {stage}" for stage, count in sorted(moved.items()))
        plan.notes.append(f"Lifecycle from deals: leads move {parts} (with the deals' dates).")
    if kept_closed:
        plan.notes.append(
            f"Warning: {kept_closed} lead(s) already closed at another stage keep it "
            "(their deals disagree; see `accord check consistency`)."
        )
    return plan
