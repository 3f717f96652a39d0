"""A rep accepts a lead from the inbox in one click (htmx), and marketing sees it accepted."""

from __future__ import annotations

import pytest
from django.utils import timezone

from accord.accounts.models import Role
from accord.accounts.tests.factories import UserFactory
from accord.contacts.models import Lead
from accord.handoff import defaults
from accord.handoff.models import AgreementVersion, HandoffAgreement
from accord.handoff.routing.assignment import lead_route
from accord.handoff.tests.routing_support import mql_lead, team_with_reps
from tests.browser.conftest import assert_no_page_problems, browser_context
from tests.browser.test_dashboard import log_in, screenshot


def agreement_seed() -> None:
    """Transactional tests flush the tables, the agreement seeded by migration included."""
    agreement, _ = HandoffAgreement.objects.get_or_create(name=defaults.AGREEMENT_NAME)
    if not AgreementVersion.objects.filter(status="active").exists():
        AgreementVersion.objects.create(
            agreement=agreement,
            number=1,
            status="active",
            content=defaults.CONTENT,
            activated_at=timezone.now(),
        )


pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_rep_accepts_from_the_inbox_and_marketing_sees_it_accepted(browser, live_server, page):
    agreement_seed()
    _, reps = team_with_reps(reps=1)
    lead = mql_lead(first_name="Katherine", last_name="Johnson", score=91)
    lead_route(lead_id=lead.pk)
    UserFactory(username="marketer", role=Role.MARKETING)

    log_in(page, reps[0].username)
    page.goto("/handoff/inbox/")
    row = page.locator(f"#lead-{lead.pk}")
    assert "Katherine Johnson" in row.inner_text()
    assert row.locator("[data-sla-state]").count() == 1
    url_before = page.url
    row.get_by_role("button", name="Accept").click()
    page.wait_for_selector(f'#lead-{lead.pk}[data-stage="sal"]')
    assert page.url == url_before  # the row changed in place; the rep never left the page
    assert page.locator(f"#lead-{lead.pk} .alert-success").inner_text() == "Accepted."
    screenshot(page, "handoff-inbox-accepted")
    assert Lead.objects.get(pk=lead.pk).stage == "sal"

    context = browser_context(browser, live_server.url)
    marketing_page = context.new_page()
    log_in(marketing_page, "marketer")
    marketing_page.goto("/handoff/marketing/")
    status = marketing_page.locator(f"#mql-{lead.pk}")
    assert status.get_attribute("data-status") == "accepted"
    assert status.locator(".mql-status-label").inner_text() == "Accepted"
    screenshot(marketing_page, "handoff-marketing-accepted")
    context.close()
    assert_no_page_problems(context)
