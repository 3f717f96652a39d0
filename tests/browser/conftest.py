"""Real-browser fixtures: Debian's Chromium driven by Playwright against a live server.

Every page fails its test on a Content-Security-Policy violation, a console error or an
uncaught script error: Chromium reports a blocked inline script, style or eval to the
console, and the ``securitypolicyviolation`` event (collected by an init script that Chromium
runs outside the page's CSP) names the directive and what was blocked. A test that expects an
error response (a 4xx page logs "Failed to load resource") lists it in
``page.console_allowed``.
"""

from __future__ import annotations

import os

import pytest

# Playwright's sync API runs an event loop in this thread; Django's ORM calls made by the
# test itself (seeding data) would otherwise be refused as "async unsafe".
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("ACCORD_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


# Reports every CSP violation of every document (and frame) to the test through a binding.
_CSP_LISTENER = """
window.__accordCspCount = 0;
document.addEventListener("securitypolicyviolation", function (event) {
  window.__accordCspCount += 1;
  window.__accordCspViolation({
    directive: event.violatedDirective,
    blocked: event.blockedURI,
    source: event.sourceFile + ":" + event.lineNumber,
    sample: event.sample,
    page: document.location.href,
  });
});
"""


class PageProblems:
    """What went wrong in the browser during a test: CSP violations, console errors."""

    def __init__(self) -> None:
        self.violations: list[dict] = []
        self.console: list[str] = []
        self.allowed: list[str] = []

    def unexpected_console(self) -> list[str]:
        return [m for m in self.console if not any(a in m for a in self.allowed)]

    def report(self) -> str:
        lines = [f"CSP violation: {v}" for v in self.violations]
        lines += [f"console: {m}" for m in self.unexpected_console()]
        return "\n".join(lines)


def browser_context(browser, base_url: str, **options):
    """A browser context that records CSP violations and console errors of all its pages."""
    context = browser.new_context(
        base_url=base_url, locale="en-US", viewport={"width": 1366, "height": 900}, **options
    )
    problems = PageProblems()
    context.expose_binding(
        "__accordCspViolation", lambda _source, details: problems.violations.append(details)
    )
    context.add_init_script(_CSP_LISTENER)

    def watch(page) -> None:
        def on_console(message) -> None:
            if message.type == "error":
                problems.console.append(f"{message.text} ({message.location.get('url')})")

        page.on("console", on_console)
        page.on("pageerror", lambda error: problems.console.append(f"uncaught: {error}"))
        page.console_allowed = problems.allowed

    context.on("page", watch)
    context.accord_problems = problems
    return context


def assert_no_page_problems(context) -> None:
    problems: PageProblems = context.accord_problems
    assert not problems.violations and not problems.unexpected_console(), problems.report()


@pytest.fixture
def page(browser, live_server):
    context = browser_context(browser, live_server.url)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()
    assert_no_page_problems(context)
