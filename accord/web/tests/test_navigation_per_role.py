"""Each role's navigation offers only pages it can open, and every page it can open that
belongs in navigation is reachable from it (the header, or the settings hub it links)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from accord.accounts.models import Department, Role

pytestmark = pytest.mark.django_db

PEOPLE = {
    "marketer": {"role": Role.MARKETING, "department": Department.MARKETING},
    "rep": {"role": Role.SALES, "department": Department.SALES},
    "marketing_head": {"role": Role.MANAGER, "department": Department.MARKETING},
    "sales_head": {"role": Role.MANAGER, "department": Department.SALES},
    "leadership": {"role": Role.MANAGER, "department": Department.LEADERSHIP},
    "admin": {"role": Role.ADMIN, "is_staff": True, "is_superuser": True},
    "admin_not_staff": {"role": Role.ADMIN},
}

#: The pages a person navigates to (lists, boards, settings), not the ones reached from
#: another page (a lead, an edit form, an export).
TOP_PAGES = (
    "dashboard",
    "handoff:inbox",
    "handoff:team",
    "handoff:marketing",
    "handoff:notifications",
    "reports:index",
    "reports:board",
    "workspace:leads",
    "deals:board",
    "workspace:deals",
    "workspace:contacts",
    "workspace:accounts",
    "imports:upload",
    "predictive:backtest",
    "handoff:agreement",
    "handoff:routing_list",
    "handoff:calendar_list",
    "scoring:profile_list",
    "capture_sites:site_list",
    "webhooks:endpoint_list",
    "privacy:requests",
    "settings:hub",
    "settings:api",
    "api-v1:openapi-view",
    "intel:feed",
    "intel:competitors",
)
#: Pages a role may open but that are deliberately not offered to it, and why.
NOT_OFFERED = {
    ("handoff:inbox", Role.MARKETING): "a marketer is never assigned leads: the inbox is empty",
}

_HREF = re.compile(r'href="([^"#]+)"')
_HEADER = re.compile(r'<header class="topbar">(.*?)</header>', re.S)


def _header_links(html: str) -> set[str]:
    header = _HEADER.search(html)
    assert header, "the page has no header"
    return {href for href in _HREF.findall(header.group(1)) if href.startswith("/")}


def _nav_links(response) -> list[str]:
    return [item.url for item in response.context["nav_items"]]


@pytest.mark.parametrize("person", sorted(PEOPLE))
def test_navigation_offers_exactly_what_the_role_opens(client, make_user, person):
    user = make_user(username=f"nav-{person}", **PEOPLE[person])
    client.force_login(user)
    dashboard = client.get(reverse("dashboard"))
    assert dashboard.status_code == 200
    nav = _nav_links(dashboard)
    assert nav, "every role has a menu"

    # Every menu entry opens for this role.
    for url in nav:
        assert client.get(url).status_code == 200, f"{person}: the menu's {url} does not open"

    # The settings hub's cards open too (staff see the admin site's users).
    hub = client.get(reverse("settings:hub"))
    assert hub.status_code == 200
    cards = [card.url for card in hub.context["cards"]]
    assert reverse("settings:api") in cards
    header = _header_links(dashboard.content.decode())
    reachable = header | set(cards)
    # One step from the header: the reports page links the board and the backtest, the
    # leads list its contacts and accounts tabs.
    for url in header:
        reachable |= set(_HREF.findall(client.get(url).content.decode()))
    for url in cards:
        card_page = client.get(url)
        assert card_page.status_code == 200, f"{person}: the hub's {url} does not open"
        reachable |= set(_HREF.findall(card_page.content.decode()))

    # Every top page the role may open is reachable: from the header, the hub or a hub page
    # (the API docs are linked from API access).
    for name in TOP_PAGES:
        url = reverse(name)
        opens = client.get(url).status_code == 200
        if not opens:
            assert url not in reachable, f"{person}: {url} is offered but refused"
        elif (name, user.role) not in NOT_OFFERED:
            assert url in reachable, f"{person}: {url} opens but is nowhere in navigation"


def test_settings_pages_leave_the_header_short(client, admin_user):
    """Agreement, routing, scoring, webhooks and privacy live on the hub, not the header."""
    client.force_login(admin_user)
    labels = [str(item.label) for item in client.get("/").context["nav_items"]]
    for moved in ("Agreement", "Routing", "Scoring", "Webhooks", "Privacy", "Administration"):
        assert moved not in labels
    assert labels.count("Settings") == 1


def test_admin_hub_links_every_settings_page(client, admin_user):
    client.force_login(admin_user)
    cards = {str(card.title): card.url for card in client.get("/settings/").context["cards"]}
    assert cards == {
        "Agreement": reverse("handoff:agreement"),
        "Routing": reverse("handoff:routing_list"),
        "Business calendars": reverse("handoff:calendar_list"),
        "Pipelines": reverse("pipelines:pipeline_list"),
        "Products": reverse("products:product_list"),
        "Promotions": reverse("promotions:promotion_list"),
        "Discount approvals": reverse("discounts:approval_queue"),
        "Scoring profiles": reverse("scoring:profile_list"),
        "Capture sites": reverse("capture_sites:site_list"),
        "Webhooks": reverse("webhooks:endpoint_list"),
        "Privacy requests": reverse("privacy:requests"),
        "API access": reverse("settings:api"),
        "Users": reverse("admin:accounts_user_changelist"),
    }


def test_a_rep_sees_only_api_access_on_the_hub(client, sales_user):
    client.force_login(sales_user)
    response = client.get("/settings/")
    assert [str(card.title) for card in response.context["cards"]] == ["API access"]
    assert reverse("capture_sites:site_list") not in response.content.decode()


@pytest.mark.parametrize(
    "url_name", ["capture_sites:site_create", "settings:api", "handoff:calendar_list"]
)
def test_settings_entry_is_current_on_its_pages(client, admin_user, url_name):
    client.force_login(admin_user)
    response = client.get(reverse(url_name))
    current = [str(item.label) for item in response.context["nav_items"] if item.is_active]
    assert current == ["Settings"]
    assert 'aria-current="page">Settings<' in response.content.decode()
