"""Bench: import 100,000 leads from CSV; print rows per second and peak memory.

    .venv/bin/python bench/import_load.py                 # SQLite, in a temporary var dir
    .venv/bin/python bench/import_load.py --postgres postgres://postgres@127.0.0.1:5432/accord_bench_import

Each run migrates a fresh database, writes the CSV (≈ 12 MB; ``--rows`` to change), imports
it once (all new) and again (all unchanged), and prints both timings with their phases
(read + validate, plan, write) with the CPU seconds of each: this process's (all threads)
plus its finished children's, and, on a
PostgreSQL server on this host, its backends' (sampled by a helper process, so that the
second connection a pipelined import writes on is counted). Each line says how the import
ran: ``pipelined`` (written in chunks while read) or ``one piece``. With a pipelined import
the phases overlap: the
``read_validate`` figure then includes the chunks written meanwhile, and ``write`` is the
wait after the last row. ``--profile PREFIX`` writes a cProfile of each import (of this
process only). Peak memory is the process's maximum resident set size
(``resource.getrusage``), which includes Django itself and SQLite's page cache, and that of
its largest child (pages it shares with the parent count in both); ``--tracemalloc`` adds
the peak of Python allocations during the imports.
Target (issue "Capture and integrations"): at least 20,000 rows per second.
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from itertools import pairwise
from pathlib import Path


def csv_write(path: Path, rows: int) -> None:
    rng = random.Random(7)
    stages = ["lead", "lead", "lead", "Marketing Qualified Lead", "salesqualifiedlead", "customer"]
    channels = ["paid-search", "organic-search", "email", "referral", "direct"]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "Email",
                "First Name",
                "Last Name",
                "Company",
                "Job Title",
                "Lifecycle Stage",
                "Source Channel",
                "Create Date",
                "Lead ID",
                "Notes",
            ]
        )
        for i in range(rows):
            writer.writerow(
                [
                    f"Person.{i}@Example{i % 97}.com",
                    f"Name{i}",
                    f"Family{i}",
                    f"Company {i % 5000}",
                    'Head of, "growth"',
                    rng.choice(stages),
                    rng.choice(channels),
                    f"2025-{1 + i % 12:02d}-{1 + i % 28:02d} 10:{i % 60:02d}",
                    f"L-{i}",
                    "line one\nline two" if i % 10 == 0 else "",
                ]
            )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--postgres", help="PostgreSQL URL of a scratch database (dropped!)")
    parser.add_argument(
        "--tracemalloc",
        action="store_true",
        help="also trace Python allocations (peak of the imports alone; slows them down)",
    )
    parser.add_argument(
        "--profile",
        metavar="PREFIX",
        help="write a cProfile of each import to PREFIX-1.prof and PREFIX-2.prof",
    )
    parser.add_argument("--sample-backends", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.sample_backends:
        backends_sample(args.sample_backends)
        return
    work = Path(tempfile.mkdtemp(prefix="accord-bench-import-"))
    os.environ["ACCORD_VAR_DIR"] = str(work)
    if args.postgres:
        os.environ["DATABASE_URL"] = args.postgres
        _postgres_recreate(args.postgres)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from accord.contacts.models import Lead, StageTransition
    from accord.integrations.importing.reading import CsvSource
    from accord.integrations.importing.service import import_run
    from accord.integrations.importing.sniff import file_format_detect

    call_command("migrate", verbosity=0)
    path = work / "leads.csv"
    csv_write(path, args.rows)
    size_mb = path.stat().st_size / 1e6
    print(f"database: {connection.vendor}; file: {args.rows:,} rows, {size_mb:.1f} MB")
    started = time.perf_counter()
    for _ in CsvSource(path=path, format=file_format_detect(path)).records():
        pass
    print(f"read + decode alone (csv.reader): {time.perf_counter() - started:.2f} s")
    sampler = BackendSampler(args.postgres) if args.postgres else None
    if args.tracemalloc:
        tracemalloc.start()
    for number, label in enumerate(("first import (all new)", "second import (all unchanged)")):
        profiler = cProfile.Profile() if args.profile else None
        clock = PhaseClock(connection, sampler)
        started = time.perf_counter()
        if profiler:
            profiler.enable()
        report = import_run(
            entity="leads", path=path, unknown_to_properties=True, progress=clock.progress
        )
        if profiler:
            profiler.disable()
            profiler.dump_stats(f"{args.profile}-{number + 1}.prof")
        seconds = time.perf_counter() - started
        clock.mark("end")
        assert report.imported and not report.errors, report.errors[:5]
        cpu = clock.total("client")
        phases = ", ".join(f"{name} {value:.2f} s" for name, value in report.timings.items())
        # Pipelined: written in chunks while read (a writer thread; older code lacks it).
        modes = [m for m in ("pipelined",) if getattr(report, m, False)]
        print(
            f"{label} [{', '.join(modes) or 'one piece'}]: {seconds:.1f} s, "
            f"{args.rows / seconds:,.0f} rows/s; CPU (this process and its children) "
            f"{cpu:.1f} s, {args.rows / cpu:,.0f} rows per CPU-second "
            f"(created {report.created:,}, updated {report.updated:,}, "
            f"unchanged {report.unchanged:,}); {phases}"
        )
        if clock.sampler is not None:
            print(f"  PostgreSQL backend CPU during the import: {clock.total('server'):.1f} s")
        print(f"  CPU seconds per phase: {clock.summary()}")
    print(
        f"leads: {Lead.objects.count():,}; stage transitions: {StageTransition.objects.count():,}"
    )
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (max RSS of the process): {peak_mb:,.0f} MB")
    if args.tracemalloc:
        _, traced_peak = tracemalloc.get_traced_memory()
        print(
            f"peak Python allocations during the imports (tracemalloc): {traced_peak / 1e6:,.0f} MB"
        )
    print("load average (1, 5, 15 min): {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    if sampler is not None:
        sampler.stop()
    connection.close()
    shutil.rmtree(work, ignore_errors=True)  # the file and, on SQLite, a ~100 MB database


class BackendSampler:
    """CPU seconds of every PostgreSQL backend of the bench database, sampled every 20 ms.

    A pipelined import writes on a second connection of its own, whose backend ends with the
    import: sampling keeps its last reading (at most 20 ms old), so its work is counted too.
    The sampling runs in a separate process (this script with ``--sample-backends``), not a
    thread: the importer forks its reader only from a single-threaded process. Only a server
    on this host can be read (``/proc``); otherwise the total is ``None``.
    """

    def __init__(self, url: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--sample-backends", url],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def total(self) -> float | None:
        self.process.stdin.write("total\n")
        self.process.stdin.flush()
        answer = self.process.stdout.readline().strip()
        return None if answer == "None" else float(answer)

    def stop(self) -> None:
        self.process.stdin.close()
        self.process.wait()


def backends_sample(url: str) -> None:
    """The sampler process: sample every 20 ms; answer each "total" line on stdin."""
    import select

    import psycopg

    cpu: dict[int, float] = {}
    with psycopg.connect(url, autocommit=True) as conn:
        # A server on another host has no /proc entries here: then nothing can be said.
        (own,) = conn.execute("SELECT pg_backend_pid()").fetchone()
        readable = Path(f"/proc/{own}/stat").exists()
        while True:
            # Client backends only: autovacuum workers come and go on their own schedule.
            rows = conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                "AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
            ).fetchall()
            for (pid,) in rows:
                try:
                    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue  # ended since the query: its last sample stands
                cpu[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
            ready, _, _ = select.select([sys.stdin], [], [], 0.02)
            if ready:
                if not sys.stdin.readline():
                    return  # the bench closed the pipe
                print(sum(cpu.values()) if readable else None, flush=True)


class PhaseClock:
    """CPU seconds of this process (and of the PostgreSQL backends of the bench database,
    when on this host) per phase, from the import's own progress calls: the last "read" call
    ends reading and validating, the first "write" call ends planning. It uses only
    ``import_run``'s public ``progress`` hook, so the same bench can time an older copy of
    the code."""

    PHASES = ("read_validate", "plan", "write")

    def __init__(self, connection, sampler: BackendSampler | None) -> None:
        self.sampler = sampler
        self.marks: dict[str, tuple[float, float | None]] = {}
        self.mark("start")

    def _server(self) -> float | None:
        return self.sampler.total() if self.sampler is not None else None

    @staticmethod
    def _client() -> float:
        """CPU seconds of this process (all its threads) and of its finished children (the
        forked reader of a large file is counted once it has been waited for)."""
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        return time.process_time() + children.ru_utime + children.ru_stime

    def mark(self, name: str, *, first: bool = False) -> None:
        if first and name in self.marks:
            return
        self.marks[name] = (self._client(), self._server())

    def progress(self, phase: str, done: int, total: int) -> None:
        if phase == "read":
            self.mark("read_done")  # the last call wins
        elif phase == "write":
            self.mark("write_start", first=True)

    def total(self, side: str) -> float:
        index = 0 if side == "client" else 1
        return (self.marks["end"][index] or 0.0) - (self.marks["start"][index] or 0.0)

    def summary(self) -> str:
        bounds = ["start", "read_done", "write_start", "end"]
        if "write_start" not in self.marks:  # nothing written (dry run, errors)
            bounds = ["start", "read_done", "end"]
        parts = []
        for phase, (a, b) in zip(self.PHASES, pairwise(bounds), strict=False):
            (client_a, server_a), (client_b, server_b) = self.marks[a], self.marks[b]
            text = f"{phase} client {client_b - client_a:.2f}"
            if server_a is not None and server_b is not None:
                text += f" + server {server_b - server_a:.2f}"
            parts.append(text)
        return "; ".join(parts)


def _postgres_recreate(url: str) -> None:
    import psycopg

    base, _, name = url.rpartition("/")
    if "bench" not in name:
        raise SystemExit(f"Refusing to drop {name!r}: a bench database's name contains 'bench'.")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


if __name__ == "__main__":
    main()
