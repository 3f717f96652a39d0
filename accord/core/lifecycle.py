"""The demand waterfall as a state machine: stages and the moves allowed between them.

Pure rules, no ORM. ``accord.contacts.services.lead_transition`` is the one place that applies
them to a lead and writes the ``StageTransition`` log. The table follows the SiriusDecisions
waterfall (DESIGN.md §3): a lead moves forward one step at a time, sales-generated leads may
join at SQL, and the off-path stages (recycled, disqualified, lost) always need a reason.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from accord.core.errors import ForbiddenTransition, InvalidInput


class Stage(models.TextChoices):
    LEAD = "lead", _("Lead")
    MQL = "mql", _("MQL")
    SAL = "sal", _("SAL")
    SQL = "sql", _("SQL")
    OPPORTUNITY = "opportunity", _("Opportunity")
    CUSTOMER = "customer", _("Customer")
    RECYCLED = "recycled", _("Recycled")
    DISQUALIFIED = "disqualified", _("Disqualified")
    LOST = "lost", _("Lost")


#: The funnel's main path, in order. Funnel reports count leads that ever reached each stage.
FUNNEL_STAGES: tuple[Stage, ...] = (
    Stage.LEAD,
    Stage.MQL,
    Stage.SAL,
    Stage.SQL,
    Stage.OPPORTUNITY,
    Stage.CUSTOMER,
)

#: Stages that leave the main path; entering one needs a reason.
OFF_PATH_STAGES: frozenset[Stage] = frozenset({Stage.RECYCLED, Stage.DISQUALIFIED, Stage.LOST})

#: A journey that reached one of these is over (a new journey is a new Lead).
CLOSED_STAGES: frozenset[Stage] = frozenset({Stage.CUSTOMER, Stage.DISQUALIFIED, Stage.LOST})

#: The initial stage of every lead; the log records creation as a move from "" to it.
INITIAL_STAGE = Stage.LEAD

ALLOWED_TRANSITIONS: dict[Stage, frozenset[Stage]] = {
    # Sales-generated leads (SGL) join at SQL, skipping marketing qualification.
    Stage.LEAD: frozenset({Stage.MQL, Stage.SQL, Stage.DISQUALIFIED}),
    Stage.MQL: frozenset({Stage.SAL, Stage.RECYCLED, Stage.DISQUALIFIED}),
    Stage.SAL: frozenset({Stage.SQL, Stage.RECYCLED, Stage.DISQUALIFIED}),
    Stage.SQL: frozenset({Stage.OPPORTUNITY, Stage.RECYCLED, Stage.DISQUALIFIED}),
    Stage.OPPORTUNITY: frozenset({Stage.CUSTOMER, Stage.LOST}),
    Stage.CUSTOMER: frozenset(),
    # Nurture can bring a lead back as a fresh MQL, or give up on it.
    Stage.RECYCLED: frozenset({Stage.MQL, Stage.DISQUALIFIED}),
    # A lost deal or a disqualified lead may be re-opened into nurture.
    Stage.LOST: frozenset({Stage.RECYCLED}),
    Stage.DISQUALIFIED: frozenset({Stage.RECYCLED}),
}


def stage_label(stage: str) -> str:
    try:
        return str(Stage(stage).label)
    except ValueError:
        return stage


def allowed_next_stages(current: str) -> frozenset[Stage]:
    return ALLOWED_TRANSITIONS.get(Stage(current), frozenset())


def transition_check(current: str, target: str, reason: str | None) -> Stage:
    """Validate a move and return the target stage; raise a domain error when not allowed.

    The message names both stages so that a person reading an API error or a CLI message
    knows what was attempted and what would have been possible instead.
    """
    try:
        target_stage = Stage(target)
    except ValueError:
        choices = ", ".join(s.value for s in Stage)
        raise InvalidInput(
            f"Unknown stage {target!r}; expected one of: {choices}.", field="to_stage"
        ) from None
    current_stage = Stage(current)
    allowed = ALLOWED_TRANSITIONS[current_stage]
    if target_stage not in allowed:
        options = ", ".join(sorted(s.value for s in allowed)) or "none (the journey is closed)"
        raise ForbiddenTransition(
            f"A lead cannot move from {current_stage.value!r} to {target_stage.value!r}; "
            f"allowed from {current_stage.value!r}: {options}.",
            field="to_stage",
        )
    if target_stage in OFF_PATH_STAGES and not (reason or "").strip():
        raise InvalidInput(
            f"Moving a lead to {target_stage.value!r} needs a reason.", field="reason"
        )
    return target_stage


def stages_reached(path: list[str]) -> set[str]:
    """Funnel stages a journey counts toward, given the stages it entered in order.

    A lead counted at SQL but never logged as MQL (a sales-generated lead) is still only
    counted at the stages it actually entered: the funnel shows real flows, not implied ones.
    """
    return {stage for stage in path if stage in {s.value for s in FUNNEL_STAGES}}
