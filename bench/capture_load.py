"""Load test of the public lead capture endpoint under gunicorn, next to a bare baseline.

    .venv/bin/python bench/capture_load.py                       # SQLite, fresh file
    .venv/bin/python bench/capture_load.py --database-url postgres://postgres@127.0.0.1:5432/accord_bench

Starts gunicorn on a fresh database, seeds a site key, warms up, then ``--clients`` load
processes on the same machine post unique submissions over keep-alive connections (raw
sockets with pre-built requests, so the load generator costs far less CPU than the server).
Afterwards it counts touchpoints and pending follow-ups (outbox rows; no worker runs) in the
database: both must equal the accepted answers (zero loss). In the same run, with the same
server settings and client, it measures a bare django-ninja endpoint returning a constant
(bench/baseline_wsgi.py: same settings and middleware) and prints the ratio. The PostgreSQL
database named in the URL is dropped and re-created (its name must contain "bench").
"""

from __future__ import annotations

import argparse
import hashlib
import io
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
    parser.add_argument("--submissions", type=int, default=6000)
    parser.add_argument("--clients", type=int, default=8, help="keep-alive connections")
    parser.add_argument(
        "--server",
        default="granian",
        choices=["granian", "gunicorn"],
        help="granian: exactly what `accord serve` runs; gunicorn: for comparison",
    )
    parser.add_argument("--workers", type=int, default=2, help="web server worker processes")
    parser.add_argument("--worker-class", default="gthread", choices=["sync", "gthread"])
    parser.add_argument(
        "--threads", type=int, default=4, help="threads per worker (gthread; granian: blocking)"
    )
    parser.add_argument(
        "--rate-limit",
        default="1000000/60",
        help="ACCORD_CAPTURE_RATE_LIMIT for the run ('0' turns the limiter off)",
    )
    parser.add_argument("--cache-url", default="", help="ACCORD_CACHE_URL (default: none)")
    parser.add_argument(
        "--cpu",
        type=int,
        default=0,
        metavar="N",
        help="no server: CPU time per submission in-process (N per path, see cpu_measure)",
    )
    parser.add_argument(
        "--visitor-ids",
        action="store_true",
        help="send a visitor id with each submission, as the snippet's forms do",
    )
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
    if args.server == "granian":
        from accord.core.commands import web_server_argv

        argv = web_server_argv("127.0.0.1", port, args.workers, threads=args.threads, app=app)
        argv += ["--backlog", "2048"]
        pythonpath = os.pathsep.join([str(ROOT), str(ROOT / "bench")])
        env = {**env, "PYTHONPATH": pythonpath}
    else:
        argv = [
            sys.executable, "-m", "gunicorn", app, "--bind", f"127.0.0.1:{port}",
            "--workers", str(args.workers), "--worker-class", args.worker_class,
            "--threads", str(args.threads), "--pythonpath", f"{ROOT},{ROOT / 'bench'}",
            "--backlog", "2048", "--keep-alive", "30", "--log-level", "warning",
        ]  # fmt: skip
    # Server output (e.g. gunicorn's or an enabled access log) is not shown.
    process = subprocess.Popen(argv, env={**os.environ, **env}, cwd=ROOT, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return process, port
        except OSError:
            time.sleep(0.2)
    process.kill()
    sys.exit(f"{app} did not start")


#: Set from ``--visitor-ids``: each submission carries its own visitor id, as the snippet's
#: forms send (the endpoint then looks for the visitor's anonymous touches to stitch).
VISITOR_IDS = False


def submission_body(site_key: str, email: str) -> bytes:
    body = {
        "site": site_key,
        "email": email,
        "name": "Load Test",
        "utm_source": "google",
        "utm_medium": "cpc",
        "landing_page": "https://www.example.com/pricing",
    }
    if VISITOR_IDS:
        body["visitor_id"] = "v" + hashlib.sha1(email.encode()).hexdigest()[:20]
    return json.dumps(body).encode()


def request_bytes(path: str, site_key: str, n: int) -> bytes:
    body = submission_body(site_key, f"load{n}-{site_key[:6]}@example.com")
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


class Connection:
    """A minimal keep-alive HTTP/1.1 client: send a request, read one response."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.sock: socket.socket | None = None
        self.buffer = b""

    def exchange(self, request: bytes) -> int:
        if self.sock is None:
            self.sock = socket.create_connection(("127.0.0.1", self.port), timeout=120)
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.buffer = b""
        self.sock.sendall(request)
        while b"\r\n\r\n" not in self.buffer:
            self._fill()
        head, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status = int(lines[0].split(b" ", 2)[1])
        length, close = 0, False
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"connection" and value.strip().lower() == b"close":
                close = True
        while len(self.buffer) < length:
            self._fill()
        self.buffer = self.buffer[length:]
        if close:  # e.g. gunicorn's sync worker: reconnect for the next request
            self.sock.close()
            self.sock = None
        return status

    def _fill(self) -> None:
        assert self.sock is not None
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("server closed the connection mid-response")
        self.buffer += chunk


def client_run(job: tuple) -> tuple[int, int, list[float]]:
    """Post this client's share; return (accepted, other answers, latencies in seconds)."""
    client, clients, port, path, site_key, total, start_at = job
    requests = [request_bytes(path, site_key, n) for n in range(client, total, clients)]
    conn = Connection(port)
    accepted = other = 0
    latencies = []
    while time.time() < start_at:  # every client starts at the same moment
        time.sleep(0.001)
    for request in requests:
        began = time.perf_counter()
        status = conn.exchange(request)
        latencies.append(time.perf_counter() - began)
        if status in (200, 202):
            accepted += 1
        else:
            other += 1
    return accepted, other, latencies


def load(port: int, path: str, site_key: str, total: int, clients: int) -> dict:
    with multiprocessing.get_context("fork").Pool(clients) as pool:
        start_at = time.time() + 0.5
        jobs = [(c, clients, port, path, site_key, total, start_at) for c in range(clients)]
        results = pool.map(client_run, jobs)
        elapsed = time.time() - start_at
    latencies = sorted(t for r in results for t in r[2])
    return {
        "ok": sum(r[0] for r in results),
        "other": sum(r[1] for r in results),
        "seconds": elapsed,
        "p50": latencies[len(latencies) // 2] * 1000,
        "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
    }


def process_tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by a process and its live children."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
        pending.extend(int(child) for child in children)
    return total


def measure(app: str, path: str, site_key: str, args, env) -> dict:
    server, port = server_start(app, args, env)
    try:
        load(port, path, "warmup" + site_key, min(400, args.submissions // 5), args.clients)
        cpu_before = process_tree_cpu(server.pid)
        result = load(port, path, site_key, args.submissions, args.clients)
        result["server_cpu_ms"] = (process_tree_cpu(server.pid) - cpu_before) * 1000 / result["ok"]
        return result
    finally:
        server.terminate()
        server.wait(timeout=30)


def wsgi_post(handler, body: bytes) -> str:
    """One request through Django's WSGI handler, as gunicorn would make it."""
    environ = {
        "REQUEST_METHOD": "POST", "PATH_INFO": "/capture/lead", "SCRIPT_NAME": "",
        "QUERY_STRING": "", "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80",
        "REMOTE_ADDR": "127.0.0.1", "HTTP_HOST": "127.0.0.1", "SERVER_PROTOCOL": "HTTP/1.1",
        "CONTENT_TYPE": "application/json", "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body), "wsgi.url_scheme": "http", "wsgi.errors": sys.stderr,
    }  # fmt: skip
    status: list[str] = []
    response = handler(environ, lambda code, headers, exc_info=None: status.append(code))
    b"".join(response)
    response.close()
    return status[0]


def backend_cpu_seconds() -> float:
    """CPU time used so far by this connection's PostgreSQL backend (same machine only)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return 0.0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_measure(site_key: str, count: int) -> None:
    """CPU per new-person submission, in this process, for the plain-row path and the ORM
    services path (``rows_usable`` forced off), alternating blocks of 50 so that a busy
    machine disturbs both alike. Python CPU is ``time.process_time``; on PostgreSQL the
    backend's CPU (from /proc) is added separately."""
    import uuid

    from django.core.handlers.wsgi import WSGIHandler

    from accord.tracking.capture import rows, services

    handler = WSGIHandler()
    use_rows = [True]
    services.rows_usable = lambda: use_rows[0] and rows.rows_usable()
    run = uuid.uuid4().hex[:8]
    bodies = (submission_body(site_key, f"cpu{n}-{run}@example.com") for n in range(10**9))
    for _ in range(100):  # warm-up of both paths
        use_rows[0] = not use_rows[0]
        wsgi_post(handler, next(bodies))
    python = {True: 0.0, False: 0.0}
    backend = {True: 0.0, False: 0.0}
    for block in range(2 * count // 50):
        use_rows[0] = block % 2 == 0
        backend_before, began = backend_cpu_seconds(), time.process_time()
        for _ in range(50):
            status = wsgi_post(handler, next(bodies))
            if not status.startswith("202"):
                sys.exit(f"capture answered {status}")
        python[use_rows[0]] += time.process_time() - began
        backend[use_rows[0]] += backend_cpu_seconds() - backend_before
    for path, name in ((False, "ORM services"), (True, "plain rows")):
        extra = f" + {backend[path] * 1000 / count:.2f} ms PostgreSQL backend" * bool(backend[path])
        print(f"{name:12}: {python[path] * 1000 / count:.2f} ms Python{extra} per submission")
    total = {path: python[path] + backend[path] for path in (True, False)}
    print(f"plain rows / ORM services = {total[True] / total[False]:.2f} (CPU per submission)")


def line(name: str, result: dict) -> str:
    rate = result["ok"] / result["seconds"]
    return (
        f"{name:10}: {result['ok']} ok, {result['other']} other in {result['seconds']:.2f} s"
        f" = {rate:.0f}/s  p50 {result['p50']:.1f} ms  p99 {result['p99']:.1f} ms"
        f"  server CPU {result['server_cpu_ms']:.2f} ms/request"
    )


def main() -> None:
    args = arguments()
    global VISITOR_IDS
    VISITOR_IDS = args.visitor_ids
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
    if args.cpu:  # one backend for the whole run, so its CPU counter is one process's
        env["ACCORD_DB_CONN_MAX_AGE"] = "3600"
    django_setup(env)
    from django.db import connection

    from accord.tracking.capture.services import capture_site_create
    from accord.tracking.models import SubmissionFollowup, Touchpoint

    site = capture_site_create(name="Bench", allowed_origins=["https://www.example.com"])
    capture_site_create(name="Warm-up", public_key="warmup" + site.public_key)
    if args.cpu:
        print(
            f"database={connection.vendor} visitor_ids={args.visitor_ids}"
            f" load_avg_1min={os.getloadavg()[0]:.2f}"
        )
        cpu_measure(site.public_key, args.cpu)
        return
    connection.close()

    load_before = os.getloadavg()
    base = measure("baseline_wsgi:application", "/bench/constant", site.public_key, args, env)
    capture = measure("config.wsgi:application", "/capture/lead", site.public_key, args, env)
    load_after = os.getloadavg()
    measured = set(
        Touchpoint.objects.exclude(contact__email__endswith="-warmup@example.com").values_list(
            "pk", flat=True
        )
    )
    stored = len(measured)
    # No worker runs: every accepted submission's follow-up waits in the outbox.
    followups = sum(
        1
        for touchpoint_id in SubmissionFollowup.objects.values_list("touchpoint_id", flat=True)
        if touchpoint_id in measured
    )
    capture_rate = capture["ok"] / capture["seconds"]
    base_rate = base["ok"] / base["seconds"]
    print(
        f"database={connection.vendor} server={args.server} workers={args.workers}"
        f" class={args.worker_class if args.server == 'gunicorn' else 'wsgi'}"
        f" threads={args.threads} clients={args.clients} rate_limit={args.rate_limit}"
        f" cache={args.cache_url or 'none'} visitor_ids={args.visitor_ids} cpus={os.cpu_count()}"
        f" load_avg_1min={load_before[0]:.2f}->{load_after[0]:.2f}"
    )
    print(line("baseline", base))
    print(line("capture", capture))
    loss = capture["ok"] - stored
    print(f"stored    : {stored} touchpoints, {followups} follow-ups (loss: {loss})")
    print(f"ratio     : capture / baseline = {capture_rate / base_rate:.2f}")
    if stored != capture["ok"] or followups != capture["ok"]:
        sys.exit("LOSS: accepted submissions and stored rows differ")


if __name__ == "__main__":
    main()
