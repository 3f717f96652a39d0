"""Known-answer tests of the dashboard's funnel summary on small seeded datasets.

The summary reads the analytics copy: each test seeds the operational database, syncs, reads.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from accord.analytics.selectors import funnel_summary
from accord.analytics.sync import analytics_sync
from accord.contacts.services import lead_create, lead_transition
from accord.contacts.tests.factories import ContactFactory
from accord.core.errors import InvalidInput
from accord.pipeline.models import Deal, DealStage
from accord.tracking.models import Channel, SpendEntry

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("duckdb_file")]

START, END = date(2025, 1, 1), date(2025, 12, 31)


def at(month: int, day: int = 1, hour: int = 12, year: int = 2025) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


def seed_journey(stages: list[str], *, created: datetime) -> int:
    lead = lead_create(contact=ContactFactory(), created_at=created)
    for step, stage in enumerate(stages, start=1):
        reason = "testing" if stage in {"recycled", "disqualified", "lost"} else ""
        lead_transition(
            lead_id=lead.pk, to_stage=stage, reason=reason, at=created + timedelta(days=step)
        )
    return lead.pk


def synced_summary(start: date = START, end: date = END):
    analytics_sync()
    return funnel_summary(start=start, end=end)


def won_deal(amount: str, closed: datetime, currency: str = "USD", **kwargs) -> Deal:
    return Deal.objects.create(
        name="Deal",
        amount=Decimal(amount),
        currency=currency,
        stage=DealStage.WON,
        closed_at=closed,
        **kwargs,
    )


def test_cohort_counts_every_stage_each_lead_reached():
    full = ["mql", "sal", "sql", "opportunity", "customer"]
    seed_journey(full, created=at(3))
    seed_journey(full[:4], created=at(4))  # open opportunity
    seed_journey(["mql", "sal"], created=at(5))
    seed_journey(["mql", "disqualified"], created=at(6))
    seed_journey([], created=at(7))
    # Recycled and re-qualified: counted once at MQL, not twice.
    seed_journey(["mql", "recycled", "mql", "sal"], created=at(8))
    # Sales-generated: joins at SQL, never an MQL.
    seed_journey(["sql"], created=at(9))
    # Outside the period: created before it, even though it moved inside it.
    seed_journey(["mql", "sal", "sql"], created=at(12, 30, year=2024))

    summary = synced_summary()

    counts = {step.stage: step.count for step in summary.steps}
    assert counts == {
        "lead": 7,
        "mql": 5,
        "sal": 4,
        "sql": 3,
        "opportunity": 2,
        "customer": 1,
    }
    conversions = {step.stage: step.conversion for step in summary.steps}
    assert conversions["lead"] is None
    assert conversions["mql"] == pytest.approx(5 / 7)
    assert conversions["sal"] == pytest.approx(4 / 5)
    assert conversions["sql"] == pytest.approx(3 / 4)
    assert conversions["customer"] == pytest.approx(1 / 2)
    assert summary.overall_conversion == pytest.approx(1 / 7)
    assert (summary.leads, summary.mqls) == (7, 5)
    assert [step.stage for step in summary.steps] == [
        "lead",
        "mql",
        "sal",
        "sql",
        "opportunity",
        "customer",
    ]


def test_period_bounds_are_whole_days_in_the_current_time_zone():
    seed_journey([], created=datetime(2025, 1, 1, 0, 0, tzinfo=UTC))
    seed_journey([], created=datetime(2025, 12, 31, 23, 59, 59, tzinfo=UTC))
    seed_journey([], created=datetime(2024, 12, 31, 23, 59, 59, tzinfo=UTC))
    seed_journey([], created=datetime(2026, 1, 1, 0, 0, tzinfo=UTC))

    assert synced_summary().leads == 2
    assert funnel_summary(start=date(2025, 12, 31), end=date(2025, 12, 31)).leads == 1


def test_headline_money_is_dated_by_close_and_spend_day():
    won_deal("1000.00", at(2))
    won_deal("250.50", at(11, 30))
    won_deal("999.00", at(1, 1, year=2024))  # closed before the period
    won_deal("70000.00", at(5), currency="RUB")  # another currency: left out, counted
    Deal.objects.create(name="Open", amount=Decimal(5000), stage=DealStage.PROPOSAL)
    Deal.objects.create(
        name="Lost",
        amount=Decimal(300),
        stage=DealStage.LOST,
        closed_at=at(6),
        lost_reason="price",
    )
    paid = Channel.objects.get(slug="paid-search")
    email = Channel.objects.get(slug="email")
    SpendEntry.objects.create(date=date(2025, 1, 1), channel=paid, cost=Decimal("100.25"))
    SpendEntry.objects.create(date=date(2025, 12, 31), channel=email, cost=Decimal("20"))
    SpendEntry.objects.create(date=date(2024, 12, 31), channel=paid, cost=Decimal("999"))

    summary = synced_summary()

    assert summary.won_deals == 3
    assert summary.revenue == Decimal("1250.50")
    assert summary.revenue_currency == "USD"
    assert summary.revenue_deals_other_currency == 1
    assert summary.spend == Decimal("120.25")
    assert summary.spend_currency == "USD"
    assert summary.spend_entries_other_currency == 0
    assert summary.leads == 0
    assert not summary.is_empty


def test_revenue_uses_the_currency_most_deals_use():
    won_deal("100", at(2), currency="EUR")
    won_deal("200", at(3), currency="EUR")
    won_deal("5000", at(4), currency="USD")

    summary = synced_summary()

    assert (summary.revenue, summary.revenue_currency) == (Decimal("300"), "EUR")
    assert summary.revenue_deals_other_currency == 1


def test_empty_period():
    summary = synced_summary()

    assert summary.is_empty
    assert [step.count for step in summary.steps] == [0] * 6
    assert all(step.conversion is None for step in summary.steps)
    assert summary.overall_conversion is None
    assert (summary.revenue, summary.spend) == (Decimal(0), Decimal(0))


def test_reversed_period_is_refused_naming_the_field():
    with pytest.raises(InvalidInput) as error:
        funnel_summary(start=END, end=START)
    assert error.value.field == "start"


def test_the_operational_database_is_not_queried(django_assert_num_queries):
    for month in range(1, 6):
        seed_journey(["mql", "sal"], created=at(month))
    analytics_sync()
    with django_assert_num_queries(0):
        summary = funnel_summary(start=START, end=END)
    assert summary.step("sal").count == 5
    assert summary.data_as_of is not None and summary.ready


def test_before_the_first_sync_the_summary_is_empty_and_not_ready():
    seed_journey(["mql"], created=at(3))
    summary = funnel_summary(start=START, end=END)
    assert not summary.ready and summary.is_empty and summary.data_as_of is None
