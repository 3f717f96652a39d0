"""The acceptance flow per role, in a real browser: log in → funnel chart → Russian."""

from __future__ import annotations

import os
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone

from accord.accounts.models import Role
from accord.accounts.tests.factories import TEST_PASSWORD, UserFactory
from accord.contacts.services import lead_create, lead_transition
from accord.contacts.tests.factories import ContactFactory
from accord.pipeline.models import Deal, DealStage
from accord.tracking.models import Channel, SpendEntry

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PATHS = [
    ["mql", "sal", "sql", "opportunity", "customer"],
    ["mql", "sal", "sql", "opportunity"],
    ["mql", "sal", "sql"],
    ["mql", "sal"],
    ["mql"],
    [],
    [],
]


@pytest.fixture(autouse=True)
def analytics_copy(settings, tmp_path):
    """The dashboard reads the analytics copy: one per test, built by ``seed_funnel``."""
    settings.ANALYTICS_DUCKDB_PATH = str(tmp_path / "analytics.duckdb")


def seed_funnel() -> None:
    """A few leads in the last weeks, so the default period (last 12 months) has data."""
    base = timezone.now() - timedelta(days=40)
    for copies, path in zip([2, 3, 4, 5, 8, 10, 12], PATHS, strict=True):
        for n in range(copies):
            created = base + timedelta(hours=n)
            lead = lead_create(contact=ContactFactory(), created_at=created)
            for step, stage in enumerate(path, start=1):
                lead_transition(lead_id=lead.pk, to_stage=stage, at=created + timedelta(days=step))
    Deal.objects.create(
        name="Big deal",
        amount=Decimal("125000.00"),
        stage=DealStage.WON,
        closed_at=timezone.now() - timedelta(days=3),
    )
    # Transactional tests flush the tables, the channels seeded by migration included.
    paid_search, _ = Channel.objects.get_or_create(
        slug="paid-search", defaults={"name": "Paid Search", "is_paid": True}
    )
    SpendEntry.objects.create(
        date=timezone.localdate() - timedelta(days=10),
        channel=paid_search,
        cost=Decimal("4800.00"),
    )
    from accord.analytics.sync import analytics_sync

    analytics_sync()


def log_in(page, username: str) -> None:
    page.goto("/")
    page.wait_for_url("**/login/**")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", TEST_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login/" not in url)


def screenshot(page, name: str) -> None:
    directory = os.environ.get("ACCORD_SCREENSHOT_DIR")
    if directory:
        Path(directory).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(directory) / f"{name}.png"), full_page=True)


@pytest.mark.parametrize(
    ("role", "role_en", "role_ru"),
    [
        (Role.MARKETING, "Marketer", "Маркетолог"),
        (Role.SALES, "Sales rep", "Менеджер по продажам"),
        (Role.MANAGER, "Manager", "Руководитель"),
        (Role.ADMIN, "Administrator", "Администратор"),
    ],
)
def test_dashboard_flow(page, role, role_en, role_ru):
    seed_funnel()
    is_admin = role == Role.ADMIN
    UserFactory(username=f"{role}-person", role=role, is_staff=is_admin, is_superuser=is_admin)

    log_in(page, f"{role}-person")

    # The funnel chart is drawn by plotly.js (served by the app) as SVG.
    page.wait_for_selector("#funnel-chart svg.main-svg")
    assert page.locator("#funnel-chart g.point").count() == 6
    assert page.locator(".role-badge").inner_text() == role_en
    assert page.locator("[data-kpi=leads] .kpi-value").inner_text() == "44"
    assert page.locator("[data-kpi=revenue] .kpi-value").inner_text() == "$125,000"
    # One Settings entry for every role; the administration site is a card of its hub.
    assert page.locator("nav.mainnav >> text=Settings").count() == 1
    screenshot(page, f"dashboard-{role}-en")

    page.select_option("#language-select", "ru")
    page.wait_for_selector("html[lang=ru]")
    page.wait_for_selector("#funnel-chart svg.main-svg")

    assert page.locator("h1").inner_text() == "Панель"
    assert page.locator(".role-badge").inner_text() == role_ru
    assert "Воронка" in page.locator(".panel-chart h2").inner_text()
    assert page.locator("[data-kpi=revenue] .kpi-value").inner_text() == "125\xa0000\xa0$"
    assert page.get_by_role("button", name="Выйти").is_visible()
    screenshot(page, f"dashboard-{role}-ru")


def test_bad_login_shows_the_error(page):
    UserFactory(username="someone", role=Role.SALES)

    page.goto("/login/")
    page.fill("input[name=username]", "someone")
    page.fill("input[name=password]", "wrong-password")
    page.click("button[type=submit]")

    assert "correct username and password" in page.locator(".alert-error").inner_text()
    screenshot(page, "login-error")


def test_changing_the_period_redraws_the_chart_in_place(page):
    seed_funnel()
    UserFactory(username="mgr", role=Role.MANAGER)
    log_in(page, "mgr")
    page.wait_for_selector("#funnel-chart svg.main-svg")

    # A period with no leads: htmx swaps the body, the empty state replaces the chart.
    page.fill("#id_start", "2001-01-01")
    page.fill("#id_end", "2001-12-31")
    page.click(".period-form button[type=submit]")
    page.wait_for_selector(".empty-state")
    assert "start=2001-01-01" in page.url

    page.go_back()
    page.wait_for_selector("#funnel-chart svg.main-svg")
    assert page.locator("#funnel-chart g.point").count() == 6
