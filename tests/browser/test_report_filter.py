"""A marketer filters a report by picking a channel by name, in English and in Russian."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accord.accounts.models import Role
from accord.accounts.tests.factories import UserFactory
from accord.contacts.services import lead_create, lead_transition
from accord.contacts.tests.factories import ContactFactory
from accord.tracking.models import Channel
from tests.browser.test_dashboard import log_in, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def analytics_copy(settings, tmp_path):
    settings.ANALYTICS_DUCKDB_PATH = str(tmp_path / "analytics.duckdb")


def seed_two_channels() -> None:
    """Paid Search: 5 leads, 3 reaching MQL; Email: 2 leads, 1 MQL (all in the last weeks)."""
    paid, _ = Channel.objects.get_or_create(
        slug="paid-search", defaults={"name": "Paid Search", "is_paid": True}
    )
    email, _ = Channel.objects.get_or_create(slug="email", defaults={"name": "Email"})
    base = timezone.now() - timedelta(days=20)
    for channel, leads, mqls in ((paid, 5, 3), (email, 2, 1)):
        for n in range(leads):
            created = base + timedelta(hours=n)
            lead = lead_create(
                contact=ContactFactory(), created_at=created, source_channel_id=channel.pk
            )
            if n < mqls:
                lead_transition(lead_id=lead.pk, to_stage="mql", at=created + timedelta(days=1))
    from accord.analytics.sync import analytics_sync

    analytics_sync()


def sankey_labels(page) -> list[str]:
    """The node labels plotly drew (SVG text has no inner text: read its text content)."""
    labels = page.locator("[data-plotly-figure=figure-sankey] .node-label")
    return labels.evaluate_all("nodes => nodes.map(node => node.textContent)")


def table_groups(page) -> list[str]:
    return page.locator(
        ".data-table tbody tr th, .data-table tbody tr td:first-child"
    ).all_inner_texts()


@pytest.mark.parametrize(
    ("language", "show", "period"), [("en", "Show", "Period"), ("ru", "Показать", "Период")]
)
def test_a_report_is_filtered_by_picking_a_channel(page, language, show, period):
    seed_two_channels()
    UserFactory(username="marketer", role=Role.MARKETING)
    log_in(page, "marketer")
    if language == "ru":
        page.select_option("#language-select", "ru")
        page.wait_for_selector("html[lang=ru]")

    page.goto("/reports/funnel/")
    page.wait_for_selector("[data-plotly-figure=figure-sankey] svg.main-svg")
    # The period is on the page: the last twelve months.
    assert page.locator("[data-period]").inner_text().startswith(period)
    assert table_groups(page) == ["Email", "Paid Search"]
    sankey_before = sankey_labels(page)
    assert "Email · 2" in sankey_before and "Paid Search · 5" in sankey_before
    screenshot(page, f"report-filter-{language}-before")

    # The channel picker lists names; pick one by its name.
    page.select_option("select[name=channel]", label="Paid Search")
    page.get_by_role("button", name=show, exact=True).click()
    page.wait_for_url("**channel=paid-search**")
    page.wait_for_selector("[data-plotly-figure=figure-sankey] svg.main-svg")

    assert table_groups(page) == ["Paid Search"]
    sankey_after = sankey_labels(page)
    assert "Paid Search · 5" in sankey_after and "Email · 2" not in sankey_after
    assert page.locator("select[name=channel] option:checked").inner_text() == "Paid Search"
    # Seven leads, no customer: the page says the rates rest on too few conversions.
    assert page.locator("[data-low-conversions]").is_visible()
    screenshot(page, f"report-filter-{language}-after")
