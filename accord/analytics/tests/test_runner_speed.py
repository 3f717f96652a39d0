"""Speed to lead on the hand-made company (analytics_support), counted by hand.

From the MQL, period mode (MQLs of March): A MQL 03-02 10:00, call 10:30 → 30 min (5-30);
B MQL 03-06 09:00, call 12:00 → 180 min (over an hour); C MQL 03-21 08:00, call added here at
08:03 → 3 min (within 5); D MQL 03-01 12:00, only a note (not an attempt) → not yet.
"""

from __future__ import annotations

import pytest

from accord.analytics.filters import ReportFilters
from accord.analytics.runners.speed import SpeedQuery, SpeedRunner
from accord.analytics.sync import analytics_sync
from accord.analytics.tests.analytics_support import END, START, at
from accord.core.errors import InvalidInput
from accord.pipeline.models import Activity


@pytest.fixture
def calls(company):
    leads = company["leads"]
    Activity.objects.create(lead=leads["C"], user=company["rep2"], kind="call", at=at(3, 21, 8, 3))
    Activity.objects.create(lead=leads["D"], user=company["rep2"], kind="note", at=at(3, 1, 12, 1))
    analytics_sync()
    return company


def _bands(row):
    return (row.leads, row.within_5, row.within_30, row.within_60, row.over_60, row.not_yet)


def test_from_the_mql_per_rep(calls):
    filters = ReportFilters(START, END, mode="period")
    result = SpeedRunner(SpeedQuery(filters, group_by="rep", start="mql")).run()
    rows = {r.label: _bands(r) for r in result.rows}
    assert rows == {"rep1": (2, 0, 1, 0, 1, 0), "rep2": (2, 1, 0, 0, 0, 1)}
    assert _bands(result.total) == (4, 1, 1, 0, 1, 1)
    assert result.total.median_minutes == pytest.approx(30.0)
    assert result.total.within_5_share == 0.25


def test_from_creation_per_channel_in_cohort_mode(calls):
    # Created in March: A (call 24.5 h after), B (27 h), C (call 24 h 3 min after); D is February's.
    result = SpeedRunner(SpeedQuery(ReportFilters(START, END), group_by="channel")).run()
    rows = {r.label: _bands(r) for r in result.rows}
    assert rows == {"paid-search": (2, 0, 0, 0, 2, 0), "email": (1, 0, 0, 0, 1, 0)}


def test_bad_query_names_the_field():
    with pytest.raises(InvalidInput) as refused:
        SpeedQuery(ReportFilters(START, END), group_by="planet")
    assert refused.value.field == "group_by"
    with pytest.raises(InvalidInput) as refused:
        SpeedQuery(ReportFilters(START, END), start="yesterday")
    assert refused.value.field == "start"
