"""Lead-quality reviews and lead-handling audits: who runs them, who rates, who audits.

- **Reviews** are set up, closed and extended by the heads (managers) and administrators;
  a sales rep or sales manager named as a review's rater rates the leads given to them.
  Everyone signed in sees reviews and their results (aggregates over handed-off leads).
- **Audits** (the mystery shopper): an *auditor* is a manager (either head) or an
  administrator. Only an auditor records audits, edits audit templates and mints the signed
  token that marks a lead submitted through the public form as a test lead.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext as _

from accord.accounts.models import Department, Role, User
from accord.accounts.policy.roles import is_manager, sides_of
from accord.core.errors import PermissionDenied


def auditor_allowed(user: User | None) -> bool:
    """Heads (managers) and administrators audit; nobody else."""
    return is_manager(user)


def auditor_require(user: User | None) -> None:
    if not auditor_allowed(user):
        raise PermissionDenied(
            _("Only an auditor (a manager or an administrator) may do this."), field="user"
        )


def review_manage_require(user: User | None) -> None:
    """Set up, close or add leads to a review: the heads and administrators."""
    if not is_manager(user):
        raise PermissionDenied(
            _("Only a manager or an administrator may set up a lead-quality review."),
            field="user",
        )


def rater_eligible(user: User) -> bool:
    """Who may be a review's rater: active sales people (reps and sales-side managers)."""
    if not user.is_active:
        return False
    if user.role == Role.SALES:
        return True
    return user.role == Role.MANAGER and Department.SALES in sides_of(user)


def review_rate_require(user: User | None, *, rater_ids: Iterable[int]) -> None:
    """Rate a lead of a review: only the review's raters (an administrator too)."""
    if user is None or not user.is_active:
        raise PermissionDenied(_("Sign in to rate leads."), field="user")
    if user.is_superuser or user.role == Role.ADMIN:
        return
    if user.pk not in set(rater_ids):
        raise PermissionDenied(
            _("You are not a rater of this review; its raters rate its leads."), field="user"
        )
