"""Marketing finds a lead with the header search and follows it to its deal (issue 14 §2),
in English and Russian."""

from __future__ import annotations

import pytest

from accord.accounts.models import Role
from accord.accounts.tests.factories import UserFactory
from accord.contacts.tests.factories import AccountFactory, ContactFactory, LeadFactory
from accord.pipeline.models import Deal
from tests.browser.conftest import assert_no_page_problems, browser_context
from tests.browser.test_dashboard import log_in, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(("language", "heading"), [("en", "Leads"), ("ru", "Лиды")])
def test_marketing_finds_a_lead_by_the_header_search_and_opens_it(
    browser, live_server, language, heading
):
    marketer = UserFactory(username=f"mkt-{language}", role=Role.MARKETING, department="marketing")
    account = AccountFactory(name="Borealis Freight")
    contact = ContactFactory(
        first_name="Vera", last_name="Lindqvist", email="vera@borealis.example",
        phone="+79161234567", account=account,
    )  # fmt: skip
    lead = LeadFactory(contact=contact, score=64)
    Deal.objects.create(lead=lead, account=account, name="Borealis fleet rollout", amount=48000)
    LeadFactory(contact=ContactFactory(first_name="Other", last_name="Person"))

    context = browser_context(browser, live_server.url)
    context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(15_000)
    log_in(page, marketer.username)

    search = page.locator("#header-search-q")
    search.fill("+7 (916) 123")
    search.press("Enter")
    page.wait_for_url("**/search/?q=*")
    results = page.locator(".search-group").first
    assert heading in results.locator("h2").inner_text()
    link = results.locator(f"a[href='/leads/{lead.pk}/']")
    assert link.inner_text() == "Vera Lindqvist"
    assert page.locator("a", has_text="Other Person").count() == 0
    screenshot(page, f"workspace-search-{language}")
    link.click()
    page.wait_for_url(f"**/leads/{lead.pk}/")
    assert "Vera Lindqvist" in page.locator("h1").inner_text()
    # ... and the lead page shows its deal, with the amount in the reader's format.
    deal_row = page.locator("#lead-deals tbody tr")
    assert deal_row.count() == 1
    text = deal_row.inner_text().replace("\xa0", " ").replace("\u202f", " ")
    assert "Borealis fleet rollout" in text
    assert ("$48,000.00" if language == "en" else "48 000,00") in text

    # The leads list finds the company too, and links the row to the same lead page.
    page.goto("/leads/?q=borealis")
    assert page.locator(f"tr[data-lead='{lead.pk}']").count() == 1
    assert page.locator("tr[data-lead]").count() == 1
    screenshot(page, f"workspace-leads-{language}")
    context.close()
    assert_no_page_problems(context)
