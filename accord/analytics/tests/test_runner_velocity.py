import pytest

from accord.analytics.filters import ReportFilters
from accord.analytics.runners.velocity import VelocityQuery, VelocityRunner
from accord.analytics.tests.analytics_support import END, START


def _stages(r):
    return {s.stage: (s.hours.count, s.hours.median, s.hours.p90) for s in r.stages}


def test_cohort_mode(company):
    r = VelocityRunner(VelocityQuery(ReportFilters(START, END), sla_hours=1)).run()
    stages = _stages(r)
    assert stages["lead"] == (3, 24, 24)
    assert stages["sal"][:2] == (2, 60) and stages["sal"][2] == pytest.approx(69.6)
    assert stages["opportunity"] == (1, 744, 744)
    assert (r.cycle_days.count, r.cycle_days.median) == (1, 40)
    fc = r.first_contact
    assert (fc.mqls, fc.contacted, fc.pending, fc.within_sla) == (3, 2, 0, 1)
    assert fc.hours.median == 1.75 and fc.hours.p90 == pytest.approx(2.75)
    assert fc.sla_compliance == pytest.approx(1 / 3)


def test_period_mode(company):
    r = VelocityRunner(VelocityQuery(ReportFilters(START, END, mode="period"), sla_hours=4)).run()
    assert _stages(r)["mql"] == (4, 24, 24)
    assert _stages(r)["lead"][0] == 3
    assert (r.cycle_days.count, r.cycle_days.median) == (0, None)
    fc = r.first_contact
    assert (fc.mqls, fc.contacted, fc.within_sla, fc.sla_compliance) == (4, 2, 2, 0.5)
