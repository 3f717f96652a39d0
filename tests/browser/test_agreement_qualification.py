"""Both heads approve a stricter agreement in the browser and qualification follows it:
a lead with the old threshold's score no longer becomes an MQL (issue 14). English and
Russian."""

from __future__ import annotations

import pytest

from accord.contacts.models import Lead
from accord.handoff.agreement.services import defaults_ensure
from accord.handoff.tests.sla_support import marketing_head, sales_head
from accord.scoring import profiles, selectors
from accord.scoring import services as scoring
from accord.scoring.tests.support import lead_with, spec, touch_add
from tests.browser.conftest import assert_no_page_problems, browser_context
from tests.browser.test_dashboard import log_in, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _lead_with_seventy_points() -> Lead:
    lead = lead_with(title="CMO", employees=200)  # 50 fit points under the test profile
    touch_add(lead)
    touch_add(lead)  # + 2 pricing visits = 70
    return lead


def _head_page(browser, live_server, username: str, language: str):
    context = browser_context(browser, live_server.url)
    context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(15_000)
    log_in(page, username)
    return context, page


@pytest.mark.parametrize("language", ["en", "ru"])
def test_both_heads_approve_a_stricter_definition_and_qualification_changes(
    browser, live_server, language
):
    defaults_ensure()
    selectors.active_profile_forget()
    profiles.profile_save(spec=spec())
    marketing, sales = marketing_head(), sales_head()
    waiting = _lead_with_seventy_points()
    scoring.lead_score(lead_id=waiting.pk, qualify=False)

    context, page = _head_page(browser, live_server, marketing.username, language)
    page.goto("/handoff/agreement/")
    page.locator("form[action$='/agreement/draft/'] button").click()
    page.wait_for_url("**/edit/")
    page.fill("input[name=mql_definition__min_score]", "80")
    page.locator("form button.button-primary").click()
    page.wait_for_url("**/handoff/agreement/")
    page.locator("a[href='?preview=1#preview']").click()
    preview = page.locator("#preview")
    assert "1" in preview.inner_text() and "0" in preview.inner_text()
    screenshot(page, f"agreement-preview-{language}")
    page.locator("form[action$='/submit/'] button").click()
    page.locator("form[action$='/approve/'] button").click()
    page.wait_for_selector("form[action$='/withdraw/']")  # still pending: one side approved
    context.close()
    assert_no_page_problems(context)

    context, page = _head_page(browser, live_server, sales.username, language)
    page.goto("/handoff/agreement/")
    page.locator("form[action$='/approve/'] button").click()
    page.wait_for_selector("#open-version", state="detached")
    heading = page.locator("h2").first.inner_text()
    assert "2" in heading  # In force: version 2
    screenshot(page, f"agreement-approved-{language}")

    assert selectors.mql_in_force().min_score == 80
    seventy = _lead_with_seventy_points()
    scoring.lead_score(lead_id=seventy.pk)
    assert Lead.objects.get(pk=seventy.pk).stage == "lead"  # 70 qualified before; not now
    page.goto(f"/leads/{seventy.pk}/")
    assert "2" in page.locator("#agreement-versions").inner_text()
    context.close()
    assert_no_page_problems(context)
