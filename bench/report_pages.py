"""Report pages bench: server time of the dashboard, funnel and attribution pages.

    .venv/bin/python bench/report_pages.py --var-dir /tmp/accord-bench-large
    .venv/bin/python bench/report_pages.py --var-dir DIR --requests 7 --user sales.manager

Requests go through Django's test client in this process (the whole stack: middleware,
authentication, the view, the DuckDB runners, templates), signed in as a manager, against
the operational database and analytics copy of ``--var-dir`` (built by ``accord demo``; the
large demo does not build the copy: run ``accord analytics sync`` or
``bench/analytics_runners.py`` once). Server time is the wall time of one request in the
process, and its CPU time next to it (these machines are shared). Each page gets one
warm-up request, then ``--requests`` timed ones; the median is printed. Nothing is written:
the operational database is opened read-only, sessions live in signed cookies for the run
and signing in does not record ``last_login``.

Target (issue 6): every page under 1 s server time on the large dataset.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

PAGES = (
    ("dashboard", "/", ""),
    ("funnel", "/reports/funnel/", ""),
    ("attribution", "/reports/attribution/", ""),
    # Every pinned report (none in a fresh demo: pin some to measure the board).
    ("meeting board", "/reports/board/", ""),
)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--var-dir", required=True)
    parser.add_argument("--requests", type=int, default=5)
    parser.add_argument("--user", default="marketing.manager", help="a manager's username")
    parser.add_argument("--query", default="", help="query string for every page, e.g. start=…")
    args = parser.parse_args()
    os.environ["ACCORD_VAR_DIR"] = args.var_dir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from analytics_runners import operational_read_only

    operational_read_only()
    from django.conf import settings
    from django.test import Client
    from django.test.utils import setup_test_environment

    # No session rows in the operational database; the test client's host allowed.
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    setup_test_environment()
    # Signing in would write ``last_login``: the operational database is opened read-only.
    from django.contrib.auth.models import update_last_login
    from django.contrib.auth.signals import user_logged_in

    user_logged_in.disconnect(update_last_login, dispatch_uid="update_last_login")

    from accord.accounts.models import User
    from accord.analytics import engine

    user = User.objects.filter(username=args.user).first()
    if user is None:
        raise SystemExit(f"No user {args.user!r} in {args.var_dir}: pass --user.")
    print(f"user {user.username} ({user.role}); copy {engine.duckdb_path()}")
    client = Client()
    client.force_login(user)
    head = f"{'page':<16}{'median s':>10}{'min s':>8}{'max s':>8}{'cpu s':>8}{'status':>8}"
    print(f"{head}{'KiB':>7}")
    for name, url, default_query in PAGES:
        query = args.query or default_query
        target = f"{url}?{query}" if query else url
        response = client.get(target)  # warm-up: imports, template loading, DuckDB file cache
        walls, cpus = [], []
        for _ in range(args.requests):
            wall, cpu = time.perf_counter(), time.process_time()
            response = client.get(target)
            walls.append(time.perf_counter() - wall)
            cpus.append(time.process_time() - cpu)
        fresh = b"Data as of" in response.content or name == "meeting board"
        marker = "" if fresh else "  (no 'Data as of': is the copy built?)"
        print(
            f"{name:<16}{statistics.median(walls):>10.3f}{min(walls):>8.3f}{max(walls):>8.3f}"
            f"{statistics.median(cpus):>8.3f}{response.status_code:>8}"
            f"{len(response.content) / 1024:>7.0f}{marker}"
        )


if __name__ == "__main__":
    main()
