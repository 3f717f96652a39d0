"""Incremental sync picks up exactly the new rows and the changes; erasure; the schedule."""

from datetime import UTC, datetime

import duckdb

from accord.analytics.filters import ReportFilters
from accord.analytics.runners.funnel import FunnelQuery, FunnelRunner
from accord.analytics.sync import analytics_contact_erase, analytics_sync, touch_paths_sql
from accord.analytics.tests.analytics_support import END, START, at
from accord.contacts.models import Lead, StageTransition
from accord.tracking.models import Campaign, Touchpoint


def _copy(path, sql):
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_second_sync_copies_nothing_new(company, duckdb_file):
    report = analytics_sync()
    assert report.full is False
    assert report.rows["touchpoints"] == report.rows["stage_transitions"] == 0
    assert _copy(duckdb_file, "SELECT count(*) FROM stage_transitions") == [(16,)]


def test_incremental_sync_picks_up_new_rows_and_changes(company, duckdb_file):
    b = company["leads"]["B"]
    a_contact = company["leads"]["A"].contact
    StageTransition.objects.create(
        lead=b, from_stage="disqualified", to_stage="recycled", at=at(3, 8, 9), reason="try later"
    )
    # A write that does not touch updated_at: found through the new transition's lead.
    Lead.objects.filter(pk=b.pk).update(stage="recycled")
    Campaign.objects.filter(utm_campaign="spring").update(name="Spring sale")
    Campaign.objects.get(utm_campaign="spring").save()  # bumps updated_at
    # Identity stitching: the anonymous touches of v1 get a contact, and v1 touches again.
    Touchpoint.objects.filter(visitor_id="v1").update(contact=a_contact)
    Touchpoint.objects.create(
        at=at(3, 9, 9),
        type="page_view",
        visitor_id="v1",
        contact=a_contact,
        channel=company["paid"],
    )
    report = analytics_sync()
    assert report.rows["stage_transitions"] == 1
    assert report.rows["touchpoints"] == 1 + 2  # the new touch and the two stitched ones
    assert _copy(duckdb_file, "SELECT count(*) FROM stage_transitions") == [(17,)]
    assert _copy(duckdb_file, f"SELECT stage FROM leads WHERE id = {b.pk}") == [("recycled",)]
    assert _copy(duckdb_file, "SELECT name FROM campaigns") == [("Spring sale",)]
    assert _copy(
        duckdb_file, f"SELECT count(*) FROM touchpoints WHERE contact_id = {a_contact.pk}"
    ) == [(4,)]
    # The daily visits rollup follows: v1 is back on 03-09.
    funnel = FunnelRunner(FunnelQuery(ReportFilters(START, END))).run()
    assert funnel.total.visits == 5


def test_deleted_rows_leave_the_copy(company, duckdb_file):
    c = company["leads"]["C"]
    c.contact.delete()
    report = analytics_sync()
    assert report.removed["leads"] == 1 and report.removed["stage_transitions"] == 4
    funnel = FunnelRunner(FunnelQuery(ReportFilters(START, END))).run()
    assert funnel.total.steps[0].count == 2


def test_erasure_removes_the_contact_from_the_copy(company, duckdb_file):
    a = company["leads"]["A"]
    removed = analytics_contact_erase(contact_id=a.contact_id)
    assert removed["leads"] == 1 and removed["stage_transitions"] == 6
    assert removed["touchpoints"] == 1 and removed["deals"] == 1
    assert _copy(duckdb_file, f"SELECT count(*) FROM leads WHERE contact_id = {a.contact_id}") == [
        (0,)
    ]
    # The deal stays (revenue is the company's), without the person.
    assert _copy(duckdb_file, "SELECT lead_id FROM deals WHERE stage = 'won'") == [(None,)]


def test_full_rebuild_and_freshness(company, duckdb_file):
    before = datetime.now(UTC)
    report = analytics_sync(full=True)
    assert report.full and report.rows["leads"] == 4
    funnel = FunnelRunner(FunnelQuery(ReportFilters(START, END))).run()
    assert funnel.data_as_of >= before.replace(microsecond=0)


