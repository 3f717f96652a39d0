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


NAV_ITEMS: tuple[NavItem, ...] = (
    NavItem("dashboard", _("Dashboard")),
    NavItem("handoff:inbox", _("Inbox"), roles=frozenset({Role.SALES, Role.MANAGER, Role.ADMIN})),
    NavItem("handoff:team", _("Team queue"), roles=frozenset({Role.MANAGER, Role.ADMIN})),
    NavItem(
        "handoff:marketing",
        _("MQL status"),
        roles=frozenset({Role.MARKETING, Role.MANAGER, Role.ADMIN}),
    ),
    NavItem("reports:index", _("Reports")),
    NavItem("reports:board", _("Meeting board")),
    NavItem(
        "imports:upload",
        _("Import"),
        roles=frozenset({Role.ADMIN, Role.MANAGER, Role.MARKETING}),
    ),
    NavItem(
        "predictive:backtest",
        _("Backtest"),
        roles=frozenset({Role.ADMIN, Role.MANAGER, Role.MARKETING}),
    ),
    # One entry for every settings page (agreement, routing, calendars, scoring, capture
    # sites, webhooks, privacy, API access, users): the hub shows the cards a role may open,
    # and every role has at least API access.
    NavItem("settings:hub", _("Settings")),
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
            is_active=item.url_name == current_url_name,
        )
        for item in NAV_ITEMS
        if role in item.roles and (user.is_staff or not item.staff_only)
    ]
