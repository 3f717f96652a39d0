"""`accord demo`: migrate, load a simulated company, print the logins and serve it."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import click

SIZE_HELP = (
    "small: 3,000 leads (seconds); medium: 30,000 leads; large: 1,000,000 leads and about "
    "20 million touchpoints (for benchmarks; several minutes)."
)


@click.command()
@click.option(
    "--seed",
    default=42,
    show_default=True,
    type=int,
    help="Random seed: the same seed (and day) gives the same company.",
)
@click.option(
    "--size",
    default="small",
    show_default=True,
    type=click.Choice(["small", "medium", "large"]),
    help=SIZE_HELP,
)
@click.option("--no-serve", is_flag=True, help="Load the data and exit instead of serving it.")
@click.option(
    "--reset",
    is_flag=True,
    help="Delete the existing demo company and demo users first, then load afresh.",
)
@click.option(
    "--anchor",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Last day of the simulated year is the day before this date (default: today, UTC).",
)
@click.option(
    "--no-train",
    is_flag=True,
    help="Do not train the predictive model on the new company (by default it is trained and "
    "activated: in the background while serving, before exiting with --no-serve).",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to serve on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
def demo(
    seed: int,
    size: str,
    no_serve: bool,
    reset: bool,
    anchor,
    no_train: bool,
    host: str,
    port: int,
) -> None:
    """Load a simulated company and serve it at http://127.0.0.1:8000.

    Runs the database migrations, then loads twelve months of a B2B company in a steady
    state: ten channels with daily spend, impressions and clicks; visitors with multi-touch
    journeys; leads, about a fifth of them MQLs through the year, handed off to sales reps who
    accepted or rejected them in their time (SLA clocks, a few breaches, quality ratings),
    SAL/SQL, opportunities and won or lost deals; today each rep has a few leads waiting, and
    some SLA deadlines are near or past. It trains and activates the predictive model, then
    serves the web app (with a background worker) and prints one login per role; e-mails go
    to var/demo-mail/ and the worker's log to var/demo-worker.log. Ctrl+C stops it.

    On a database that already holds leads it loads nothing: it says what it found and
    serves that. Use --reset to replace it with a fresh company.
    """
    from django.core.management import call_command

    from accord.demo import loader

    click.echo("Preparing the database...")
    call_command("migrate", interactive=False, verbosity=0)
    if loader.demo_indexes_repair():
        click.echo("Rebuilt indexes that an interrupted demo load had left out.")
    status = loader.demo_status()
    train_model = False
    if reset and not status.is_empty:
        click.echo(f"Deleting the existing company ({status.leads:,} leads)...")
    if reset:
        loader.demo_reset()
        status = loader.demo_status()

    if status.is_empty:
        _load(seed=seed, size=size, anchor=anchor.date() if anchor else None)
        # The predictive model learns from the company just loaded: inline without a server
        # (the data is complete when the command returns), else in the background.
        train_model = size != "large" and not no_train
        if train_model and no_serve:
            _model_train_inline()
            train_model = False
    else:
        click.echo(
            f"Found {status.leads:,} leads, {status.touchpoints:,} touchpoints and "
            f"{status.deals:,} deals from an earlier demo; serving them. "
            "Use --reset to load a fresh company."
        )
        if not status.is_complete:
            click.secho(
                "Warning: the earlier demo load did not finish, so this company is incomplete. "
                "Run `accord demo --reset` to load a complete one.",
                fg="yellow",
                err=True,
            )
        loader.demo_staff_ensure()

    url = f"http://{host}:{port}"
    if no_serve:
        _logins_print(url)
        return
    _serve(host=host, port=port, url=url, train=train_model)


def _logins_print(url: str) -> None:
    from accord.demo import loader

    click.echo("")
    click.echo(f"Accord demo: {url}")
    click.echo("Logins (username / password):")
    for user in loader.demo_logins():
        click.echo(f"  {user.label:<28} {user.username:<18} {user.password}")


def _load(*, seed: int, size: str, anchor: date | None) -> None:
    from tqdm import tqdm

    from accord.demo import loader
    from accord.demo.simulator import SIZES

    total = SIZES[size]
    click.echo(f"Loading a simulated company ({size}: {total:,} leads, seed {seed})...")
    with tqdm(
        total=total,
        unit=" leads",
        unit_scale=True,
        file=sys.stderr,
        disable=None,
        dynamic_ncols=True,
    ) as bar:
        rows = [0]

        def advance(leads: int, written: int) -> None:
            rows[0] += written
            bar.update(leads)
            bar.set_postfix_str(f"{rows[0]:,} rows", refresh=False)

        record = loader.demo_load(seed=seed, size=size, anchor=anchor, on_batch=advance)
    counts = record.counts
    click.echo(
        f"Loaded {counts['contacts.Lead']:,} leads, {counts['tracking.Touchpoint']:,} "
        f"touchpoints, {counts['pipeline.Deal']:,} deals and "
        f"{counts['tracking.SpendEntry']:,} days of channel spend ({sum(counts.values()):,} rows)."
    )
    if size != "large":  # the large company is for benchmarks, which score and sync it
        _score_breakdowns()
        _handoff_history(seed=seed, anchor=record.anchor)
        _quality_history(seed=seed)
        _sales_mix(seed=seed, anchor=record.anchor)
        _intel()
        _tasks(seed=seed)
        _forecast_history(seed=seed, anchor=record.anchor)
        _analytics_copy_build()
        _plans_write(anchor=record.anchor)
        _digests(anchor=record.anchor)


def _plans_write(*, anchor: date) -> None:
    from accord.demo.plan import demo_plans_write

    click.echo("Writing the joint plans (last quarter and this one)...")
    demo_plans_write(today=anchor)


def _digests(*, anchor: date) -> None:
    from accord.demo.digest_demo import demo_digests_write

    click.echo("Building the weekly joint digests (the last four weeks, with decisions)...")
    counts = demo_digests_write(today=anchor)
    click.echo(f"{counts.digests} digests, {counts.decisions} decisions.")


def _sales_mix(*, seed: int, anchor: date) -> None:
    from accord.demo.deal_lines import sales_mix_write

    click.echo("Writing the sales mix (upsell pipeline, products, line items, promotions)...")
    counts = sales_mix_write(seed=seed, today=anchor)
    used = ", ".join(f"{code} {n:,}" for code, n in sorted(counts.promotion_deals.items()))
    click.echo(
        f"{counts.upsell_deals:,} deals in the upsell pipeline, {counts.products} products, "
        f"{counts.line_items:,} line items; deals on promotion: {used or 'none'}."
    )


def _forecast_history(*, seed: int, anchor: date) -> None:
    from accord.demo.forecast_history import forecast_history_write

    click.echo("Writing the forecast history (stage moves, slips, quotas, submissions)...")
    counts = forecast_history_write(seed=seed, today=anchor)
    click.echo(
        f"{counts.stage_changes:,} stage moves, {counts.close_changes:,} close-date changes, "
        f"{counts.quotas:,} quotas, {counts.submissions:,} weekly submissions "
        f"({counts.adjustments:,} adjusted)."
    )


def _handoff_history(*, seed: int, anchor: date) -> None:
    from accord.demo.loader import demo_handoff_history

    click.echo("Writing the hand-off history (assignments, SLA clocks, ratings)...")
    counts = demo_handoff_history(seed=seed, anchor=anchor)
    click.echo(
        f"{counts.assignments:,} hand-offs, {counts.ratings:,} quality ratings; SLA now: "
        f"{counts.breached_now:,} breached, {counts.warning_now:,} near their deadline."
    )


def _quality_history(*, seed: int) -> None:
    from accord.demo.quality_demo import quality_demo_write

    counts = quality_demo_write(seed=seed)
    click.echo(
        f"{counts.reviews} lead-quality reviews ({counts.ratings} ratings), {counts.audits} "
        f"audits, {counts.test_leads} test leads."
    )


def _intel() -> None:
    from accord.demo.intel import demo_intel_write

    counts = demo_intel_write()
    click.echo(
        f"{counts.posts} intel posts; {counts.acknowledged} of {counts.asked} acknowledged the "
        "pinned price brief."
    )


def _tasks(*, seed: int) -> None:
    from accord.demo.loader import demo_tasks

    counts = demo_tasks(seed=seed)
    click.echo(f"{counts.tasks:,} tasks ({counts.overdue:,} overdue, {counts.done:,} done).")


def model_backtest_auc(metrics: dict) -> float | None:
    """The trained model's AUC on the leads its backtest held out."""
    scorers = (metrics.get("backtest") or {}).get("scorers") or []
    return next((s["auc"] for s in scorers if s.get("name") == "model"), None)


