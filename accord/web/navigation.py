"""The main navigation: which pages each role sees.

A page joins the menu with one ``NavItem`` line; ``nav_items_for`` filters by role, so a
template never decides who may see what.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accord.accounts.models import Role

EVERYONE: frozenset[str] = frozenset(Role.values)


@dataclass(frozen=True)
class NavItem:
    url_name: str
    label: str | Promise
    roles: frozenset[str] = EVERYONE
    #: Django's admin site only lets staff in; a link that would bounce is not shown.
    staff_only: bool = False
    #: Other pages under this entry (URL names, or "namespace:" for a whole app): the entry
    #: is marked current on them too.
    section: tuple[str, ...] = ()
    #: Pages of the section that belong to another entry (the deals list under the
    #: workspace's URLs is the Deals entry's).
    not_section: tuple[str, ...] = ()

    def is_current(self, url_name: str | None) -> bool:
        if not url_name or url_name in self.not_section:
            return False
        if url_name == self.url_name:
            return True
        return any(
            url_name.startswith(part) if part.endswith(":") else url_name == part
            for part in self.section
        )


#: The settings hub's pages (``web/settings_hub.py``) and the pages reached from them.
SETTINGS_SECTION = (
    "settings:",
    "capture_sites:",
    "webhooks:",
    "privacy:requests",
    "privacy:audit",
    "privacy:incidents",
    "scoring:profile_list",
    "scoring:profile_create",
    "scoring:profile_edit",
    "handoff:agreement",
    "handoff:draft_edit",
    "handoff:calendar_list",
    "handoff:calendar_create",
    "handoff:calendar_edit",
    "handoff:routing_list",
    "handoff:routing_create",
    "handoff:routing_edit",
    "products:",
    "promotions:",
    "discounts:",
)

NAV_ITEMS: tuple[NavItem, ...] = (
    NavItem("dashboard", _("Dashboard")),
    # The team queue, tasks and stale deals are tabs of the inbox: entries of their own would
    # push the header onto two lines at 1280 px in Russian.
    NavItem(
        "handoff:inbox",
        _("Inbox"),
        roles=frozenset({Role.SALES, Role.MANAGER, Role.ADMIN}),
        section=("handoff:team", "tasks:"),
    ),
    NavItem(
        "handoff:marketing",
        _("MQL status"),
        roles=frozenset({Role.MARKETING, Role.MANAGER, Role.ADMIN}),
    ),
    # Contacts and accounts are tabs of the workspace and the import is its button; the
    # meeting board and the backtest are linked from the reports page: one entry each keeps
    # the header on one line at 1280 px in Russian too.
    NavItem(
        "workspace:leads",
        _("Leads"),
        section=("workspace:", "imports:"),
        not_section=("workspace:deals", "workspace:deal_export"),
    ),
    # The deals board; the deals list and a deal's page are under it.
    NavItem("deals:board", _("Deals"), section=("deals:", "workspace:deals")),
    # Joint planning, lead-quality reviews, audits and speed to lead are linked from the
    # reports page (and a review's raters are notified): no entry of their own, so the header
    # stays on one line.
    NavItem(
        "reports:index",
        _("Reports"),
        section=("reports:", "predictive:", "planning:", "reviews:", "audits:"),
    ),
    # The market-intelligence feed and its battlecards: both sides post and read.
    NavItem("intel:feed", _("Intel"), section=("intel:",)),
    # One entry for every settings page (agreement, routing, calendars, scoring, capture
    # sites, webhooks, privacy, API access, users): the hub shows the cards a role may open,
    # and every role has at least API access.
    NavItem("settings:hub", _("Settings"), section=SETTINGS_SECTION),
)


@dataclass(frozen=True)
class NavLink:
    url: str
    label: str | Promise
    is_active: bool


def nav_items_for(user, current_url_name: str | None) -> list[NavLink]:
    if not user.is_authenticated:
        return []
    role = Role.ADMIN if user.is_superuser else user.role
    return [
        NavLink(
            url=reverse(item.url_name),
            label=item.label,
            is_active=item.is_current(current_url_name),
        )
        for item in NAV_ITEMS
        if role in item.roles and (user.is_staff or not item.staff_only)
    ]
