"""The incremental ClickHouse feed: after a series of syncs and corrections, the chDB copy fed
change by change answers every runner as DuckDB does, and as a full reload of it does.

The same simulated company as the parity test (demo generator, 300 leads), synced into chDB
(a full reload), then three rounds of changes, each followed by the sync (which feeds only
what it changed): new leads with touches and stage moves, identity stitching (anonymous
touches given a contact), a stage change, a won deal (lead facts rewritten by the sync), a
contact deleted in the database (rows removed by the sync) and a person erased.
"""

from __future__ import annotations

import logging
import shutil
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import duckdb
import pytest
from click.testing import CliRunner
from django.utils import translation

from accord.analytics.clickhouse.connection import chdb_session
from accord.analytics.commands import analytics
from accord.analytics.filters import ReportFilters
from accord.analytics.runners.funnel import FunnelQuery, FunnelRunner
from accord.analytics.sync import analytics_contact_erase, analytics_sync
from accord.analytics.tests.analytics_support import company_seed
from accord.analytics.tests.test_clickhouse_parity import (
    RUNNERS,
    answers,
    company_load,
    differences,
)
from accord.contacts.models import Contact, Lead, StageTransition
from accord.pipeline.models import Deal
from accord.tracking.models import Channel, Touchpoint

ANCHOR = datetime(2026, 3, 1, tzinfo=UTC)


def _at(days_before: int, hour: int = 10) -> datetime:
    return ANCHOR - timedelta(days=days_before) + timedelta(hours=hour)


def _new_lead(n: int, channel: Channel) -> Lead:
    contact = Contact.objects.create(email=f"feed{n}@example.com")
    created = _at(20 + n)
    lead = Lead.objects.create(contact=contact, source_channel=channel, created_at=created)
    StageTransition.objects.create(lead=lead, from_stage="", to_stage="lead", at=created)
    StageTransition.objects.create(
        lead=lead, from_stage="lead", to_stage="mql", at=created + timedelta(hours=5)
    )
    Lead.objects.filter(pk=lead.pk).update(stage="mql")
    for hour in (1, 2, 3):
        Touchpoint.objects.create(
            at=created - timedelta(hours=hour),
            type="page_view",
            visitor_id=f"feed-visitor-{n}",
            contact=contact,
            lead=lead,
            channel=channel,
        )
    return lead


def _stitch(contact: Contact) -> int:
    """Give a visitor's anonymous touches a contact, and the visitor a new identified touch."""
    visitor = (
        Touchpoint.objects.filter(contact__isnull=True)
        .exclude(visitor_id="")
        .values_list("visitor_id", flat=True)
        .first()
    )
    assert visitor, "the demo company has anonymous visitors"
    stitched = Touchpoint.objects.filter(visitor_id=visitor, contact__isnull=True).update(
        contact=contact
    )
    Touchpoint.objects.create(
        at=_at(3), type="form_submit", visitor_id=visitor, contact=contact, channel_id=None
    )
    return stitched


def _raw_count(path, table: str, final: int) -> int:
    result = chdb_session(path).query(f"SELECT count() FROM {table} SETTINGS final = {final}")
    return int(str(result).strip())


def _same(first: dict, second: dict, names: tuple[str, str]) -> list[str]:
    # ``data_as_of`` is when, not what: DuckDB's snapshot says when a later sync last found it
    # current, ClickHouse when the sync state it was fed was written.
    for answers_ in (first, second):
        for answer in answers_.values():
            answer.pop("data_as_of", None)
    found = {name: differences(first[name], second[name], name) for name in RUNNERS}
    return [
        f"{names[0]} vs {names[1]}: {name}: " + "; ".join(d[:3]) for name, d in found.items() if d
    ]


