"""Publishing the analytics copy as snapshots: a DuckDB file per publish vs partitioned Parquet.

For each size (leads; touches = 20 per lead, as the 1M-lead / 20M-touch bench), a synthetic
copy shaped like Accord's (leads with their stage facts, touchpoints, touch paths) is built
in DuckDB, then, side by side in one run:

- DuckDB file: publish = CHECKPOINT + copy into the snapshot store with its sha256
  (``SnapshotStore.publish``, what the sync does); a replica download (what a web node of an
  object store does once per snapshot); reader open (connect read-only + a first query);
- Parquet: a full export (touchpoints in id-range partitions of 2M rows), the least a
  minute's changes rewrite (the newest touchpoints partition, the whole leads table — its
  changed rows are spread over it — and the touch paths), reader open (views over the files);
- one report-shaped query (touches per channel of a 90-day lead cohort) on each;
- the change check of each sync (row hashes of the leads: ``_rewritten_checksum``).

    .venv/bin/python bench/analytics_snapshots.py --sizes 100000,300000,1000000

Numbers are printed; bench/README.md records a run.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from accord.analytics.snapshots import SnapshotStore

PARTITION_ROWS = 2_000_000
QUERY = """
SELECT t.channel_id, count(*) AS touches, count(DISTINCT l.id) AS leads
FROM touchpoints t JOIN leads l ON l.contact_id = t.contact_id
WHERE l.created_at >= TIMESTAMP '2026-03-01' AND l.created_at < TIMESTAMP '2026-06-01'
GROUP BY 1 ORDER BY 1
"""


def build(path: Path, leads: int) -> None:
    """A synthetic copy with the shapes and widths of Accord's largest tables."""
    con = duckdb.connect(str(path))
    con.execute("SET preserve_insertion_order = false")
    facts = ", ".join(
        f"CASE WHEN id % {k + 2} = 0 THEN created_at + INTERVAL {k + 1} DAY END AS fact_{k}"
        for k in range(8)
    )
    con.execute(
        f"""CREATE TABLE leads AS SELECT *, {facts} FROM (
        SELECT i AS id, i AS contact_id, (i % 12) + 1 AS channel_id, (i % 40) + 1 AS campaign_id,
        TIMESTAMP '2025-12-01' + INTERVAL (i * (31536000 // $leads)) SECOND AS created_at,
        created_at AS updated_at,
        ['new','mql','sal','sql','won','lost'][(i % 6) + 1] AS stage, (i % 100) AS score,
        '{{"industry": "retail", "size": "' || (i % 500) || '"}}' AS properties,
        (i % 25) + 1 AS owner_id
        FROM range(1, $leads + 1) r(i))""",
        {"leads": leads},
    )
    con.execute(
        """CREATE TABLE touchpoints AS SELECT i AS id,
        TIMESTAMP '2025-12-01' + INTERVAL (i * 37 % 31536000) SECOND AS "at",
        ['page_view','form','email_click','ad_click'][(i % 4) + 1] AS type,
        'v' || (i % (? * 3)) AS visitor_id,
        CASE WHEN i % 3 = 0 THEN NULL ELSE (i % ?) + 1 END AS contact_id,
        CASE WHEN i % 3 = 0 THEN NULL ELSE (i % ?) + 1 END AS lead_id,
        (i % 12) + 1 AS channel_id, (i % 40) + 1 AS campaign_id,
        '/page/' || (i % 1000) AS url
        FROM range(1, ? + 1) r(i)""",
        [leads, leads, leads, leads * 20],
    )
    con.execute(
        """CREATE TABLE touch_paths AS SELECT contact_id,
        list(channel_id ORDER BY "at") AS channels, list("at" ORDER BY "at") AS ats
        FROM touchpoints WHERE contact_id IS NOT NULL GROUP BY contact_id"""
    )
    con.execute("CHECKPOINT")
    con.close()


