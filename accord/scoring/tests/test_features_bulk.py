"""The bulk touch aggregates equal ``features.touch_aggregates`` column for column."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from accord.contacts.models import Lead
from accord.contacts.tests.factories import ContactFactory, LeadFactory
from accord.scoring.predictive import features, features_bulk
from accord.tracking.models import Channel, Touchpoint

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
TYPES = ["page_view", "email_click", "webinar", "demo_request", "ad_click"]


def _company(rng: random.Random) -> None:
    contacts = [ContactFactory() for _ in range(12)]
    base = NOW - timedelta(days=200)
    for contact in contacts[:10]:  # two contacts without leads; some contacts with two leads
        for _ in range(rng.choice([1, 1, 2])):
            LeadFactory(contact=contact, created_at=base + timedelta(days=rng.uniform(0, 220)))
    LeadFactory(contact=contacts[0], created_at=base + timedelta(days=150))  # a second lead
    LeadFactory(contact=ContactFactory(), created_at=base)  # a contact never touched
    channels = [*list(Channel.objects.values_list("pk", flat=True)), None]
    Touchpoint.objects.bulk_create(
        Touchpoint(
            contact=rng.choice([*contacts, None]),
            at=base + timedelta(days=rng.uniform(-20, 230), microseconds=rng.randrange(10**6)),
            type=rng.choice(TYPES),
            channel_id=rng.choice(channels),
            url="https://acme.example/",
        )
        for _ in range(600)
    )


@pytest.mark.parametrize(("seed", "snapshot_days"), [(1, 7.0), (2, 0.5), (3, 90.0)])
def test_bulk_aggregates_equal_the_sql_ones(seed, snapshot_days):
    rng = random.Random(seed)
    _company(rng)
    leads = list(Lead.objects.order_by("id").values_list("id", "created_at"))
    ids = np.array([pk for pk, _ in leads], dtype=np.int64)
    created = np.array([c.replace(tzinfo=None) for _, c in leads], dtype="datetime64[us]")
    config = features.FeatureConfig(snapshot_days=snapshot_days)
    expected = features.touch_aggregates(ids, created, config=config, now=NOW)
    got = features_bulk.touch_aggregates(
        ids, created, config=config, now=NOW, workers=3, processes=False
    )
    assert list(got.columns) == list(expected.columns)
    assert expected["touch.count"].sum() > 0 and expected["touch.days_since_first"].isna().any()
    pd.testing.assert_frame_equal(got, expected, check_exact=False, rtol=1e-9, atol=1e-6)


def test_bulk_aggregates_of_leads_without_touches():
    lead = LeadFactory()
    ids = np.array([lead.pk])
    created = np.array([lead.created_at.replace(tzinfo=None)], dtype="datetime64[us]")
    config = features.FeatureConfig()
    expected = features.touch_aggregates(ids, created, config=config, now=NOW)
    got = features_bulk.touch_aggregates(ids, created, config=config, now=NOW)
    pd.testing.assert_frame_equal(got, expected)
