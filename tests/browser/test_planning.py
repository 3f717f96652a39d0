"""Joint planning in the browser: the head of marketing builds a plan from the rates measured
on a hand-built company, submits it and approves for marketing; the head of sales approves
for sales; the plan is approved and its history names both. English and Russian."""

from __future__ import annotations

import pytest

from accord.analytics.sync import analytics_sync
from accord.analytics.tests.analytics_support import company_seed
from accord.handoff.tests.sla_support import marketing_head, sales_head
from accord.planning.models import Plan, PlanStatus
from tests.browser.conftest import assert_no_page_problems, browser_context
from tests.browser.test_dashboard import log_in, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _head_page(browser, live_server, username: str, language: str):
    context = browser_context(browser, live_server.url)
    context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(20_000)
    log_in(page, username)
    return context, page


@pytest.mark.parametrize("language", ["en", "ru"])
def test_a_plan_from_measured_rates_approved_from_both_sides(
    browser, live_server, settings, tmp_path, language
):
    settings.ANALYTICS_DUCKDB_PATH = str(tmp_path / "analytics.duckdb")
    company_seed()
    analytics_sync()
    marketing, sales = marketing_head(), sales_head()

    context, page = _head_page(browser, live_server, marketing.username, language)
    page.goto("/reports/")
    page.locator("main a[href='/planning/']").click()
    page.fill("input[name=name]", "Q2 2025")
    page.select_option("select[name=period_kind]", "quarter")
    page.fill("input[name=start_month]", "2025-04")
    page.fill("input[name=revenue_target]", "3000")
    page.fill("input[name=window_start]", "2025-03-01")
    page.fill("input[name=window_end]", "2025-03-31")
    page.locator("#new-plan button[type=submit]").click()
    page.wait_for_url("**/planning/*/")
    assumptions = page.locator("#assumptions").inner_text()
    # March's cohort: 3 MQLs → 2 SALs (66.7 %), deal size 1,000, measured and assumed alike.
    assert ("66.7%" if language == "en" else "66,7\u00a0%") in assumptions
    # 3,000 at 1,000 a deal: 3 won deals over the quarter.
    won_total = page.locator("#reverse-funnel tbody tr").first.locator("td").last.inner_text()
    assert won_total == "3"
    page.locator("form[action$='/submit/'] button").click()
    page.locator("form[action$='/approve/'] button").click()
    page.wait_for_selector("form[action$='/withdraw/']")  # one side only: still pending
    assert page.locator("form[action$='/approve/']").count() == 0
    screenshot(page, f"planning-marketing-approved-{language}")
    context.close()
    assert_no_page_problems(context)

    plan = Plan.objects.get()
    context, page = _head_page(browser, live_server, sales.username, language)
    page.goto(f"/planning/{plan.pk}/")
    page.locator("form[action$='/approve/'] button").click()
    page.wait_for_selector("form[action$='/withdraw/']", state="detached")
    history = page.locator("#history").inner_text()
    assert marketing.username in history or str(marketing) in history
    assert str(sales) in history
    page.wait_for_selector("#plan-actual-chart .main-svg")  # the chart was drawn
    screenshot(page, f"planning-approved-{language}")
    context.close()
    assert_no_page_problems(context)
    assert Plan.objects.get().status == PlanStatus.APPROVED
