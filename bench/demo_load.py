"""Time `accord demo --size large --no-serve --reset` and print rows per second.

Runs the real command in a child process against a fresh var directory (SQLite by default, or
the PostgreSQL database given with --database-url, created if missing), then prints the rows
per table, the total rows per second and the child's peak memory. Nothing is asserted: the
figure goes into bench/README.md by hand.

    .venv/bin/python bench/demo_load.py                      # SQLite, large
    .venv/bin/python bench/demo_load.py --size medium
    .venv/bin/python bench/demo_load.py --database-url postgres://postgres@127.0.0.1:5432/accord_bench
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent


def _postgres_database_ensure(url: str) -> None:
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin_url = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="large", choices=["small", "medium", "large"])
    parser.add_argument("--seed", default=42, type=int)
    parser.add_argument("--database-url", default="", help="PostgreSQL URL (default: SQLite)")
    parser.add_argument("--var-dir", default="", help="Var directory (default: a fresh temp dir)")
    args = parser.parse_args()

    var_dir = args.var_dir or tempfile.mkdtemp(prefix="accord-bench-")
    env = {**os.environ, "ACCORD_VAR_DIR": var_dir}
    env.pop("DATABASE_URL", None)
    if args.database_url:
        _postgres_database_ensure(args.database_url)
        env["DATABASE_URL"] = args.database_url
    database = "PostgreSQL" if args.database_url else f"SQLite in {var_dir}"
    print(f"accord demo --size {args.size} --no-serve --reset on {database}", flush=True)

    command = [
        sys.executable,
        "-m",
        "accord.cli",
        "demo",
        "--size",
        args.size,
        "--seed",
        str(args.seed),
        "--no-serve",
        "--reset",
    ]
    started = time.perf_counter()
    finished = subprocess.run(command, cwd=ROOT, env=env, check=False)
    seconds = time.perf_counter() - started
    if finished.returncode != 0:
        print(f"accord demo failed with exit code {finished.returncode}", file=sys.stderr)
        return finished.returncode
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024

    os.environ.update({k: v for k, v in env.items() if k in ("ACCORD_VAR_DIR", "DATABASE_URL")})
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from accord.demo.models import DemoLoad

    counts = DemoLoad.objects.filter(finished_at__isnull=False).first().counts
    total = sum(counts.values())
    print(f"\n{'table':<28}{'rows':>14}")
    for label, count in counts.items():
        print(f"{label:<28}{count:>14,}")
    print(f"{'total':<28}{total:>14,}")
    print(f"\nwall time (migrate + generate + load): {seconds:,.1f} s")
    print(f"rows per second: {total / seconds:,.0f}")
    print(f"peak memory of the command: {peak_mb:,.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
