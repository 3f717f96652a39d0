"""An administrator adds a capture site in the app: a bad origin is named by its line and
nothing is saved; once fixed, the snippet page shows the code to paste and copies it.
English and Russian, at 1280 px without horizontal scrolling."""

from __future__ import annotations

import pytest

from accord.accounts.models import Role
from accord.accounts.tests.factories import UserFactory
from accord.tracking.models import CaptureSite
from tests.browser.conftest import assert_no_page_problems, browser_context
from tests.browser.test_dashboard import log_in, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXT = {
    "en": {"line": "Line 2", "copied": "Copied to the clipboard.", "title": "Capture sites"},
    "ru": {"line": "Строка 2", "copied": "Скопировано в буфер обмена.", "title": "Сайты-источники"},
}


def _no_horizontal_scroll(page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px"


@pytest.mark.parametrize("language", ["en", "ru"])
def test_admin_creates_a_capture_site_and_copies_the_snippet(browser, live_server, language):
    admin = UserFactory(username=f"sites-admin-{language}", role=Role.ADMIN, is_staff=True)
    context = browser_context(browser, live_server.url)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page = context.new_page()
    page.set_viewport_size({"width": 1280, "height": 900})
    page.set_default_timeout(15_000)
    log_in(page, admin.username)
    text = TEXT[language]

    # From the header's Settings to the hub's Capture sites card, then the empty state.
    page.locator("nav.mainnav a[href='/settings/']").click()
    page.wait_for_url("**/settings/")
    _no_horizontal_scroll(page)
    screenshot(page, f"settings-hub-admin-{language}")
    page.locator("a[href='/settings/capture-sites/']").click()
    assert page.locator("h1").inner_text() == text["title"]
    page.locator(".empty-state a.button-primary").click()
    page.wait_for_url("**/capture-sites/new/")

    page.get_by_label("Name" if language == "en" else "Название").fill("Main site")
    page.locator("textarea[name=allowed_origins]").fill(
        "https://www.example.com\nwww.example.com/contact"
    )
    page.locator("form.site-form button[type=submit]").click()
    error = page.locator("#allowed_origins-error")
    assert text["line"] in error.inner_text()
    assert "www.example.com/contact" in error.inner_text()
    assert not CaptureSite.objects.exists()
    _no_horizontal_scroll(page)
    screenshot(page, f"capture-site-error-{language}")

    page.locator("textarea[name=allowed_origins]").fill(
        "https://www.example.com\nhttps://shop.example.com:8443"
    )
    page.locator("form.site-form button[type=submit]").click()
    page.wait_for_url("**/capture-sites/*/")
    site = CaptureSite.objects.get()
    assert site.allowed_origins == ["https://www.example.com", "https://shop.example.com:8443"]
    assert "</body>" in page.locator(".snippet-block").first.inner_text()
    tracker = page.locator("#snippet-tracker").inner_text()
    assert f'data-site="{site.public_key}"' in tracker
    assert f"{live_server.url}/capture/t.js" in tracker
    assert f'value="{site.public_key}"' in page.locator("#snippet-form").inner_text()

    page.locator("button[data-copy-target='snippet-tracker']").click()
    status = page.locator("[data-copy-status]")
    status.wait_for(state="visible")
    assert status.inner_text() == text["copied"]
    assert page.evaluate("navigator.clipboard.readText()") == tracker
    _no_horizontal_scroll(page)
    screenshot(page, f"capture-site-snippet-{language}")
    context.close()
    assert_no_page_problems(context)
