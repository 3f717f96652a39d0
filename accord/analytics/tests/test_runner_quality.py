from accord.analytics.filters import ReportFilters
from accord.analytics.runners.quality import (
    HIGH_HIGH,
    HIGH_LOW,
    LOW_HIGH,
    QualityQuery,
    QualityRunner,
)
from accord.analytics.tests.analytics_support import END, START


def test_cohort_mode(company):
    r = QualityRunner(QualityQuery(ReportFilters(START, END))).run()
    rows = {
        q.label: (q.mqls, q.accepted, q.sqls, q.rejected, q.acceptance_rate, q.quadrant)
        for q in r.rows
    }
    assert rows == {
        "paid-search": (2, 1, 1, 1, 0.5, HIGH_LOW),
        "email": (1, 1, 0, 1, 1.0, LOW_HIGH),
    }
    assert [(x.reason, x.count, x.share, x.cumulative_share) for x in r.reasons] == [
        ("bad timing", 1, 0.5, 0.5),
        ("no budget", 1, 0.5, 1.0),
    ]
    assert r.ratings == () and r.notes


def test_period_mode(company):
    r = QualityRunner(QualityQuery(ReportFilters(START, END, mode="period"))).run()
    rows = {q.label: (q.mqls, q.accepted, q.mql_to_sql, q.quadrant) for q in r.rows}
    assert rows == {"paid-search": (2, 1, 0.5, HIGH_LOW), "email": (2, 2, 0.0, HIGH_HIGH)}
