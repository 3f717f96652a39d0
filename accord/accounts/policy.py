"""The one authorization policy: may this principal do X to this object?

Every page, htmx partial, API operation, CLI action and state-changing service asks this
module; nothing else spells out a role check. A refusal is ``accord.core.errors.
PermissionDenied`` (a ``DomainError`` the API turns into a JSON 403, and a Django
``PermissionDenied`` the page views turn into a 403 page); an object the caller may not see
is reported as not existing (404), so other reps' leads do not leak their existence.

Principals
    A signed-in **user** (role: marketing, sales, manager, admin; department: marketing, sales
    or leadership; team), or an **API key** (scopes ``<resource>:<read|write>``, ``*:read``,
    ``*``). A key reads and writes org-wide within its scopes (an integration). It *acts for*
    the person who created it (``ApiKey.created_by``, ``accord apikey create --user``): it
    takes that person's actions with that person's rights (the hand-off actions,
    reassigning, agreement edits), writes no resource that person could not, and sees only
    their leads and deals if they are a rep. A key that acts for nobody takes no person's
    action.

The rules (README "Security and privacy" has them as a table)
    - Admins (role admin or superuser) may do everything.
    - Sales reps see and change only the leads, deals and activities they own, plus unassigned
      leads and deals (the queue they pick from); other reps' objects answer 404 on every
      route. They may not attach a deal or an activity to a lead or an owner they cannot see.
    - Marketers read everything and write contacts, accounts, leads, touchpoints, campaigns
      and spend; never deals or activities, never a hand-off action.
    - Managers act on their own side (their department) and their own teams: a sales manager
      takes hand-off actions on, and reassigns between, the teams they manage (their own
      team; a sales manager with no team heads every sales team); a marketing manager takes
      no hand-off action and reassigns nothing; a leadership manager acts on both sides.
    - The hand-off actions (accept, reject with an agreement reason, attempt, qualify,
      reassign) are the only ways a lead moves from MQL or SAL; the generic transition moves
      the rest of the waterfall: marketing's part (lead, recycled, disqualified → MQL,
      recycled, disqualified) by marketing, sales' part (SQL onwards, and a rep's
      sales-generated lead → SQL) by sales.
    - Each field of a lead has one writer: ``owner`` only through assignment (routing or
      reassign), ``grade`` and ``score`` only through scoring. A PATCH naming them is refused.

This module imports only accounts and core: it reads the plain attributes of the objects it is
given (``owner_id``, ``team_id``, ``stage``), so the apps above it can all ask it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from accord.accounts.api_keys import RESOURCES, scope_allows
from accord.accounts.models import ApiKey, Department, Role, Team, User
from accord.core.errors import InvalidInput, NotFound, PermissionDenied
from accord.core.lifecycle import Stage

# --- Principals ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Principal:
    """Who is asking: an API key, or a signed-in user."""

    key: ApiKey | None = None
    user: User | None = None

    @property
    def client_id(self) -> str:
        """Identifies the client for idempotency keys and rate limits."""
        return f"key:{self.key.pk}" if self.key else f"user:{self.user.pk}"  # type: ignore[union-attr]

    @property
    def actor(self) -> User | None:
        """The person this principal acts for (audit trail, person-only actions): the signed-in
        user, or the active user who created the key; None for a key that acts for nobody."""
        person = self.key.created_by if self.key is not None else self.user
        if person is None or not person.is_active:
            return None
        return person

    # Kept for the API modules: the rep whose own rows bound what this caller sees.
    def restricted_to(self, resource: str) -> User | None:
        return rep_scope(self, resource)

    def allows(self, resource: str, action: str) -> bool:
        return resource_allowed(self, resource, action)


def principal_for(user: User) -> Principal:
    return Principal(user=user)


# --- Roles and sides ----------------------------------------------------------------------

_ALL = frozenset(RESOURCES)
_MARKETING_WRITES = frozenset(
    {"contacts", "accounts", "leads", "touchpoints", "campaigns", "spend"}
)
_SALES_WRITES = frozenset({"contacts", "accounts", "leads", "deals", "activities"})
#: What each role may write through the API (everyone signed in reads every resource). A
#: manager writes what their side writes (``SIDE_WRITES``) plus ``MANAGER_WRITES``.
ROLE_WRITES: dict[str, frozenset[str]] = {
    Role.ADMIN: _ALL,
    Role.MARKETING: _MARKETING_WRITES,
    Role.SALES: _SALES_WRITES,
}
SIDE_WRITES: dict[str, frozenset[str]] = {
    Department.MARKETING: _MARKETING_WRITES,
    Department.SALES: _SALES_WRITES,
}
#: The hand-off's shared configuration, which either side's managers change.
MANAGER_WRITES = frozenset({"agreements", "calendars"})
#: Resources whose rows a sales rep sees only when they own them (or nobody does).
OWNED_RESOURCES = frozenset({"leads", "deals", "activities"})


def is_admin(user: User | None) -> bool:
    return bool(
        user is not None and user.is_active and (user.is_superuser or user.role == Role.ADMIN)
    )


def is_manager(user: User | None) -> bool:
    """A manager or an administrator (the roles that see team-wide pages)."""
    return bool(
        user is not None and user.is_active and (is_admin(user) or user.role == Role.MANAGER)
    )


def sides_of(user: User | None) -> frozenset[str]:
    """The sides of the seam a person acts on: their department's (both for leadership and
    admins). Reps and marketers act on their role's side."""
    if user is None or not user.is_active:
        return frozenset()
    if is_admin(user):
        return frozenset({Department.MARKETING, Department.SALES})
    if user.role == Role.SALES:
        return frozenset({Department.SALES})
    if user.role == Role.MARKETING:
        return frozenset({Department.MARKETING})
    # A manager heads their department; leadership heads both; no department, no side.
    if user.department == Department.LEADERSHIP:
        return frozenset({Department.MARKETING, Department.SALES})
    if user.department in (Department.MARKETING, Department.SALES):
        return frozenset({str(user.department)})
    return frozenset()


