"""What the counted test leads cost the analytics sync (issue 16, ``sync.sla_tests``).

Every sync, full or incremental, rebuilds ``sla_test_leads`` and ``sla_test_activities``
whole (the test leads an audit counts in the reps' SLA statistics). Run against a loaded
demo (its copy synced once)::

    ACCORD_VAR_DIR=/tmp/demo-var .venv/bin/python bench/sla_tests_refresh.py [--runs 20]

Prints the counted test leads, two incremental syncs and the rebuild alone (each run in a
transaction, as inside a sync): median and max.
"""

from __future__ import annotations

import argparse
import os
import time

import django


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from accord.analytics.sync import analytics_sync
    from accord.analytics.sync.publishing import copy_writing
    from accord.analytics.sync.sla_tests import sla_tests_refresh
    from accord.handoff.sla.counting import counted_test_ids

    print("counted test leads:", len(counted_test_ids()))
    for _ in range(2):
        report = analytics_sync()
        written = report.rows["sla_test_leads"]
        print(f"incremental sync: {report.seconds:.3f} s, sla_test_leads {written}")
    with copy_writing() as write:
        times = []
        for _ in range(args.runs):
            write.con.execute("BEGIN TRANSACTION")
            started = time.perf_counter()
            sla_tests_refresh(write.con)
            times.append(time.perf_counter() - started)
            write.con.execute("COMMIT")
    times.sort()
    median, worst = times[len(times) // 2] * 1000, times[-1] * 1000
    print(f"rebuild alone, {args.runs} runs: median {median:.1f} ms, max {worst:.1f} ms")
    print("load average:", " ".join(f"{v:.2f}" for v in os.getloadavg()))


if __name__ == "__main__":
    main()
