import pytest

from accord.analytics.filters import ReportFilters
from accord.analytics.runners.kpis import KpisQuery, KpisRunner
from accord.analytics.tests.analytics_support import END, START


def test_cohort_mode(company):
    t = KpisRunner(KpisQuery(ReportFilters(START, END))).run().total
    assert (t.spend, t.leads, t.mqls, t.sqls, t.opportunities) == (300, 3, 3, 1, 1)
    assert (t.won_deals, t.revenue, t.pipeline) == (1, 1000, 500)
    assert (t.cpl, t.cost_per_mql, t.cost_per_sql, t.cac) == (100, 100, 300, 300)
    assert t.romi == pytest.approx(700 / 300)
    assert t.roas == pytest.approx(1000 / 300)


def test_period_mode(company):
    t = KpisRunner(KpisQuery(ReportFilters(START, END, mode="period"))).run().total
    assert (t.spend, t.leads, t.mqls, t.sqls, t.won_deals, t.revenue, t.pipeline) == (
        300,
        3,
        4,
        1,
        0,
        0,
        500,
    )
    assert (t.cac, t.romi, t.roas) == (None, -1, 0)


def test_by_channel_and_month(company):
    rows = KpisRunner(KpisQuery(ReportFilters(START, END), group_by="channel")).run().rows
    by = {r.label: r for r in rows}
    assert (by["paid-search"].spend, by["paid-search"].leads, by["paid-search"].revenue) == (
        300,
        2,
        1000,
    )
    assert (by["email"].spend, by["email"].leads, by["email"].pipeline) == (0, 1, 500)
    months = KpisRunner(KpisQuery(ReportFilters(START, END, mode="period"), group_by="month"))
    assert [(r.label, r.spend, r.mqls) for r in months.run().rows] == [("2025-03", 300, 4)]
