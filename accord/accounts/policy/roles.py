"""Roles, sides and teams, and what each may do to each resource (API scopes included)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from accord.accounts.api_keys import RESOURCES, scope_allows
from accord.accounts.models import Department, Role, User
from accord.core.errors import PermissionDenied

if TYPE_CHECKING:
    from accord.accounts.policy.principals import Principal

# --- Roles and sides ----------------------------------------------------------------------

_ALL = frozenset(RESOURCES)
# Both sides post market intelligence (``intel``): it is shared knowledge.
_MARKETING_WRITES = frozenset(
    {"contacts", "accounts", "leads", "touchpoints", "campaigns", "spend", "intel"}
)
# Reviews: a rep writes only their own ratings of the reviews they rate (policy.quality).
_SALES_WRITES = frozenset(
    {
        "contacts", "accounts", "leads", "deals", "activities", "reviews", "intel", "tasks",
        "forecasts",
    }
)  # fmt: skip
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
#: The hand-off's shared configuration, the joint plans, and the checks of each other's work
#: both heads run (reviews, audits): either side's managers change them.
#: The catalogue and promotions (products, price lists, exchange rates) are the heads' too.
MANAGER_WRITES = frozenset(
    {"agreements", "calendars", "plans", "reviews", "audits", "products", "promotions"}
)
#: What heads of sales (managers on the sales side) configure besides: pipelines and stages.
SALES_MANAGER_WRITES = frozenset({"pipelines"})
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
    if Department.SALES in sides_of(user):
        writes |= SALES_MANAGER_WRITES
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
