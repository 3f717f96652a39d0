"""Charts speak the page's language: Plotly's month names and number separators in Russian."""

from __future__ import annotations

import pytest

from accord.accounts.models import Role
from accord.accounts.tests.factories import UserFactory
from tests.browser.test_dashboard import log_in, screenshot, seed_funnel

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RU_MONTHS = ("янв", "фев", "мар", "апр", "май", "июн", "июл", "авг", "сен", "окт", "ноя", "дек")
EN_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@pytest.fixture(autouse=True)
def analytics_copy(settings, tmp_path):
    settings.ANALYTICS_DUCKDB_PATH = str(tmp_path / "analytics.duckdb")


def _ticks(page) -> list[str]:
    page.goto("/reports/kpis/")
    page.wait_for_selector(".js-plotly-plot svg.main-svg")
    ticks = page.locator(".js-plotly-plot .xtick text, .js-plotly-plot .ytick text")
    return ticks.evaluate_all("texts => texts.map(t => t.textContent)")


def test_month_names_and_numbers_follow_the_language(page):
    seed_funnel()
    UserFactory(username="head", role=Role.MANAGER)
    log_in(page, "head")

    english = _ticks(page)
    assert any(month in tick for tick in english for month in EN_MONTHS), english

    page.select_option("#language-select", "ru")
    page.wait_for_selector("html[lang=ru]")
    russian = _ticks(page)
    screenshot(page, "kpis-chart-ru")
    # Month axes are Plotly dates ("окт") or month labels the page wrote ("Окт 2026").
    assert any(month in tick.lower() for tick in russian for month in RU_MONTHS), russian
    assert not any(month in tick for tick in russian for month in EN_MONTHS), russian
    assert not any("." in tick for tick in russian), russian  # a decimal comma, if any
