from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from accord.contacts.services import lead_create, lead_transition
from accord.contacts.tests.factories import ContactFactory
from accord.pipeline.models import Deal, DealStage
from accord.tracking.models import Channel, SpendEntry

FULL_PATH = ["mql", "sal", "sql", "opportunity", "customer"]


@pytest.fixture(autouse=True)
def analytics_copy(settings, tmp_path):
    """Each test its own analytics copy (the dashboard reads DuckDB), absent until synced."""
    settings.ANALYTICS_DUCKDB_PATH = str(tmp_path / "analytics.duckdb")


@pytest.fixture
def seeded_2025(db):
    """Ten leads in 2025 with known stages, two won deals and spend.

    lead 10 · MQL 6 · SAL 4 · SQL 3 · opportunity 2 · customer 1;
    won 2 deals for $12,345.50; spend $1,500.25.
    """
    paths = [
        FULL_PATH,
        FULL_PATH[:4],
        FULL_PATH[:3],
        FULL_PATH[:2],
        FULL_PATH[:1],
        FULL_PATH[:1],
        [],
        [],
        [],
        [],
    ]
    for i, path in enumerate(paths):
        created = datetime(2025, 3, 1 + i, 10, tzinfo=UTC)
        lead = lead_create(contact=ContactFactory(), created_at=created)
        for step, stage in enumerate(path, start=1):
            lead_transition(lead_id=lead.pk, to_stage=stage, at=created + timedelta(days=step))
    for amount in ("10000.00", "2345.50"):
        Deal.objects.create(
            name="Deal",
            amount=Decimal(amount),
            stage=DealStage.WON,
            closed_at=datetime(2025, 6, 1, tzinfo=UTC),
        )
    SpendEntry.objects.create(
        date=datetime(2025, 2, 1).date(),
        channel=Channel.objects.get(slug="paid-search"),
        cost=Decimal("1500.25"),
    )
    from accord.analytics.sync import analytics_sync

    analytics_sync()
