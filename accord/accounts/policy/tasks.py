"""Tasks: who sees and changes which, and to whom a task may be given.

A sales rep sees and changes their own tasks and the tasks on the leads and deals they own; a
head of sales also those of the people in the teams they manage (a department-wide head and
an administrator: every task); anyone else (a marketer) only their own. An API key acting
for nobody is an integration and reaches every task its scope allows.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from accord.accounts.models import User
from accord.accounts.policy.principals import Principal
from accord.accounts.policy.roles import is_admin, is_manager, managed_team_ids
from accord.core.errors import InvalidInput


@dataclass(frozen=True)
class TaskScope:
    """Which tasks a caller reaches: every one, or those of ``user_id`` (owned, or on the
    leads and deals they own) plus those owned by people of ``team_ids``."""

    everything: bool = False
    user_id: int | None = None
    team_ids: frozenset[int] = frozenset()


def task_scope(principal: Principal | User | None) -> TaskScope:
    if isinstance(principal, Principal):
        if principal.key is not None and principal.key.created_by is None:
            return TaskScope(everything=True)
        user = principal.actor
    else:
        user = principal
    if user is None or not user.is_active:
        return TaskScope(user_id=0)  # nobody: no task has owner 0
    if is_admin(user):
        return TaskScope(everything=True)
    if is_manager(user):
        teams = managed_team_ids(user)
        if teams is None:
            return TaskScope(everything=True)
        return TaskScope(user_id=user.pk, team_ids=teams)
    return TaskScope(user_id=user.pk)


def task_owner_check(
    principal: Principal | User, owner_id: int | None, *, field: str = "owner_id"
) -> None:
    """A rep gives tasks to themselves; a head to the people of their teams; an admin (or an
    integration) to anyone."""
    scope = task_scope(principal)
    if scope.everything or owner_id is None or owner_id == scope.user_id:
        return
    team_id = User.objects.filter(pk=owner_id).values_list("team_id", flat=True).first()
    if team_id is not None and team_id in scope.team_ids:
        return
    raise InvalidInput(
        _("You can give tasks only to yourself, or as a head of sales to your team."),
        field=field,
    )
