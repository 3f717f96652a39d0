"""A rep's and a sales manager's first day in a real browser, in English and in Russian:
the rep accepts, rejects with one of the agreement's reasons and logs an attempt from the
inbox (with the keyboard shortcuts too) and from the lead page; the manager reassigns a lead
within the team from the team queue."""

from __future__ import annotations

import pytest

from accord.accounts.models import Department, Role
from accord.accounts.tests.factories import UserFactory
from accord.contacts.models import Lead
from accord.handoff.routing.assignment import lead_route
from accord.handoff.tests.routing_support import mql_lead, team_with_reps
from accord.pipeline.models import Activity
from tests.browser.conftest import assert_no_page_problems, browser_context
from tests.browser.test_dashboard import log_in, screenshot
from tests.browser.test_handoff_inbox import agreement_seed

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DONE = {
    "en": ("Accepted.", "Rejected.", "Attempt logged."),
    "ru": ("Принят.", "Отклонён.", "Попытка записана."),
}


def _open(browser, live_server, username: str, language: str, **options):
    context = browser_context(browser, live_server.url, **options)
    context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(15_000)
    log_in(page, username)
    return context, page


@pytest.mark.parametrize("language", ["en", "ru"])
def test_rep_works_the_inbox_with_buttons_and_keys(browser, live_server, language):
    agreement_seed()
    _, reps = team_with_reps(reps=1)
    hot = mql_lead(first_name="Ada", last_name="Hot", score=95)
    warm = mql_lead(first_name="Bob", last_name="Warm", score=80)
    cool = mql_lead(first_name="Cy", last_name="Cool", score=72)
    for lead in (hot, warm, cool):
        lead_route(lead_id=lead.pk)
    context, page = _open(browser, live_server, reps[0].username, language)
    page.goto("/handoff/inbox/")
    assert page.locator("tr.inbox-row").first.get_attribute("id") == f"lead-{hot.pk}"
    assert page.locator(f"#lead-{hot.pk} .badge-hot").count() == 1
    assert page.locator("#inbox-shortcuts kbd").count() >= 5
    screenshot(page, f"inbox-rep-{language}")

    # Keyboard: j selects the first (hot) lead, a accepts it.
    page.locator("h1").click()
    page.keyboard.press("j")
    page.keyboard.press("a")
    page.wait_for_selector(f'#lead-{hot.pk}[data-stage="sal"]')
    assert page.locator(f"#lead-{hot.pk} [role=status]").inner_text() == DONE[language][0]

    # Reject with a reason (buttons).
    row = page.locator(f"#lead-{warm.pk}")
    row.locator("summary").click()
    row.locator("select[name=reason_code]").select_option("not_a_fit")
    row.locator("input[name=comment]").fill("Too small")
    row.locator("details.reject button[type=submit]").click()
    page.wait_for_selector(f'#lead-{warm.pk}[data-stage="disqualified"]')

    # Log an attempt: the outcome picked, then t (the keyboard) on the current row.
    row = page.locator(f"#lead-{cool.pk}")
    row.locator("select[name=outcome]").select_option("no_answer")
    row.locator("td.num").click()
    page.keyboard.press("t")
    page.wait_for_selector(f"#lead-{cool.pk} [role=status]")
    assert page.locator(f"#lead-{cool.pk} [role=status]").inner_text() == DONE[language][2]
    screenshot(page, f"inbox-rep-after-{language}")
    context.close()
    assert_no_page_problems(context)

    assert Lead.objects.get(pk=hot.pk).stage == "sal"
    assert Lead.objects.get(pk=warm.pk).stage == "disqualified"
    assert Activity.objects.get(lead=cool).outcome == "no_answer"


@pytest.mark.parametrize("language", ["en", "ru"])
def test_rep_works_a_lead_from_its_page(browser, live_server, language):
    agreement_seed()
    _, reps = team_with_reps(reps=1)
    lead = mql_lead(first_name="Grace", last_name="Page", score=85)
    other = mql_lead(first_name="Alan", last_name="Other", score=85)
    for each in (lead, other):
        lead_route(lead_id=each.pk)
    context, page = _open(browser, live_server, reps[0].username, language)
    page.goto(f"/leads/{lead.pk}/")
    assert page.locator("[data-summary=sla] .sla-state").count() == 1
    screenshot(page, f"lead-page-rep-{language}")
    actions = page.locator("#handoff-actions")
    actions.locator("#attempt-outcome").select_option("connected")
    actions.locator("#attempt-notes").fill("Call back Monday")
    with page.expect_navigation():
        actions.locator("form:has(#attempt-kind) button[type=submit]").click()
    assert DONE[language][2] in page.content()
    assert page.locator('.lead-timeline li[data-kind="activity"]').count() == 1
    with page.expect_navigation():
        page.locator("#handoff-actions button[name=accept]").click()
    assert DONE[language][0] in page.content()
    assert Lead.objects.get(pk=lead.pk).stage == "sal"
    page.locator("#reject-reason").select_option("no_budget")
    page.locator("#reject-comment").fill("Next year")
    with page.expect_navigation():
        page.locator("form.lead-reject button[type=submit]").click()
    assert DONE[language][1] in page.content()
    screenshot(page, f"lead-page-rep-after-{language}")
    context.close()
    assert_no_page_problems(context)
    assert Lead.objects.get(pk=lead.pk).stage in ("recycled", "disqualified")
    assert Activity.objects.get(lead=lead).outcome == "connected"
    assert Lead.objects.get(pk=other.pk).stage == "mql"


@pytest.mark.parametrize("language", ["en", "ru"])
def test_manager_reassigns_within_the_team(browser, live_server, language):
    agreement_seed()
    team, reps = team_with_reps(reps=2)
    manager = UserFactory(
        username="sales-head", role=Role.MANAGER, department=Department.SALES, team=team
    )
    lead = mql_lead(first_name="Hedy", last_name="Moved", score=85)
    lead_route(lead_id=lead.pk)
    owner = Lead.objects.get(pk=lead.pk).owner
    other = next(rep for rep in reps if rep.pk != owner.pk)
    context, page = _open(browser, live_server, manager.username, language)
    page.goto("/handoff/team/")
    row = page.locator(f'section[aria-labelledby=leads] tr:has(a[href="/leads/{lead.pk}/"])')
    row.locator("select[name=to_user_id]").select_option(str(other.pk))
    row.locator("input[name=reason]").fill("Holiday cover")
    with page.expect_navigation():
        row.locator("button[type=submit]").click()
    screenshot(page, f"team-queue-manager-{language}")
    page.goto(f"/leads/{lead.pk}/")
    assert str(other) in page.locator("[data-summary=owner]").inner_text()
    screenshot(page, f"lead-page-manager-{language}")
    context.close()
    assert_no_page_problems(context)
    assert Lead.objects.get(pk=lead.pk).owner_id == other.pk
