"""Hand-off latency: from the moment a lead becomes MQL to its assignment recorded and the
notifications enqueued, with a real ``accord worker`` running.

    .venv/bin/python bench/handoff_latency.py                      # SQLite, 50 MQL/s for 60 s
    .venv/bin/python bench/handoff_latency.py --database-url postgres://postgres@127.0.0.1:5432/accord_bench

On a fresh database: one team of 4 reps with a catch-all routing rule and the default
agreement (so every assignment also starts two SLA clocks, writes the rep's in-app
notification and queues its email). The worker starts (it sends those emails and runs the
periodic sweeps); then this process moves ``--rate`` leads a second to MQL through
``lead_transition``, as production does, for ``--seconds``.

The clock starts when the MQL is due (the producer's schedule: ``start + n / rate``), not
when the producer got round to it, so a producer that falls behind shows as latency rather
than hiding it. It stops when the assignment is committed: the later of the assignment's own
timestamp (routing in a worker) and the return of ``lead_transition`` (routing in the MQL's
transaction), so the same bench measures either design. After the run it checks that every
lead has exactly one assignment and its rep's notification, waits (up to ``--drain-seconds``)
for the e-mail outbox to send those notifications' e-mails, and counts what was sent, what
is still pending and the jobs still queued. Prints p50/p90/p99/max. The PostgreSQL database
named in the URL is dropped and re-created (its name must contain "bench").
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
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
    parser.add_argument(
        "--producers",
        type=int,
        default=1,
        help="threads moving leads (MQLs arrive from many requests and jobs at once; each "
        "thread takes every Nth lead of the one schedule)",
    )
    parser.add_argument("--warm-up", type=int, default=25, help="MQLs moved first, not measured")
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


def produce(
    lead_ids: list[int], rate: float, producers: int = 1
) -> tuple[dict[int, tuple[float, float]], float, int]:
    """Move leads to MQL at ``rate`` a second, lead n due at ``start + n / rate``.

    Returns ``{lead_id: (due, returned)}`` in epoch seconds, the elapsed time, and how many
    moves started more than one interval late.
    """
    from django.db import connection

    from accord.contacts.services import lead_transition

    interval = 1.0 / rate
    start = time.time() + 0.1
    times: dict[int, tuple[float, float]] = {}
    late = [0]
    errors: list[BaseException] = []

    def run(share: list[tuple[int, int]]) -> None:
        try:
            for n, lead_id in share:
                due = start + n * interval
                wait = due - time.time()
                if wait > 0:
                    time.sleep(wait)
                elif wait < -interval:
                    late[0] += 1
                lead_transition(lead_id=lead_id, to_stage="mql")
                times[lead_id] = (due, time.time())
        except BaseException as error:  # reported below
            errors.append(error)
        finally:
            if producers > 1:
                connection.close()

    numbered = list(enumerate(lead_ids))
    if producers == 1:
        run(numbered)
    else:
        threads = [
            threading.Thread(target=run, args=(numbered[k::producers],)) for k in range(producers)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    if errors:
        raise errors[0]
    return times, time.time() - start, late[0]


def assigned_at(lead_ids: list[int]) -> dict[int, float]:
    from accord.handoff.models import Assignment

    rows = Assignment.objects.filter(lead_id__in=lead_ids, to_user__isnull=False)
    return {lead_id: at.timestamp() for lead_id, at in rows.values_list("lead_id", "at")}


def emails_pending() -> int:
    from accord.handoff.models import Notification

    return Notification.objects.filter(email_pending=True).count()


def completeness(lead_ids: list[int]) -> str:
    """Exactly one assignment per lead, its rep's notification, and that notification's
    e-mail sent (or still pending in the outbox)."""
    from django_q.models import OrmQ

    from accord.handoff.models import Assignment, Notification

    assignments = list(
        Assignment.objects.filter(lead_id__in=lead_ids, to_user__isnull=False).values_list(
            "pk", "lead_id"
        )
    )
    per_lead = Counter(lead_id for _, lead_id in assignments)
    keys = {f"assigned:{pk}" for pk, _ in assignments}
    notifications = Notification.objects.filter(key__in=keys)
    notified = notifications.count()
    emailed = notifications.filter(email_pending=False, emailed_at__isnull=False).count()
    pending = notifications.filter(email_pending=True).count()
    twice = sum(1 for n in per_lead.values() if n > 1)
    return (
        f"leads assigned more than once: {twice}; rep notifications: {notified}; "
        f"their e-mails sent {emailed}, still pending {pending}; "
        f"jobs still queued: {OrmQ.objects.count()}"
    )


def tree_cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of a process and its descendants, from /proc (Linux)."""
    tick = os.sysconf("SC_CLK_TCK")
    children: dict[int, list[int]] = {}
    cpu: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
        cpu[int(entry.name)] = (int(fields[11]) + int(fields[12])) / tick
    total, todo = 0.0, [pid]
    while todo:
        current = todo.pop()
        total += cpu.get(current, 0.0)
        todo.extend(children.get(current, []))
    return total


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
    lead_ids = seed(count + args.warm_up)
    warm_up, lead_ids = lead_ids[: args.warm_up], lead_ids[args.warm_up :]
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
            f"{args.producers} producer thread(s), worker with {args.processes} processes"
        )
        # A running system has its code imported, its URLs loaded, its statements prepared
        # and its worker's processes warm: a few MQLs first, not measured.
        produce(warm_up, args.rate, args.producers)
        time.sleep(2)
        worker_cpu_start = tree_cpu_seconds(worker.pid)
        cpu_start = time.process_time()
        times, elapsed, late = produce(lead_ids, args.rate, args.producers)
        producer_cpu = time.process_time() - cpu_start
        print(
            f"  producer: {count} MQL transitions in {elapsed:.1f} s "
            f"({count / elapsed:.1f}/s; {late} late ticks)"
        )
        deadline = time.monotonic() + args.drain_seconds
        assigned: dict[int, float] = {}
        while time.monotonic() < deadline:
            assigned = assigned_at(lead_ids)
            if len(assigned) >= count:
                break
            time.sleep(0.5)
        # The e-mails follow a few seconds behind (accord.handoff.notifications).
        while time.monotonic() < deadline and emails_pending():
            time.sleep(0.5)
        time.sleep(1)
        worker_cpu = tree_cpu_seconds(worker.pid) - worker_cpu_start
    finally:
        worker.send_signal(2)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
    values = [
        max(assigned[lead_id], times[lead_id][1]) - times[lead_id][0]
        for lead_id in lead_ids
        if lead_id in assigned
    ]
    print(f"  assigned: {len(values)} of {count}; {completeness(lead_ids)}")
    print(
        f"  CPU per MQL: producer {producer_cpu / count * 1000:.2f} ms + worker "
        f"{worker_cpu / count * 1000:.2f} ms (its processes, idle polling included)"
    )
    if values:
        p50, p90, p99 = (percentile(values, q) for q in (50, 90, 99))
        print(
            f"  MQL due → assigned + notified, committed: p50 {p50 * 1000:.0f} ms, "
            f"p90 {p90 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms, max {max(values) * 1000:.0f} ms, "
            f"mean {statistics.fmean(values) * 1000:.0f} ms"
        )
        met = p99 < 1.0 and len(values) == count
        print(f"  target p99 < 1000 ms with every MQL assigned: {'met' if met else 'NOT met'}")


if __name__ == "__main__":
    main()
