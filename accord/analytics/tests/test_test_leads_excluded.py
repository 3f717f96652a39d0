"""Test leads (the mystery shopper's) are in no analytics figure: a test lead shaped exactly
like a real customer journey (touches, MQL, activities, a won deal, a rating) is added, the
copy synced, and every runner must answer as before — and the copy must hold none of it."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

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
from accord.handoff.models import QualityRating
from accord.pipeline.models import Activity, Deal
from accord.tracking.models import Touchpoint

FILTERS = ReportFilters(START, END)
PERIOD = ReportFilters(START, END, mode="period")

RUNNERS = {
    "funnel": lambda: FunnelRunner(FunnelQuery(FILTERS, group_by="channel")),
    "funnel-period": lambda: FunnelRunner(FunnelQuery(PERIOD)),
    "kpis": lambda: KpisRunner(KpisQuery(FILTERS, group_by="channel")),
    "velocity": lambda: VelocityRunner(VelocityQuery(FILTERS)),
    "quality": lambda: QualityRunner(QualityQuery(FILTERS)),
    "reps": lambda: RepsRunner(RepsQuery(FILTERS)),
    "reps-period": lambda: RepsRunner(RepsQuery(PERIOD)),
    "attribution": lambda: AttributionRunner(AttributionQuery(FILTERS)),
    "summary": lambda: SummaryRunner(SummaryQuery(START, END)),
    "speed": lambda: SpeedRunner(SpeedQuery(FILTERS, group_by="channel")),
    "speed-mql": lambda: SpeedRunner(SpeedQuery(PERIOD, group_by="rep", start="mql")),
}


def _answer(name: str) -> str:
    result = RUNNERS[name]().run()
    if dataclasses.is_dataclass(result) and any(
        f.name == "data_as_of" for f in dataclasses.fields(result)
    ):
        result = dataclasses.replace(result, data_as_of=None)
    return repr(result)


def _shopper_journey(company) -> Lead:
    """Lead A's journey again, as a test lead: every table the copy reads gets a row."""
    rep1, paid = company["rep1"], company["paid"]
    contact = Contact.objects.create(email="shopper@example.com")
    lead = Lead.objects.create(
        contact=contact,
        source_channel=paid,
        created_at=at(3, 1, 11),
        owner=rep1,
        team=rep1.team,
        is_test=True,
        stage="customer",
    )
    moves = [("", "lead", 1), ("lead", "mql", 2), ("mql", "sal", 3), ("sal", "sql", 5)]
    moves += [("sql", "opportunity", 10)]
    for source, target, day in moves:
        StageTransition.objects.create(
            lead=lead, from_stage=source, to_stage=target, at=at(3, day, 11)
        )
    StageTransition.objects.create(
        lead=lead, from_stage="opportunity", to_stage="customer", at=at(4, 10, 11)
    )
    Activity.objects.create(lead=lead, user=rep1, kind="call", at=at(3, 2, 11, 2))
    Deal.objects.create(
        lead=lead,
        name="Shopper",
        stage="won",
        amount=Decimal("5000"),
        created_at=at(3, 10, 11),
        closed_at=at(4, 10, 11),
    )
    Touchpoint.objects.create(
        at=at(3, 1, 10), type="form_submission", contact=contact, lead=lead, channel=paid
    )
    QualityRating.objects.create(lead=lead, by=company["rep2"], rating=1)
    return lead


@pytest.mark.parametrize("name", sorted(RUNNERS))
def test_each_runner_answers_as_if_the_test_lead_did_not_exist(company, name):
    before = _answer(name)
    _shopper_journey(company)
    analytics_sync()
    assert _answer(name) == before


def test_the_copy_holds_no_row_of_a_test_lead(company):
    lead = _shopper_journey(company)
    analytics_sync()
    with engine.reader() as con:
        for table, column in [
            ("leads", "id"),
            ("stage_transitions", "lead_id"),
            ("activities", "lead_id"),
            ("deals", "lead_id"),
            ("touchpoints", "lead_id"),
            ("quality_ratings", "lead_id"),
        ]:
            found = con.execute(f"SELECT count(*) FROM {table} WHERE {column} = ?", [lead.pk])
            assert found.fetchall()[0][0] == 0, table
        assert con.execute("SELECT count(*) FROM leads").fetchall()[0][0] == 4


def test_a_full_rebuild_leaves_them_out_too(company):
    lead = _shopper_journey(company)
    analytics_sync(full=True)
    with engine.reader() as con:
        assert con.execute("SELECT count(*) FROM leads WHERE id = ?", [lead.pk]).fetchall() == [
            (0,)
        ]
