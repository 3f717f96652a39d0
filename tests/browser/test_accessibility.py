"""Every page of every role is accessible and fits the screen, in English and Russian.

Each role logs in through the real form and walks its own navigation (read from the page, so
a page another change adds to the menu is checked too), then the detail pages behind it: a
lead's page, the reports listed on the reports page, the agreement and the scoring profile
editor. On each page axe-core (the npm package ``make browser-deps`` installs) must report no
serious or critical violation — an invisible button (colour contrast) or an input without a
label fails here — the page must not scroll sideways at 1280 px, and (the ``page`` fixture)
no console error or CSP violation may occur. The inbox is also checked on a 375 px phone.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from accord.accounts.models import Role
from accord.accounts.tests.factories import UserFactory
from accord.handoff.routing.assignment import lead_route
from accord.handoff.tests.routing_support import mql_lead, team_with_reps
from accord.planning.tests.planning_support import plan_seed
from accord.scoring import profiles
from accord.scoring.tests.support import spec
from tests.browser.conftest import assert_no_page_problems, browser_context
from tests.browser.test_dashboard import log_in, screenshot, seed_funnel
from tests.browser.test_handoff_inbox import agreement_seed

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
AXE_JS = Path(os.environ.get("ACCORD_AXE_JS", ROOT / ".venv/node/node_modules/axe-core/axe.min.js"))
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 740}

# Swagger UI (the API docs) is a third-party page, not ours to restyle.
SKIPPED_PREFIXES = ("/api/",)

_AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations", "incomplete"]});
  const found = result.violations
    .filter(v => v.impact === "serious" || v.impact === "critical")
    .map(v => v.id + ": " + v.nodes.slice(0, 3).map(n => n.target.join(" ")
      + " (" + (n.failureSummary || "").split("\\n").slice(1, 2).join("").trim() + ")").join("; "));
  // Text the same colour as its background (the inbox's white-on-white Accept) is only
  // "incomplete" for axe (a 1:1 ratio could be deliberate hiding): here it is a failure.
  for (const v of result.incomplete.filter(v => v.id === "color-contrast")) {
    const invisible = v.nodes.filter(
      n => n.any.some(c => c.data && c.data.messageKey === "equalRatio"));
    if (invisible.length) {
      found.push("invisible-text: " + invisible.map(n => n.target.join(" ")).join("; "));
    }
  }
  return found;
}"""

# The innermost elements that stick out past the right edge: what to fix when a page scrolls.
_TOO_WIDE = """() => {
  const wide = [...document.querySelectorAll("body *")].filter(
    e => e.getBoundingClientRect().right > window.innerWidth + 1);
  const innermost = wide.filter(e => !wide.some(o => o !== e && e.contains(o)));
  return innermost.slice(0, 6).map(e => e.tagName.toLowerCase()
    + (e.id ? "#" + e.id : "") + (e.className && e.className.baseVal === undefined
      ? "." + String(e.className).trim().split(/\\s+/).join(".") : "")
    + " " + Math.round(e.getBoundingClientRect().right) + "px");
}"""


@pytest.fixture(scope="module")
def axe_source() -> str:
    if not AXE_JS.exists():
        pytest.fail(f"axe-core is missing at {AXE_JS}: run `make browser-deps`")
    return AXE_JS.read_text(encoding="utf-8")


@pytest.fixture(autouse=True)
def analytics_copy(settings, tmp_path):
    settings.ANALYTICS_DUCKDB_PATH = str(tmp_path / "analytics.duckdb")


def _seed(role: str) -> tuple[str, int, int]:
    """A company small enough to load fast: a funnel, a routed MQL, a scoring profile."""
    agreement_seed()
    seed_funnel()
    _, reps = team_with_reps(reps=1)
    lead = mql_lead(first_name="Ada", last_name="Lovelace", score=80)
    lead_route(lead_id=lead.pk)
    profile = profiles.profile_save(spec=spec())
    plan_seed(user=UserFactory(username="plan-head", role=Role.ADMIN))
    is_admin = role == Role.ADMIN
    username = reps[0].username if role == Role.SALES else f"{role}-person"
    if role != Role.SALES:
        UserFactory(username=username, role=role, is_staff=is_admin, is_superuser=is_admin)
    return username, lead.pk, profile.pk


def _check(page, axe_source: str, path: str, problems: dict[str, object], shot: str = "") -> None:
    response = page.goto(path)
    assert response is not None and response.status == 200, (path, response and response.status)
    page.wait_for_load_state("networkidle")  # deferred scripts ran, charts were drawn
    if shot:  # with ACCORD_SCREENSHOT_DIR set: every page, to look at
        screenshot(page, f"{shot}-{path.strip('/').replace('/', '-') or 'dashboard'}")
    page.evaluate(axe_source)
    violations = page.evaluate(_AXE_RUN)
    if violations:
        problems[path] = violations
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    if widths[0] > widths[1]:
        problems[f"{path} (width)"] = (
            f"scrolls sideways: {widths[0]} px > {widths[1]} px; too wide: "
            + ", ".join(page.evaluate(_TOO_WIDE))
        )
        screenshot(page, "too-wide-" + path.strip("/").replace("/", "-"))


