"""The incremental ClickHouse feed against the full reload, after a minute's worth of changes.

    .venv/bin/python bench/clickhouse_feed.py --var-dir /tmp/accord-feed --leads 100000
    .venv/bin/python bench/clickhouse_feed.py --var-dir DIR_WITH_A_DEMO_DATABASE

A ``--var-dir`` without a database gets one (migrated, ``--leads`` leads from the demo
generator). Then, with ``ACCORD_ANALYTICS_ENGINE=clickhouse`` (chDB):

1. a full sync builds the DuckDB copy; the full reload of chDB from it is timed;
2. changes are written to the operational database: ``--touches`` new touches (a quarter of
   them identified touches of visitors whose earlier anonymous touches get the contact:
   identity stitching), ``--leads-changed`` leads moved a stage (a new transition each, so
   their lead facts are rewritten), ``--new-leads`` new leads with a touch;
3. the incremental sync runs; its feed (what the sync changed, and nothing else) is timed
   apart from the sync itself;
4. a full reload of the same copy is timed, for comparison;
5. a few runners are timed on chDB after the incremental feed (tables with a few versions per
   rewritten row, read with FINAL) and after the full reload (one version each), and their
   answers compared with DuckDB's.
"""

from __future__ import annotations

import argparse
import logging
import random
import resource
import sys
from datetime import UTC, timedelta
from pathlib import Path
from time import perf_counter

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