@pytest.fixture
def company(db, settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.ANALYTICS_DUCKDB_PATH = str(tmp_path / "analytics.duckdb")
    settings.ANALYTICS_CLICKHOUSE_URL = ""
    company_load()  # the parity test's company (its runners read the sales mix)
    settings.ANALYTICS_ENGINE = "clickhouse"
    analytics_sync()  # the first feed: a full reload
    return tmp_path / "analytics.chdb"


def test_incremental_feed_answers_as_duckdb_and_a_full_reload(company, settings, caplog):
    caplog.set_level(logging.INFO, logger="accord.analytics.clickhouse.feed")
    paid = Channel.objects.order_by("id").first()
    leads = list(Lead.objects.filter(is_open=True).select_related("contact").order_by("id")[:6])

    # Round 1: new leads with touches and moves; identity stitching; a stage change.
    new = [_new_lead(n, paid) for n in range(3)]
    stitched = _stitch(leads[0].contact)
    moved = leads[1]
    StageTransition.objects.create(
        lead=moved, from_stage=moved.stage, to_stage="disqualified", at=_at(2), reason="no fit"
    )
    moved.stage, moved.is_open = "disqualified", False
    moved.save()
    caplog.clear()
    analytics_sync()
    assert _feeds(caplog) == ["incremental"]

    # Round 2: a won deal (the sync rewrites its lead's facts), more touches, a contact
    # deleted in the database (the sync removes its lead and the lead's rows).
    Deal.objects.create(
        lead=new[0], name="feed deal", stage="won", amount=Decimal("1234"),
        created_at=_at(10), closed_at=_at(5),
    )  # fmt: skip
    for n in range(2):
        Touchpoint.objects.create(
            at=_at(4, 10 + n), type="page_view", visitor_id="feed-visitor-0",
            contact=new[0].contact, lead=new[0], channel=paid,
        )  # fmt: skip
    leads[2].contact.delete()
    caplog.clear()
    analytics_sync()
    assert _feeds(caplog) == ["incremental"]

    # Round 3: a person erased (the database first, then the copy at once), then a sync.
    erased = leads[3].contact_id
    leads[3].contact.delete()
    caplog.clear()
    removed = analytics_contact_erase(contact_id=erased)
    assert removed["leads"] == 1
    assert _feeds(caplog) == ["incremental"]
    analytics_sync()

    # The feed sent versions: rewritten touches are in chDB twice until it merges, and erased
    # rows have tombstones; FINAL (the connection's setting) sees one row per id.
    assert stitched > 0
    assert _raw_count(company, "touchpoints", 0) > _raw_count(company, "touchpoints", 1)
    incremental = answers(settings, "clickhouse")
    duck = answers(settings, "duckdb")
    settings.ANALYTICS_ENGINE = "clickhouse"
    result = CliRunner().invoke(analytics, ["feed", "--full"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Full feed")
    assert _raw_count(company, "touchpoints", 0) == _raw_count(company, "touchpoints", 1)
    reloaded = answers(settings, "clickhouse")
    caplog.clear()
    analytics_sync()  # and the feeds go on incrementally after a full reload
    assert _feeds(caplog) == ["incremental"]
    report = _same(duck, incremental, ("duckdb", "incremental")) + _same(
        reloaded, incremental, ("full reload", "incremental")
    )
    assert not report, "\n".join(report)
    # Not vacuous: the new leads count, the erased one does not.
    assert duck["funnel"]["total"]["steps"][0]["count"] > 100


@pytest.fixture
def seeded(db, settings, tmp_path):
    """The hand-made four-lead company, synced into chDB."""
    settings.ANALYTICS_DUCKDB_PATH = str(tmp_path / "analytics.duckdb")
    settings.ANALYTICS_CLICKHOUSE_URL = ""
    company_seed()
    settings.ANALYTICS_ENGINE = "clickhouse"
    analytics_sync()
    return tmp_path / "analytics.chdb"


def _feeds(caplog) -> list[str]:
    return [r.getMessage().split(" (")[1].split(")")[0] for r in caplog.records
            if r.getMessage().startswith("analytics copy fed")]  # fmt: skip


def test_a_lost_clickhouse_table_is_reloaded_by_the_next_feed(seeded, settings):
    chdb_session(seeded).query("DROP TABLE leads")
    analytics_sync()
    assert _raw_count(seeded, "leads", 1) == 4


def test_a_clickhouse_fed_from_another_copy_is_reloaded(seeded, settings, caplog):
    # Another node's copy (or an older snapshot) does not hold the batch ClickHouse was fed.
    con = duckdb.connect(settings.ANALYTICS_DUCKDB_PATH)
    try:
        con.execute("UPDATE feed_batches SET token = 'another copy'")
    finally:
        con.close()
    caplog.set_level(logging.INFO, logger="accord.analytics.clickhouse.feed")
    analytics_sync()
    analytics_sync()
    assert _feeds(caplog) == ["full", "incremental"]


def test_switching_from_duckdb_starts_with_a_full_reload(seeded, settings, caplog):
    settings.ANALYTICS_ENGINE = "duckdb"
    lead = Lead.objects.order_by("id").first()
    StageTransition.objects.create(
        lead=lead, from_stage=lead.stage, to_stage="disqualified", at=_at(400)
    )
    Lead.objects.filter(pk=lead.pk).update(stage="disqualified")
    analytics_sync()  # not noted: the engine is DuckDB
    settings.ANALYTICS_ENGINE = "clickhouse"
    caplog.set_level(logging.INFO, logger="accord.analytics.clickhouse.feed")
    analytics_sync()
    assert _feeds(caplog) == ["full"]
    report = _same(answers(settings, "duckdb"), answers(settings, "clickhouse"), ("d", "c"))
    assert not report, "\n".join(report)


def test_a_node_behind_the_latest_snapshot_feeds_only_from_it(seeded, settings, tmp_path, caplog):
    """Another node published since this one last wrote: the sync fetches the latest snapshot
    before it opens the writer, so the stale working file never feeds ClickHouse (closing a
    writer feeds it) and the feed that follows continues from the fetched copy."""
    node_a = settings.ANALYTICS_DUCKDB_PATH
    # The store both nodes publish to (by default each working file's own folder).
    settings.ANALYTICS_SNAPSHOT_URL = str(tmp_path / "analytics-snapshots")
    node_b = tmp_path / "node-b" / "analytics.duckdb"
    node_b.parent.mkdir()
    shutil.copy(node_a, node_b)  # node B continues the same snapshot
    settings.ANALYTICS_DUCKDB_PATH = str(node_b)
    lead = Lead.objects.order_by("id").first()
    StageTransition.objects.create(
        lead=lead, from_stage=lead.stage, to_stage="disqualified", at=_at(2)
    )
    Lead.objects.filter(pk=lead.pk).update(stage="disqualified")
    analytics_sync()  # node B writes and publishes
    settings.ANALYTICS_DUCKDB_PATH = node_a
    caplog.set_level(logging.INFO, logger="accord.analytics")
    analytics_sync()
    messages = [r.getMessage() for r in caplog.records]
    assert any(m.startswith("analytics copy: fetching snapshot") for m in messages)
    assert len(_feeds(caplog)) == 1, messages
    report = _same(answers(settings, "duckdb"), answers(settings, "clickhouse"), ("d", "c"))
    assert not report, "\n".join(report)


def test_a_chdb_copy_open_in_another_process_is_reported_not_a_crash(seeded, settings):
    """chDB serves one process at a time: while another process (the worker, say) holds the
    copy, a report says so and names the remedy instead of failing with a server error."""
    import subprocess
    import sys

    from accord.analytics.clickhouse.connection import chdb_close_all
    from accord.analytics.engine import AnalyticsBusy

    chdb_close_all()  # this process lets go of it
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, chdb.session as s; c = s.Session(sys.argv[1]); print('open', flush=True);"
         " sys.stdin.read()", str(seeded)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "open"
        with pytest.raises(AnalyticsBusy) as busy, translation.override("en"):
            FunnelRunner(FunnelQuery(ReportFilters(date(2026, 1, 1), date(2026, 3, 1)))).run()
        assert "ACCORD_CLICKHOUSE_URL" in str(busy.value)
    finally:
        holder.communicate("")
