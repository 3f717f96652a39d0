"""A test lead counts in its rep's SLA statistics when an audit says so, and nowhere else.

The tiny company (``analytics_support``) plus test leads of rep1 (team East, paid search):
each an MQL on 03-10 10:00 first called at 12:00 — two hours later, past the one-hour SLA
and in the speed report's "over an hour" band. One has an audit with ``counts_in_sla``, one
an audit without it, one no audit. Only the first may move the reps report's response
times and the speed-to-lead bands per rep and per team; every other figure (funnel, KPIs,
attribution, quality, velocity, speed per channel, the reps' leads and conversions) answers
as if no test lead existed.
"""

from __future__ import annotations

import dataclasses

from accord.analytics import engine
from accord.analytics.filters import ReportFilters
from accord.analytics.runners.attribution import AttributionQuery, AttributionRunner
from accord.analytics.runners.funnel import FunnelQuery, FunnelRunner
from accord.analytics.runners.kpis import KpisQuery, KpisRunner
from accord.analytics.runners.quality import QualityQuery, QualityRunner
from accord.analytics.runners.reps import RepsQuery, RepsRunner
from accord.analytics.runners.speed import SpeedQuery, SpeedRunner
from accord.analytics.runners.summary import SummaryQuery, SummaryRunner
from accord.analytics.runners.velocity import VelocityQuery, VelocityRunner
from accord.analytics.sync import analytics_sync
from accord.analytics.tests.analytics_support import END, START, at
from accord.contacts.models import Contact, Lead, StageTransition
from accord.pipeline.models import Activity
from accord.quality.models import Audit, AuditTemplate

COHORT = ReportFilters(START, END)
PERIOD = ReportFilters(START, END, mode="period")

#: Figures a test lead never enters, counted in the SLA statistics or not.
OTHER_FIGURES = {
    "funnel": lambda: FunnelRunner(FunnelQuery(COHORT, group_by="channel")),
    "funnel-period": lambda: FunnelRunner(FunnelQuery(PERIOD)),
    "kpis": lambda: KpisRunner(KpisQuery(COHORT, group_by="channel")),
    "attribution": lambda: AttributionRunner(AttributionQuery(COHORT)),
    "quality": lambda: QualityRunner(QualityQuery(COHORT)),
    "velocity": lambda: VelocityRunner(VelocityQuery(COHORT)),
    "summary": lambda: SummaryRunner(SummaryQuery(START, END)),
    "speed-channel": lambda: SpeedRunner(SpeedQuery(PERIOD, group_by="channel", start="mql")),
}


def _answer(runner) -> str:
    result = runner.run()
    if any(f.name == "data_as_of" for f in dataclasses.fields(result)):
        result = dataclasses.replace(result, data_as_of=None)
    return repr(result)


def _test_lead(company, n: int, *, audited: bool | None) -> Lead:
    """A test lead of rep1 handed off on 03-10 10:00 and called at 12:00; ``audited``: an
    audit with ``counts_in_sla`` True or False, or none (None)."""
    rep1 = company["rep1"]
    lead = Lead.objects.create(
        contact=Contact.objects.create(email=f"shopper{n}@example.com"),
        source_channel=company["paid"],
        created_at=at(3, 10, 9),
        owner=rep1,
        team=rep1.team,
        is_test=True,
        stage="mql",
    )
    StageTransition.objects.create(lead=lead, from_stage="", to_stage="lead", at=at(3, 10, 9))
    StageTransition.objects.create(lead=lead, from_stage="lead", to_stage="mql", at=at(3, 10, 10))
    Activity.objects.create(lead=lead, user=rep1, kind="call", at=at(3, 10, 12))
    if audited is not None:
        _audit(lead, rep1, counts=audited)
    return lead


def _audit(lead: Lead, rep, *, counts: bool) -> Audit:
    template, _ = AuditTemplate.objects.get_or_create(name="Mystery shopper")
    return Audit.objects.create(
        template=template, lead=lead, rep=rep, score=50.0, counts_in_sla=counts
    )


def _speed(group_by: str) -> dict:
    result = SpeedRunner(SpeedQuery(PERIOD, group_by=group_by, start="mql")).run()
    rows = {r.label: (r.leads, r.within_5, r.over_60, r.not_yet) for r in result.rows}
    rows["all"] = (result.total.leads, result.total.within_5, result.total.over_60, 0)
    return rows


