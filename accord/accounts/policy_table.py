"""The authorization matrix: what every route answers to every kind of caller.

``tests/authz/test_matrix.py`` walks Django's URL resolver and the API's OpenAPI document,
runs every route against every principal below, and compares the outcome class with this
table. A route missing here fails that test: the table is the reviewed, human-readable
statement of ``accord.accounts.policy``.

Length: one row per route, kept in one table so a reviewer reads the whole policy in one place.

Principals (``ROLES``): ``anon`` (not signed in), ``marketing`` (a marketer), ``sales`` (a
rep of team North), ``mgr_marketing`` (a manager, department marketing), ``mgr_sales`` (a
manager, department sales, team North), ``admin``; and API keys (``KEYS``) acting for nobody:
``key_read`` (``*:read``), ``key_write`` (``<the row's resource>:write``), ``key_star``
(``*``), ``key_wrong`` (a write scope of another resource).

Outcomes: ``A`` allowed (2xx, a redirect that is not to the login page, or a 4xx about the
input such as 422: the caller got past authorization), ``D`` denied (403), ``H`` hidden (404:
the object does not exist for this caller), ``L`` not signed in (401, or a redirect to the
login page). A 5xx never matches anything.

Object routes (a ``lead_id``, ``deal_id``, ``activity_id`` or ``task_id`` in the path) run
twice: with the object owned by the ``sales`` rep (team North) and with one owned by another
rep (team South). Write ``own/other`` for such a cell, e.g. ``A/H``: the rep opens their own
lead and gets 404 for the other's. A single letter means the same for both.

How to add a row (a new route fails the test until you do):

- A page (``config/urls.py`` or an app's ``urls.py``): add ``"namespace:name": Page("...")``
  to ``PAGES`` with the six role outcomes in ``ROLES`` order (anon first). Set
  ``method="POST"`` for a POST-only view, ``htmx=True`` if it answers htmx with a partial
  (the row then also runs with ``HX-Request: true``), ``form={...}`` for posted fields.
  API keys never open pages: their outcome is taken to be anonymous's.
- An API operation: add ``"METHOD /api/v1/path/{param}": Op("resource", "...")`` to
  ``OPERATIONS`` (the path as the OpenAPI document spells it). Key outcomes follow from the
  scope (``read`` ops: any key with a read or write scope on the resource; writes: a write
  scope); say ``person=True`` when only a person may take the action (keys acting for
  nobody get 403), or give ``keys="read write star wrong"`` outright. ``body={...}``
  overrides fields of the body generated from the schema; ``"{lead_id}"`` and the like stand
  for the variant's object.
- ``/admin/...`` is covered by one pattern rule (``ADMIN_SITE``): staff only.

Length: one row per route, and a reviewer reads the whole matrix side by side; split into
files, a role's column could no longer be read down in one place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ROLES = ("anon", "marketing", "sales", "mgr_marketing", "mgr_sales", "admin")
KEYS = ("key_read", "key_write", "key_star", "key_wrong")


class Outcome:
    ALLOWED = "A"
    DENIED = "D"
    HIDDEN = "H"
    LOGIN = "L"


def cells(spec: str, width: int) -> list[tuple[str, str]]:
    """``"L A/H D"`` → [(own, other), ...]; a single letter stands for both."""
    parts = spec.split()
    if len(parts) != width:
        raise ValueError(f"{spec!r}: expected {width} outcomes, got {len(parts)}")
    out = []
    for part in parts:
        own, _, other = part.partition("/")
        out.append((own, other or own))
    return out


@dataclass(frozen=True)
class Page:
    expect: str  # six outcomes in ROLES order
    method: str = "GET"
    htmx: bool = False
    form: dict[str, Any] = field(default_factory=dict)

    def expected(self, principal: str, variant: str) -> str:
        index = ROLES.index(principal) if principal in ROLES else 0  # keys: as anonymous
        own, other = cells(self.expect, len(ROLES))[index]
        return own if variant == "own" else other


@dataclass(frozen=True)
class Op:
    resource: str
    expect: str  # six outcomes in ROLES order
    action: str = ""  # read | write; defaults from the HTTP method
    person: bool = False  # only a person may act: keys acting for nobody get 403
    keys: str = ""  # explicit key outcomes in KEYS order
    body: dict[str, Any] | None = None

    def expected(self, principal: str, variant: str, method: str) -> str:
        if principal in ROLES:
            own, other = cells(self.expect, len(ROLES))[ROLES.index(principal)]
            return own if variant == "own" else other
        if self.keys:
            own, other = cells(self.keys, len(KEYS))[KEYS.index(principal)]
            return own if variant == "own" else other
        action = self.action or ("read" if method == "GET" else "write")
        if principal == "key_wrong" or (principal == "key_read" and action == "write"):
            return Outcome.DENIED
        return Outcome.DENIED if self.person else Outcome.ALLOWED


#: /admin/...: Django's admin site, staff only (anonymous and non-staff go to its login).
ADMIN_SITE = "staff only"

# Shorthands for common rows.
EVERYONE_SIGNED_IN = "L A A A A A"
PUBLIC = "A A A A A A"
MANAGERS = "L D D A A A"
ADMIN_ONLY = "L D D D D A"
MARKETING_SIDE = "L A D A A A"
#: Marketing's resources (touchpoints, campaigns, spend): marketers and marketing managers.
MARKETING_WRITES = "L A D A D A"
#: Sales' resources (deals, activities): reps and sales managers.
SALES_WRITES = "L D A D A A"
#: Pipelines, stages and lost reasons: administrators and heads of sales.
PIPELINE_ADMINS = "L D D D A A"
#: A hand-off action on a lead: the owner (other reps: 404), the sales manager of its team
#: (North; South's lead: 403), an administrator; never marketing.
LEAD_ACTION = "L D A/H D A/D A"
#: Rating a review's lead: its raters (the matrix review's is the ``sales`` rep) and admins.
REVIEW_RATERS = "L D A D D A"

#: A plan with its assumptions given (no analytics copy needed).
PLAN_BODY: dict[str, Any] = {
    "name": "Matrix plan",
    "period_kind": "quarter",
    "start_month": "2026-01",
    "window_start": "2025-01-01",
    "window_end": "2025-06-30",
    "revenue_target": 100000,
    "content": {
        "deal_size": 10000,
        "rates": {
            "visit_lead": 0.05,
            "lead_mql": 0.5,
            "mql_sal": 0.8,
            "sal_sql": 0.5,
            "sql_opportunity": 0.5,
            "opportunity_won": 0.25,
        },
        "lags": {"visit": 3, "lead": 3, "mql": 2, "sal": 2, "sql": 1, "opportunity": 1},
        "channels": {"email": {"budget": 0, "cpl": None, "lead_mql": 0.3, "share": 1}},
    },
}

PAGES: dict[str, Page] = {
    "capture:lead": Page(PUBLIC, method="POST"),
    "capture:event": Page(PUBLIC, method="POST"),
    "capture:snippet": Page(PUBLIC),
    "pipelines:pipeline_list": Page(PIPELINE_ADMINS),
    "pipelines:pipeline_create": Page(PIPELINE_ADMINS, method="POST", form={"name": "Matrix"}),
    "pipelines:pipeline_detail": Page(PIPELINE_ADMINS),
    "pipelines:pipeline_edit": Page(PIPELINE_ADMINS, method="POST", form={"action": "archive"}),
    "pipelines:pipeline_delete": Page(PIPELINE_ADMINS, method="POST"),
    "pipelines:pipeline_move": Page(PIPELINE_ADMINS, method="POST"),
    "pipelines:stage_create": Page(
        PIPELINE_ADMINS,
        method="POST",
        form={"name": "Matrix", "probability": "40", "forecast_category": "pipeline"},
    ),
    "pipelines:stage_edit": Page(
        PIPELINE_ADMINS,
        method="POST",
        form={"name": "Matrix", "probability": "40", "forecast_category": "pipeline"},
    ),
    "pipelines:stage_delete": Page(PIPELINE_ADMINS, method="POST"),
    "pipelines:stage_move": Page(PIPELINE_ADMINS, method="POST"),
    "pipelines:lost_reasons": Page(PIPELINE_ADMINS),
    "pipelines:lost_reason_create": Page(PIPELINE_ADMINS, method="POST", form={"label": "X"}),
    "pipelines:lost_reason_edit": Page(PIPELINE_ADMINS, method="POST", form={"label": "X"}),
    "handoff:agreement": Page(MANAGERS),
    "handoff:draft_create": Page(MANAGERS, method="POST"),
    "handoff:draft_edit": Page(MANAGERS),
    "handoff:version_action": Page(MANAGERS, method="POST"),
    "handoff:calendar_list": Page(MANAGERS),
    "handoff:calendar_create": Page(MANAGERS),
    "handoff:calendar_edit": Page(MANAGERS),
    "handoff:routing_list": Page(MANAGERS),
    "handoff:routing_create": Page(MANAGERS),
    "handoff:routing_edit": Page(MANAGERS),
    "handoff:routing_move": Page(MANAGERS, method="POST", htmx=True),
    "handoff:routing_delete": Page(MANAGERS, method="POST"),
    "handoff:inbox": Page(EVERYONE_SIGNED_IN),
    "handoff:team": Page(MANAGERS),
    "handoff:marketing": Page(MARKETING_SIDE),
    "handoff:notifications": Page(EVERYONE_SIGNED_IN),
    # htmx variant: the perimeter helper fixes its 500 (issue 12 §2); then set htmx=True.
    "handoff:notifications_read": Page(EVERYONE_SIGNED_IN, method="POST", htmx=True),
    "handoff:lead_accept": Page(LEAD_ACTION, method="POST", htmx=True),
    "handoff:lead_reject": Page(LEAD_ACTION, method="POST", htmx=True),
    "handoff:lead_attempt": Page(LEAD_ACTION, method="POST", htmx=True),
    "handoff:lead_qualify": Page(LEAD_ACTION, method="POST", htmx=True),
    "handoff:lead_deal": Page(LEAD_ACTION, method="POST", htmx=True),
    "handoff:lead_rating": Page(LEAD_ACTION, method="POST", htmx=True),
    # A sales manager within the teams they manage (North), an administrator anywhere; a rep
    # is refused the team page's action whichever lead it names (403, nothing leaked).
    "handoff:lead_reassign": Page(
        "L D D D A/D A", method="POST", form={"to_user_id": "{mate_id}", "reason": "matrix"}
    ),
    "handoff:lead_panel_qualify": Page(LEAD_ACTION, method="POST", htmx=True),
    "handoff:lead_panel_deal": Page(LEAD_ACTION, method="POST", htmx=True),
    "handoff:lead_panel_rate": Page(LEAD_ACTION, method="POST", htmx=True),
    # Tasks: the sales side's pages; a task another rep (South) owns is 404 to the rep and to
    # North's head, and to a marketing head (who reaches only their own tasks).
    "tasks:list": Page("L D A A A A"),
    "tasks:stale_deals": Page("L D A A A A"),
    "tasks:create": Page("L D A D A A", method="POST", htmx=True),
    "tasks:complete": Page("L D A/H H A/H A", method="POST", htmx=True),
    "tasks:reopen": Page("L D A/H H A/H A", method="POST", htmx=True),
    # The activity panel of lead and deal pages: log an activity, schedule a next step.
    "tasks:lead_activity": Page("L D A/H D A A", method="POST", htmx=True),
    "tasks:lead_task": Page("L D A/H D A A", method="POST", htmx=True),
    "tasks:deal_activity": Page("L D A/H D A A", method="POST", htmx=True),
    "tasks:deal_task": Page("L D A/H D A A", method="POST", htmx=True),
    "set_language": Page(PUBLIC, method="POST"),
    "imports:upload": Page(MARKETING_SIDE),
    "imports:history": Page(MARKETING_SIDE),
    # The token names an upload in progress; an unknown one is 404 for those who may import.
    "imports:mapping": Page("L H D H H H"),
    "imports:preview": Page("L H D H H H"),
    "imports:rejects": Page("L H D H H H"),
    "leads:lead_detail": Page("L A A/H A A A"),
    # The workspace (lists, search, contact and account pages): every signed-in person; the
    # rows are bounded by the object rules (a rep's lists hold their own and unassigned leads).
    "workspace:leads": Page(EVERYONE_SIGNED_IN),
    "workspace:contacts": Page(EVERYONE_SIGNED_IN),
    "workspace:contact_detail": Page(EVERYONE_SIGNED_IN),
    "workspace:accounts": Page(EVERYONE_SIGNED_IN),
    "workspace:account_detail": Page(EVERYONE_SIGNED_IN),
    "workspace:search": Page(EVERYONE_SIGNED_IN),
    "workspace:view_save": Page(
        EVERYONE_SIGNED_IN, method="POST", form={"page": "leads", "name": "matrix"}
    ),
    "workspace:view_delete": Page(EVERYONE_SIGNED_IN, method="POST", form={"view_id": "0"}),
    # Export streams what the caller sees; assigning is refused (nothing written) unless the
    # policy allows every lead named (tests/workspace has the cases).
    "workspace:lead_bulk": Page(
        EVERYONE_SIGNED_IN, method="POST", form={"action": "export", "lead": "{lead_id}"}
    ),
    # The deals board, list (and its export) and a deal's page: everyone reads what the object
    # rules show them (a rep: their own and unassigned deals; another rep's deal is 404).
    # Moving a deal: its rep, the head of its owner's team (North; South's deal: 403), admins.
    "deals:board": Page(EVERYONE_SIGNED_IN),
    "deals:deal_detail": Page("L A A/H A A A"),
    "deals:deal_move": Page(
        "L D A/H D A/D A",
        method="POST",
        htmx=True,
        form={"to": "discovery", "version": "1"},
    ),
    "workspace:deals": Page(EVERYONE_SIGNED_IN),
    "workspace:deal_export": Page(EVERYONE_SIGNED_IN),
    # Lead-quality reviews: everyone reads; the heads set up and close; a review's raters
    # (the matrix review's rater is the ``sales`` rep) rate — others are refused (403).
    "reviews:list": Page(EVERYONE_SIGNED_IN),
    "reviews:create": Page(MANAGERS),
    "reviews:detail": Page(EVERYONE_SIGNED_IN),
    "reviews:rate": Page(
        REVIEW_RATERS, method="POST", form={"rating": "3", "reason": "fits_definition"}
    ),
    "reviews:close": Page(MANAGERS, method="POST"),
    # Lead-handling audits, test-lead tokens and speed to lead: auditors (managers, admins).
    "audits:index": Page(MANAGERS),
    "audits:token": Page(MANAGERS, method="POST"),
    "audits:template_create": Page(MANAGERS),
    "audits:record": Page(MANAGERS),
    "audits:detail": Page(MANAGERS),
    "audits:coaching_done": Page(MANAGERS, method="POST"),
    "audits:speed": Page(MANAGERS),
    "reports:index": Page(EVERYONE_SIGNED_IN),
    "reports:board": Page(EVERYONE_SIGNED_IN),
    "reports:pin": Page(MANAGERS, method="POST"),
    "reports:unpin": Page(MANAGERS, method="POST"),
    "reports:move": Page(MANAGERS, method="POST"),
    "reports:detail": Page(EVERYONE_SIGNED_IN),
    "reports:forecast": Page("L D A A A A"),
    "reports:promotions": Page(EVERYONE_SIGNED_IN),
    "reports:promotions_csv": Page(EVERYONE_SIGNED_IN),
    "reports:promotions_xlsx": Page(EVERYONE_SIGNED_IN),
    # The calls post to the page's service: the matrix posts no valid form (422 past the
    # policy); who may adjust whose submission is the service's (forecast tests).
    "reports:forecast_submit": Page("L D A A A A", method="POST", form={"period": "x"}),
    "reports:forecast_adjust": Page("L D A A A A", method="POST", form={"submission": "x"}),
    "reports:export": Page(EVERYONE_SIGNED_IN),
    "predictive:backtest": Page(MARKETING_SIDE),
    "scoring:profile_list": Page(ADMIN_ONLY),
    "scoring:profile_create": Page(ADMIN_ONLY),
    "scoring:profile_edit": Page(ADMIN_ONLY),
    # Privacy: the signed unsubscribe/confirmation links are public (a bad token is a 4xx page
    # about the link, not a refusal); everything else is administrators' only.
    "privacy:unsubscribe": Page(PUBLIC),
    "privacy:confirm": Page(PUBLIC),
    "privacy:requests": Page(ADMIN_ONLY),
    "privacy:request_export": Page(ADMIN_ONLY, method="POST"),
    "privacy:request_erase": Page(ADMIN_ONLY, method="POST"),
    "privacy:consent_change": Page(ADMIN_ONLY, method="POST"),
    "privacy:audit": Page(ADMIN_ONLY),
    "privacy:incidents": Page(ADMIN_ONLY),
    # Redirects to the static icon (browsers ask for it on every page, the admin's included).
    "favicon": Page(PUBLIC),
    # Load balancers' probes: public, and they reveal only ok/failing per check.
    "ops:health_live": Page(PUBLIC),
    "ops:health_ready": Page(PUBLIC),
    # Prometheus metrics: a bearer token (ACCORD_METRICS_TOKEN) only; unset, 404 for all.
    "ops:metrics": Page("H H H H H H"),
    "capture_sites:site_list": Page(ADMIN_ONLY),
    "capture_sites:site_create": Page(ADMIN_ONLY),
    "capture_sites:site_edit": Page(ADMIN_ONLY),
    "capture_sites:site_snippet": Page(ADMIN_ONLY),
    # The hub: every role has at least the API access card.
    "settings:hub": Page(EVERYONE_SIGNED_IN),
    "settings:api": Page(EVERYONE_SIGNED_IN),
    "settings:key_create": Page(
        EVERYONE_SIGNED_IN, method="POST", form={"name": "matrix", "scopes": "*:read"}
    ),
    # One's own keys only: another person's key does not exist for them (404).
    "settings:key_revoke": Page("L H H H H A", method="POST"),
    "webhooks:endpoint_list": Page(ADMIN_ONLY),
    "webhooks:endpoint_create": Page(ADMIN_ONLY),
    "webhooks:endpoint_detail": Page(ADMIN_ONLY),
    "webhooks:endpoint_edit": Page(ADMIN_ONLY),
    "webhooks:endpoint_toggle": Page(ADMIN_ONLY, method="POST"),
    "webhooks:endpoint_rotate": Page(ADMIN_ONLY, method="POST"),
    "webhooks:delivery_redeliver": Page(ADMIN_ONLY, method="POST", htmx=True),
    # Joint plans: everyone reads; heads and administrators change them (tests/planning has
    # the approvals: only the two heads sign, never an administrator alone).
    "planning:list": Page(EVERYONE_SIGNED_IN),
    "planning:detail": Page(EVERYONE_SIGNED_IN),
    "planning:edit": Page(MANAGERS),
    "planning:scenario_add": Page(MANAGERS, method="POST"),
    "planning:action": Page(MANAGERS, method="POST"),
    # The weekly joint digest: the heads and administrators (it names reps: SLA breaches and
    # audit scores); a decision's owner closes it from their own task list.
    "digest:latest": Page(MANAGERS),
    "digest:history": Page(MANAGERS),
    "digest:detail": Page(MANAGERS),
    "digest:agenda_add": Page(MANAGERS, method="POST"),
    "digest:decision_add": Page(MANAGERS, method="POST"),
    "digest:decision_close": Page(MANAGERS, method="POST"),
    "digest:chart": Page(MANAGERS),
    # The catalogue and promotions (Settings): heads and administrators.
    "products:product_list": Page(MANAGERS),
    "products:product_create": Page(MANAGERS),
    "products:product_edit": Page(MANAGERS),
    "products:product_delete": Page(MANAGERS, method="POST"),
    "promotions:promotion_list": Page(MANAGERS),
    "promotions:promotion_create": Page(MANAGERS),
    "promotions:promotion_edit": Page(MANAGERS),
    # The approvals queue: heads open it; deciding is the ladder's rule (a head of sales of
    # the deal owner's team, North; South's request is 403; never a marketing manager).
    "discounts:approval_queue": Page(MANAGERS),
    "discounts:approval_decide": Page("L D D D A/D A", method="POST", form={"decision": "approve"}),
    # A deal's line items (the deal page's panel and its htmx actions): the deal's rules.
    "deal_lines:lines": Page("L A A/H A A A", htmx=True),
    "deal_lines:line_add": Page("L D A/H D A A", method="POST", htmx=True),
    "deal_lines:line_edit": Page("L D A/H D A A", method="POST", htmx=True),
    "deal_lines:line_remove": Page("L D A/H D A A", method="POST", htmx=True),
    "dashboard": Page(EVERYONE_SIGNED_IN, htmx=True),
    "login": Page(PUBLIC),
    # Signing out redirects to the login page, signed in or not.
    "logout": Page("L L L L L L", method="POST"),
    # The market-intelligence feed: every signed-in person reads, posts, comments and
    # acknowledges; pinning and asking teams to acknowledge are the author's (the matrix
    # post is the marketer's) and managers'.
    "intel:feed": Page(EVERYONE_SIGNED_IN),
    "intel:post_create": Page(EVERYONE_SIGNED_IN),
    "intel:post_detail": Page(EVERYONE_SIGNED_IN),
    "intel:post_seen": Page(EVERYONE_SIGNED_IN, method="POST", htmx=True),
    "intel:comment_create": Page(EVERYONE_SIGNED_IN, method="POST", form={"body": "matrix"}),
    "intel:post_pin": Page("L A D A A A", method="POST", form={"pinned": "1"}),
    "intel:ack_request": Page("L A D A A A", method="POST", form={"teams": "{team_id}"}),
    "intel:acknowledge": Page(EVERYONE_SIGNED_IN, method="POST", htmx=True),
    "intel:attachment": Page(EVERYONE_SIGNED_IN),
    "intel:competitors": Page(EVERYONE_SIGNED_IN),
    "intel:competitor": Page(EVERYONE_SIGNED_IN),
    "api-v1:openapi-json": Page(PUBLIC),
    # The interactive docs: everyone who may use the API (every signed-in role).
    "api-v1:openapi-view": Page(EVERYONE_SIGNED_IN),
    # ninja's root answers nothing (the document is openapi.json).
    "api-v1:api-root": Page("H H H H H H"),
}

OPERATIONS: dict[str, Op] = {
    "GET /api/v1/contacts": Op("contacts", EVERYONE_SIGNED_IN),
    "POST /api/v1/contacts": Op("contacts", EVERYONE_SIGNED_IN),
    "POST /api/v1/contacts/batch": Op("contacts", EVERYONE_SIGNED_IN),
    "GET /api/v1/contacts/{contact_id}": Op("contacts", EVERYONE_SIGNED_IN),
    "PATCH /api/v1/contacts/{contact_id}": Op("contacts", EVERYONE_SIGNED_IN),
    # The consent ledger: read with contacts; record a decision with contacts:write (a key
    # acting for nobody may record a grant; a withdrawal needs a person, tested in privacy).
    "GET /api/v1/contacts/{contact_id}/consents": Op("contacts", EVERYONE_SIGNED_IN),
    "POST /api/v1/contacts/{contact_id}/consents": Op(
        "contacts", EVERYONE_SIGNED_IN, body={"purpose": "email_marketing", "granted": True}
    ),
    "GET /api/v1/accounts": Op("accounts", EVERYONE_SIGNED_IN),
    "POST /api/v1/accounts": Op("accounts", EVERYONE_SIGNED_IN),
    "GET /api/v1/accounts/{account_id}": Op("accounts", EVERYONE_SIGNED_IN),
    "PATCH /api/v1/accounts/{account_id}": Op("accounts", EVERYONE_SIGNED_IN),
    "GET /api/v1/leads": Op("leads", EVERYONE_SIGNED_IN),
    "POST /api/v1/leads": Op("leads", EVERYONE_SIGNED_IN),
    "POST /api/v1/leads/batch": Op("leads", EVERYONE_SIGNED_IN),
    "GET /api/v1/leads/{lead_id}": Op("leads", "L A A/H A A A"),
    "PATCH /api/v1/leads/{lead_id}": Op("leads", "L A A/H A A A"),
    # The matrix's leads are MQLs: only the hand-off actions move them (403
    # handoff_action_required, for every caller); tests/authz/test_holes.py has the rest.
    "POST /api/v1/leads/{lead_id}/transitions": Op("leads", "L D D/H D D D", person=True),
    "POST /api/v1/leads/{lead_id}/accept": Op("leads", LEAD_ACTION, person=True),
    "POST /api/v1/leads/{lead_id}/reject": Op("leads", LEAD_ACTION, person=True),
    "POST /api/v1/leads/{lead_id}/attempts": Op("leads", LEAD_ACTION, person=True),
    "POST /api/v1/leads/{lead_id}/qualify": Op("leads", LEAD_ACTION, person=True),
    "POST /api/v1/leads/{lead_id}/reassign": Op(
        "leads",
        "L D D/H D A/D A",
        person=True,
        body={"to_user_id": "{mate_id}", "reason": "matrix"},
    ),
    "GET /api/v1/touchpoints": Op("touchpoints", EVERYONE_SIGNED_IN),
    "POST /api/v1/touchpoints": Op("touchpoints", MARKETING_WRITES),
    "POST /api/v1/touchpoints/batch": Op("touchpoints", MARKETING_WRITES),
    "GET /api/v1/touchpoints/{touchpoint_id}": Op("touchpoints", EVERYONE_SIGNED_IN),
    "GET /api/v1/campaigns": Op("campaigns", EVERYONE_SIGNED_IN),
    "POST /api/v1/campaigns": Op("campaigns", MARKETING_WRITES),
    "GET /api/v1/campaigns/{campaign_id}": Op("campaigns", EVERYONE_SIGNED_IN),
    "PATCH /api/v1/campaigns/{campaign_id}": Op("campaigns", MARKETING_WRITES),
    "GET /api/v1/spend": Op("spend", EVERYONE_SIGNED_IN),
    "POST /api/v1/spend": Op("spend", MARKETING_WRITES),
    "POST /api/v1/spend/batch": Op("spend", MARKETING_WRITES),
    "GET /api/v1/spend/{spend_id}": Op("spend", EVERYONE_SIGNED_IN),
    "PATCH /api/v1/spend/{spend_id}": Op("spend", MARKETING_WRITES),
    "GET /api/v1/deals": Op("deals", EVERYONE_SIGNED_IN),
    "POST /api/v1/deals": Op("deals", SALES_WRITES),
    "POST /api/v1/deals/batch": Op("deals", SALES_WRITES),
    "GET /api/v1/deals/{deal_id}": Op("deals", "L A A/H A A A"),
    "PATCH /api/v1/deals/{deal_id}": Op("deals", "L D A/H D A A"),
    "POST /api/v1/deals/{deal_id}/move": Op("deals", "L D A/H D A A"),
    "GET /api/v1/deals/{deal_id}/stage-history": Op("deals", "L A A/H A A A"),
    "GET /api/v1/deals/{deal_id}/amount-history": Op("deals", "L A A/H A A A"),
    "GET /api/v1/pipelines": Op("pipelines", EVERYONE_SIGNED_IN),
    "POST /api/v1/pipelines": Op("pipelines", PIPELINE_ADMINS),
    "POST /api/v1/pipelines/reorder": Op("pipelines", PIPELINE_ADMINS),
    "GET /api/v1/pipelines/lost-reasons": Op("pipelines", EVERYONE_SIGNED_IN),
    "POST /api/v1/pipelines/lost-reasons": Op("pipelines", PIPELINE_ADMINS),
    "PATCH /api/v1/pipelines/lost-reasons/{reason_id}": Op("pipelines", PIPELINE_ADMINS),
    "GET /api/v1/pipelines/{pipeline_id}": Op("pipelines", EVERYONE_SIGNED_IN),
    "PATCH /api/v1/pipelines/{pipeline_id}": Op("pipelines", PIPELINE_ADMINS),
    "DELETE /api/v1/pipelines/{pipeline_id}": Op("pipelines", PIPELINE_ADMINS),
    "GET /api/v1/pipelines/{pipeline_id}/stages": Op("pipelines", EVERYONE_SIGNED_IN),
    "POST /api/v1/pipelines/{pipeline_id}/stages": Op("pipelines", PIPELINE_ADMINS),
    "POST /api/v1/pipelines/{pipeline_id}/stages/reorder": Op("pipelines", PIPELINE_ADMINS),
    "GET /api/v1/pipelines/{pipeline_id}/stages/{stage_id}": Op("pipelines", EVERYONE_SIGNED_IN),
    "PATCH /api/v1/pipelines/{pipeline_id}/stages/{stage_id}": Op("pipelines", PIPELINE_ADMINS),
    "DELETE /api/v1/pipelines/{pipeline_id}/stages/{stage_id}": Op("pipelines", PIPELINE_ADMINS),
    "GET /api/v1/activities": Op("activities", EVERYONE_SIGNED_IN),
    "POST /api/v1/activities": Op("activities", SALES_WRITES),
    "GET /api/v1/activities/{activity_id}": Op("activities", "L A A/H A A A"),
    "PATCH /api/v1/activities/{activity_id}": Op("activities", "L D A/H D A A"),
    # Tasks: a rep reaches their own (and those on their leads and deals), the sales head of
    # team North North's (not South's), a marketer and a marketing head only their own.
    "GET /api/v1/tasks": Op("tasks", EVERYONE_SIGNED_IN),
    "POST /api/v1/tasks": Op("tasks", SALES_WRITES),
    "POST /api/v1/tasks/batch": Op("tasks", SALES_WRITES),
    "GET /api/v1/tasks/{task_id}": Op("tasks", "L H A/H H A/H A"),
    "PATCH /api/v1/tasks/{task_id}": Op("tasks", "L D A/H D A/H A"),
    "DELETE /api/v1/tasks/{task_id}": Op("tasks", "L D A/H D A/H A"),
    "POST /api/v1/tasks/{task_id}/complete": Op("tasks", "L D A/H D A/H A"),
    "GET /api/v1/scoring/profiles": Op("leads", EVERYONE_SIGNED_IN),
    "POST /api/v1/scoring/profiles": Op("leads", ADMIN_ONLY, keys="D D A D"),
    "POST /api/v1/scoring/profiles/preview": Op("leads", ADMIN_ONLY, keys="D D A D"),
    "GET /api/v1/scoring/profiles/{profile_id}": Op("leads", EVERYONE_SIGNED_IN),
    "PUT /api/v1/scoring/profiles/{profile_id}": Op("leads", ADMIN_ONLY, keys="D D A D"),
    "DELETE /api/v1/scoring/profiles/{profile_id}": Op("leads", ADMIN_ONLY, keys="D D A D"),
    "POST /api/v1/scoring/profiles/{profile_id}/activate": Op("leads", ADMIN_ONLY, keys="D D A D"),
    "GET /api/v1/scoring/leads/{lead_id}/score": Op("leads", "L A A/H A A A"),
    "GET /api/v1/reports/funnel": Op("reports", EVERYONE_SIGNED_IN),
    "GET /api/v1/reports/kpis": Op("reports", EVERYONE_SIGNED_IN),
    "GET /api/v1/reports/velocity": Op("reports", EVERYONE_SIGNED_IN),
    "GET /api/v1/reports/quality": Op("reports", EVERYONE_SIGNED_IN),
    "GET /api/v1/reports/reps": Op("reports", EVERYONE_SIGNED_IN),
    "GET /api/v1/reports/attribution": Op("reports", EVERYONE_SIGNED_IN),
    "GET /api/v1/reports/promotions": Op("reports", EVERYONE_SIGNED_IN),
    # Forecasts: sales' (a rep reads their own); reps submit their own, heads of the rep's
    # team adjust and set quotas (m-rep3 is a rep of the sales head's team North).
    "GET /api/v1/forecast": Op("forecasts", "L D A A A A"),
    "GET /api/v1/forecast/submissions": Op("forecasts", "L D A A A A"),
    "POST /api/v1/forecast/submissions": Op(
        "forecasts",
        "L D A D A A",
        person=True,
        body={"period_kind": "quarter", "period_start": "2026-04-01"},
    ),
    "GET /api/v1/forecast/submissions/{submission_id}": Op("forecasts", "L D A/H A A A"),
    "POST /api/v1/forecast/submissions/{submission_id}/adjustments": Op(
        "forecasts",
        "L D D/H D A/D A",
        person=True,
        body={"commit": "1", "best_case": "2", "reason": "matrix"},
    ),
    "GET /api/v1/forecast/quotas": Op("forecasts", "L D A A A A"),
    "POST /api/v1/forecast/quotas": Op(
        "forecasts",
        "L D D D A A",
        person=True,
        body={
            "user_id": "{mate_id}",
            "period_kind": "quarter",
            "period_start": "2026-04-01",
            "amount": "1000",
        },
    ),
    "GET /api/v1/agreements": Op("agreements", EVERYONE_SIGNED_IN),
    "POST /api/v1/agreements": Op("agreements", MANAGERS, person=True),
    "GET /api/v1/agreements/{version_id}": Op("agreements", EVERYONE_SIGNED_IN),
    "PATCH /api/v1/agreements/{version_id}": Op("agreements", MANAGERS, person=True),
    "POST /api/v1/agreements/{version_id}/submit": Op("agreements", MANAGERS, person=True),
    "POST /api/v1/agreements/{version_id}/approve": Op("agreements", "L D D A A D", person=True),
    "GET /api/v1/plans": Op("plans", EVERYONE_SIGNED_IN),
    "POST /api/v1/plans": Op("plans", MANAGERS, person=True, body=PLAN_BODY),
    "GET /api/v1/plans/{plan_id}": Op("plans", EVERYONE_SIGNED_IN),
    "PATCH /api/v1/plans/{plan_id}": Op(
        "plans", MANAGERS, person=True, body={"content": {"deal_size": 12000}}
    ),
    "POST /api/v1/plans/{plan_id}/submit": Op("plans", MANAGERS, person=True),
    "POST /api/v1/plans/{plan_id}/approve": Op("plans", "L D D A A D", person=True),
    "GET /api/v1/calendars": Op("calendars", EVERYONE_SIGNED_IN),
    "POST /api/v1/calendars": Op("calendars", MANAGERS, person=True),
    "GET /api/v1/calendars/{calendar_id}": Op("calendars", EVERYONE_SIGNED_IN),
    "PATCH /api/v1/calendars/{calendar_id}": Op("calendars", MANAGERS, person=True),
    "GET /api/v1/reviews": Op("reviews", EVERYONE_SIGNED_IN),
    "POST /api/v1/reviews": Op("reviews", MANAGERS, person=True),
    "GET /api/v1/reviews/{review_id}": Op("reviews", EVERYONE_SIGNED_IN),
    "POST /api/v1/reviews/{review_id}/ratings": Op(
        "reviews",
        REVIEW_RATERS,
        person=True,
        body={"item_id": "{item_id}", "rating": 3, "reason": "fits_definition"},
    ),
    "POST /api/v1/reviews/{review_id}/leads": Op(
        "reviews", MANAGERS, person=True, body={"lead_ids": ["{lead_id}"]}
    ),
    # Audits score reps: auditors only (a key acting for nobody reads with its scope).
    "GET /api/v1/audits": Op("audits", MANAGERS),
    "POST /api/v1/audits": Op("audits", MANAGERS, person=True),
    "GET /api/v1/audits/{audit_id}": Op("audits", MANAGERS),
    # Market intelligence: every role reads and posts (an integration's key may post market
    # data without a person); comments and acknowledgements are a person's.
    "GET /api/v1/intel/posts": Op("intel", EVERYONE_SIGNED_IN),
    "POST /api/v1/intel/posts": Op(
        "intel",
        EVERYONE_SIGNED_IN,
        body={"deal_ids": [], "account_ids": [], "campaign_ids": [], "ack_team_ids": []},
    ),
    "GET /api/v1/intel/posts/{post_id}": Op("intel", EVERYONE_SIGNED_IN),
    "GET /api/v1/intel/posts/{post_id}/comments": Op("intel", EVERYONE_SIGNED_IN),
    "POST /api/v1/intel/posts/{post_id}/comments": Op("intel", EVERYONE_SIGNED_IN, person=True),
    "POST /api/v1/intel/posts/{post_id}/acknowledge": Op("intel", EVERYONE_SIGNED_IN, person=True),
    # The catalogue (products, price history, price lists, exchange rates): everyone reads,
    # heads and administrators write (issue 15 part 4).
    "GET /api/v1/products": Op("products", EVERYONE_SIGNED_IN),
    "POST /api/v1/products": Op("products", MANAGERS),
    "GET /api/v1/products/{product_id}": Op("products", EVERYONE_SIGNED_IN),
    "PATCH /api/v1/products/{product_id}": Op("products", MANAGERS),
    # The matrix's product is on deals: deleting it is refused (422, past authorization).
    "DELETE /api/v1/products/{product_id}": Op("products", MANAGERS),
    "GET /api/v1/products/{product_id}/price-changes": Op("products", EVERYONE_SIGNED_IN),
    "GET /api/v1/price-changes": Op("products", EVERYONE_SIGNED_IN),
    "GET /api/v1/price-lists": Op("products", EVERYONE_SIGNED_IN),
    "POST /api/v1/price-lists": Op("products", MANAGERS),
    "GET /api/v1/price-lists/{price_list_id}": Op("products", EVERYONE_SIGNED_IN),
    "PATCH /api/v1/price-lists/{price_list_id}": Op("products", MANAGERS),
    "POST /api/v1/price-lists/{price_list_id}/entries": Op(
        "products", MANAGERS, body={"product_id": "{product_id}", "price": "80"}
    ),
    "DELETE /api/v1/price-lists/{price_list_id}/entries/{product_id}": Op("products", MANAGERS),
    "GET /api/v1/exchange-rates": Op("products", EVERYONE_SIGNED_IN),
    "POST /api/v1/exchange-rates": Op(
        "products", MANAGERS, body={"currency": "EUR", "date": "2026-01-02", "rate": "1.1"}
    ),
    # Line items, figures and promotion links follow their deal's rules.
    "GET /api/v1/deals/{deal_id}/line-items": Op("deals", "L A A/H A A A"),
    "POST /api/v1/deals/{deal_id}/line-items": Op(
        "deals", "L D A/H D A A", body={"product_id": "{product_id}", "quantity": "1"}
    ),
    "GET /api/v1/deals/{deal_id}/line-items/{line_item_id}": Op("deals", "L A A/H A A A"),
    "PATCH /api/v1/deals/{deal_id}/line-items/{line_item_id}": Op("deals", "L D A/H D A A"),
    "DELETE /api/v1/deals/{deal_id}/line-items/{line_item_id}": Op("deals", "L D A/H D A A"),
    "GET /api/v1/deals/{deal_id}/figures": Op("deals", "L A A/H A A A"),
    "GET /api/v1/deals/{deal_id}/promotions": Op("deals", "L A A/H A A A"),
    "POST /api/v1/deals/{deal_id}/promotions": Op(
        "deals", "L D A/H D A A", body={"promotion_id": "{promotion_id}"}
    ),
    "DELETE /api/v1/deals/{deal_id}/promotions/{promotion_id}": Op("deals", "L D A/H D A A"),
    "GET /api/v1/promotions": Op("promotions", EVERYONE_SIGNED_IN),
    "POST /api/v1/promotions": Op("promotions", MANAGERS),
    "GET /api/v1/promotions/{promotion_id}": Op("promotions", EVERYONE_SIGNED_IN),
    "PATCH /api/v1/promotions/{promotion_id}": Op("promotions", MANAGERS),
    # Discount approvals: asked on a deal one may change; decided by a head of sales of the
    # deal owner's team (North: the other rep's is South's, 403) or an administrator.
    "GET /api/v1/discount-approvals": Op("deals", EVERYONE_SIGNED_IN),
    "POST /api/v1/discount-approvals": Op(
        "deals", SALES_WRITES, body={"deal_id": "{deal_id}", "requested_percent": "15"}
    ),
    "GET /api/v1/discount-approvals/{approval_id}": Op("deals", "L A A/H A A A"),
    "POST /api/v1/discount-approvals/{approval_id}/decide": Op(
        "deals", "L D D/H D A/D A", person=True, body={"approve": True}
    ),
    "GET /api/v1/discount-bands": Op("deals", EVERYONE_SIGNED_IN),
    "PUT /api/v1/discount-bands": Op("deals", ADMIN_ONLY, keys="D D D D"),
}
