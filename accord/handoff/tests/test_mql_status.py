""" "Where are my MQLs?" counts every MQL of the period, agrees with the funnel, and pages."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.test import Client

from accord.analytics.filters import PERIOD, ReportFilters
from accord.analytics.reports import report_run
from accord.demo import loader
from accord.handoff.inbox.mql_status import PAGE_SIZE, MqlFilters, mql_rows, mql_status
from accord.tracking.models import Channel

ANCHOR = date(2026, 3, 1)
START, END = ANCHOR - timedelta(days=364), ANCHOR - timedelta(days=1)


@pytest.fixture
def company(db, settings, tmp_path):
    from accord.analytics.sync import analytics_sync

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.ANALYTICS_DUCKDB_PATH = str(tmp_path / "analytics.duckdb")
    loader.demo_load(seed=7, size="small", anchor=ANCHOR, leads=600, chunk_leads=300)
    analytics_sync()


def _funnel_mqls(**dimensions) -> int:
    filters = ReportFilters(start=START, end=END, mode=PERIOD, **dimensions)
    return report_run("funnel", filters).total.step("mql").count


def test_counts_cover_every_mql_of_the_period_and_equal_the_funnels(company):
    status = mql_status(MqlFilters(start=START, end=END))
    assert status.total == _funnel_mqls() > PAGE_SIZE
    assert sum(status.counts.values()) == status.total
    assert status.counts["accepted"] + status.counts["deal"] > 0
    assert status.listed.count() == status.total
    for channel in Channel.objects.filter(leads__isnull=False).distinct():
        narrowed = mql_status(MqlFilters(start=START, end=END, channel_id=channel.pk))
        assert narrowed.total == _funnel_mqls(channel=channel.slug), channel.slug


def test_a_status_filter_lists_only_those_and_keeps_the_counts(company):
    everything = mql_status(MqlFilters(start=START, end=END))
    status = max(everything.counts, key=lambda key: everything.counts[key])
    chosen = mql_status(MqlFilters(start=START, end=END, status=status))
    assert chosen.counts == everything.counts
    assert chosen.listed.count() == everything.counts[status]
    assert {row.status for row in mql_rows(chosen.listed[:PAGE_SIZE])} == {status}


def test_the_page_shows_the_period_tiles_and_pages(company, marketing_user):
    client = Client()
    client.force_login(marketing_user)
    first = client.get(f"/handoff/marketing/?start={START}&end={END}").content.decode()
    total = mql_status(MqlFilters(start=START, end=END)).total
    assert f"{total} leads became MQLs from" in first
    assert 'rel="next"' in first and f"1\N{EN DASH}{PAGE_SIZE} of {total}" in first
    second = client.get(f"/handoff/marketing/?start={START}&end={END}&page=2").content.decode()
    assert f"{PAGE_SIZE + 1}\N{EN DASH}" in second
    bad = client.get("/handoff/marketing/?start=not-a-date&channel=999999")
    assert bad.status_code == 200
    assert "Enter a valid date." in bad.content.decode()
