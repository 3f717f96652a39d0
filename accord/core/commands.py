"""`accord serve`, `accord worker` and `accord migrate`: running Accord's processes."""

from __future__ import annotations

import os
import sys

import click


@click.command()
@click.option("--no-input", is_flag=True, help="Never prompt.")
def migrate(no_input: bool) -> None:
    """Create or upgrade the database schema (safe to run any number of times)."""
    from django.core.management import call_command

    call_command("migrate", interactive=not no_input, verbosity=1)


def _gunicorn_argv(host: str, port: int, workers: int) -> list[str]:
    return [
        sys.executable, "-m", "gunicorn", "config.wsgi:application",
        "--bind", f"{host}:{port}",
        "--workers", str(workers),
        "--access-logfile", "-",
        "--graceful-timeout", "10",
    ]


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--workers", default=None, type=click.IntRange(1, 64),
    help="Web processes (default: 2 per core, at least 2).",
)
@click.option("--debug", is_flag=True, help="Turn Django's debug mode on (never in production).")
def serve(host: str, port: int, workers: int | None, debug: bool) -> None:
    """Serve the web app and API with gunicorn; static files are served by WhiteNoise."""
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)
    if debug:
        os.environ["ACCORD_DEBUG"] = "1"
    workers = workers or max(2, 2 * (os.cpu_count() or 1))
    click.echo(f"Serving Accord on http://{host}:{port} with {workers} web processes.")
    argv = _gunicorn_argv(host, port, workers)
    os.execv(argv[0], argv)


@click.command()
@click.option(
    "--processes", default=None, type=click.IntRange(1, 64),
    help="Job processes (default: ACCORD_WORKER_PROCESSES or 2).",
)
def worker(processes: int | None) -> None:
    """Run background jobs from the database queue until stopped (Ctrl+C).

    Jobs survive crashes: a job whose worker dies is handed out again after the retry
    period (ACCORD_JOB_RETRY_SECONDS), and every job is safe to run twice.
    """
    from accord.core.jobs import worker_run

    worker_run(processes=processes)
