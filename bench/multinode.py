"""Several web and worker nodes on one PostgreSQL: every guarantee kept, and the latencies.

    .venv/bin/python bench/multinode.py    # 1 web + 1 worker, 3 + 2, 3 + 2 with a kill -9
    .venv/bin/python bench/multinode.py --configs 3x2k --database-url postgres://.../accord_bench_mn

Each configuration ``WxK`` (``k``: kill a worker mid-run) runs on a fresh copy of a migrated
PostgreSQL database (the name must contain "bench"; it is dropped and re-created) with a
throwaway Redis (the rate-limit counters, ``ACCORD_CACHE_URL``). Each web node is its own
``accord serve --workers 1`` with its own ``ACCORD_VAR_DIR``, as on separate hosts; each
worker node is ``accord worker`` (``bench/multinode_node.py worker``: the same worker, writing
evidence rows in the transactions that do the work).

The load, all at once through every web node in turn (``--clients`` concurrent connections):
``--submissions`` lead submissions for ``--people`` people (each person's submissions go out
together, through different nodes), and ``--mqls`` leads moved to MQL through the REST API
(``POST /api/v1/leads/{id}/transitions``) for a team of ``--reps`` reps whose daily quota is
``mqls / reps``; each MQL request is sent twice with one ``Idempotency-Key``, through two
nodes. With ``k``, the first worker node is killed with SIGKILL (its whole process group)
while it holds claimed follow-ups, and is not restarted: the other worker must recover.

Then: a rate limit (``--event-limit`` page events a minute per IP and site) counted across
nodes, a session made on one node used on another, and ``--hold-seconds`` of worker life so
the minute sweeps run several times. Checks, printed as PASS/FAIL: one contact and one open
lead per person, every submission stored, every follow-up run exactly once, each MQL
transitioned once and assigned once, exactly ``mqls / reps`` per rep, every assignment
e-mail sent (and how many twice), no schedule turned into two tasks for one due time.
Latencies: capture request, submission → follow-up done, MQL request (routing runs in it),
assignment → e-mail claimed by a worker.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench.capture_load import free_port  # noqa: E402
from bench.handoff_latency import percentile  # noqa: E402
from bench.multinode_checks import checks_run, latencies  # noqa: E402
from bench.multinode_node import BENCH_TABLES, client_run, http_request  # noqa: E402

SECRET = "multinode-bench-secret-key-not-for-production-0123456789abcdef"
PASSWORD = "multinode-bench-2026"


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/accord_bench_multinode"
    )
    parser.add_argument("--configs", default="1x1,3x2,3x2k", help="WEBxWORKERS[k], comma-separated")
    parser.add_argument("--people", type=int, default=100)
    parser.add_argument("--submissions", type=int, default=400)
    parser.add_argument("--mqls", type=int, default=400)
    parser.add_argument("--reps", type=int, default=4)
    parser.add_argument("--clients", type=int, default=24, help="concurrent connections")
    parser.add_argument("--processes", type=int, default=2, help="job processes per worker")
    parser.add_argument("--event-limit", type=int, default=20)
    parser.add_argument("--hold-seconds", type=float, default=130.0)
    parser.add_argument("--drain-seconds", type=float, default=120.0)
    parser.add_argument(
        "--pgbouncer",
        action="store_true",
        help="the nodes reach PostgreSQL through PgBouncer in transaction mode (started here)",
    )
    return parser.parse_args()


def pgbouncer_start(url: str, work: str) -> tuple[subprocess.Popen, str]:
    """PgBouncer in transaction mode in front of the database; return it and the nodes' URL.

    PgBouncer before 1.21 cannot keep prepared statements, so the nodes also get
    ``ACCORD_PG_PREPARE=0`` (see ``main``)."""
    Path(work).chmod(0o755)  # PgBouncer runs as another user when we are root
    folder = Path(work) / "pgbouncer"
    folder.mkdir(parents=True)
    folder.chmod(0o777)
    port = free_port()
    parts = urlsplit(url)
    (folder / "users.txt").write_text(f'"{parts.username}" ""\n')
    (folder / "pgbouncer.ini").write_text(
        f"[databases]\n* = host={parts.hostname} port={parts.port or 5432}\n"
        f"[pgbouncer]\nlisten_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n"
        f"auth_type = trust\nauth_file = {folder}/users.txt\npool_mode = transaction\n"
        "max_client_conn = 1000\ndefault_pool_size = 20\n"
        "ignore_startup_parameters = extra_float_digits,options\n"
        f"logfile = {folder}/pgbouncer.log\npidfile = {folder}/pgbouncer.pid\n"
    )
    for path in folder.iterdir():
        path.chmod(0o666)
    argv = ["pgbouncer", str(folder / "pgbouncer.ini")]
    if os.geteuid() == 0:  # PgBouncer refuses to run as root
        argv[1:1] = ["-u", "postgres"]
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1)
    if process.poll() is not None:
        sys.exit(f"PgBouncer did not start (see {folder}/pgbouncer.log)")
    return process, f"{parts.scheme}://{parts.username}@127.0.0.1:{port}{parts.path}"


def admin_url(url: str) -> str:
    return url.rsplit("/", 1)[0] + "/postgres"


def psql(url: str, *statements: str) -> None:
    import psycopg

    with psycopg.connect(admin_url(url), autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


def template_make(url: str, env: dict[str, str]) -> str:
    """Migrate a fresh database once; every configuration starts from a copy of it."""
    name = urlsplit(url).path.lstrip("/")
    if "bench" not in name:
        sys.exit(f"Refusing to drop {name!r}: use a database whose name contains 'bench'.")
    template = f"{name}_template"
    psql(url, f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)', f'CREATE DATABASE "{template}"')
    subprocess.run(
        [str(ROOT / ".venv/bin/accord"), "migrate"],
        env={**os.environ, **env, "DATABASE_URL": url.rsplit("/", 1)[0] + f"/{template}"},
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return template


def database_fresh(url: str, template: str) -> None:
    from django import db

    db.connections.close_all()
    name = urlsplit(url).path.lstrip("/")
    psql(
        url,
        f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)',
        f'CREATE DATABASE "{name}" TEMPLATE "{template}"',
    )
    with db.connection.cursor() as cursor:
        for statement in BENCH_TABLES:
            cursor.execute(statement)


def seed(args: argparse.Namespace) -> dict:
    """The capture site, a team of reps with a daily quota of mqls/reps, the leads to move to
    MQL, an API key, and a manager who signs in."""
    from django.utils import timezone

    from accord.accounts.api_keys import api_key_create
    from accord.accounts.models import Role, Team, User
    from accord.contacts.models import Contact, Lead, StageTransition
    from accord.handoff.models import RoutingRule
    from accord.tracking.capture.services import capture_site_create

    site = capture_site_create(name="Bench", allowed_origins=["https://www.example.com"])
    team = Team.objects.create(name="Bench team")
    quota = args.mqls // args.reps
    reps = [
        User.objects.create_user(
            username=f"bench-rep{n}",
            email=f"rep{n}@example.com",
            role=Role.SALES,
            team=team,
            monthly_capacity=quota * 30,  # daily quota = capacity / 30
        ).pk
        for n in range(args.reps)
    ]
    User.objects.create_user(username="bench-manager", password=PASSWORD, role=Role.ADMIN)
    # The people who submit forms may become MQLs too (scoring): another team takes them, so
    # the bench team's quota is the API's MQLs' alone.
    inbound = Team.objects.create(name="Inbound")
    for n in range(2):
        User.objects.create_user(
            username=f"inbound-rep{n}", email=f"inbound{n}@example.com", role=Role.SALES,
            team=inbound, monthly_capacity=300_000,
        )  # fmt: skip
    RoutingRule.objects.create(
        name="Form people", position=10, team=inbound,
        conditions=[{"field": "contact.email", "operator": "contains", "value": "person"}],
    )  # fmt: skip
    RoutingRule.objects.create(name="Everything", position=100, team=team)
    now = timezone.now()
    contacts = Contact.objects.bulk_create(
        [Contact(email=f"mql{n}@example.com", first_name=f"Mql{n}") for n in range(args.mqls)]
    )
    leads = Lead.objects.bulk_create(
        [Lead(contact=c, created_at=now, stage_changed_at=now, score=75) for c in contacts]
    )
    StageTransition.objects.bulk_create(
        [StageTransition(lead=lead, from_stage="", to_stage="lead", at=now) for lead in leads]
    )
    _key, raw = api_key_create(name="bench", scopes=["*"])
    return {
        "site": site.public_key,
        "reps": reps,
        "quota": quota,
        "lead_ids": [lead.pk for lead in leads],
        "api_key": raw,
    }


def node_env(base: dict[str, str], var_dir: str) -> dict[str, str]:
    Path(var_dir).mkdir(parents=True, exist_ok=True)
    return {**os.environ, **base, "ACCORD_VAR_DIR": var_dir}


def webs_start(count: int, env: dict[str, str], work: str) -> list[tuple[subprocess.Popen, int]]:
    started = []
    for n in range(count):
        port = free_port()
        argv = [str(ROOT / ".venv/bin/accord"), "serve", "--port", str(port), "--workers", "1"]
        process = subprocess.Popen(
            argv,
            env=node_env(env, f"{work}/web{n}"),
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            start_new_session=True,
        )
        started.append((process, port))
    import socket

    for process, port in started:
        deadline = time.monotonic() + 90
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    sys.exit(f"web node on port {port} did not start")
                time.sleep(0.2)
    return started


def workers_start(count: int, processes: int, env: dict[str, str], work: str) -> list:
    pythonpath = os.pathsep.join([str(ROOT), str(ROOT / "bench")])
    return [
        subprocess.Popen(
            [
                sys.executable,
                str(ROOT / "bench/multinode_node.py"),
                "worker",
                "--processes",
                str(processes),
            ],
            env={**node_env(env, f"{work}/worker{n}"), "PYTHONPATH": pythonpath},
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            start_new_session=True,
        )
        for n in range(count)
    ]


def requests_build(args: argparse.Namespace, seeded: dict, ports: list[int]) -> list[tuple]:
    """Every request of the load, interleaved: a person's submissions one after another (so
    they go out together, through different nodes), each MQL twice through two nodes."""
    submissions = []
    for n in range(args.submissions):
        person = n // max(1, args.submissions // args.people) % args.people
        body = {
            "site": seeded["site"],
            "email": f"person{person}@example.com",
            "name": f"Person {person}",
            "utm_source": "google",
            "utm_medium": "cpc",
            "landing_page": "https://www.example.com/pricing",
        }
        submissions.append(("capture", http_request("POST", "/capture/lead", body, {})))
    mqls = []
    auth = {"Authorization": f"Bearer {seeded['api_key']}"}
    for lead_id in seeded["lead_ids"]:
        headers = {**auth, "Idempotency-Key": f"mql-{lead_id}"}
        data = http_request(
            "POST", f"/api/v1/leads/{lead_id}/transitions", {"to_stage": "mql"}, headers
        )
        mqls += [("mql", data), ("mql", data)]
    merged, k = [], 0
    while submissions or mqls:
        for queue in (submissions, mqls):
            if queue:
                kind, data = queue.pop(0)
                merged.append((kind, ports[k % len(ports)], data))
                k += 1
    return merged


def nodes_warm(seeded: dict, ports: list[int]) -> None:
    """A running node has its code imported and its URLs loaded: one submission and one API
    read through each node first, not measured (their people are not counted)."""
    from bench.multinode_node import Connection

    auth = {"Authorization": f"Bearer {seeded['api_key']}"}
    for n, port in enumerate(ports):
        conn = Connection(port)
        body = {"site": seeded["site"], "email": f"warm{n}@example.org"}
        for _ in range(3):
            conn.exchange(http_request("POST", "/capture/lead", body, {}))
            conn.exchange(http_request("GET", "/api/v1/leads?limit=1", {}, auth))
        conn.close()


def kill_when_busy(workers: list[subprocess.Popen], deadline: float) -> tuple[float, int]:
    """SIGKILL the process group of the worker node that first holds claimed follow-ups (or
    the first node, at ``deadline``); return when, and how many rows it held."""
    from django.db import connection

    from accord.core.models import Claimant
    from accord.tracking.models import SubmissionFollowup

    held, worker = 0, workers[0]
    groups = {process.pid: process for process in workers}
    while time.time() < deadline and not held:
        for token, pid in Claimant.objects.values_list("token", "pid"):
            try:
                group = os.getpgid(pid)
            except OSError:
                continue
            if group in groups:
                held = SubmissionFollowup.objects.filter(claimed_by=token).count()
            if held:
                worker = groups[group]
                break
        time.sleep(0.01)
    os.killpg(worker.pid, signal.SIGKILL)
    killed_at = time.time()
    worker.wait()
    connection.close()
    return killed_at, held


def load_run(requests: list[tuple], clients: int, worker_to_kill) -> tuple[list, float, tuple]:
    start_at = time.time() + 0.5
    shares = [(requests[c::clients], start_at) for c in range(clients)]
    with multiprocessing.get_context("fork").Pool(clients) as pool:
        pending = pool.map_async(client_run, shares)
        killed = (None, 0)
        if worker_to_kill is not None:
            killed = kill_when_busy(worker_to_kill, deadline=start_at + 30)
        results = [r for share in pending.get() for r in share]
    return results, time.time() - start_at, killed


def drain_wait(seconds: float) -> float:
    """Wait until no follow-up and no e-mail is pending; return when that was (epoch)."""
    from accord.handoff.models import Notification
    from accord.tracking.models import SubmissionFollowup

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if (
            not SubmissionFollowup.objects.exists()
            and not Notification.objects.filter(email_pending=True).exists()
        ):
            break
        time.sleep(0.1)
    return time.time()


def shared_state_probe(args, seeded: dict, ports: list[int]) -> dict:
    """A rate limit counted across nodes, and a session made on one node used on another."""
    from bench.multinode_node import Connection

    accepted = refused = 0
    for n in range(args.event_limit + 10):
        body = {"site": seeded["site"], "type": "page_view", "visitor_id": "vprobe0001",
                "url": "https://www.example.com/"}  # fmt: skip
        conn = Connection(ports[n % len(ports)])
        status, _, _ = conn.exchange(http_request("POST", "/capture/event", body, {}))
        conn.close()
        accepted += status in (200, 202, 204)
        refused += status == 429
    return {"events_accepted": accepted, "events_refused": refused,
            "session_shared": session_probe(ports)}  # fmt: skip


def session_probe(ports: list[int]) -> bool:
    import http.cookiejar
    import re
    import urllib.parse
    import urllib.request

    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    first, last = ports[0], ports[-1]
    page = opener.open(f"http://127.0.0.1:{first}/login/").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    data = {"username": "bench-manager", "password": PASSWORD,
            "csrfmiddlewaretoken": token.group(1) if token else ""}  # fmt: skip
    opener.open(f"http://127.0.0.1:{first}/login/", urllib.parse.urlencode(data).encode())
    response = opener.open(f"http://127.0.0.1:{last}/")
    return "/login/" not in response.geturl() and response.status == 200


def config_run(spec: str, args, env: dict[str, str], template: str, work: str) -> dict:
    """Length: one configuration start to finish, read top to bottom as the docstring says."""
    webs, workers = (int(x) for x in spec.rstrip("k").split("x"))
    kill = spec.endswith("k")
    database_fresh(args.database_url, template)
    seeded = seed(args)
    from django import db

    db.connections.close_all()
    subprocess.run(["redis-cli", "-p", env["_REDIS_PORT"], "flushall"], stdout=subprocess.DEVNULL)
    node_base = {k: v for k, v in env.items() if not k.startswith("_")}
    if "_NODE_DATABASE_URL" in env:  # through PgBouncer in transaction mode
        node_base |= {
            "DATABASE_URL": env["_NODE_DATABASE_URL"],
            "ACCORD_DB_TRANSACTION_POOLER": "1",
            "ACCORD_PG_PREPARE": "0",
        }
    web_nodes = webs_start(webs, node_base, f"{work}/{spec}")
    worker_nodes = workers_start(workers, args.processes, node_base, f"{work}/{spec}")
    started = time.time()
    ports = [port for _, port in web_nodes]
    try:
        nodes_warm(seeded, ports)
        time.sleep(3)  # the clusters fork their processes; the warm-up's follow-ups run
        requests = requests_build(args, seeded, ports)
        results, load_seconds, (killed_at, held) = load_run(
            requests, args.clients, worker_nodes if kill else None
        )
        drained_at = drain_wait(args.drain_seconds)
        probe = shared_state_probe(args, seeded, ports)
        time.sleep(max(0.0, started + args.hold_seconds - time.time()))
    finally:
        for process in [p for p, _ in web_nodes] + worker_nodes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in [p for p, _ in web_nodes] + worker_nodes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
    return {
        "spec": spec, "webs": webs, "workers": workers, "results": results,
        "load_seconds": load_seconds, "killed_at": killed_at, "held": held,
        "drained_at": drained_at, "probe": probe, "seeded": seeded,
    }  # fmt: skip


def report(run: dict, args) -> list[str]:
    failures = checks_run(run, args)
    figures = latencies(run)
    results = run["results"]
    statuses = Counter((kind, status) for kind, status, *_ in results)
    print(f"\n== {run['spec']}: {run['webs']} web + {run['workers']} worker nodes ==")
    print(
        f"  load: {len(results)} requests in {run['load_seconds']:.1f} s; answers {dict(statuses)}"
    )
    if run["killed_at"] is not None:
        recovery = run["drained_at"] - run["killed_at"]
        print(
            f"  kill -9 of a worker node holding {run['held']} claimed follow-ups; "
            f"everything done {recovery:.1f} s after the kill"
        )
    for name, values in figures.items():
        if values:
            p50, p99 = percentile(values, 50), percentile(values, 99)
            print(f"  {name}: p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms, n={len(values)}")
    return failures


def main() -> None:
    args = arguments()
    work = tempfile.mkdtemp(prefix="accord-multinode-")
    redis_port = str(free_port())
    redis = subprocess.Popen(
        [
            "redis-server",
            "--bind",
            "127.0.0.1",
            "--port",
            redis_port,
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        stdout=subprocess.DEVNULL,
    )
    env = {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": args.database_url,
        "ACCORD_SECRET_KEY": SECRET,
        "ACCORD_CACHE_URL": f"redis://127.0.0.1:{redis_port}/0",
        "ACCORD_CAPTURE_RATE_LIMIT": "0",
        "ACCORD_CAPTURE_EVENT_RATE_LIMIT": f"{args.event_limit}/600",
        "ACCORD_API_RATE": "1000000/10s",
        "ACCORD_LOG_LEVEL": "ERROR",
        "ACCORD_EMAIL_BACKEND": "multinode_node.RecordingBackend",
        "_REDIS_PORT": redis_port,
    }
    bouncer = None
    if args.pgbouncer:
        bouncer, env["_NODE_DATABASE_URL"] = pgbouncer_start(args.database_url, work)
    try:
        template = template_make(args.database_url, {**env, "ACCORD_VAR_DIR": f"{work}/migrate"})
        os.environ.update({k: v for k, v in env.items() if not k.startswith("_")})
        os.environ["ACCORD_VAR_DIR"] = f"{work}/bench"
        import django

        django.setup()
        print(
            f"{'Through PgBouncer (transaction mode). ' if bouncer else ''}"
            f"Multi-node bench: {args.submissions} submissions for {args.people} people and "
            f"{args.mqls} MQLs (each sent twice) for {args.reps} reps, {args.clients} "
            f"connections; cpus={os.cpu_count()} load={os.getloadavg()[0]:.1f}"
        )
        failures = []
        for spec in args.configs.split(","):
            run = config_run(spec, args, env, template, work)
            failures += [f"{spec}: {f}" for f in report(run, args)]
        print(f"\nload average after: {os.getloadavg()[0]:.1f}")
    finally:
        redis.terminate()
        redis.wait()
        if bouncer is not None:
            bouncer.terminate()
            bouncer.wait()
    if failures:
        sys.exit("FAILED:\n  " + "\n  ".join(failures))
    print("every check passed")


if __name__ == "__main__":
    main()
