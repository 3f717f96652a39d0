"""Every role's menu in a real browser at 1280 px: each entry opens without a console error
or CSP violation and without horizontal scrolling; the settings hub and the API access page
render for each role. English and Russian."""

from __future__ import annotations

import pytest

from accord.accounts.models import Department, Role
from accord.accounts.tests.factories import UserFactory
from tests.browser.conftest import assert_no_page_problems, browser_context
from tests.browser.test_dashboard import log_in, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PEOPLE = {
    "marketer": {"role": Role.MARKETING, "department": Department.MARKETING},
    "rep": {"role": Role.SALES, "department": Department.SALES},
    "manager": {"role": Role.MANAGER, "department": Department.SALES},
    "admin": {"role": Role.ADMIN, "is_staff": True, "is_superuser": True},
}


def _overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


@pytest.mark.parametrize("language", ["en", "ru"])
@pytest.mark.parametrize("person", sorted(PEOPLE))
def test_every_menu_entry_fits_at_1280(browser, live_server, person, language):
    user = UserFactory(username=f"menu-{person}-{language}", **PEOPLE[person])
    context = browser_context(browser, live_server.url)
    context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page = context.new_page()
    page.set_viewport_size({"width": 1280, "height": 900})
    page.set_default_timeout(20_000)
    log_in(page, user.username)

    links = page.locator("nav.mainnav a").evaluate_all("links => links.map(a => a.pathname)")
    assert "/settings/" in links
    for path in links:
        response = page.goto(path)
        assert response is not None and response.status == 200, path
        assert _overflow(page) <= 0, f"{person}: {path} scrolls sideways at 1280 px"

    page.goto("/settings/")
    screenshot(page, f"settings-hub-{person}-{language}")
    cards = page.locator(".settings-card a").evaluate_all("links => links.map(a => a.pathname)")
    assert "/settings/api/" in cards
    page.goto("/settings/api/")
    assert _overflow(page) <= 0
    assert page.locator(".scope-table th.is-yours").count() == 1
    screenshot(page, f"api-access-{person}-{language}")
    context.close()
    assert_no_page_problems(context)
