"""`accord serve`, `accord worker` and `accord migrate`: running Accord's processes."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click


@click.command()
@click.option("--no-input", is_flag=True, help="Never prompt.")
def migrate(no_input: bool) -> None:
    """Create or upgrade the database schema (safe to run any number of times)."""
    from django.core.management import call_command

    call_command("migrate", interactive=not no_input, verbosity=1)


#: Threads per web process: requests wait on the database and DuckDB with the GIL released,
#: so a few per process keep a core busy; more only queue on the GIL.
WEB_THREADS = 4


def web_server_argv(
    host: str,
    port: int,
    workers: int,
    *,
    threads: int = WEB_THREADS,
    app: str = "config.wsgi:application",
    access_log: bool = False,
) -> list[str]:
    """The production web server: Granian (Rust HTTP, WSGI interface), as Django documents.

    Chosen over gunicorn by measurement: on the same 2 cores its HTTP layer costs ~0.35 ms of
    CPU per request against gunicorn gthread's ~0.9 ms, and the capture endpoint went from
    ~410 to ~550 submissions/s (bench/capture_load.py --server gunicorn|granian). The access
    log is off unless asked for, as in gunicorn: a reverse proxy usually keeps it, and each
    line costs the request a formatted write from Python.
    """
    argv = [
        sys.executable, "-m", "granian", app,
        "--interface", "wsgi", "--host", host, "--port", str(port),
        "--workers", str(workers), "--blocking-threads", str(threads),
        "--respawn-failed-workers", "--workers-kill-timeout", "10", "--no-ws",
    ]  # fmt: skip
    return [*argv, "--access-log"] if access_log else argv


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--workers",
    default=None,
    type=click.IntRange(1, 64),
    help="Web processes (default: one per core, at least 2).",
)
@click.option(
    "--threads",
    default=WEB_THREADS,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Request threads per web process.",
)
@click.option("--access-log", is_flag=True, help="Log every request on standard output.")
@click.option("--debug", is_flag=True, help="Turn Django's debug mode on (never in production).")
def serve(
    host: str, port: int, workers: int | None, threads: int, access_log: bool, debug: bool
) -> None:
    """Serve the web app and API with Granian; static files are served by WhiteNoise.

    Refuses to start with the development secret key unless debug is on: sessions, CSRF
    tokens and password-reset links signed with a published key can be forged.
    """
    from django.conf import settings
    from django.core.management import call_command

    if not (debug or settings.DEBUG) and settings.SECRET_KEY == settings.DEVELOPMENT_SECRET_KEY:
        raise click.ClickException(
            "Refusing to serve with the development secret key. Set ACCORD_SECRET_KEY to a "
            "long random value (e.g. python -c 'import secrets; print(secrets.token_urlsafe(50))'"
            "), or pass --debug (never in production)."
        )
    call_command("collectstatic", interactive=False, verbosity=0)
    if debug:
        os.environ["ACCORD_DEBUG"] = "1"
    workers = workers or max(2, os.cpu_count() or 1)
    click.echo(
        f"Serving Accord on http://{host}:{port} with {workers} web processes of {threads} threads."
    )
    metrics_dir_prepare(Path(settings.VAR_DIR) / f"prometheus-{port}")
    argv = web_server_argv(host, port, workers, threads=threads, access_log=access_log)
    os.execv(argv[0], argv)


def metrics_dir_prepare(default: Path) -> Path:
    """Point prometheus-client's multiprocess mode at an emptied directory (accord.ops.metrics).

    The web processes each write their request figures there and /metrics sums them; the
    files of a previous run are removed so that counters restart with the server.
    """
    folder = Path(os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", str(default)))
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.db"):
        stale.unlink()
    return folder


@click.command()
@click.option(
    "--processes",
    default=None,
    type=click.IntRange(1, 64),
    help="Jobs run at the same time (default: ACCORD_WORKER_PROCESSES, or 2).",
)
def worker(processes: int | None) -> None:
    """Run background jobs from the database queue until stopped.

    \b
    The queue is a table in Accord's database (SQLite or PostgreSQL), so jobs
    commit or roll back with the change that queued them. Run any number of
    workers, on any machines that reach the database.

    \b
    Crash safety: a job whose worker dies (even kill -9) is run again by any
    worker after ACCORD_JOB_RETRY_SECONDS (default 300). A job that fails is
    retried after the same period, up to 5 attempts, then kept as a failed
    task in the admin. Jobs are idempotent: a job that runs twice has its
    effect once.

    \b
    Stop with Ctrl+C or SIGTERM (to this process): running jobs finish first.
    Environment: ACCORD_WORKER_PROCESSES, ACCORD_JOB_RETRY_SECONDS,
    ACCORD_JOB_TIMEOUT_SECONDS (time limit per job; default half the retry).
    """
    from accord.core.jobs import JobQueueUnavailable, worker_run

    try:
        status = worker_run(processes=processes, echo=click.echo)
    except JobQueueUnavailable as error:
        raise click.ClickException(str(error)) from error
    sys.exit(status)
