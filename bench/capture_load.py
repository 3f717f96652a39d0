"""Load test of the public lead capture endpoint under gunicorn, next to a bare baseline.

    .venv/bin/python bench/capture_load.py                       # SQLite, fresh file
    .venv/bin/python bench/capture_load.py --database-url postgres://postgres@127.0.0.1:5432/accord_bench

Starts gunicorn on a fresh database, seeds a site key, warms up, then N client processes on
the same machine post unique submissions over keep-alive connections. Afterwards it counts
touchpoints and queued follow-up jobs in the database: both must equal the accepted answers
(zero loss). In the same run it measures a bare django-ninja endpoint returning a constant
(bench/baseline_wsgi.py: same settings and middleware) and prints the ratio. The PostgreSQL
database named in the URL is dropped and re-created (its name must contain "bench").
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default="", help="PostgreSQL URL (default: SQLite)")
    parser.add_argument("--submissions", type=int, default=4000)
    parser.add_argument("--clients", type=int, default=8, help="load-generator processes")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--worker-class", default="sync", choices=["sync", "gthread"])
    parser.add_argument("--threads", type=int, default=2, help="threads per gthread worker")
    parser.add_argument(
        "--rate-limit",
        default="1000000/60",
        help="ACCORD_CAPTURE_RATE_LIMIT for the run ('0' turns the limiter off)",
    )
    parser.add_argument("--cache-url", default="", help="ACCORD_CACHE_URL (default: file cache)")
    return parser.parse_args()


def database_prepare(args: argparse.Namespace, var_dir: str) -> str:
    if not args.database_url:
        return f"sqlite:///{var_dir}/bench.sqlite3"
    import psycopg

    url = urlsplit(args.database_url)
    name = url.path.lstrip("/")
    if "bench" not in name:
        sys.exit(f"Refusing to drop {name!r}: use a database whose name contains 'bench'.")
    admin = args.database_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return args.database_url


def django_setup(env: dict[str, str]) -> None:
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_start(app: str, args: argparse.Namespace, env: dict[str, str]) -> tuple:
    port = free_port()
    argv = [
        sys.executable, "-m", "gunicorn", app, "--bind", f"127.0.0.1:{port}",
        "--workers", str(args.workers), "--worker-class", args.worker_class,
        "--threads", str(args.threads), "--pythonpath", f"{ROOT},{ROOT / 'bench'}",
        "--backlog", "2048", "--keep-alive", "30",
    ]  # fmt: skip
    process = subprocess.Popen(argv, env={**os.environ, **env}, cwd=ROOT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return process, port
        except OSError:
            time.sleep(0.2)
    process.kill()
    sys.exit(f"{app} did not start")


def client_run(job: tuple[int, int, int, str, str, int]) -> tuple[int, int]:
    """Post this client's share; return (accepted, other answers)."""
    client, clients, port, path, site_key, total = job
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    accepted = other = 0
    for n in range(client, total, clients):
        body = json.dumps(
            {
                "site": site_key,
                "email": f"load{n}-{site_key[:6]}@example.com",
                "name": "Load Test",
                "utm_source": "google",
                "utm_medium": "cpc",
                "landing_page": "https://www.example.com/pricing",
            }
        ).encode()
        conn.request("POST", path, body, {"Content-Type": "application/json"})
        response = conn.getresponse()
        response.read()
        if response.status in (200, 202):
            accepted += 1
        else:
            other += 1
    conn.close()
    return accepted, other


def load(port: int, path: str, site_key: str, total: int, clients: int) -> tuple[int, int, float]:
    jobs = [(c, clients, port, path, site_key, total) for c in range(clients)]
    with multiprocessing.get_context("fork").Pool(clients) as pool:
        start = time.perf_counter()
        results = pool.map(client_run, jobs)
        elapsed = time.perf_counter() - start
    return sum(r[0] for r in results), sum(r[1] for r in results), elapsed


def measure(app: str, path: str, site_key: str, args, env) -> tuple[int, int, float]:
    server, port = server_start(app, args, env)
    try:
        load(port, path, "warmup" + site_key, min(400, args.submissions // 5), args.clients)
        return load(port, path, site_key, args.submissions, args.clients)
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    args = arguments()
    var_dir = tempfile.mkdtemp(prefix="accord-bench-")
    env = {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "ACCORD_VAR_DIR": var_dir,
        "DATABASE_URL": database_prepare(args, var_dir),
        "ACCORD_CAPTURE_RATE_LIMIT": args.rate_limit,
        "ACCORD_LOG_LEVEL": "ERROR",
    }
    if args.cache_url:
        env["ACCORD_CACHE_URL"] = args.cache_url
    django_setup(env)
    from django.db import connection
    from django_q.models import OrmQ

    from accord.tracking.capture.services import capture_site_create
    from accord.tracking.models import Touchpoint

    site = capture_site_create(name="Bench", allowed_origins=["https://www.example.com"])
    capture_site_create(name="Warm-up", public_key="warmup" + site.public_key)
    connection.close()

    base_ok, base_other, base_s = measure(
        "baseline_wsgi:application", "/bench/constant", site.public_key, args, env
    )
    ok, other, seconds = measure(
        "config.wsgi:application", "/capture/lead", site.public_key, args, env
    )
    warm_up = Touchpoint.objects.filter(contact__email__endswith="-warmup@example.com").count()
    stored = Touchpoint.objects.count() - warm_up
    jobs = OrmQ.objects.count() - warm_up
    engine = connection.vendor
    capture_rate, base_rate = ok / seconds, base_ok / base_s
    print(
        f"database={engine} workers={args.workers} class={args.worker_class}"
        f" threads={args.threads} clients={args.clients} rate_limit={args.rate_limit}"
        f" cache={args.cache_url or 'file'}"
    )
    print(f"baseline  : {base_ok} ok, {base_other} other in {base_s:.2f} s = {base_rate:.0f}/s")
    print(f"capture   : {ok} ok, {other} other in {seconds:.2f} s = {capture_rate:.0f}/s")
    print(f"stored    : {stored} touchpoints, {jobs} follow-up jobs (loss: {ok - stored})")
    print(f"ratio     : capture / baseline = {capture_rate / base_rate:.2f}")
    if stored != ok or jobs != ok:
        sys.exit("LOSS: accepted submissions and stored rows differ")


if __name__ == "__main__":
    main()
