"""Who may change a deal (move its stage, close it): its owner if a rep, a sales manager for
the deals of the teams they manage (and unassigned ones), an administrator; everyone else
reads. The deal's team is its owner's team."""

from __future__ import annotations

from accord.accounts.models import Role, User
from accord.accounts.policy.principals import Owned, principal_for, rep_scope
from accord.accounts.policy.roles import is_admin, managed_team_ids, resource_allowed


def deal_change_allowed(user: User | None, deal: Owned) -> bool:
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if is_admin(user):
        return True
    if not resource_allowed(principal_for(user), "deals", "write"):
        return False
    scope = rep_scope(user, "deals")
    if scope is not None:
        return deal.owner_id in (None, scope.pk)
    if user.role != Role.MANAGER:
        return False
    teams = managed_team_ids(user)
    if teams is None or deal.owner_id in (None, user.pk):
        return True
    team_id = User.objects.filter(pk=deal.owner_id).values_list("team_id", flat=True).first()
    return team_id in teams
