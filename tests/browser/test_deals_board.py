"""The deals board in a real browser: a card moved with the keyboard alone changes the
column totals; winning a deal asks for its amount and close date, then the deal page shows
it won; the board, the list and the deal page pass axe-core (no serious or critical
violation) and fit 1280 px, for a rep and a sales manager, in English and Russian.

(Line items and margin are pipe-products' panel, included on the deal page.)"""

from __future__ import annotations

import pytest

from accord.pipeline.models import Deal, DealStageChange
from accord.pipeline.tests.board_support import world_build
from tests.browser.conftest import assert_no_page_problems, browser_context
from tests.browser.test_accessibility import _AXE_RUN, AXE_JS, DESKTOP
from tests.browser.test_dashboard import log_in, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _count(page, stage: str) -> str:
    return page.locator(
        f'dl.board-totals[data-stage="{stage}"] dd[data-total="count"]'
    ).inner_text()


def _weighted(page, stage: str) -> str:
    return page.locator(
        f'dl.board-totals[data-stage="{stage}"] dd[data-total="weighted"]'
    ).inner_text()


def test_a_card_moved_by_keyboard_changes_the_totals(browser, live_server):
    world = world_build()
    deal = world.deals["anna_q"]
    context = browser_context(browser, live_server.url)
    page = context.new_page()
    page.set_viewport_size(DESKTOP)
    page.set_default_timeout(60_000)
    page.set_default_navigation_timeout(90_000)
    log_in(page, "anna")
    page.goto("/deals/")
    assert _count(page, "qualification") == "1" and _count(page, "discovery") == "0"
    assert _weighted(page, "qualification") == "$10.00"

    # Tab to the card's "next stage" button and press Enter: no mouse.
    button = page.locator(f"#deal-card-{deal.pk} button[data-step=next]")
    button.focus()
    page.keyboard.press("Enter")
    page.wait_for_function(
        """() => document.querySelector('dl.board-totals[data-stage="discovery"] '
           + 'dd[data-total="count"]').textContent.trim() === "1" """
    )
    assert _count(page, "qualification") == "0"
    assert _weighted(page, "discovery") == "$20.00"
    assert "moved to Discovery" in page.locator(".board-notices").inner_text()
    # The keyboard stays on the moved card: focus moves there once htmx has settled the new
    # board (after the swap that changed the totals), so wait for it rather than read it.
    page.wait_for_function(
        "(pk) => document.activeElement?.closest('.deal-card')?.dataset.deal === pk",
        arg=str(deal.pk),
    )
    # Then with its stage select: Proposal.
    page.select_option(f"#move-{deal.pk}", "proposal")
    page.locator(f"#deal-card-{deal.pk} .deal-move-go").press("Enter")
    page.wait_for_function(
        """() => document.querySelector('dl.board-totals[data-stage="proposal"] '
           + 'dd[data-total="count"]').textContent.trim() === "2" """
    )
    moves = list(
        DealStageChange.objects.filter(deal=deal, source="board")
        .values_list("to_stage", flat=True)
        .order_by("at", "pk")
    )
    assert moves == ["discovery", "proposal"]
    screenshot(page, "deals-board-after-moves")
    context.close()
    assert_no_page_problems(context)


def test_a_won_deal_with_line_items_shows_its_margin(browser, live_server, settings, tmp_path):
    """Won from the board, the deal's margin shows on its page and, once the analytics copy
    has it, in the KPIs of its pipeline."""
    from accord.analytics.sync import analytics_sync
    from accord.pipeline.products.services.catalogue import product_create
    from accord.pipeline.products.services.lines import line_item_add

    world = world_build()
    deal = world.deals["anna_p"]
    arm = product_create(
        sku="PB-ARM", name="Robot arm", list_price="500.00", currency="USD", by=None,
        unit_cost="200.00",
    )  # fmt: skip
    line_item_add(deal_id=deal.pk, product_id=arm.pk, quantity=2, by=None)
    amount = Deal.objects.get(pk=deal.pk).amount
    context = browser_context(browser, live_server.url)
    page = context.new_page()
    page.set_viewport_size(DESKTOP)
    page.set_default_timeout(60_000)
    page.set_default_navigation_timeout(90_000)
    log_in(page, "anna")
    page.goto("/deals/")
    page.select_option(f"#move-{deal.pk}", "won")
    page.locator(f"#deal-card-{deal.pk} .deal-move-go").press("Enter")
    page.wait_for_selector("#close-dialog")
    # Focus lands on the amount once htmx has settled the swap that drew the dialog.
    page.wait_for_function("() => document.activeElement?.id === 'close-amount'")
    page.fill("#close-date", "2026-12-18")
    page.locator("#close-dialog button[type=submit]").press("Enter")
    page.wait_for_function(
        """() => document.querySelector('dl.board-totals[data-stage="won"] '
           + 'dd[data-total="count"]').textContent.trim() === "1" """
    )
    row = Deal.objects.get(pk=deal.pk)
    assert (row.stage, row.amount, str(row.expected_close)) == ("won", amount, "2026-12-18")
    page.goto(f"/deals/{deal.pk}/")
    assert "Won" in page.locator(".deal-facts").inner_text()
    lines = page.locator(".line-items-table").inner_text()
    assert "Robot arm" in lines and "$600.00" in lines  # 2 x (500 - 200)
    screenshot(page, "deal-page-won-with-margin")
    settings.ANALYTICS_DUCKDB_PATH = str(tmp_path / "analytics.duckdb")
    analytics_sync()
    page.goto("/reports/kpis/?mode=period&by=pipeline")
    row = page.locator("table tbody tr", has_text=row.pipeline.name)
    cells = row.locator("td").all_inner_texts()
    # Group, won, lost, win rate, revenue, deal size, cycle, then the margin: only this won
    # deal has line items.
    assert cells[7] == "$600", cells
    screenshot(page, "kpis-by-pipeline-margin")
    context.close()
    assert_no_page_problems(context)


@pytest.mark.parametrize("language", ["en", "ru"])
@pytest.mark.parametrize("who", ["anna", "head"])
def test_board_list_and_deal_page_are_accessible_and_fit(browser, live_server, who, language):
    world = world_build()
    deal = world.deals["anna_q"]
    context = browser_context(browser, live_server.url)
    page = context.new_page()
    page.set_viewport_size(DESKTOP)
    page.set_default_timeout(60_000)
    page.set_default_navigation_timeout(90_000)
    log_in(page, who)
    if language == "ru":
        page.select_option("#language-select", "ru")
        page.wait_for_selector("html[lang=ru]")
    axe = AXE_JS.read_text(encoding="utf-8")
    problems = {}
    for path in (
        "/deals/",
        "/deals/list/",
        f"/deals/{deal.pk}/",
        f"/deals/?close={deal.pk}&to=lost",
    ):
        response = page.goto(path)
        assert response is not None and response.status == 200, path
        page.wait_for_load_state("networkidle")
        screenshot(page, f"deals-{who}-{language}-{path.strip('/').replace('/', '-')[:30]}")
        page.evaluate(axe)
        found = page.evaluate(_AXE_RUN)
        if found:
            problems[path] = found
        widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        if widths[0] > widths[1]:
            problems[f"{path} (width)"] = widths
    header = page.evaluate(
        "(h => [h.scrollWidth, h.getBoundingClientRect().height])"
        "(document.querySelector('header.topbar'))"
    )
    context.close()
    assert problems == {}, problems
    assert header[0] <= DESKTOP["width"] and header[1] <= 70, header  # one line
    assert_no_page_problems(context)