class _FeedLog(logging.Handler):
    """The feed's own report (it logs its seconds, rows and reloaded tables)."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def _changes(args) -> dict[str, int]:
    """A busy minute's changes, written straight to the operational database."""
    from django.db import transaction
    from django.utils import timezone

    from accord.contacts.models import Contact, Lead, StageTransition
    from accord.tracking.models import Channel, Touchpoint

    rng = random.Random(7)
    now = timezone.now()
    channels = list(Channel.objects.values_list("id", flat=True))
    leads = list(
        Lead.objects.filter(is_open=True, is_test=False).values_list("id", "contact_id", "stage")
    )
    visitors = list(
        Touchpoint.objects.filter(contact__isnull=True)
        .exclude(visitor_id="")
        .values_list("visitor_id", flat=True)
        .distinct()[: args.touches // 40]
    )
    moved = rng.sample(leads, min(args.leads_changed, len(leads)))
    following = {"lead": "mql", "mql": "sal", "sal": "sql", "sql": "opportunity"}
    with transaction.atomic():
        touches = []
        # Ten visitors per identified contact: one UPDATE per ten visitors.
        stitched_visitors = visitors[: args.touches // 40]
        for start in range(0, len(stitched_visitors), 10):
            group = stitched_visitors[start : start + 10]
            lead_id, contact_id, _stage = leads[start % len(leads)]
            Touchpoint.objects.filter(visitor_id__in=group, contact__isnull=True).update(
                contact_id=contact_id
            )
            touches += [
                Touchpoint(at=now, type="form_submit", visitor_id=visitor, contact_id=contact_id,
                           lead_id=lead_id, channel_id=rng.choice(channels))
                for visitor in group
            ]  # fmt: skip
        while len(touches) < args.touches:
            lead_id, contact_id, _stage = rng.choice(leads)
            touches.append(
                Touchpoint(at=now - timedelta(seconds=rng.randrange(60)), type="page_view",
                           visitor_id="", contact_id=contact_id, lead_id=lead_id,
                           channel_id=rng.choice(channels))
            )  # fmt: skip
        Touchpoint.objects.bulk_create(touches, batch_size=5000)
        StageTransition.objects.bulk_create(
            [
                StageTransition(lead_id=lead_id, from_stage=stage,
                                to_stage=following.get(stage, "disqualified"), at=now)
                for lead_id, _contact_id, stage in moved
            ],
            batch_size=5000,
        )  # fmt: skip
        by_stage: dict[str, list[int]] = {}
        for lead_id, _contact_id, stage in moved:
            by_stage.setdefault(following.get(stage, "disqualified"), []).append(lead_id)
        for stage, ids in by_stage.items():
            for start in range(0, len(ids), 500):
                Lead.objects.filter(pk__in=ids[start : start + 500]).update(
                    stage=stage, stage_changed_at=now, updated_at=now
                )
        for n in range(args.new_leads):
            contact = Contact.objects.create(email=f"bench-feed-{now:%H%M%S}-{n}@example.com")
            lead = Lead.objects.create(contact=contact, source_channel_id=rng.choice(channels))
            Touchpoint.objects.create(at=now, type="form_submit", contact=contact, lead=lead,
                                      channel_id=lead.source_channel_id)  # fmt: skip
    return {
        "touches": len(touches) + args.new_leads,
        "stitched visitors": len(stitched_visitors),
        "leads moved": len(moved),
        "new leads": args.new_leads,
    }


def _runners_timed(names: list[str], engine_name: str, anchor) -> dict:
    from analytics_engines import runners
    from django.conf import settings

    from accord.analytics.tests.test_clickhouse_parity import _plain

    settings.ANALYTICS_ENGINE = engine_name
    made = runners(anchor)
    out = {}
    for name in names:
        best, answer = float("inf"), None
        for _ in range(2):
            started = perf_counter()
            answer = made[name]().run()
            best = min(best, perf_counter() - started)
        plain = _plain(answer)
        plain.pop("data_as_of", None)
        out[name] = (best, plain)
    settings.ANALYTICS_ENGINE = "clickhouse"
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--var-dir", required=True)
    parser.add_argument("--leads", type=int, default=100_000)
    parser.add_argument("--touches", type=int, default=100_000)
    parser.add_argument("--leads-changed", type=int, default=2_000)
    parser.add_argument("--new-leads", type=int, default=200)
    parser.add_argument("--runners", default="funnel,kpis,velocity,attribution (9 models)")
    args = parser.parse_args()
    Path(args.var_dir).mkdir(parents=True, exist_ok=True)
    from analytics_engines import company_ensure

    company_ensure(args.var_dir, args.leads)
    from django.conf import settings

    from accord.analytics import clickhouse, engine
    from accord.analytics.clickhouse.connection import chdb_close_all
    from accord.analytics.sync import analytics_sync
    from accord.analytics.tests.test_clickhouse_parity import differences
    from accord.contacts.models import Lead

    log = _FeedLog()
    logging.getLogger("accord.analytics.clickhouse.feed").addHandler(log)
    logging.getLogger("accord.analytics.clickhouse.feed").setLevel(logging.INFO)
    settings.ANALYTICS_ENGINE = "clickhouse"
    path = engine.duckdb_path()

    if not path.exists():
        started = perf_counter()
        analytics_sync(full=True)
        print(f"full sync (DuckDB copy, then its first feed: a full reload): "
              f"{perf_counter() - started:.1f} s; feed: {log.lines[-1]}")  # fmt: skip
    with engine.writer() as con:
        counts = {
            t: con.execute(f'SELECT count(*) FROM "{t}"').fetchall()[0][0]
            for t in ("leads", "touchpoints", "stage_transitions", "touch_paths")
        }
    print("copy:", ", ".join(f"{t} {n:,}" for t, n in counts.items()))
    analytics_sync()  # settles: whatever an earlier run left pending (or a full reload)
    started = perf_counter()
    analytics_sync()
    print(f"incremental sync, nothing changed: {perf_counter() - started:.2f} s; "
          f"feed: {log.lines[-1]}")  # fmt: skip

    started = perf_counter()
    wrote = _changes(args)
    print(f"changes written in {perf_counter() - started:.1f} s:", wrote)
    started = perf_counter()
    report = analytics_sync()
    sync_seconds = perf_counter() - started
    feed_line = log.lines[-1]
    print(f"incremental sync with its feed: {sync_seconds:.2f} s (sync {report.seconds:.2f} s); "
          f"rows written to DuckDB: {sum(report.rows.values()):,}")  # fmt: skip
    print(f"  feed: {feed_line}")

    anchor = Lead.objects.filter(is_test=False).latest("created_at").created_at
    anchor = anchor.astimezone(UTC).date()
    names = [n for n in args.runners.split(",") if n]
    incremental = _runners_timed(names, "clickhouse", anchor)
    duck = _runners_timed(names, "duckdb", anchor)

    with engine.writer() as con:
        started = perf_counter()
        full = clickhouse.mirror(con, path, full=True)
        seconds = perf_counter() - started
    print(f"full reload of the same copy: {sum(full.rows.values()):,} rows in {seconds:.2f} s")
    reloaded = _runners_timed(names, "clickhouse", anchor)
    print(f"{'runner':<24} {'DuckDB s':>9} {'chDB fed s':>11} {'chDB reloaded s':>16} same")
    for name in names:
        same = not differences(duck[name][1], incremental[name][1]) and not differences(
            reloaded[name][1], incremental[name][1]
        )
        print(f"{name:<24} {duck[name][0]:>9.3f} {incremental[name][0]:>11.3f} "
              f"{reloaded[name][0]:>16.3f} {'yes' if same else 'NO'}")  # fmt: skip
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    chdb_close_all()


if __name__ == "__main__":
    main()