def _model_train_argv() -> list[str]:
    """A process that runs ``model_train_and_predict`` (Django set up by ``accord.cli``)."""
    code = "import accord.cli; from accord.demo.commands import model_train_and_predict as m; m()"
    return [sys.executable, "-c", code]


def _model_train_inline() -> None:
    click.echo("Training the predictive model on the closed leads...")
    model_train_and_predict()


def model_train_and_predict() -> None:
    """What an admin would do (`accord scoring train --activate`, then `accord scoring
    predict`): train on the closed leads, activate, and score the open ones."""
    from accord.scoring.predictive import registry
    from accord.scoring.predictive.features import FeatureConfig

    started = time.perf_counter()
    model = registry.scoring_model_train(
        profile=registry.profile_resolve(None), config=FeatureConfig(), activate=True
    )
    scored = registry.predictions_refresh(model=model)
    auc = model_backtest_auc(model.metrics)
    click.echo(
        f"Predictive model v{model.version} active"
        + (f" (backtest AUC {auc:.2f})" if isinstance(auc, float) else "")
        + f"; {scored:,} open leads scored in {time.perf_counter() - started:.0f} s."
    )


def _analytics_copy_build() -> None:
    """Build the reports' DuckDB copy now, so the reports work before the worker's first sync."""
    from accord.analytics.sync import analytics_sync

    click.echo("Building the analytics copy for the reports...")
    analytics_sync(full=True)


