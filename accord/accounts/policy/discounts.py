"""Who grants a discount: each person's level on the approval ladder, and who may decide a
request (the ladder's rungs themselves are data: ``pipeline.DiscountBand``)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from accord.accounts.models import Department, Role, User
from accord.accounts.policy.roles import is_admin, is_manager, manages_team, sides_of
from accord.core.errors import PermissionDenied

#: Levels, lowest first (``pipeline.ApproverLevel`` values).
DISCOUNT_LEVELS = ("rep", "manager", "admin")


def discount_level_of(user: User | None) -> str | None:
    """The rung a person grants alone: administrators every discount, a sales-side manager
    the head of sales' rungs, a rep (or an integration acting for nobody) the rep's; None for
    people who do not sell (marketing)."""
    if user is None:
        return "rep"
    if not user.is_active:
        return None
    if is_admin(user):
        return "admin"
    if is_manager(user) and Department.SALES in sides_of(user):
        return "manager"
    if user.role == Role.SALES:
        return "rep"
    return None


def discount_decide_allowed(user: User | None, *, level: str, owner_team_id: int | None) -> bool:
    """Whether ``user`` may decide a request needing ``level`` on a deal whose owner is in
    team ``owner_team_id``: an administrator always; a head of sales within the teams they
    manage, for rungs up to theirs."""
    mine = discount_level_of(user) if user is not None else None
    if mine is None or mine == "rep":
        return False
    if DISCOUNT_LEVELS.index(mine) < DISCOUNT_LEVELS.index(level):
        return False
    return mine == "admin" or manages_team(user, owner_team_id)


def discount_decide_require(user: User | None, *, level: str, owner_team_id: int | None) -> None:
    if not discount_decide_allowed(user, level=level, owner_team_id=owner_team_id):
        who = (
            _("an administrator")
            if level == "admin"
            else _("a head of sales of the deal owner's team")
        )
        raise PermissionDenied(
            _("This discount is for %(who)s to decide; you may not decide it.") % {"who": who},
            field="approval_id",
        )
