from accord.analytics.filters import ReportFilters
from accord.analytics.runners.reps import RepsQuery, RepsRunner
from accord.analytics.tests.analytics_support import END, START


def _rates(rep):
    return [c.rate for c in rep.conversions]


def test_cohort_mode(company):
    rows = {r.username: r for r in RepsRunner(RepsQuery(ReportFilters(START, END), 1)).run().rows}
    assert set(rows) == {"rep1", "rep2"}
    rep1, rep2 = rows["rep1"], rows["rep2"]
    assert (rep1.leads, rep1.activities) == (2, 2)
    assert _rates(rep1) == [0.5, 1.0, 1.0, 1.0]
    assert (rep1.first_contact.within_sla, rep1.first_contact.sla_compliance) == (1, 0.5)
    assert rep1.first_contact.hours.median == 1.75
    assert (rep2.leads, rep2.activities) == (1, 0)
    assert _rates(rep2) == [1.0, 0.0, None, None]
    assert rep2.first_contact.sla_compliance == 0.0


def test_period_mode(company):
    result = RepsRunner(RepsQuery(ReportFilters(START, END, mode="period"), 1)).run()
    rep2 = {r.username: r for r in result.rows}["rep2"]
    # D (created in February) joins in period mode: MQL and SAL in March.
    assert (rep2.leads, rep2.conversions[0].reached_from, rep2.conversions[0].reached_to) == (
        2,
        2,
        2,
    )
    assert rep2.first_contact.mqls == 2
