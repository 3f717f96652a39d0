"""Which role opens which page, and the decorator pages use to ask."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from accord.accounts.models import Department, Role, User
from accord.accounts.policy.roles import is_admin, sides_of
from accord.core.errors import PermissionDenied

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
    # The forecast names reps and deals: sales' page (a rep reads only their own).
    "forecast": SALES_SIDE,
    "pins": MANAGERS,  # the meeting board's pinned reports
    "import": MARKETING_SIDE,
    "predictive": MARKETING_SIDE,
    "scoring": frozenset({Role.ADMIN}),
    "webhooks": frozenset({Role.ADMIN}),
    # Data-subject requests, consent decisions, the audit log and incidents: personal data of
    # everyone, so administrators only (the public unsubscribe/confirm links carry a signed
    # token instead).
    "privacy": frozenset({Role.ADMIN}),
    # Websites allowed to post leads: their keys and origins decide what the public capture
    # endpoints accept, so administrators only (as webhooks).
    "capture_sites": frozenset({Role.ADMIN}),
    # Everyone signed in may call the API (reads everything, writes their role's resources):
    # the API page, the interactive docs and one's own keys (a key acts for its creator and
    # never exceeds their rights).
    "api_access": EVERYONE,
    # Links to Django's admin site (users, teams): administrators, and the site itself lets
    # only staff in.
    "administration": frozenset({Role.ADMIN}),
    "lead_page": EVERYONE,
    # The deals board, list and deal pages: everyone reads (rows bounded by the object rules);
    # moving a deal is ``deal_change_allowed``'s (its rep, their team's head, admins).
    "deals": EVERYONE,
    # Leads, contacts and accounts lists, search, contact and account pages: rows bounded by
    # the object rules (a rep sees their own and unassigned leads, deals and activities).
    "workspace": EVERYONE,
    # Joint plans: everyone reads them (marketers and reps work to them); heads and
    # administrators change them, and the two heads approve (``accord.planning.services``).
    "planning": EVERYONE,
    # Lead-quality reviews: every role sees them and their results; raters rate, the heads
    # set them up (``policy.quality``).
    "reviews": EVERYONE,
    # Lead-handling audits, test-lead tokens and speed-to-lead: the auditors (managers and
    # administrators).
    "audits": MANAGERS,
    # The weekly joint digest: the heads' meeting agenda and minutes. Heads and administrators
    # only: it names reps (SLA breaches, audit scores); reps and marketers see the decisions
    # they own as tasks.
    "digest": MANAGERS,
    # The market-intelligence feed, its posts and battlecards: shared knowledge of both
    # sides; linked deals stay behind the object rules.
    "intel": EVERYONE,
    # Pipelines, stages and lost reasons: administrators and heads of sales (managers on the
    # sales side, ``PAGE_SIDES``).
    "pipelines": MANAGERS,
    # The catalogue (products, their price history) and promotions: heads and administrators
    # (everyone reads them through the API; reps pick products on their deals).
    "products": MANAGERS,
    "promotions": MANAGERS,
    # The discount approvals queue and the exceptions register (who may decide a request is
    # the ladder's rule: policy.discounts).
    "discount_approvals": MANAGERS,
    # Tasks and stale deals: a rep's own (tasks also those on their leads and deals), a
    # head's team's (accounts.policy.tasks).
    "tasks": SALES_SIDE,
    "stale_deals": SALES_SIDE,
}
#: Pages a manager opens only when they head this side (administrators open them all).
PAGE_SIDES: dict[str, str] = {"pipelines": Department.SALES}


def page_allowed(user: User | None, page: str) -> bool:
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser or is_admin(user):
        return True
    if page in PAGE_SIDES and PAGE_SIDES[page] not in sides_of(user):
        return False
    return user.role in PAGES[page]


def page_require(user: User | None, page: str) -> None:
    if not page_allowed(user, page):
        raise PermissionDenied(_("Your role may not open this page."))


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
