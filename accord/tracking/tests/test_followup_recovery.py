"""A follow-up drain killed with ``kill -9`` is recovered in seconds, not after its lease.

Found by killing the worker mid-batch (issue 12): the follow-ups it had claimed waited out
a 5-minute lease, about six minutes in all. Now a drain registers as a claimant with a
heartbeat (``accord.core.claims``); the next ``accord worker`` sees the heartbeat stop and
queues the outbox's wake-up at once.

Real processes on the test database: a worker is killed while it holds a claimed batch, a
second one is started with nothing queued that could wake the drain (no wake-up jobs, no
periodic sweeps), and must finish every follow-up before the dead drain's lease expires.
"""

from __future__ import annotations

import os
import signal

import pytest
from django.utils import timezone
from django_q.models import OrmQ, Schedule

from accord.contacts.models import Lead
from accord.core.models import Claimant
from accord.core.tests.test_worker import start_worker, wait_until  # noqa: F401 (fixture)
from accord.scoring.models import LeadScore
from accord.tracking.capture.services import lead_submission_accept
from accord.tracking.capture.sites import site_get
from accord.tracking.capture.validation import lead_submission_parse
from accord.tracking.models import SubmissionFollowup
from accord.tracking.tests.capture_support import site_make
from accord.tracking.tests.test_capture_concurrency import _default_scoring_profile

pytestmark = [pytest.mark.slow]

SUBMISSIONS = 400


def _submit_all() -> None:
    site = site_get(site_make().public_key)
    for n in range(SUBMISSIONS):
        body = {"email": f"recover{n}@example.com", "job_title": "CMO", "utm_source": "google"}
        submission = lead_submission_parse(body, is_form=False, default_region="GB")
        lead_submission_accept(site=site, submission=submission)


def _freeze_mid_batch(worker) -> None:
    """Stop the worker's whole process group (SIGSTOP) at a moment when it holds claimed
    follow-ups it has not run; between two batches, let it go on and try again."""
    while True:
        wait_until(
            lambda: SubmissionFollowup.objects.filter(claimed_by__isnull=False).exists(),
            "the first worker to claim a batch",
            [worker],
        )
        os.killpg(worker.process.pid, signal.SIGSTOP)
        if SubmissionFollowup.objects.filter(claimed_by__isnull=False).exists():
            return
        os.killpg(worker.process.pid, signal.SIGCONT)


def test_followups_of_a_killed_worker_run_without_waiting_for_the_lease(start_worker):  # noqa: F811
    _default_scoring_profile()
    _submit_all()
    first = start_worker()
    _freeze_mid_batch(first)
    first.kill_hard()
    stranded = SubmissionFollowup.objects.filter(claimed_by__isnull=False)
    assert stranded.exists()  # rows the dead drain held ...
    lease_ends = min(stranded.values_list("claimed_until", flat=True))
    assert lease_ends > timezone.now()  # ... under a lease of minutes
    assert Claimant.objects.filter(token__in=stranded.values("claimed_by")).exists()
    scored_before = dict(LeadScore.objects.values_list("lead_id", "computed_at"))
    # Nothing queued may wake the drain: only the dead claimant's recovery can.
    OrmQ.objects.all().delete()
    Schedule.objects.all().delete()

    second = start_worker()
    wait_until(
        lambda: (
            not SubmissionFollowup.objects.exists() and LeadScore.objects.count() == SUBMISSIONS
        ),
        "the second worker to recover and run every follow-up",
        [first, second],
    )
    assert timezone.now() < lease_ends  # recovered while the dead drain's lease still ran
    assert set(LeadScore.objects.values_list("lead_id", flat=True)) == set(
        Lead.objects.values_list("pk", flat=True)
    )
    # Exactly once: what the killed worker had committed was not run again.
    after = dict(
        LeadScore.objects.filter(lead_id__in=scored_before).values_list("lead_id", "computed_at")
    )
    assert after == scored_before
    assert "An outbox drain died" in second.log()
    wait_until(lambda: not Claimant.objects.exists(), "the recovered drain to finish", [second])