def test_sync_is_scheduled_every_minute(db):
    from django_q.models import Schedule

    schedule = Schedule.objects.get(name="analytics.sync")
    assert (schedule.func, schedule.minutes) == ("accord.analytics.jobs.analytics_sync_job", 1)


def test_reports_before_any_sync_say_so(db, duckdb_file):
    import pytest

    from accord.analytics.engine import AnalyticsNotReady

    with pytest.raises(AnalyticsNotReady):
        FunnelRunner(FunnelQuery(ReportFilters(START, END))).run()


def test_quality_ratings_follow_new_changed_and_erased(company, duckdb_file):
    from accord.handoff.models import QualityRating

    a, rep1 = company["leads"]["A"], company["rep1"]
    rating = QualityRating.objects.create(lead=a, by=rep1, rating=2)
    assert analytics_sync().rows["quality_ratings"] == 1
    # Unchanged: not re-read.
    assert analytics_sync().rows["quality_ratings"] == 0
    # Re-rated in place (no updated_at on ratings): the fingerprint notices.
    QualityRating.objects.filter(pk=rating.pk).update(rating=4)
    assert analytics_sync().rows["quality_ratings"] == 1
    assert _copy(duckdb_file, "SELECT lead_id, rating FROM quality_ratings") == [(a.pk, 4)]
    removed = analytics_contact_erase(contact_id=a.contact_id)
    assert removed["quality_ratings"] == 1
    assert _copy(duckdb_file, "SELECT count(*) FROM quality_ratings") == [(0,)]


def test_lead_facts_follow_the_logs(company, duckdb_file):
    """The per-lead stage entries and first contact the sync derives (``LEAD_FACTS``)."""

    def naive(moment):
        return moment.replace(tzinfo=None)

    from accord.pipeline.models import Activity

    c = company["leads"]["C"]
    facts = (
        "SELECT mql_at, sal_at, sal_last_at, rejected_last_at, first_contact_at "
        f"FROM leads WHERE id = {c.pk}"
    )
    # C: MQL 03-21 08:00, SAL 03-22 08:00, recycled from SAL 03-25 08:00, never contacted.
    assert _copy(duckdb_file, facts) == [
        (naive(at(3, 21, 8)), naive(at(3, 22, 8)), naive(at(3, 22, 8)), naive(at(3, 25, 8)), None)
    ]
    # Back to MQL and SAL, then a call: the first entries stay, the last SAL moves.
    for src, dst, when in (("recycled", "mql", at(3, 26, 8)), ("mql", "sal", at(3, 27, 8))):
        StageTransition.objects.create(lead=c, from_stage=src, to_stage=dst, at=when)
    Activity.objects.create(lead=c, user=company["rep2"], kind="call", at=at(3, 28, 9))
    analytics_sync()
    assert _copy(duckdb_file, facts) == [
        (
            naive(at(3, 21, 8)),
            naive(at(3, 22, 8)),
            naive(at(3, 27, 8)),
            naive(at(3, 25, 8)),
            naive(at(3, 28, 9)),
        )
    ]


def test_a_copy_without_lead_facts_gets_them_on_the_next_sync(company, duckdb_file):
    a = company["leads"]["A"]
    con = duckdb.connect(str(duckdb_file))
    try:
        con.execute("ALTER TABLE leads DROP COLUMN first_contact_at")
        con.execute("ALTER TABLE leads DROP COLUMN customer_at")
    finally:
        con.close()
    analytics_sync()
    assert _copy(
        duckdb_file, f"SELECT customer_at, first_contact_at FROM leads WHERE id = {a.pk}"
    ) == [(at(4, 10, 10).replace(tzinfo=None), at(3, 2, 10, 30).replace(tzinfo=None))]


def _paths(path) -> dict:
    rows = _copy(path, "SELECT contact_id, ts, channel_ids, campaign_ids FROM touch_paths")
    return {r[0]: r[1:] for r in rows}


