"""Funnel known answers (see analytics_support for the rows) and the ORM consistency check."""

from datetime import UTC

from accord.analytics.filters import ReportFilters
from accord.analytics.runners.funnel import FunnelQuery, FunnelRunner
from accord.analytics.tests.analytics_support import END, START


def _counts(group):
    return [s.count for s in group.steps]


def test_cohort_mode(company):
    r = FunnelRunner(FunnelQuery(ReportFilters(START, END, mode="cohort"))).run()
    assert _counts(r.total) == [3, 3, 2, 1, 1, 1]
    # Visits are visitor-days: v1 on 03-01 and 03-02, v2 on 03-03, A's contact on 03-04.
    assert (r.total.impressions, r.total.clicks, r.total.visits) == (1000, 100, 4)
    assert r.total.step("sal").conversion == 2 / 3
    assert r.total.overall_conversion == 1 / 3
    assert [(c.month, c.leads, c.won_by_offset) for c in r.cohort_matrix] == [
        ("2025-03", 3, (0, 1))
    ]
    assert r.data_as_of is not None


def test_period_mode(company):
    r = FunnelRunner(FunnelQuery(ReportFilters(START, END, mode="period"))).run()
    assert _counts(r.total) == [3, 4, 3, 1, 1, 0]
    assert r.total.step("mql").conversion == 4 / 3


def test_by_channel_and_filters(company):
    r = FunnelRunner(FunnelQuery(ReportFilters(START, END), group_by="channel")).run()
    assert {g.label: _counts(g) for g in r.groups} == {
        "email": [1, 1, 1, 0, 0, 0],
        "paid-search": [2, 2, 1, 1, 1, 1],
    }
    email = FunnelRunner(FunnelQuery(ReportFilters(START, END, channel="email"))).run().total
    assert _counts(email) == [1, 1, 1, 0, 0, 0]
    assert (email.impressions, email.clicks, email.visits) == (0, 0, 0)
    rep1 = FunnelRunner(FunnelQuery(ReportFilters(START, END, rep="rep1"))).run()
    assert _counts(rep1.total) == [2, 2, 1, 1, 1, 1]
    assert rep1.total.impressions is None and rep1.notes
    retail = ReportFilters(START, END, segment="industry=retail")
    assert _counts(FunnelRunner(FunnelQuery(retail)).run().total) == [2, 2, 2, 1, 1, 1]
    team = ReportFilters(START, END, team="East", mode="period")
    assert _counts(FunnelRunner(FunnelQuery(team)).run().total) == [2, 2, 1, 1, 1, 0]


def test_unknown_filter_value_names_the_field(company):
    import pytest

    from accord.core.errors import InvalidInput

    with pytest.raises(InvalidInput) as error:
        FunnelRunner(FunnelQuery(ReportFilters(START, END, channel="nope"))).run()
    assert error.value.field == "channel"
    with pytest.raises(InvalidInput) as error:
        ReportFilters(START, END, segment="size:huge")
    assert error.value.field == "segment"


def test_build_sql_needs_no_database():
    sql = FunnelRunner(FunnelQuery(ReportFilters(START, END), group_by="campaign")).build_sql()
    assert "mql_at" in sql.stages and "source_campaign_id" in sql.stages
    period = ReportFilters(START, END, mode="period")
    assert "stage_transitions" in FunnelRunner(FunnelQuery(period)).build_sql().stages


def _orm_cohort_counts() -> list[tuple[str, int]]:
    """The cohort funnel counted directly in the operational database with the ORM."""
    from django.db.models import Count

    from accord.contacts.models import Lead, StageTransition
    from accord.core.lifecycle import FUNNEL_STAGES

    since, until = ReportFilters(START, END).bounds()
    since, until = (d.replace(tzinfo=UTC) for d in (since, until))
    reached = dict(
        StageTransition.objects.filter(lead__created_at__gte=since, lead__created_at__lt=until)
        .values("to_stage")
        .annotate(n=Count("lead_id", distinct=True))
        .values_list("to_stage", "n")
    )
    reached["lead"] = Lead.objects.filter(created_at__gte=since, created_at__lt=until).count()
    return [(s.value, reached.get(s.value, 0)) for s in FUNNEL_STAGES]


def test_funnel_equals_orm_counts(company):
    from accord.analytics.selectors import funnel_summary

    orm = _orm_cohort_counts()
    copy = FunnelRunner(FunnelQuery(ReportFilters(START, END))).run()
    assert orm == [(s.stage, s.count) for s in copy.total.steps]
    # The dashboard's summary (its own query over the copy) agrees too.
    assert orm == [(s.stage, s.count) for s in funnel_summary(start=START, end=END).steps]
