"""Many processes posting the same people at once through the production web server.

400 submissions for 100 people (four case/whitespace variants each, sent by four different
client processes at nearly the same moment) must give exactly 100 contacts, 100 leads and
400 touchpoints, every answer a 2xx; then ``accord worker`` runs all 400 follow-ups (every
lead scored, the outbox empty).
"""

from __future__ import annotations

import http.client
import importlib
import json
import multiprocessing
import os
import signal
import socket
import subprocess
import sys
import time
from urllib.parse import quote, urlencode

import pytest
from django.apps import apps as django_apps
from django.db import connection

from accord.contacts.models import Contact, Lead
from accord.core.commands import web_server_argv
from accord.scoring.models import LeadScore, ScoringProfile
from accord.tracking.models import Touchpoint
from accord.tracking.tests.capture_support import followups, site_make

pytestmark = [pytest.mark.slow]
PEOPLE = 100
VARIANTS = (
    "person{i}@example.com",
    "  Person{i}@Example.com",
    "PERSON{i}@EXAMPLE.COM ",
    "\tperson{i}@example.COM",
)
CLIENTS = 8


def database_url() -> str:
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    password = f":{quote(settings['PASSWORD'])}" if settings.get("PASSWORD") else ""
    host = settings.get("HOST") or "127.0.0.1"
    port = settings.get("PORT") or 5432
    return f"postgres://{settings['USER']}{password}@{host}:{port}/{settings['NAME']}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_start(port: int) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": database_url(), "ACCORD_CAPTURE_RATE_LIMIT": "0"}
    process = subprocess.Popen(
        web_server_argv("127.0.0.1", port, workers=4, threads=2),
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the web server exited: {process.stderr.read().decode()[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("the web server did not start within 60 s")


def client_run(args: tuple[int, int, str]) -> list[int]:
    """One client process: its share of the submissions over one keep-alive connection."""
    worker, port, site_key = args
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    statuses = []
    for n in range(worker, PEOPLE * len(VARIANTS), CLIENTS):
        person, variant = divmod(n, len(VARIANTS))
        email = VARIANTS[variant].format(i=person)
        if n % 2:
            body = json.dumps({"site": site_key, "email": email}).encode()
            content_type = "application/json"
        else:
            body = urlencode({"site": site_key, "email": email}).encode()
            content_type = "application/x-www-form-urlencoded"
        conn.request("POST", "/capture/lead", body, {"Content-Type": content_type})
        response = conn.getresponse()
        response.read()
        statuses.append(response.status)
    conn.close()
    return statuses


def _default_scoring_profile() -> None:
    """Put back the scoring profile the migrations seed: an earlier transactional test's
    flush removes it, and without it the follow-ups would score nothing."""
    if not ScoringProfile.objects.filter(is_active=True).exists():
        seeding = importlib.import_module(
            "accord.scoring.migrations.0002_default_profile_and_decay_schedule"
        )
        seeding.seed(django_apps, None)


def test_concurrent_submissions_make_one_contact_per_person(transactional_db):
    _default_scoring_profile()
    site = site_make()
    port = free_port()
    server = server_start(port)
    try:
        with multiprocessing.get_context("fork").Pool(CLIENTS) as pool:
            results = pool.map(client_run, [(w, port, site.public_key) for w in range(CLIENTS)])
    finally:
        server.terminate()
        server.wait(timeout=30)
    statuses = [status for result in results for status in result]
    assert len(statuses) == PEOPLE * len(VARIANTS)
    assert set(statuses) == {202}
    assert Contact.objects.count() == PEOPLE
    assert Lead.objects.count() == PEOPLE
    assert Touchpoint.objects.count() == PEOPLE * len(VARIANTS)
    assert len(followups()) == PEOPLE * len(VARIANTS)
    assert set(Contact.objects.values_list("email", flat=True)) == {
        f"person{i}@example.com" for i in range(PEOPLE)
    }
    for lead in Lead.objects.all():
        assert lead.touchpoints.count() == len(VARIANTS)

    worker_run_until(
        lambda: not followups() and LeadScore.objects.count() == PEOPLE,
        "every follow-up to run",
    )
    assert set(LeadScore.objects.values_list("lead_id", flat=True)) == set(
        Lead.objects.values_list("pk", flat=True)
    )


def worker_run_until(condition, what: str, deadline_seconds: float = 90) -> None:
    """Run ``accord worker`` on the test database until ``condition()`` holds."""
    env = {**os.environ, "DATABASE_URL": database_url(), "PYTHONUNBUFFERED": "1"}
    worker = subprocess.Popen(
        [sys.executable, "-m", "accord.cli", "worker", "--processes", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own process group, so killpg reaches the cluster
    )
    try:
        deadline = time.monotonic() + deadline_seconds
        while not condition():
            if worker.poll() is not None:
                pytest.fail(f"the worker exited: {worker.stderr.read().decode()[-2000:]}")
            if time.monotonic() > deadline:
                pytest.fail(f"the worker did not get {what} done in {deadline_seconds} s")
            time.sleep(0.5)
    finally:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=30)