def managed_team_ids(user: User | None) -> frozenset[int] | None:
    """The sales teams a person manages: None for every team (admins, leadership, a sales
    manager with no team heads the whole department), else their own team; empty for
    anyone who manages no sales team."""
    if is_admin(user):
        return None
    if user is None or not is_manager(user) or Department.SALES not in sides_of(user):
        return frozenset()
    if user.department == Department.LEADERSHIP or user.team_id is None:
        return None
    return frozenset({user.team_id})


def manages_team(user: User | None, team_id: int | None) -> bool:
    """Whether ``user`` manages sales team ``team_id`` (None: the unrouted queue, which any
    sales manager works)."""
    teams = managed_team_ids(user)
    if teams is None:
        return is_manager(user)
    if not teams:
        return False
    return team_id is None or team_id in teams


# --- Resource level (API scopes and role writes) -----------------------------------------


def resource_allowed(principal: Principal, resource: str, action: str) -> bool:
    if principal.key is not None:
        if not scope_allows(principal.key.scopes, resource=resource, action=action):
            return False
        # A key acting for a person writes no more than that person could.
        person = principal.actor
        if person is None or action == "read" or person.is_superuser:
            return True
        return resource in writes_of(person)
    user = principal.user
    if user is None or not user.is_active:
        return False
    if action == "read" or user.is_superuser:
        return True
    return resource in writes_of(user)


def writes_of(user: User) -> frozenset[str]:
    """The resources a person may write: their role's, or for a manager their side's."""
    if user.role != Role.MANAGER:
        return ROLE_WRITES.get(user.role, frozenset())
    writes = set(MANAGER_WRITES)
    for side in sides_of(user):
        writes |= SIDE_WRITES[side]
    return frozenset(writes)


def resource_require(principal: Principal, resource: str, action: str) -> None:
    if resource_allowed(principal, resource, action):
        return
    if principal.key is not None:
        raise PermissionDenied(
            f"This API key lacks the scope {resource}:{action}.", code="insufficient_scope"
        )
    raise PermissionDenied(f"Your role may not {action} {resource}.")


def person_require(principal: Principal) -> User:
    """The person a principal acts for, for actions only a person may take."""
    actor = principal.actor
    if actor is None:
        raise PermissionDenied(
            "This API key acts for nobody who can act; create one as a person.", field="user"
        )
    return actor


