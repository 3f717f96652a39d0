"""Who may act on a lead: hand-off actions, reassignment, stage moves by side, the one
writer of each lead field, owners named in writes, and links to leads."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from django.utils.translation import gettext as _

from accord.accounts.models import Department, Role, Team, User
from accord.accounts.policy.principals import Owned, Principal, rep_scope
from accord.accounts.policy.roles import (
    is_admin,
    is_manager,
    managed_team_ids,
    manages_team,
    sides_of,
)
from accord.core.errors import InvalidInput, NotFound, PermissionDenied
from accord.core.lifecycle import Stage

# --- Hand-off actions ---------------------------------------------------------------------


class _LeadLike(Protocol):
    owner_id: int | None
    team_id: int | None
    stage: str


def _owner_team_id(lead: Any) -> int | None:
    if lead.owner_id is None:
        return None
    owner = User.objects.filter(pk=lead.owner_id).values_list("team_id", flat=True).first()
    return owner


def lead_act_allowed(user: User | None, lead: _LeadLike) -> bool:
    """The rule for every hand-off action on a lead (accept, reject, attempt, qualify, open
    a deal, rate): its owner, a sales manager of its team, an administrator."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if is_admin(user):
        return True
    if user.role == Role.SALES:
        return lead.owner_id == user.pk
    if user.role == Role.MANAGER and Department.SALES in sides_of(user):
        if lead.owner_id == user.pk:
            return True
        return manages_team(user, lead.team_id) or (
            lead.team_id is None and manages_team(user, _owner_team_id(lead))
        )
    return False


def lead_act_require(user: User | None, lead: _LeadLike) -> None:
    if not lead_act_allowed(user, lead):
        raise PermissionDenied(
            _("Only the lead's owner or a sales manager of its team may do this."),
            field="lead_id",
        )


def lead_reassign_require(user: User | None, lead: _LeadLike, to_user: User) -> None:
    """A sales manager moves a lead between people of the teams they manage (the unrouted
    queue counts as theirs); an administrator anywhere; nobody else."""
    if is_admin(user):
        return
    if user is None or not is_manager(user) or Department.SALES not in sides_of(user):
        raise PermissionDenied(
            _("Only a sales manager or an administrator can reassign leads."), field="lead_id"
        )
    if not manages_team(user, lead.team_id):
        raise PermissionDenied(_("This lead belongs to a team you do not manage."), field="lead_id")
    teams = managed_team_ids(user)
    if teams is not None and to_user.team_id not in teams:
        raise PermissionDenied(
            _("You can give leads only to people of the teams you manage."), field="to_user_id"
        )
    if teams is None and to_user.team_id is not None:
        department = Team.objects.filter(pk=to_user.team_id).values_list("department", flat=True)
        if department.first() != Department.SALES:
            raise PermissionDenied(
                _("You can give leads only to people of sales teams."), field="to_user_id"
            )


# --- The waterfall ------------------------------------------------------------------------

#: Stages only the hand-off actions move a lead out of.
HANDOFF_STAGES = frozenset({Stage.MQL, Stage.SAL})
#: Stages past the hand-off: sales' part of the waterfall.
SALES_STAGES = frozenset({Stage.SQL, Stage.OPPORTUNITY, Stage.CUSTOMER, Stage.LOST})


def transition_side(from_stage: str, to_stage: str) -> str:
    """Which side owns a generic move: sales from SQL on (and into SQL), else marketing."""
    if from_stage in SALES_STAGES or to_stage == Stage.SQL:
        return Department.SALES
    return Department.MARKETING