def _score_breakdowns() -> None:
    """Give every demo lead the score breakdown the lead page explains.

    The simulator already decided who became an MQL, so scoring only stores scores here.
    """
    from accord.scoring import batch, selectors

    active = selectors.active_profile()
    if active is None:
        return
    click.echo("Scoring leads with the default profile...")
    batch.leads_rescore_all(active=active, qualify=False)


def _serve(*, host: str, port: int, url: str, train: bool) -> None:
    """Run the worker and the web server as children; stop both on Ctrl+C or SIGTERM.

    The worker's log, the model training's and the demo's e-mails go to files under var/;
    the terminal keeps the server's own log, and the logins come last, once it answers.
    """
    from django.conf import settings
    from django.core.management import call_command

    from accord.core.commands import metrics_dir_prepare, web_server_argv
    from accord.demo.mail import BACKEND, demo_mail_dir

    call_command("collectstatic", interactive=False, verbosity=0)
    var = Path(settings.VAR_DIR)
    metrics_dir_prepare(var / f"prometheus-{port}")  # /metrics sums the web processes
    env = {**os.environ, "ACCORD_EMAIL_BACKEND": BACKEND}
    logs = {name: open(var / f"demo-{name}.log", "a") for name in ("worker", "train")}  # noqa: SIM115
    workers = max(2, os.cpu_count() or 1)
    children = [
        subprocess.Popen(
            [sys.executable, "-m", "accord.cli", "worker"],
            env=env,
            stdout=logs["worker"],
            stderr=subprocess.STDOUT,
        ),
        subprocess.Popen(web_server_argv(host, port, workers), env=env),
    ]
    if train:
        # Not watched: the demo serves on whether or not the model trains.
        subprocess.Popen(
            _model_train_argv(), env=env, stdout=logs["train"], stderr=subprocess.STDOUT
        )
    _wait_until_answering(host, port, children[1])
    click.echo(
        f"Serving (Ctrl+C stops). Worker log: {var / 'demo-worker.log'}; e-mails: "
        f"{demo_mail_dir()}"
        + (
            f"; the predictive model trains in the background ({var / 'demo-train.log'})."
            if train
            else "."
        )
    )
    _logins_print(url)

    def stop(signum, frame) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    exit_code = 0
    try:
        while True:
            for child in children:
                code = child.poll()
                if code is not None:
                    click.secho(
                        f"A demo process stopped (exit code {code}); shutting down.",
                        fg="red",
                        err=True,
                    )
                    exit_code = code or 1
                    raise KeyboardInterrupt
            with contextlib.suppress(subprocess.TimeoutExpired):
                children[1].wait(timeout=1)
    except KeyboardInterrupt:
        click.echo("Stopping...")
    finally:
        signal.signal(signal.SIGTERM, previous)
        for child in children:
            if child.poll() is None:
                child.terminate()
        for child in children:
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        for log in logs.values():
            log.close()
    if exit_code:
        sys.exit(exit_code)


def _wait_until_answering(
    host: str, port: int, server: subprocess.Popen, timeout: float = 60
) -> None:
    """Until the server accepts connections (or stops, or ``timeout`` seconds pass)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and server.poll() is None:
        with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=1):
            time.sleep(0.3)  # let the server print its "listening" lines first
            return
        time.sleep(0.2)
