"""Published snapshots: atomic switch, safe collection, one writer, and several nodes."""

import threading
import time
from datetime import timedelta

import duckdb
import pytest
from django.db import connection

from accord.analytics import engine
from accord.analytics.engine import AnalyticsBusy
from accord.analytics.filters import ReportFilters
from accord.analytics.runners.funnel import FunnelQuery, FunnelRunner
from accord.analytics.snapshots import SnapshotStore, snapshots_collect
from accord.analytics.sync import analytics_sync, data_as_of, lease, publishing
from accord.analytics.tests.analytics_support import END, START, at
from accord.contacts.models import StageTransition


def _working(path, rows: int) -> None:
    con = duckdb.connect(str(path))
    con.execute("CREATE OR REPLACE TABLE t AS SELECT range AS id FROM range(?)", [rows])
    con.execute("CHECKPOINT")
    con.close()


def _rows_seen(store: SnapshotStore) -> int:
    con = duckdb.connect(str(store.local_file(store.manifest())), read_only=True)
    try:
        return con.execute("SELECT count(*) FROM t").fetchall()[0][0]
    finally:
        con.close()


@pytest.mark.parametrize("where", ["local", "memory"])
def test_a_reader_sees_the_old_snapshot_or_the_new_never_a_mix(tmp_path, where):
    url = str(tmp_path / "store") if where == "local" else f"memory://accord-{tmp_path.name}"
    replica = tmp_path / "replica" if where == "memory" else None
    store = SnapshotStore(url, replica_dir=replica)
    working = tmp_path / "work.duckdb"
    _working(working, 1)
    first = store.publish(working, tables={"t": 1}, snapshot_id="20260101T000000000000Z-a")
    _working(working, 2)
    seen_during: list[int] = []
    second = store.publish(
        working,
        tables={"t": 2},
        snapshot_id="20260101T000100000000Z-b",
        # The new file is complete, the manifest not switched yet: readers keep the old one.
        before_switch=lambda: seen_during.append(_rows_seen(store)),
    )
    assert seen_during == [1]
    assert _rows_seen(store) == 2
    assert store.manifest() == second != first
    assert second.sha256 and second.bytes == working.stat().st_size


def test_collection_keeps_what_readers_may_hold(tmp_path):
    store = SnapshotStore(str(tmp_path / "store"))
    working = tmp_path / "work.duckdb"
    for n in range(1, 5):
        _working(working, n)
        store.publish(working, tables={"t": n}, snapshot_id=f"20260101T00000{n}000000Z-x")
    oldest = duckdb.connect(
        str(store.local_file(store.manifest("snapshots/20260101T000001000000Z-x.json"))),
        read_only=True,
    )
    # Superseded moments ago: inside the grace period, nothing goes.
    assert snapshots_collect(store, keep=1, grace=timedelta(minutes=10)) == []

    def failing_switch():
        raise RuntimeError("lease lost")

    with pytest.raises(RuntimeError):  # a publish that never switched leaves an orphan file
        store.publish(
            working, tables={}, snapshot_id="20260101T000009000000Z-y", before_switch=failing_switch
        )
    removed = snapshots_collect(store, keep=2, grace=timedelta(0))
    assert removed == ["20260101T000001000000Z-x", "20260101T000002000000Z-x"]
    assert store.manifest().snapshot_id == "20260101T000004000000Z-x"  # the orphan is newer: kept
    assert _rows_seen(store) == 4
    # A reader that opened the oldest before it was collected reads on.
    assert oldest.execute("SELECT count(*) FROM t").fetchall() == [(1,)]
    oldest.close()


def test_the_lease_admits_one_writer_and_fences_a_stalled_one(db, duckdb_file):
    assert lease.lease_try("node-a")
    assert not lease.lease_try("node-b")
    with pytest.raises(AnalyticsBusy):
        analytics_sync(wait=0)
    assert not duckdb_file.exists()  # the refused sync wrote nothing
    # node-a stalls past its expiry; node-b takes over and node-a may no longer publish.
    lease.CopyLease.objects.update(expires_at=lease.timezone.now() - timedelta(seconds=1))
    assert lease.lease_try("node-b")
    with pytest.raises(lease.LeaseLost):
        lease.lease_confirm("node-a")
    lease.lease_release("node-b")
    assert analytics_sync(wait=0).full


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_writers_never_both_write(duckdb_file):
    """Two writers of the copy (what the sync runs in) started together: one at a time."""
    active, most, lock = [0], [0], threading.Lock()
    start, outcomes = threading.Barrier(2), []

    def write():
        start.wait()
        try:
            with publishing.copy_writing(wait=10) as writing:
                with lock:
                    active[0] += 1
                    most[0] = max(most[0], active[0])
                time.sleep(0.02)  # widen the window a second writer would need
                writing.con.execute("CREATE TABLE IF NOT EXISTS writes (n INTEGER)")
                writing.con.execute("INSERT INTO writes VALUES (1)")
                with lock:
                    active[0] -= 1
            outcomes.append("written")
        except Exception as error:
            outcomes.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=write) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes == ["written", "written"] and most[0] == 1
    con = duckdb.connect(str(duckdb_file), read_only=True)
    assert con.execute("SELECT count(*) FROM writes").fetchall() == [(2,)]
    con.close()


@pytest.fixture
def shared_store(settings, tmp_path):
    settings.ANALYTICS_SNAPSHOT_URL = f"memory://accord-{tmp_path.name}"


def test_another_node_adopts_the_snapshot_and_reports_read_it(
    shared_store, company, settings, tmp_path
):
    """Node A synced and published to a shared store (``company``); node B (no working file
    of its own) takes the next sync incrementally from the snapshot; a web node reads it from
    a replica."""
    settings.ANALYTICS_DUCKDB_PATH = str(tmp_path / "node-b" / "analytics.duckdb")
    settings.VAR_DIR = str(tmp_path / "node-b")
    lead = StageTransition.objects.first().lead
    StageTransition.objects.create(lead=lead, from_stage="sql", to_stage="sql", at=at(3, 9, 9))
    report = analytics_sync()
    assert report.full is False and report.rows["stage_transitions"] == 1
    settings.VAR_DIR = str(tmp_path / "web-node")  # its replicas go here
    funnel = FunnelRunner(FunnelQuery(ReportFilters(START, END))).run()
    assert funnel.total.steps[0].count == 3
    assert list((tmp_path / "web-node" / "analytics-replicas").glob("*.duckdb"))
    # A sync that finds nothing new publishes nothing, and reports still say it checked.
    published = engine.snapshot_store().manifest()
    assert analytics_sync().rows["stage_transitions"] == 0
    checked = engine.snapshot_store().manifest()
    assert checked.snapshot_id == published.snapshot_id and checked.checked_at
    with engine.reader() as con:
        assert data_as_of(con) > funnel.data_as_of