def lead_transition_require(principal: Principal, lead: _LeadLike, to_stage: str) -> None:
    """The generic ``POST /leads/{id}/transitions``: never out of MQL or SAL (those are the
    hand-off actions, which stop the SLA clocks and emit their events); otherwise the side
    that owns the move (a key acting for nobody moves marketing's part only)."""
    if lead.stage in HANDOFF_STAGES:
        raise PermissionDenied(
            _(
                "A lead at %(stage)s moves only through the hand-off actions "
                "(accept, reject, qualify): POST /api/v1/leads/{id}/accept, /reject or /qualify."
            )
            % {"stage": lead.stage.upper()},
            field="to_stage",
            code="handoff_action_required",
        )
    side = transition_side(lead.stage, to_stage)
    if principal.key is not None and principal.key.created_by is None:
        if side == Department.SALES:
            raise PermissionDenied(
                _("Sales' stages are moved by a person; this API key acts for nobody."),
                field="to_stage",
            )
        return
    user = principal.actor
    if user is None or side not in sides_of(user):
        raise PermissionDenied(
            _("Only %(side)s moves a lead from %(from)s to %(to)s.")
            % {"side": side, "from": lead.stage, "to": to_stage},
            field="to_stage",
        )
    if (
        side == Department.SALES
        and user.role == Role.SALES
        and lead.owner_id not in (None, user.pk)
    ):
        raise NotFound(_("Lead does not exist."), field="lead_id")
    # A sales manager moves sales' part of the waterfall for the teams they manage only, as
    # with the hand-off actions (another team's SQL is not theirs to disqualify).
    if side == Department.SALES and user.role == Role.MANAGER and not is_admin(user):
        lead_act_require(user, lead)


# --- One writer per field -----------------------------------------------------------------

#: Lead fields with one writer elsewhere, and where a client changes them instead.
LEAD_FIELD_WRITERS: dict[str, str] = {
    "owner_id": "assignment: POST /api/v1/leads/{id}/reassign (or the team queue page)",
    "owner": "assignment: POST /api/v1/leads/{id}/reassign (or the team queue page)",
    "grade": "scoring (the active scoring profile)",
    "score": "scoring (the active scoring profile)",
    "stage": "POST /api/v1/leads/{id}/transitions and the hand-off actions",
}


def lead_changes_check(changes: Mapping[str, Any]) -> None:
    """Refuse a change to a field another service owns, naming the field (nothing written)."""
    for field in changes:
        if field in LEAD_FIELD_WRITERS:
            raise InvalidInput(
                _("%(field)s is not changed here; it changes only through %(writer)s.")
                % {"field": field, "writer": LEAD_FIELD_WRITERS[field]},
                field=field,
                code="field_has_one_writer",
            )


def owner_assign_check(
    principal: Principal, owner_id: int | None, *, field: str = "owner_id"
) -> None:
    """A rep may name only themselves (or nobody) as the owner of what they create."""
    scope = rep_scope(principal)
    if scope is not None and owner_id not in (None, scope.pk):
        raise InvalidInput(
            _("You can own only your own deals and leads; leave owner_id empty or use yours."),
            field=field,
        )


def deal_owner_check(
    principal: Principal, *, current_owner_id: int | None, owner_id: int | None
) -> None:
    """A sales manager moves a deal only between people of the teams they manage (as with
    leads); admins, department-wide heads and keys acting for nobody anywhere."""
    user = principal.actor
    if user is None or user.role != Role.MANAGER or is_admin(user):
        return
    teams = managed_team_ids(user)
    if teams is None:
        return
    for person, field in ((current_owner_id, "deal_id"), (owner_id, "owner_id")):
        if person is None or person == user.pk:
            continue
        team_id = User.objects.filter(pk=person).values_list("team_id", flat=True).first()
        if team_id not in teams:
            raise PermissionDenied(
                "You move deals only between people of the teams you manage.", field=field
            )


def links_check(principal: Principal, *, lead: Owned | bool | None, lead_id: int | None) -> None:
    """A caller may attach a record only to a lead they can see (another rep's lead is
    reported as not existing)."""
    if lead_id is None:
        return
    scope = rep_scope(principal)
    if lead is None or lead is False:
        raise InvalidInput(f"Lead {lead_id} does not exist.", field="lead_id")
    if scope is not None and not isinstance(lead, bool) and lead.owner_id not in (None, scope.pk):
        raise InvalidInput(f"Lead {lead_id} does not exist.", field="lead_id")
