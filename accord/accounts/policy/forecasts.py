"""Forecasts: who reads whose, who submits, adjusts and sets quotas.

- The forecast page and ``/api/v1/forecast`` are sales' (reps, managers, admins; keys with a
  ``forecasts`` scope read org-wide). A rep reads only their own deals' forecast and their
  own submissions; heads (managers) and admins read everyone's.
- A rep submits their own forecast (a person, never a key acting for nobody); a submission
  is never changed afterwards.
- A manager adjusts the submissions of the reps of the teams they manage (never their
  own), and sets those reps' quotas; admins do both for everyone.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from accord.accounts.models import Role, User
from accord.accounts.policy.pages import page_allowed
from accord.accounts.policy.principals import Principal
from accord.accounts.policy.roles import (
    is_admin,
    is_manager,
    manages_team,
    person_require,
    resource_require,
)
from accord.core.errors import PermissionDenied

RESOURCE = "forecasts"


def forecast_read_scope(principal: Principal) -> User | None:
    """The rep whose own forecast bounds what the caller reads; None: everyone's.

    Raises PermissionDenied for a person whose role does not read forecasts (marketing).
    """
    resource_require(principal, RESOURCE, "read")
    person = principal.user if principal.key is None else principal.key.created_by
    if person is None:
        return None  # a key acting for nobody: org-wide within its scope
    if principal.key is None and not page_allowed(person, "forecast"):
        raise PermissionDenied(_("Your role may not read forecasts."))
    if person.is_superuser or person.role != Role.SALES:
        return None
    return person


def forecast_submit_require(principal: Principal) -> User:
    """The person submitting (their own forecast): a rep, manager or admin."""
    resource_require(principal, RESOURCE, "write")
    person = person_require(principal)
    if not page_allowed(person, "forecast"):
        raise PermissionDenied(_("Your role may not submit a forecast."))
    return person


def forecast_manage_require(principal: Principal, rep: User, *, field: str) -> User:
    """A manager of ``rep``'s team (not ``rep``) or an admin: adjusts and sets quotas."""
    resource_require(principal, RESOURCE, "write")
    person = person_require(principal)
    if is_admin(person):
        return person
    if not is_manager(person) or person.pk == rep.pk or not manages_team(person, rep.team_id):
        raise PermissionDenied(
            _("Only the head of this rep's team or an administrator may do this."), field=field
        )
    return person
