"""Hand-off latency: from the moment a lead becomes MQL to its assignment recorded and the
notifications enqueued, with a real ``accord worker`` running.

    .venv/bin/python bench/handoff_latency.py                      # SQLite, 50 MQL/s for 60 s
    .venv/bin/python bench/handoff_latency.py --database-url postgres://postgres@127.0.0.1:5432/accord_bench

On a fresh database: one team of 4 reps with a catch-all routing rule and the default
agreement (so every assignment also starts two SLA clocks, writes the rep's in-app
notification and queues its email). The worker starts; then this process moves ``--rate``
leads a second to MQL through ``lead_transition`` (each commit queues the routing job, as in
production), for ``--seconds``. Latency per lead = ``Assignment.at`` minus the MQL
``StageTransition.at``; both are stamped inside their transactions, which commit right
after. Prints p50/p90/p99/max, how many leads were assigned, and whether the producer kept
the rate. The PostgreSQL database named in the URL is dropped and re-created (its name must
contain "bench").
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.capture_load import database_prepare, django_setup  # noqa: E402


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default="", help="PostgreSQL URL (default: SQLite)")
    parser.add_argument("--rate", type=float, default=50.0, help="MQLs per second")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--processes", type=int, default=2, help="worker processes")
    parser.add_argument("--drain-seconds", type=float, default=60.0)
    return parser.parse_args()


def seed(count: int) -> list[int]:
    from django.utils import timezone

    from accord.accounts.models import Role, Team, User
    from accord.contacts.models import Contact, Lead, StageTransition
    from accord.handoff.models import RoutingRule

    team = Team.objects.create(name="Bench team")
    for n in range(4):
        User.objects.create_user(
            username=f"bench-rep{n}",
            email=f"rep{n}@example.com",
            role=Role.SALES,
            team=team,
            monthly_capacity=300_000,  # quota far above the run: measure routing, not queueing
        )
    RoutingRule.objects.create(name="Everything", team=team)
    now = timezone.now()
    contacts = Contact.objects.bulk_create(
        [Contact(email=f"bench{n}@example.com", first_name="Bench") for n in range(count)]
    )
    leads = Lead.objects.bulk_create(
        [Lead(contact=c, created_at=now, stage_changed_at=now, score=75) for c in contacts]
    )
    StageTransition.objects.bulk_create(
        [StageTransition(lead=lead, from_stage="", to_stage="lead", at=now) for lead in leads]
    )
    return [lead.pk for lead in leads]


def produce(lead_ids: list[int], rate: float) -> tuple[float, int]:
    """Move leads to MQL at ``rate`` a second; return (elapsed seconds, late ticks)."""
    from accord.contacts.services import lead_transition

    interval = 1.0 / rate
    start = time.perf_counter()
    late = 0
    for n, lead_id in enumerate(lead_ids):
        due = start + n * interval
        wait = due - time.perf_counter()
        if wait > 0:
            time.sleep(wait)
        elif wait < -interval:
            late += 1
        lead_transition(lead_id=lead_id, to_stage="mql")
    return time.perf_counter() - start, late


def latencies(lead_ids: list[int]) -> list[float]:
    from accord.contacts.models import StageTransition
    from accord.handoff.models import Assignment

    mql_at = dict(
        StageTransition.objects.filter(lead_id__in=lead_ids, to_stage="mql").values_list(
            "lead_id", "at"
        )
    )
    assigned_at = dict(
        Assignment.objects.filter(lead_id__in=lead_ids, to_user__isnull=False).values_list(
            "lead_id", "at"
        )
    )
    return [(assigned_at[i] - mql_at[i]).total_seconds() for i in assigned_at if i in mql_at]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def main() -> None:
    args = arguments()
    var_dir = tempfile.mkdtemp(prefix="accord-handoff-bench-")
    env = {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "ACCORD_VAR_DIR": var_dir,
        "DATABASE_URL": database_prepare(args, var_dir),
        "ACCORD_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "ACCORD_WORKER_PROCESSES": str(args.processes),
    }
    django_setup(env)
    count = int(args.rate * args.seconds)
    lead_ids = seed(count)
    from django import db

    db.connections.close_all()
    worker = subprocess.Popen(
        [str(ROOT / ".venv/bin/accord"), "worker", "--processes", str(args.processes)],
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        time.sleep(3)  # the cluster forks its processes
        print(
            f"Hand-off latency on {db.connection.vendor}: {count} MQLs at {args.rate:g}/s, "
            f"worker with {args.processes} processes"
        )
        elapsed, late = produce(lead_ids, args.rate)
        print(
            f"  producer: {count} MQL transitions in {elapsed:.1f} s "
            f"({count / elapsed:.1f}/s; {late} late ticks)"
        )
        deadline = time.monotonic() + args.drain_seconds
        values: list[float] = []
        while time.monotonic() < deadline:
            values = latencies(lead_ids)
            if len(values) >= count:
                break
            time.sleep(0.5)
    finally:
        worker.send_signal(2)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
    from accord.handoff.models import Notification

    print(f"  assigned: {len(values)} of {count}; notifications: {Notification.objects.count()}")
    if values:
        p50, p90, p99 = (percentile(values, q) for q in (50, 90, 99))
        print(
            f"  MQL → assigned + notified: p50 {p50 * 1000:.0f} ms, p90 {p90 * 1000:.0f} ms, "
            f"p99 {p99 * 1000:.0f} ms, max {max(values) * 1000:.0f} ms, "
            f"mean {statistics.fmean(values) * 1000:.0f} ms"
        )
        print(f"  target p99 < 1000 ms: {'met' if p99 < 1.0 else 'NOT met'}")


if __name__ == "__main__":
    main()
