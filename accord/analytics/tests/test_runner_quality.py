from accord.analytics.filters import ReportFilters
from accord.analytics.runners.quality import (
    HIGH_HIGH,
    HIGH_LOW,
    LOW_HIGH,
    QualityQuery,
    QualityRunner,
)
from accord.analytics.sync import analytics_sync
from accord.analytics.tests.analytics_support import END, START
from accord.handoff.models import QualityRating


def _rate(company) -> None:
    """A: 5 (rep1) and 4 (rep2); B: 2; C: 3; D (created in February): 1."""
    leads, rep1, rep2 = company["leads"], company["rep1"], company["rep2"]
    for lead, by, rating in [
        ("A", rep1, 5),
        ("A", rep2, 4),
        ("B", rep1, 2),
        ("C", rep2, 3),
        ("D", rep2, 1),
    ]:
        QualityRating.objects.create(lead=leads[lead], by=by, rating=rating)
    analytics_sync()


def test_cohort_mode(company):
    _rate(company)
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
    ratings = {q.label: (q.ratings, q.average_rating) for q in r.rows}
    assert ratings == {"paid-search": (3, 11 / 3), "email": (1, 3.0)}
    assert [(x.rating, x.count) for x in r.ratings] == [(1, 0), (2, 1), (3, 1), (4, 1), (5, 1)]
    assert (r.volume_cut, r.quality_cut) == (1.5, 0.75)


def test_period_mode(company):
    _rate(company)
    r = QualityRunner(QualityQuery(ReportFilters(START, END, mode="period"))).run()
    rows = {q.label: (q.mqls, q.accepted, q.mql_to_sql, q.quadrant) for q in r.rows}
    assert rows == {"paid-search": (2, 1, 0.5, HIGH_LOW), "email": (2, 2, 0.0, HIGH_HIGH)}
    ratings = {q.label: (q.ratings, q.average_rating) for q in r.rows}
    assert ratings == {"paid-search": (3, 11 / 3), "email": (2, 2.0)}
    assert r.ratings[0].count == 1


def test_unrated_groups_have_no_average(company):
    r = QualityRunner(QualityQuery(ReportFilters(START, END))).run()
    assert {q.label: (q.ratings, q.average_rating) for q in r.rows} == {
        "paid-search": (0, None),
        "email": (0, None),
    }
    assert sum(x.count for x in r.ratings) == 0
