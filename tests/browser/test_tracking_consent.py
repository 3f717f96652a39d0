"""The tracking snippet in a real browser: no cookie and nothing sent before consent on a
site that requires it, the cookie and the held page view after ``accord.consent()``; Do Not
Track and Global Privacy Control win over consent."""

from __future__ import annotations

import json
import time

import pytest

from accord.tracking.capture.sites import site_cache_clear
from accord.tracking.models import Touchpoint
from accord.tracking.tests.capture_support import site_make

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def host(live_server):
    """The customer's page, served under the live server's origin (by ``page.route``):
    Chromium's local-network-access rules block a routed page of another origin from loading
    a script from loopback, and the cookie rules under test are the same."""
    return live_server.url


@pytest.fixture
def site(settings, host):
    settings.CAPTURE_RATE_LIMIT_STORE = "local"
    created = site_make(allowed_origins=[host])
    created.requires_cookie_consent = True
    created.save()
    site_cache_clear()
    return created


def _open(browser, live_server, host, site, *, consent_attr=True, init_script=""):
    """A page of the customer's site (served by the test) carrying the snippet."""
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    if init_script:  # what the visitor's browser says (Do Not Track, Global Privacy Control)
        page.add_init_script(init_script)
    page.set_default_timeout(15_000)
    attr = " data-consent-required" if consent_attr else ""
    html = (
        "<!doctype html><html><head><title>Pricing</title></head><body>"
        f'<script src="{live_server.url}/capture/t.js" data-site="{site.public_key}"{attr}>'
        "</script></body></html>"
    )
    page.route(f"{host}/customer/**", lambda r: r.fulfill(body=html, content_type="text/html"))
    page.goto(f"{host}/customer/pricing?utm_source=google")
    page.wait_for_function("window.accord !== undefined")
    return context, page


def _touches_within(count: int, seconds: float = 10.0) -> int:
    """Wait (bounded) for the beacon's write; return the count seen."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = Touchpoint.objects.count()
        if found >= count:
            return found
        time.sleep(0.1)
    return Touchpoint.objects.count()


def test_no_cookie_before_consent_then_cookie_and_page_view(browser, live_server, host, site):
    context, page = _open(browser, live_server, host, site)
    assert [c for c in context.cookies(host) if c["name"] == "accord_vid"] == []
    assert page.evaluate("window.accord.visitorId") == ""
    page.wait_for_timeout(500)  # a beacon, had one been sent, would have landed by now
    assert Touchpoint.objects.count() == 0
    page.evaluate("window.accord.consent()")
    cookies = [c for c in context.cookies(host) if c["name"] == "accord_vid"]
    assert len(cookies) == 1 and cookies[0]["value"] == page.evaluate("window.accord.visitorId")
    assert _touches_within(1) == 1  # the page view held until consent
    touch = Touchpoint.objects.get()
    assert (touch.visitor_id, touch.utm_source) == (cookies[0]["value"], "google")
    # The next page remembers the consent through the cookie.
    page.goto(f"{host}/customer/about")
    page.wait_for_function("window.accord !== undefined")
    assert page.evaluate("window.accord.visitorId") == cookies[0]["value"]
    assert _touches_within(2) == 2
    page.evaluate("window.accord.consent(false)")
    assert [c for c in context.cookies(host) if c["name"] == "accord_vid"] == []
    context.close()


def test_global_privacy_control_wins_over_consent(browser, live_server, host, site):
    context, page = _open(
        browser, live_server, host, site,
        init_script="Object.defineProperty(navigator, 'globalPrivacyControl', {value: true})",
    )  # fmt: skip
    page.evaluate("window.accord.consent()")
    assert [c for c in context.cookies(host) if c["name"] == "accord_vid"] == []
    page.wait_for_timeout(500)
    assert Touchpoint.objects.count() == 0
    context.close()


def test_do_not_track_sends_nothing_even_without_consent_mode(browser, live_server, host, site):
    site.requires_cookie_consent = False
    site.save()
    site_cache_clear()
    context, page = _open(
        browser, live_server, host, site, consent_attr=False,
        init_script="Object.defineProperty(navigator, 'doNotTrack', {value: '1'})",
    )  # fmt: skip
    assert [c for c in context.cookies(host) if c["name"] == "accord_vid"] == []
    page.wait_for_timeout(500)
    assert Touchpoint.objects.count() == 0
    context.close()


def test_the_server_refuses_events_without_consent_for_such_a_site(client, site):
    response = client.post(
        "/capture/event",
        data=json.dumps(
            {"site": site.public_key, "visitor_id": "abcdefgh12", "url": "https://x.io/"}
        ),
        content_type="application/json",
    )
    assert response.status_code == 422 and b"consent" in response.content
    assert Touchpoint.objects.count() == 0


def test_without_consent_mode_the_cookie_is_set_at_once(browser, live_server, host, site):
    """The control: the same page on a site that needs no consent tracks immediately."""
    site.requires_cookie_consent = False
    site.save()
    site_cache_clear()
    context, _page = _open(browser, live_server, host, site, consent_attr=False)
    assert [c["name"] for c in context.cookies(host)] == ["accord_vid"]
    assert _touches_within(1) == 1
    context.close()
