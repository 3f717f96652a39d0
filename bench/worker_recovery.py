"""Worker recovery after ``kill -9``: from the kill to every capture follow-up done.

    .venv/bin/python bench/worker_recovery.py                      # SQLite, 2,000 submissions
    .venv/bin/python bench/worker_recovery.py --database-url postgres://postgres@127.0.0.1:5432/accord_bench

On a fresh database this process accepts ``--submissions`` lead submissions through the
capture service (each queues a follow-up: rescoring, hence MQL and routing), then starts
``accord worker`` with the production job settings. Once the worker is partway through (at
least ``--kill-at`` of the follow-ups done) and holds a claimed batch it has not finished,
the whole worker (main process, sentinel, job processes) is killed with SIGKILL and a new
``accord worker`` is started at once, as a supervisor would restart it. Nothing else is
done to help: no new submission wakes the outbox.

Prints how many follow-ups the dead drain held (and how long its lease still had to run),
the time from the kill until those were all done, and the time from the kill to all
follow-ups done (the recovery the issue measures; the rest of the backlog is included);
then checks every lead was scored and the outbox is empty. The PostgreSQL database named in
the URL is dropped and re-created (its name must contain "bench").
"""

from __future__ import annotations

import argparse
import os
import signal
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
    parser.add_argument("--submissions", type=int, default=2000)
    parser.add_argument("--processes", type=int, default=2, help="worker processes")
    parser.add_argument(
        "--kill-at", type=float, default=0.2, help="fraction of follow-ups done before the kill"
    )
    parser.add_argument("--deadline-seconds", type=float, default=900.0)
    return parser.parse_args()


def submissions_accept(count: int) -> None:
    from accord.tracking.capture.services import capture_site_create, lead_submission_accept
    from accord.tracking.capture.sites import site_get
    from accord.tracking.capture.validation import lead_submission_parse

    site = site_get(capture_site_create(name="Bench").public_key)
    for n in range(count):
        body = {
            "email": f"recovery{n}@example.com",
            "job_title": "CMO",
            "utm_source": "google",
            "utm_medium": "cpc",
        }
        submission = lead_submission_parse(body, is_form=False, default_region="GB")
        lead_submission_accept(site=site, submission=submission)


def worker_start(env: dict[str, str], processes: int, log: Path) -> subprocess.Popen:
    with log.open("ab") as out:
        return subprocess.Popen(
            [str(ROOT / ".venv/bin/accord"), "worker", "--processes", str(processes)],
            env={**os.environ, **env},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: killpg reaches the whole cluster
        )


def main() -> None:
    args = arguments()
    var_dir = tempfile.mkdtemp(prefix="accord-recovery-bench-")
    env = {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "ACCORD_VAR_DIR": var_dir,
        "DATABASE_URL": database_prepare(args, var_dir),
        "ACCORD_WORKER_PROCESSES": str(args.processes),
        "ACCORD_LOG_LEVEL": "INFO",
    }
    django_setup(env)
    from django import db
    from django.conf import settings
    from django.utils import timezone

    from accord.core.claims import DEAD_AFTER, HEARTBEAT_SECONDS
    from accord.scoring.models import LeadScore
    from accord.tracking.models import SubmissionFollowup

    started = time.monotonic()
    submissions_accept(args.submissions)
    print(
        f"{db.connection.vendor}: {args.submissions} submissions accepted in "
        f"{time.monotonic() - started:.1f} s; worker: {args.processes} processes, job retry "
        f"{settings.JOB_RETRY_SECONDS} s, time limit {settings.JOB_TIMEOUT_SECONDS} s, "
        f"heartbeat {HEARTBEAT_SECONDS:g} s (dead after {DEAD_AFTER.total_seconds():g} s)"
    )
    db.connections.close_all()
    logs = Path(var_dir)
    first = worker_start(env, args.processes, logs / "worker-1.log")
    pending = SubmissionFollowup.objects
    kill_below = args.submissions * (1 - args.kill_at)
    deadline = time.monotonic() + args.deadline_seconds
    while True:
        if time.monotonic() > deadline or first.poll() is not None:
            sys.exit(f"the first worker did not get going; see {logs / 'worker-1.log'}")
        if pending.count() <= kill_below and pending.filter(claimed_by__isnull=False).exists():
            os.killpg(first.pid, signal.SIGSTOP)  # freeze, then look: is a batch held?
            held = list(pending.filter(claimed_by__isnull=False).values_list("pk", "claimed_until"))
            if held:
                os.killpg(first.pid, signal.SIGKILL)
                killed_at = time.monotonic()
                break
            os.killpg(first.pid, signal.SIGCONT)
        time.sleep(0.02)
    first.wait()
    lease_left = (min(until for _, until in held) - timezone.now()).total_seconds()
    held_pks = [pk for pk, _ in held]
    left = pending.count()
    print(
        f"killed -9 with {left} follow-ups left, {len(held)} of them claimed by the dead "
        f"drain (lease still {lease_left:.0f} s to run)"
    )
    second = worker_start(env, args.processes, logs / "worker-2.log")
    held_done = None
    try:
        while pending.exists():
            if held_done is None and not pending.filter(pk__in=held_pks).exists():
                held_done = time.monotonic() - killed_at
            if time.monotonic() > deadline or second.poll() is not None:
                sys.exit(f"no recovery; see {logs / 'worker-2.log'}")
            time.sleep(0.05)
        recovered = time.monotonic() - killed_at
    finally:
        os.killpg(second.pid, signal.SIGKILL)
        second.wait()
    scored = LeadScore.objects.count()
    woken = "An outbox drain died" in (logs / "worker-2.log").read_text(errors="replace")
    held_done = held_done or recovered
    print(f"  the dead drain's {len(held)} follow-ups all done: {held_done:.1f} s after the kill")
    print(f"  recovery (kill -> all {args.submissions} follow-ups done): {recovered:.1f} s")
    print(
        f"  leads scored: {scored} of {args.submissions}; outbox empty; dead drain noticed "
        f"by the new worker: {'yes' if woken else 'no'}"
    )
    if scored != args.submissions:
        sys.exit("not every lead was scored")


if __name__ == "__main__":
    main()
