"""The capture follow-up outbox: a row per committed submission, drained in batches."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from django_q.models import OrmQ

from accord.contacts.models import Lead
from accord.core.claims import DEAD_AFTER, claimants_recover
from accord.core.models import Claimant, JobReceipt
from accord.integrations.tests.webhook_support import queued_jobs_run
from accord.scoring import lifecycle as scoring_lifecycle
from accord.scoring.models import LeadScore
from accord.tracking.capture import followups
from accord.tracking.capture.jobs import submission_followup
from accord.tracking.capture.services import lead_submission_accept
from accord.tracking.capture.sites import site_get
from accord.tracking.capture.validation import lead_submission_parse
from accord.tracking.models import SubmissionFollowup
from accord.tracking.tests.capture_support import (
    followup_wake_ups,
    site_make,
)
from accord.tracking.tests.capture_support import (
    followups as pending,
)

pytestmark = pytest.mark.django_db

# Fields the seeded default profile gives points for, so that a rescore changes the score.
SCORED = {"job_title": "CMO", "utm_source": "google", "utm_medium": "cpc"}


@pytest.fixture
def bucket(monkeypatch):
    """A fixed window (an hour ahead), so that a test never straddles two."""
    fixed = int(time.time() + 3600) // followups.BUCKET_SECONDS
    monkeypatch.setattr(followups._WAKE_UPS, "_bucket_now", lambda: fixed)
    return fixed


def submit(site, n: int, **fields):
    body = {"email": f"person{n}@example.com", **SCORED, **fields}
    submission = lead_submission_parse(body, is_form=False, default_region="GB")
    return lead_submission_accept(site=site_get(site.public_key), submission=submission)


class LeadScoreSpy:
    """``lead_score`` as the follow-up's subscriber calls it (``SubmissionSettled`` →
    ``scoring.lifecycle``), counting calls; raises for ``failing``."""

    def __init__(self, failing: set[int] = frozenset()):
        self.calls: list[int] = []
        self.failing = set(failing)

    def __call__(self, *, lead_id):
        from accord.scoring.services import lead_score

        self.calls.append(lead_id)
        if lead_id in self.failing:
            raise RuntimeError(f"scoring lead {lead_id} failed")
        return lead_score(lead_id=lead_id)


@pytest.fixture
def spy(monkeypatch):
    def make(failing=()):
        spy = LeadScoreSpy(set(failing))
        monkeypatch.setattr(scoring_lifecycle, "lead_score", spy)
        return spy

    return make


def test_a_submission_writes_one_outbox_row_and_one_wake_up_per_window(bucket):
    site = site_make()
    accepted = [submit(site, n) for n in range(3)]
    assert sorted(pending()) == sorted((a.lead_id, a.touchpoint_id) for a in accepted)
    (wake_up,) = followup_wake_ups()  # the second and third found it queued in this window
    assert wake_up.task["kwargs"] == {"job_key": f"capture-followup:wake:{bucket}"}
    run_at = (bucket + 1) * followups.BUCKET_SECONDS + followups.GRACE_SECONDS
    assert wake_up.lock.timestamp() == run_at


def test_a_rolled_back_submission_leaves_no_followup_and_no_wake_up(bucket):
    site = site_make()
    with pytest.raises(RuntimeError), transaction.atomic():
        submit(site, 1)
        assert len(pending()) == 1 and len(followup_wake_ups()) == 1
        raise RuntimeError("the caller fails after the submission")
    assert pending() == []
    assert followup_wake_ups() == []
    assert not Lead.objects.exists()
    # The rolled-back wake-up does not count as queued: the next submission queues one.
    submit(site, 2)
    assert len(pending()) == 1
    assert len(followup_wake_ups()) == 1


def test_the_wake_up_drains_the_batch_and_rescores_every_lead(
    bucket, spy, django_capture_on_commit_callbacks
):
    calls = spy().calls
    site = site_make()
    accepted = [submit(site, n) for n in range(5)]
    leads = sorted(a.lead_id for a in accepted)
    assert not LeadScore.objects.exists()
    assert set(Lead.objects.values_list("score", flat=True)) == {0}
    assert queued_jobs_run(django_capture_on_commit_callbacks) == 1  # the one wake-up
    assert sorted(calls) == leads
    assert pending() == []
    assert sorted(LeadScore.objects.values_list("lead_id", flat=True)) == leads
    scores = set(Lead.objects.values_list("score", flat=True))
    assert 0 not in scores  # the rescore changed every lead's score
    assert followups.followups_sweep() == 0  # nothing left for the sweep


def test_a_backlog_goes_in_batches_within_one_run(bucket, spy, monkeypatch):
    monkeypatch.setattr(followups, "BATCH", 2)
    calls = spy().calls
    site = site_make()
    for n in range(5):
        submit(site, n)
    assert followups.followups_run() == 5
    assert len(calls) == 5 and pending() == []
    assert followups.followups_run(limit=3) == 0


def _claimant(token: str, *, alive: bool = True) -> Claimant:
    """A drainer's claimant row as ``claimant_running`` keeps it: fresh while it runs, stale
    once its process died."""
    beat = timezone.now() if alive else timezone.now() - DEAD_AFTER - timedelta(seconds=1)
    return Claimant.objects.create(
        token=token, job=followups.WAKE_JOB, host="elsewhere", pid=1, heartbeat_at=beat
    )


def test_a_killed_drainer_loses_nothing_and_repeats_nothing_that_committed(bucket, spy):
    calls = spy().calls
    site = site_make()
    accepted = [submit(site, n) for n in range(4)]
    killed = _claimant("killed-drainer")
    claimed = followups._claim(now=timezone.now(), limit=10, token=killed.token)
    assert [row[1] for row in claimed] == [a.lead_id for a in accepted]
    for row in claimed[:2]:  # two follow-ups committed, then the drainer was killed
        assert followups._run_one(row, killed.token) is True
    assert followups.followups_run() == 0  # its heartbeat is fresh: nobody takes the rest
    # The drainer was killed: its heartbeat stops. The lease still has minutes to run.
    Claimant.objects.filter(pk=killed.pk).update(heartbeat_at=killed.heartbeat_at - DEAD_AFTER)
    assert SubmissionFollowup.objects.filter(claimed_until__gt=timezone.now()).count() == 2
    assert followups.followups_run() == 2  # another drainer, at once
    assert calls == [a.lead_id for a in accepted]  # each one ran exactly once
    assert pending() == []


def test_a_stuck_drainer_loses_its_rows_when_the_lease_expires(bucket, spy):
    calls = spy().calls
    site = site_make()
    submit(site, 1)
    stuck = _claimant("stuck-drainer")  # alive (heartbeat fresh) but not getting on
    (row,) = followups._claim(now=timezone.now() - followups.LEASE * 2, limit=10, token=stuck.token)
    assert followups.followups_run() == 1  # its lease has expired: taken over and run
    assert followups._run_one(row, stuck.token) is None  # the slow first drainer: nothing
    assert len(calls) == 1


def test_a_drainer_taken_for_dead_runs_nothing(bucket, spy):
    calls = spy().calls
    site = site_make()
    submit(site, 1)
    slow = _claimant("slow-drainer", alive=False)  # e.g. stalled behind SQLite's write lock
    (row,) = followups._claim(now=timezone.now(), limit=10, token=slow.token)
    assert followups.followups_run() == 1
    assert followups._run_one(row, slow.token) is None
    assert len(calls) == 1


def test_claimants_recover_queues_the_wake_up_of_a_dead_drainer_once(bucket):
    _claimant("dead-drainer", alive=False)
    _claimant("live-drainer")
    assert claimants_recover() == 1
    assert claimants_recover() == 0
    assert list(Claimant.objects.values_list("token", flat=True)) == ["live-drainer"]
    (job,) = [q for q in OrmQ.objects.all() if q.task["name"] == "claims:recover:dead-drainer"]
    assert job.task["func"] == followups.WAKE_JOB


def test_a_drain_leaves_no_claimant_behind(bucket, spy):
    site = site_make()
    submit(site, 1)
    assert followups.followups_run() == 1
    assert not Claimant.objects.exists()


def test_a_failing_followup_waits_without_blocking_the_others(bucket, spy, caplog):
    site = site_make()
    accepted = [submit(site, n) for n in range(4)]
    failing = accepted[1].lead_id
    calls = spy(failing=[failing]).calls
    assert followups.followups_run() == 3
    assert sorted(calls) == sorted(a.lead_id for a in accepted)
    (left,) = SubmissionFollowup.objects.all()
    assert (left.lead_id, left.attempts, left.failed_at) == (failing, 1, None)
    assert left.last_error == f"RuntimeError: scoring lead {failing} failed"
    assert left.claimed_until > timezone.now() + followups.RETRY_FIRST - timedelta(seconds=5)
    assert "Follow-up of lead" in caplog.text
    assert not LeadScore.objects.filter(lead_id=failing).exists()
    assert followups.followups_run() == 0  # not due yet

    # Due again, and still failing: the delay doubles.
    SubmissionFollowup.objects.update(claimed_until=timezone.now())
    assert followups.followups_run() == 0
    left.refresh_from_db()
    assert left.attempts == 2
    assert left.claimed_until > timezone.now() + 2 * followups.RETRY_FIRST - timedelta(seconds=5)

    # Fixed: the next due run does it.
    calls_ok = spy().calls
    SubmissionFollowup.objects.update(claimed_until=timezone.now())
    assert followups.followups_run() == 1
    assert calls_ok == [failing] and pending() == []
    assert LeadScore.objects.filter(lead_id=failing).exists()


def test_after_the_last_attempt_a_followup_is_kept_as_failed_until_retried(bucket, spy, caplog):
    site = site_make()
    accepted = submit(site, 1)
    spy(failing=[accepted.lead_id])
    SubmissionFollowup.objects.update(attempts=followups.GIVE_UP_ATTEMPTS - 1)
    assert followups.followups_run() == 0
    row = SubmissionFollowup.objects.get()
    assert row.failed_at is not None and row.claimed_until is None
    assert row.attempts == followups.GIVE_UP_ATTEMPTS
    assert any(r.levelname == "ERROR" and "Gave up" in r.getMessage() for r in caplog.records)
    SubmissionFollowup.objects.update(claimed_until=None)
    assert followups.followups_run() == 0  # kept, but no longer tried
    assert SubmissionFollowup.objects.count() == 1

    spy()  # the cause is fixed; a person retries it (admin action)
    assert followups.followups_retry([row.pk]) == 1
    assert followups.followups_run() == 1
    assert pending() == []


def test_a_followup_whose_lead_is_gone_is_dropped(bucket, spy):
    calls = spy().calls
    site = site_make()
    accepted = submit(site, 1)
    Lead.objects.filter(pk=accepted.lead_id).delete()
    assert pending() == [(accepted.lead_id, accepted.touchpoint_id)]  # no foreign key
    assert followups.followups_run() == 1
    assert calls == [] and pending() == []


def test_a_job_queued_before_the_outbox_still_rescores_once(bucket):
    site = site_make()
    accepted = submit(site, 1)
    SubmissionFollowup.objects.all().delete()  # as if queued the old way
    key = f"capture-followup:{accepted.touchpoint_id}"
    kwargs = {"lead_id": accepted.lead_id, "touchpoint_id": accepted.touchpoint_id}
    assert submission_followup(job_key=key, **kwargs) is True
    assert submission_followup(job_key=key, **kwargs) is None
    assert LeadScore.objects.filter(lead_id=accepted.lead_id).count() == 1
    assert JobReceipt.objects.filter(key=key).exists()


@pytest.mark.django_db(transaction=True)
def test_a_committed_wake_up_is_remembered_by_the_process(bucket):
    """After a commit, later submissions of the window queue no job (the rows still go in)."""
    site = site_make()
    submit(site, 1)  # commits (no test transaction around it)
    assert len(followup_wake_ups()) == 1
    assert bucket in followups._WAKE_UPS._committed
    submit(site, 2)
    assert len(followup_wake_ups()) == 1
    assert len(pending()) == 2


def test_failed_followups_are_listed_and_retried_in_the_admin(bucket, admin_client):
    from django.urls import reverse

    site = site_make()
    accepted = submit(site, 1)
    SubmissionFollowup.objects.update(failed_at=timezone.now(), attempts=12, last_error="Boom")
    url = reverse("admin:tracking_submissionfollowup_changelist")
    response = admin_client.get(url, {"failed_at__isempty": "0"})
    assert response.status_code == 200
    assert str(accepted.lead_id) in response.content.decode()
    row = SubmissionFollowup.objects.get()
    response = admin_client.post(url, {"action": "retry", "_selected_action": [row.pk]})
    assert response.status_code == 302
    row.refresh_from_db()
    assert (row.failed_at, row.attempts) == (None, 0)


def test_the_sweep_runs_every_minute():
    from django.utils.module_loading import import_string
    from django_q.models import Schedule

    schedule = Schedule.objects.get(name="capture.followup_outbox")
    assert (schedule.schedule_type, schedule.minutes, schedule.repeats) == ("I", 1, -1)
    assert import_string(schedule.func) is followups.followups_sweep