def _pages_of(page, lead_id: int, profile_id: int, role: str) -> list[str]:
    """The role's menu, then the pages a person reaches from it."""
    menu = page.locator("nav.mainnav a").evaluate_all("links => links.map(a => a.pathname)")
    assert len(menu) >= 3, menu
    paths = [p for p in menu if not p.startswith(SKIPPED_PREFIXES)]
    extra = [f"/leads/{lead_id}/"]
    # One step from the menu: the reports page's reports (and the backtest), the workspace's
    # tabs (contacts, accounts), the inbox's tabs (tasks, stale deals) and the settings hub's
    # cards.
    for start, links in (
        (
            "/reports/",
            "main a[href^='/reports/'], main a[href^='/scoring/predictive/'],"
            " main a[href^='/planning/']",
        ),
        ("/leads/", ".workspace-tabs a"),
        ("/deals/", ".deal-tabs a"),
        ("/handoff/inbox/", ".inbox-tabs a"),
        ("/settings/", ".settings-card a"),
    ):
        if start in paths:
            page.goto(start)
            extra += [
                p
                for p in page.locator(links).evaluate_all("links => links.map(a => a.pathname)")
                if not p.startswith((*SKIPPED_PREFIXES, "/admin/"))
            ]
    if "/planning/" in extra:  # the joint plans, and a plan's page
        page.goto("/planning/")
        extra += page.locator("#plans a").evaluate_all("links => links.map(a => a.pathname)")
    if role == Role.ADMIN:
        extra += [f"/scoring/{profile_id}/", "/scoring/new/"]
    for path in extra:
        if path not in paths and not path.endswith(".csv"):
            paths.append(path)
    return paths


@pytest.mark.parametrize("language", ["en", "ru"])
@pytest.mark.parametrize("role", [Role.SALES, Role.MARKETING, Role.MANAGER, Role.ADMIN])
def test_every_page_of_the_role_is_accessible_and_fits(
    browser, live_server, axe_source, role, language
):
    username, lead_id, profile_id = _seed(role)
    context = browser_context(browser, live_server.url)
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.set_viewport_size(DESKTOP)
    log_in(page, username)
    if language == "ru":
        page.select_option("#language-select", "ru")
        page.wait_for_selector("html[lang=ru]")

    paths = _pages_of(page, lead_id, profile_id, role)
    problems: dict[str, object] = {}
    for path in paths:
        _check(page, axe_source, path, problems, shot=f"{role}-{language}")
    # The header holds every link of the role's menu on one screen width.
    page.goto("/")
    header = page.evaluate(
        "(h => [h.scrollWidth, h.getBoundingClientRect().height])"
        "(document.querySelector('header.topbar'))"
    )
    # No wider than the screen; at most three short rows (the administrator's long menu).
    assert header[0] <= DESKTOP["width"] and header[1] <= 130, header
    screenshot(page, f"header-{role}-{language}")
    context.close()

    assert problems == {}, "\n".join(f"{path}: {found}" for path, found in problems.items())
    assert_no_page_problems(context)


@pytest.mark.parametrize("language", ["en", "ru"])
def test_the_inbox_works_on_a_phone(browser, live_server, axe_source, language):
    username, _, _ = _seed(Role.SALES)
    context = browser_context(browser, live_server.url)
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.set_viewport_size(PHONE)
    problems: dict[str, object] = {}
    _check(page, axe_source, "/login/", problems, shot=f"phone-{language}")
    log_in(page, username)
    if language == "ru":
        page.select_option("#language-select", "ru")
        page.wait_for_selector("html[lang=ru]")

    _check(page, axe_source, "/handoff/inbox/", problems)
    assert problems == {}, problems
    accept = page.locator("main form button.button-primary").first
    accept.scroll_into_view_if_needed()
    box = accept.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    screenshot(page, f"inbox-phone-{language}")
    context.close()
    assert_no_page_problems(context)


def test_axe_catches_an_unlabelled_input_and_an_invisible_button(browser, live_server, axe_source):
    """The check above is not vacuous: the two faults the issue names are reported."""
    context = browser_context(browser, live_server.url)
    page = context.new_page()
    page.goto("/login/")
    page.evaluate(
        """() => {
            const box = document.createElement("div");
            box.innerHTML = '<input type="text" name="x">'
              + '<button class="button-small button-primary invisible-test">Go</button>';
            document.querySelector("main").appendChild(box);
            const button = box.querySelector("button");
            button.className = "";
            button.classList.add("button-small");
            button.style.setProperty("color", "#fff");
            button.style.setProperty("background", "#fff");
        }"""
    )
    page.evaluate(axe_source)
    rules = {found.split(":")[0] for found in page.evaluate(_AXE_RUN)}
    context.close()
    assert {"label", "invisible-text"} <= rules, rules


@pytest.mark.parametrize("language", ["en", "ru"])
def test_the_not_found_page_is_styled_and_accessible(browser, live_server, axe_source, language):
    UserFactory(username="rep", role=Role.SALES)
    context = browser_context(browser, live_server.url)
    page = context.new_page()
    page.set_viewport_size(DESKTOP)
    log_in(page, "rep")
    if language == "ru":
        page.select_option("#language-select", "ru")
        page.wait_for_selector("html[lang=ru]")
    page.console_allowed.append("404")  # the browser logs the failed document load

    response = page.goto("/no-such-page/")
    assert response is not None and response.status == 404
    heading = page.locator("h1").inner_text()
    assert heading == {"en": "This page does not exist", "ru": "Такой страницы нет"}[language]
    assert page.locator("a.button-primary").get_attribute("href") == "/"
    page.evaluate(axe_source)
    assert page.evaluate(_AXE_RUN) == []
    screenshot(page, f"not-found-{language}")
    context.close()
    assert_no_page_problems(context)