def timed(work) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def parquet_export(con: duckdb.DuckDBPyConnection, folder: Path, *, only_last: bool) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    newest = con.execute("SELECT max(id) FROM touchpoints").fetchall()[0][0]
    parts = range(0, newest // PARTITION_ROWS + 1)
    for part in parts[-1:] if only_last else parts:
        low, high = part * PARTITION_ROWS, (part + 1) * PARTITION_ROWS
        con.execute(
            f"COPY (SELECT * FROM touchpoints WHERE id > {low} AND id <= {high}) "
            f"TO '{folder}/touchpoints-{part:04d}.parquet' (FORMAT parquet)"
        )
    for table in ("leads", "touch_paths"):
        con.execute(f"COPY {table} TO '{folder}/{table}.parquet' (FORMAT parquet)")


def parquet_open(folder: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute(f"CREATE VIEW touchpoints AS SELECT * FROM read_parquet('{folder}/touchpoints-*')")
    for table in ("leads", "touch_paths"):
        con.execute(
            f"CREATE VIEW {table} AS SELECT * FROM read_parquet('{folder}/{table}.parquet')"
        )
    con.execute("SELECT count(*) FROM leads").fetchall()
    return con


def best(work, repeat: int = 3) -> float:
    return min(timed(work) for _ in range(repeat))


def size_of(path: Path) -> float:
    files = [path] if path.is_file() else list(path.rglob("*"))
    return sum(p.stat().st_size for p in files if p.is_file()) / 2**20


def measure(leads: int, scratch: Path) -> dict[str, float]:
    working = scratch / "work.duckdb"
    build(working, leads)
    row: dict[str, float] = {"file MiB": size_of(working)}
    store = SnapshotStore(str(scratch / "store"))
    counter = iter(range(1000))

    def publish() -> None:
        con = duckdb.connect(str(working))
        con.execute("CHECKPOINT")
        store.publish(working, tables={}, snapshot_id=f"20260101T000000{next(counter):06d}Z-b")
        con.close()

    row["publish s"] = best(publish)
    manifest = store.manifest()
    replicas = scratch / "replicas"
    row["replica s"] = best(lambda: store.get_file(manifest.file, replicas / "r.duckdb"))
    snapshot = store.local_file(manifest)

    def file_open() -> None:
        con = duckdb.connect(str(snapshot), read_only=True)
        con.execute("SELECT count(*) FROM leads").fetchall()
        con.close()

    row["open s"] = best(file_open)
    con = duckdb.connect(str(snapshot), read_only=True)
    row["query s"] = best(lambda: con.execute(QUERY).fetchall())
    row["check s"] = best(
        lambda: con.execute("SELECT count(*), sum(hash(leads)) FROM leads").fetchall()
    )
    full, part = scratch / "parquet-full", scratch / "parquet-part"
    row["pq full s"] = best(lambda: parquet_export(con, full, only_last=False), repeat=1)
    row["pq MiB"] = size_of(full)
    row["pq part s"] = best(lambda: parquet_export(con, part, only_last=True))
    con.close()
    row["pq open s"] = best(lambda: parquet_open(full).close())
    reader = parquet_open(full)
    row["pq query s"] = best(lambda: reader.execute(QUERY).fetchall())
    reader.close()
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="100000,300000,1000000", help="leads per copy")
    parser.add_argument("--scratch", default=None, help="a directory on the disk to measure")
    args = parser.parse_args()
    print(f"duckdb {duckdb.__version__}; touches = 20 x leads; best of 3 (full Parquet: 1)")
    header = None
    for leads in (int(s) for s in args.sizes.split(",")):
        scratch = Path(tempfile.mkdtemp(prefix="accord-snapshots-", dir=args.scratch))
        try:
            row = measure(leads, scratch)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        if header is None:
            header = list(row)
            print(f"{'leads':>10}" + "".join(f"{h:>12}" for h in header))
        print(f"{leads:>10,}" + "".join(f"{row[h]:>12.3f}" for h in header), flush=True)


if __name__ == "__main__":
    main()
