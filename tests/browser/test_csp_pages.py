"""Every main page of every role passes the Content-Security-Policy in a real browser.

Each role logs in through the real form, then visits every page of its menu (read from the
page itself, so a page added to the menu is checked too), a lead's page, two reports with
charts, and for the admin the API's interactive docs and the admin site. The ``page``
fixture fails the test on any CSP violation, console error or uncaught script error.
"""

from __future__ import annotations

import pytest

from accord.accounts.models import Role
from accord.accounts.tests.factories import UserFactory
from accord.handoff.routing.assignment import lead_route
from accord.handoff.tests.routing_support import mql_lead, team_with_reps
from tests.browser.test_dashboard import log_in, seed_funnel
from tests.browser.test_handoff_inbox import agreement_seed

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def analytics_copy(settings, tmp_path):
    settings.ANALYTICS_DUCKDB_PATH = str(tmp_path / "analytics.duckdb")


def _visit(page, path: str) -> None:
    response = page.goto(path)
    assert response is not None and response.status == 200, (path, response and response.status)
    page.wait_for_load_state("networkidle")  # deferred scripts ran, charts were drawn


@pytest.mark.parametrize("role", [Role.MARKETING, Role.SALES, Role.MANAGER, Role.ADMIN])
def test_main_pages_of_each_role_have_a_csp_and_no_violations(page, role):
    agreement_seed()
    seed_funnel()
    _, reps = team_with_reps(reps=1)
    lead = mql_lead(first_name="Ada", last_name="Lovelace", score=80)
    lead_route(lead_id=lead.pk)
    is_admin = role == Role.ADMIN
    username = reps[0].username if role == Role.SALES else f"{role}-person"
    if role != Role.SALES:
        UserFactory(username=username, role=role, is_staff=is_admin, is_superuser=is_admin)

    log_in(page, username)
    page.wait_for_selector("#funnel-chart svg.main-svg")  # the dashboard's Plotly chart
    header = page.request.get("/").headers["content-security-policy"]
    assert "script-src 'self'" in header and "unsafe-eval" not in header

    menu = page.locator("nav.mainnav a").evaluate_all("links => links.map(a => a.pathname)")
    assert len(menu) >= 3
    for path in menu:
        if path.startswith("/admin/"):
            continue  # visited below, with the admin's own checks
        _visit(page, path)
    # The settings pages moved from the menu to the hub's cards: visit those too.
    _visit(page, "/settings/")
    cards = page.locator(".settings-card a").evaluate_all("links => links.map(a => a.pathname)")
    assert "/settings/api/" in cards
    for path in cards:
        if not path.startswith("/admin/"):
            _visit(page, path)
    _visit(page, f"/leads/{lead.pk}/")
    _visit(page, "/reports/funnel/")
    page.wait_for_selector(".js-plotly-plot svg.main-svg")
    _visit(page, "/reports/velocity/")
    if is_admin:
        _visit(page, "/admin/")
        _visit(page, f"/admin/accounts/user/{reps[0].pk}/change/")
        _visit(page, "/admin/axes/accessattempt/")
        _visit(page, "/api/v1/docs")
        page.wait_for_selector(".swagger-ui .opblock")  # Swagger UI rendered the operations


def test_the_browser_harness_catches_an_inline_script_and_style(browser, live_server):
    """The checks above are not vacuous: markup that breaks the policy is reported."""
    from tests.browser.conftest import browser_context

    context = browser_context(browser, live_server.url)
    page = context.new_page()
    page.goto("/login/")
    page.evaluate(
        """() => {
            const box = document.createElement("div");
            box.innerHTML = '<span style="color: red">x</span>';
            document.body.appendChild(box);
            const script = document.createElement("script");
            script.textContent = "window.ranInline = true";
            document.body.appendChild(script);
        }"""
    )
    page.wait_for_function("window.__accordCspCount >= 2")
    assert page.evaluate("window.ranInline === undefined")
    context.close()
    directives = {v["directive"] for v in context.accord_problems.violations}
    assert {"script-src-elem", "style-src-attr"} <= directives


def test_delete_confirmation_works_without_inline_handlers(page):
    """The routing rule's Delete asks first (data-confirm in accord.js, no onsubmit=)."""
    from accord.handoff.models import RoutingRule

    team_with_reps(name="Confirm team", reps=1)
    UserFactory(username="boss", role=Role.MANAGER)
    log_in(page, "boss")
    _visit(page, "/handoff/routing/")
    delete = page.locator("#routing-rules button", has_text="Delete").first

    page.once("dialog", lambda dialog: dialog.dismiss())
    delete.click()
    page.wait_for_load_state("networkidle")
    assert RoutingRule.objects.count() == 1  # dismissed: nothing was sent

    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        delete.click()
    assert RoutingRule.objects.count() == 0
