"""Products, promotions, the discount approvals page and a deal's line items in a real
browser: accessible (axe-core), no sideways scrolling at 1280 px, in English and Russian; and
a line added through the htmx form shows the deal's margin."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from accord.accounts.models import Department, Role, Team
from accord.accounts.tests.factories import UserFactory
from accord.pipeline.models import Deal
from accord.pipeline.products import services
from tests.browser.conftest import assert_no_page_problems, browser_context
from tests.browser.test_accessibility import DESKTOP, _check, axe_source  # noqa: F401
from tests.browser.test_dashboard import log_in, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _seed() -> dict:
    north = Team.objects.create(name="North", department=Department.SALES)
    rep = UserFactory(username="rep-products", role=Role.SALES, department="sales", team=north)
    head = UserFactory(username="head-products", role=Role.MANAGER, department="sales", team=north)
    seat = services.product_create(
        sku="AN-SEAT", name="Analytics seat", list_price="1200", unit_cost="300",
        currency="USD", by=head,
    )  # fmt: skip
    services.product_update(
        product_id=seat.pk, changes={"list_price": Decimal("1290")}, by=head, note="2027 list"
    )
    services.product_create(
        sku="ON-BOARD", name="Onboarding package", list_price="2500", unit_cost="1800",
        currency="USD", by=head,
    )  # fmt: skip
    promotion = services.promotion_create(
        name="Spring launch", code="SPRING", starts_on=dt.date.today() - dt.timedelta(days=5),
        discount_kind="percent", discount_value="15", by=head, fixed_cost="4000",
        cost_per_deal="120",
    )  # fmt: skip
    deal = Deal.objects.create(name="Globex renewal", amount=0, owner=rep)
    services.line_item_add(
        deal_id=deal.pk, product_id=seat.pk, quantity=10, promotion_id=promotion.pk, by=rep,
        reason="matches the competitor's offer",
    )  # fmt: skip
    return {"rep": rep, "head": head, "seat": seat, "deal": deal, "promotion": promotion}


@pytest.mark.parametrize("language", ["en", "ru"])
def test_the_pages_are_accessible_and_fit(browser, live_server, axe_source, language):  # noqa: F811
    world = _seed()
    problems: dict[str, object] = {}
    for user, paths in (
        (
            world["head"],
            [
                "/products/",
                f"/products/{world['seat'].pk}/",
                "/products/new/",
                "/promotions/",
                f"/promotions/{world['promotion'].pk}/",
                "/promotions/new/",
                "/discounts/approvals/",
            ],
        ),
        (world["rep"], [f"/deals/{world['deal'].pk}/line-items/"]),
    ):
        context = browser_context(browser, live_server.url)
        page = context.new_page()
        page.set_default_timeout(20_000)
        page.set_viewport_size(DESKTOP)
        log_in(page, user.username)
        if language == "ru":
            page.select_option("#language-select", "ru")
            page.wait_for_selector("html[lang=ru]")
        for path in paths:
            _check(page, axe_source, path, problems, shot=f"products-{user.username}-{language}")
        context.close()
        assert_no_page_problems(context)
    assert problems == {}, "\n".join(f"{path}: {found}" for path, found in problems.items())


def test_a_rep_adds_a_line_and_sees_the_margin(browser, live_server):
    world = _seed()
    context = browser_context(browser, live_server.url)
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.set_viewport_size(DESKTOP)
    log_in(page, world["rep"].username)
    page.goto(f"/deals/{world['deal'].pk}/line-items/")
    page.click("details.line-add summary")
    page.select_option(
        "details.line-add select[name=product]", label="ON-BOARD · Onboarding package"
    )
    page.fill("details.line-add input[name=quantity]", "2")
    page.fill("details.line-add input[name=discount_percent]", "5")
    page.click("details.line-add button[type=submit]")
    page.wait_for_selector("text=The line was added.")
    # 10 x 1290 - 15% = 10,965 and 2 x 2500 - 5% = 4,750: net 15,715; cost 3,000 + 3,600.
    totals = page.locator(".line-totals").inner_text()
    assert "$15,715.00" in totals and "$9,115.00" in totals, totals
    screenshot(page, "products-line-added")
    context.close()
    assert_no_page_problems(context)
    deal = Deal.objects.get(pk=world["deal"].pk)
    assert deal.amount == Decimal("15715.00")