# --- Visibility ---------------------------------------------------------------------------


def rep_scope(principal: Principal | User | None, resource: str = "leads") -> User | None:
    """The rep whose own (and unassigned) rows bound what the caller sees of ``resource``;
    None when the caller sees every row. A key acting for a rep is bound like the rep."""
    if isinstance(principal, Principal):
        user = principal.user if principal.key is None else principal.key.created_by
    else:
        user = principal
    if resource not in OWNED_RESOURCES or user is None:
        return None
    if user.is_superuser or user.role != Role.SALES:
        return None
    return user


class _Owned(Protocol):
    owner_id: int | None


def object_visible(user: User | None, obj: _Owned) -> bool:
    """Whether ``user`` may see a lead or a deal (by its owner)."""
    if user is None or not user.is_active:
        return False
    scope = rep_scope(user)
    return scope is None or obj.owner_id in (None, scope.pk)


def object_require(user: User | None, obj: _Owned | None, *, label: str, field: str) -> None:
    """404 (not 403) for an object the user may not see: its existence is not leaked."""
    if obj is None or not object_visible(user, obj):
        raise NotFound(_("%(what)s does not exist.") % {"what": label}, field=field)


# --- Pages --------------------------------------------------------------------------------

SALES_SIDE = frozenset({Role.SALES, Role.MANAGER, Role.ADMIN})
MARKETING_SIDE = frozenset({Role.MARKETING, Role.MANAGER, Role.ADMIN})
MANAGERS = frozenset({Role.MANAGER, Role.ADMIN})
EVERYONE = frozenset(Role.values)
#: Which roles open each page (superusers open all). Object-level checks come on top.
PAGES: dict[str, frozenset[str]] = {
    "inbox": EVERYONE,  # a non-rep sees an empty inbox
    "team_queue": MANAGERS,
    "marketing_view": MARKETING_SIDE,
    "agreement": MANAGERS,
    "calendars": MANAGERS,
    "routing": MANAGERS,
    "reports": EVERYONE,  # aggregates only: no row names another rep's lead
    "pins": MANAGERS,  # the meeting board's pinned reports
    "import": MARKETING_SIDE,
    "predictive": MARKETING_SIDE,
    "scoring": frozenset({Role.ADMIN}),
    "webhooks": frozenset({Role.ADMIN}),
    # Data-subject requests, consent decisions, the audit log and incidents: personal data of
    # everyone, so administrators only (the public unsubscribe/confirm links carry a signed
    # token instead).
    "privacy": frozenset({Role.ADMIN}),
    "lead_page": EVERYONE,
}


def page_allowed(user: User | None, page: str) -> bool:
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return bool(user.is_superuser or user.role in PAGES[page])


def page_require(user: User | None, page: str) -> None:
    if not page_allowed(user, page):
        raise PermissionDenied(_("Your role may not open this page."))


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


def links_check(principal: Principal, *, lead: _Owned | bool | None, lead_id: int | None) -> None:
    """A caller may attach a record only to a lead they can see (another rep's lead is
    reported as not existing)."""
    if lead_id is None:
        return
    scope = rep_scope(principal)
    if lead is None or lead is False:
        raise InvalidInput(f"Lead {lead_id} does not exist.", field="lead_id")
    if scope is not None and not isinstance(lead, bool) and lead.owner_id not in (None, scope.pk):
        raise InvalidInput(f"Lead {lead_id} does not exist.", field="lead_id")


def roles_table() -> Iterable[tuple[str, str]]:
    """(page, roles) pairs, for the README table and the matrix test."""
    return ((page, ", ".join(sorted(roles))) for page, roles in PAGES.items())


_View = Callable[..., HttpResponse]


def page_required(page: str) -> Callable[[_View], _View]:
    """View decorator: sign in (redirect to the login page), then the page rule (403)."""

    def decorate(view: _View) -> _View:
        @login_required
        @functools.wraps(view)
        def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            page_require(request.user, page)  # type: ignore[arg-type]
            return view(request, *args, **kwargs)

        return checked

    return decorate
