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

This package imports only accounts and core: it reads the plain attributes of the objects it
is given (``owner_id``, ``team_id``, ``stage``), so the apps above it can all ask it. Its
parts: ``principals`` (who asks, what they see), ``roles`` (sides, teams, resources),
``pages``, ``leads`` (hand-off actions, stage moves, field writers, owners, links),
``quality`` (reviews and audits).
"""

from __future__ import annotations

from accord.accounts.policy.deals import deal_change_allowed
from accord.accounts.policy.discounts import (
    DISCOUNT_LEVELS,
    discount_decide_allowed,
    discount_decide_require,
    discount_level_of,
)
from accord.accounts.policy.forecasts import (
    forecast_manage_require,
    forecast_read_scope,
    forecast_submit_require,
)
from accord.accounts.policy.leads import (
    HANDOFF_STAGES,
    LEAD_FIELD_WRITERS,
    SALES_STAGES,
    deal_owner_check,
    lead_act_allowed,
    lead_act_require,
    lead_changes_check,
    lead_reassign_require,
    lead_transition_require,
    links_check,
    owner_assign_check,
    transition_side,
)
from accord.accounts.policy.pages import (
    EVERYONE,
    MANAGERS,
    MARKETING_SIDE,
    PAGES,
    SALES_SIDE,
    page_allowed,
    page_require,
    page_required,
    roles_table,
)
from accord.accounts.policy.principals import (
    Owned,
    Principal,
    object_require,
    object_visible,
    principal_for,
    rep_scope,
)
from accord.accounts.policy.quality import (
    auditor_allowed,
    auditor_require,
    rater_eligible,
    review_manage_require,
    review_rate_require,
)
from accord.accounts.policy.roles import (
    MANAGER_WRITES,
    OWNED_RESOURCES,
    ROLE_WRITES,
    SIDE_WRITES,
    is_admin,
    is_manager,
    managed_team_ids,
    manages_team,
    person_require,
    resource_allowed,
    resource_require,
    sides_of,
    writes_of,
)
from accord.accounts.policy.tasks import TaskScope, task_owner_check, task_scope

__all__ = [
    "DISCOUNT_LEVELS",
    "EVERYONE",
    "HANDOFF_STAGES",
    "LEAD_FIELD_WRITERS",
    "MANAGERS",
    "MANAGER_WRITES",
    "MARKETING_SIDE",
    "OWNED_RESOURCES",
    "PAGES",
    "ROLE_WRITES",
    "SALES_SIDE",
    "SALES_STAGES",
    "SIDE_WRITES",
    "Owned",
    "Principal",
    "TaskScope",
    "auditor_allowed",
    "auditor_require",
    "deal_change_allowed",
    "deal_owner_check",
    "discount_decide_allowed",
    "discount_decide_require",
    "discount_level_of",
    "forecast_manage_require",
    "forecast_read_scope",
    "forecast_submit_require",
    "is_admin",
    "is_manager",
    "lead_act_allowed",
    "lead_act_require",
    "lead_changes_check",
    "lead_reassign_require",
    "lead_transition_require",
    "links_check",
    "managed_team_ids",
    "manages_team",
    "object_require",
    "object_visible",
    "owner_assign_check",
    "page_allowed",
    "page_require",
    "page_required",
    "person_require",
    "principal_for",
    "rater_eligible",
    "rep_scope",
    "resource_allowed",
    "resource_require",
    "review_manage_require",
    "review_rate_require",
    "roles_table",
    "sides_of",
    "task_owner_check",
    "task_scope",
    "transition_side",
    "writes_of",
]