def _reps() -> dict:
    return {
        r.username: (
            r.first_contact.mqls,
            r.first_contact.contacted,
            r.first_contact.within_sla,
            r.leads,
            r.activities,
            tuple((c.reached_from, c.reached_to) for c in r.conversions),
        )
        for r in RepsRunner(RepsQuery(COHORT)).run().rows
    }


def test_only_the_counted_test_lead_enters_the_reps_sla_figures(company):
    speed_rep, speed_team, reps = _speed("rep"), _speed("team"), _reps()
    _test_lead(company, 1, audited=True)
    _test_lead(company, 2, audited=False)
    _test_lead(company, 3, audited=None)
    analytics_sync()

    # Speed to lead per rep and per team: one more lead of rep1 / East, over an hour.
    leads, within_5, over_60, not_yet = speed_rep["rep1"]
    assert _speed("rep")["rep1"] == (leads + 1, within_5, over_60 + 1, not_yet)
    assert _speed("rep")["all"][0] == speed_rep["all"][0] + 1
    leads, within_5, over_60, not_yet = speed_team["East"]
    assert _speed("team")["East"] == (leads + 1, within_5, over_60 + 1, not_yet)
    # The reps report: one more MQL of rep1, contacted, not within the SLA (a breach); the
    # leads, activities and conversions are funnel figures and do not move.
    mqls, contacted, within, *rest = reps["rep1"]
    assert _reps()["rep1"] == (mqls + 1, contacted + 1, within, *rest)
    assert _reps()["rep2"] == reps["rep2"]


def test_the_figures_a_test_lead_never_enters(company):
    before = {name: _answer(make()) for name, make in OTHER_FIGURES.items()}
    for n, audited in enumerate((True, False, None)):
        _test_lead(company, n, audited=audited)
    analytics_sync()
    after = {name: _answer(make()) for name, make in OTHER_FIGURES.items()}
    assert after == before


def test_the_copy_holds_only_the_counted_test_lead_apart_from_the_real_ones(company):
    counted = _test_lead(company, 1, audited=True)
    other = _test_lead(company, 2, audited=False)
    analytics_sync()
    with engine.reader() as con:
        ids = {row[0] for row in con.execute("SELECT id FROM leads").fetchall()}
        assert counted.pk not in ids and other.pk not in ids
        facts = con.execute(
            "SELECT id, owner_id, team_id, mql_at, first_contact_at FROM sla_test_leads"
        ).fetchall()
        assert facts == [
            (
                counted.pk,
                company["rep1"].pk,
                company["rep1"].team_id,
                at(3, 10, 10).replace(tzinfo=None),
                at(3, 10, 12).replace(tzinfo=None),
            )
        ]
        assert con.execute("SELECT lead_id, kind FROM sla_test_activities").fetchall() == [
            (counted.pk, "call")
        ]


def test_an_audit_recorded_later_counts_the_lead_at_the_next_incremental_sync(company):
    lead = _test_lead(company, 1, audited=False)
    analytics_sync()
    before = _speed("rep")["rep1"]
    _audit(lead, company["rep1"], counts=True)  # a second audit, counting it
    report = analytics_sync()
    assert not report.full and report.rows["sla_test_leads"] == 1
    assert _speed("rep")["rep1"][0] == before[0] + 1
    # And an audit taken back (corrected in place) leaves it out again.
    Audit.objects.filter(lead=lead).update(counts_in_sla=False)
    analytics_sync()
    assert _speed("rep")["rep1"] == before


def test_a_full_rebuild_keeps_the_counted_test_lead(company):
    _test_lead(company, 1, audited=True)
    analytics_sync()
    counted = _speed("team")
    analytics_sync(full=True)
    assert _speed("team") == counted


def test_the_reports_filters_apply_to_the_counted_test_leads(company):
    paid = ReportFilters(START, END, mode="period", channel="paid-search")
    email = dataclasses.replace(paid, channel="email")

    def rep1_leads(filters: ReportFilters) -> int:
        result = SpeedRunner(SpeedQuery(filters, group_by="rep", start="mql")).run()
        return {r.label: r.leads for r in result.rows}.get("rep1", 0)

    before = (rep1_leads(paid), rep1_leads(email))
    _test_lead(company, 1, audited=True)  # a paid-search lead
    analytics_sync()
    assert (rep1_leads(paid), rep1_leads(email)) == (before[0] + 1, before[1])