def _paths_rebuilt(path) -> dict:
    return {r[0]: r[1:] for r in _copy(path, touch_paths_sql(None))}


def test_touch_paths_follow_new_stitched_and_erased_touches(company, duckdb_file):
    a_contact = company["leads"]["A"].contact
    assert _paths(duckdb_file) == _paths_rebuilt(duckdb_file)
    before = len(_paths(duckdb_file).get(a_contact.pk, ((),))[0])
    Touchpoint.objects.filter(visitor_id="v1").update(contact=a_contact)
    new = Touchpoint.objects.create(
        at=at(3, 9, 9),
        type="page_view",
        visitor_id="v1",
        contact=a_contact,
        channel=company["paid"],
    )
    analytics_sync()
    paths = _paths(duckdb_file)
    assert paths == _paths_rebuilt(duckdb_file)
    times, channels, _campaigns = paths[a_contact.pk]
    assert len(times) == before + 3 and times == sorted(times)
    assert channels[times.index(new.at.timestamp())] == company["paid"].pk
    analytics_contact_erase(contact_id=a_contact.pk)
    paths = _paths(duckdb_file)
    assert a_contact.pk not in paths and paths == _paths_rebuilt(duckdb_file)


def test_a_copy_without_touch_paths_gets_them_on_the_next_sync(company, duckdb_file):
    expected = _paths(duckdb_file)
    assert expected
    con = duckdb.connect(str(duckdb_file))
    try:
        con.execute("DROP TABLE touch_paths")
    finally:
        con.close()
    analytics_sync()
    assert _paths(duckdb_file) == expected


def test_a_won_deal_in_a_second_pipeline_makes_its_lead_a_customer(company, duckdb_file):
    # Lead C was recycled by its own moves; a deal of it is won in the Renewals pipeline (whose
    # closed stage is ``won`` as in every pipeline): the funnel counts it as an opportunity
    # and a customer, as it counts lead A, whose deal was won in the default pipeline.
    from decimal import Decimal

    from accord.pipeline.models import Deal
    from accord.pipeline.services import pipeline_create

    def steps() -> dict[str, int]:
        funnel = FunnelRunner(FunnelQuery(ReportFilters(START, END))).run()
        return {s.stage: s.count for s in funnel.total.steps}

    before = steps()
    renewals = pipeline_create(name="Renewals")
    Deal.objects.create(
        lead=company["leads"]["C"],
        name="C renewal",
        pipeline=renewals,
        stage="won",
        amount=Decimal("700"),
        created_at=at(3, 24, 9),
        closed_at=at(3, 28, 9),
    )
    analytics_sync()
    after = steps()
    assert after["customer"] == before["customer"] + 1
    assert after["opportunity"] == before["opportunity"] + 1
    lead_id = company["leads"]["C"].pk
    assert _copy(duckdb_file, f"SELECT customer_at FROM leads WHERE id = {lead_id}") == [
        (datetime(2025, 3, 28, 9, 0),)
    ]
    assert _copy(
        duckdb_file,
        f"SELECT p.key FROM deals d JOIN pipelines p ON p.id = d.pipeline_id "
        f"WHERE d.lead_id = {lead_id} AND d.stage = 'won'",
    ) == [("renewals",)]


def test_a_copy_lacking_a_table_a_report_reads_says_it_is_being_brought_up_to_date(
    company, duckdb_file
):
    """A copy written by an older release lacks a newer table until the next sync."""
    import duckdb
    import pytest
    from django.utils import translation

    from accord.analytics.engine import AnalyticsNotReady, reader

    analytics_sync()
    # In English whatever language an earlier test's request left active in this thread.
    with (
        translation.override("en"),
        pytest.raises(AnalyticsNotReady, match="brought up to date"),
        reader() as con,
    ):
        con.execute("SELECT count(*) FROM table_of_a_newer_release").fetchall()
    # Any other catalogue error is a bug, and is not disguised as "not ready".
    with pytest.raises(duckdb.CatalogException), reader() as con:
        con.execute("SELECT no_such_function(1)").fetchall()
