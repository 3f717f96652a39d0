"""The follow-up of accepted lead submissions, through an outbox drained in batches.

Every accepted submission must be followed up in the background: its lead rescored (the
form touch is recorded with ``rescore=False``), which may make it an MQL and so route it and
emit webhooks. That used to be one django-q job per submission: a signed, pickled queue row
(~0.35 ms of the endpoint's CPU) and, in the worker, a take, run, receipt and delete each.
Now the submission's transaction writes one small ``SubmissionFollowup`` row (a prepared
INSERT) and, once per ``BUCKET_SECONDS`` window and web process, a wake-up job
(``accord.core.outbox.WakeUps``) that runs everything pending after the window has ended.
Follow-ups therefore start up to ~3 s after the submission rather than at once. So:

* exactly when committed: the row and the wake-up roll back with a failed submission;
* once in effect: a drainer claims a batch in a short transaction, writing its claimant
  token (``accord.core.claims``) and a lease (``claimed_until``), then runs each follow-up
  in a transaction of its own that also deletes its row. A drainer that dies mid-batch
  loses nothing and repeats nothing that committed (those rows are gone): its heartbeat
  stops, and within seconds ``accord worker`` notices, frees its rows and queues a
  wake-up (the lease stays as a last resort for a drain alive but stuck). On SQLite every
  transaction here is short: the capture writers need the same write lock;
* a follow-up that raises is logged and tried again after a growing delay, without blocking
  the others; after ``GIVE_UP_ATTEMPTS`` it is kept with ``failed_at`` set and logged at
  ERROR, as django-q keeps a failed job (admin: Tracking > Submission follow-ups, where
  "Retry" puts it back);
* anything a wake-up missed (a submission committing after its window's job ran, a drainer
  that died, a retry coming due) is run by the minute sweep ``followups_sweep``.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from accord.core.claims import claim_free, claimant_running, claimants_recover
from accord.core.events import SubmissionSettled
from accord.core.hooks import emit
from accord.core.jobs import idempotent
from accord.core.outbox import WakeUps
from accord.core.prepared import RowShape, statement_cursor
from accord.tracking.models import SubmissionFollowup, Touchpoint

logger = logging.getLogger(__name__)

#: Wake-ups: one per window and web process, run this long after the window ended. The
#: grace covers submissions still committing; a capture transaction takes milliseconds.
BUCKET_SECONDS = 2
GRACE_SECONDS = 1
#: Follow-ups claimed per transaction, and at most per run (the job has a time limit).
BATCH = 200
RUN_MAX = 5000
#: A claimed follow-up not done after this is claimed again, even from a drainer whose
#: heartbeat still beats (stuck); a drainer that died is noticed within seconds instead.
LEASE = timedelta(minutes=5)
#: After a failure, wait RETRY_FIRST, doubling per attempt up to RETRY_MAX; give up after
#: GIVE_UP_ATTEMPTS attempts (~1 day with these values).
RETRY_FIRST = timedelta(minutes=1)
RETRY_MAX = timedelta(hours=4)
GIVE_UP_ATTEMPTS = 12
ERROR_MAX = 2000

_ROW = RowShape(SubmissionFollowup, ("lead_id", "touchpoint_id", "created_at"))
WAKE_JOB = "accord.tracking.capture.followups.followups_wake"
_WAKE_UPS = WakeUps(
    WAKE_JOB,
    key_prefix="capture-followup:wake",
    bucket_seconds=BUCKET_SECONDS,
    grace_seconds=GRACE_SECONDS,
)


def followup_add(*, lead_id: int, touchpoint_id: int) -> None:
    """Queue the follow-up of a submission; call inside the submission's transaction."""
    if _ROW.has_save_receivers():
        SubmissionFollowup.objects.create(
            lead_id=lead_id, touchpoint_id=touchpoint_id, created_at=timezone.now()
        )
    else:
        with statement_cursor(connection) as cursor:
            cursor.execute(
                _ROW.insert_sql(connection, returning=False),
                _ROW.params((lead_id, touchpoint_id, timezone.now()), connection),
            )
    _WAKE_UPS.ensure()


def followup_apply(*, lead_id: int, touchpoint_id: int) -> bool:
    """The follow-up itself; ``False`` when the submission's rows no longer exist."""
    # The touch is deleted with its lead (cascade), so finding it finds both.
    if not Touchpoint.objects.filter(pk=touchpoint_id, lead_id=lead_id).exists():
        logger.info("Submission follow-up skipped: lead %s / touch %s gone", lead_id, touchpoint_id)
        return False
    # Scoring scores the lead now, as its lead_rescore job does for every other new touch
    # (accord.wiring).
    emit(SubmissionSettled(lead_id=lead_id, touch_id=touchpoint_id))
    return True


_Claimed = tuple[int, int, int, int]  # pk, lead_id, touchpoint_id, attempts


def _claim(*, now: datetime, limit: int, token: str) -> list[_Claimed]:
    """Claim up to ``limit`` due follow-ups for drainer ``token``, oldest first.

    Due: not given up, and either free (never claimed, or a retry whose time has come), or
    held by a drainer that died (``claim_free``) or whose lease ran out.
    """
    due = (
        SubmissionFollowup.objects.select_for_update(skip_locked=True)
        .filter(failed_at__isnull=True)
        .filter(
            Q(claimed_until__isnull=True)
            | Q(claimed_until__lte=now)
            | (Q(claimed_by__isnull=False) & claim_free("claimed_by", now=now))
        )
        .order_by("pk")
        .values_list("pk", "lead_id", "touchpoint_id", "attempts")
    )
    with transaction.atomic():
        claimed = list(due[:limit])
        if claimed:
            SubmissionFollowup.objects.filter(pk__in=[row[0] for row in claimed]).update(
                claimed_until=now + LEASE, claimed_by=token
            )
    return claimed


def _run_one(row: _Claimed, token: str) -> bool | None:
    """Run one claimed follow-up and delete its row, in one transaction; ``None`` when the
    claim was lost (this drainer was taken for dead, or its lease ran out, and another
    drainer has the row now)."""
    pk, lead_id, touchpoint_id, _ = row
    with transaction.atomic():
        deleted, _ = SubmissionFollowup.objects.filter(pk=pk, claimed_by=token).delete()
        if not deleted:
            return None
        return followup_apply(lead_id=lead_id, touchpoint_id=touchpoint_id)


def _failed(row: _Claimed, error: BaseException, *, now: datetime) -> None:
    """Record a failure: retry later with a growing delay, or give up and keep the row."""
    pk, lead_id, _, attempts = row
    attempts += 1
    text = f"{type(error).__name__}: {error}"[:ERROR_MAX]
    if attempts >= GIVE_UP_ATTEMPTS:
        logger.error(
            "Gave up the follow-up of lead %s after %s attempts (kept as failed): %s",
            lead_id, attempts, text,
        )  # fmt: skip
        changes = {"failed_at": now, "claimed_until": None}
    else:
        delay = min(RETRY_FIRST * 2 ** (attempts - 1), RETRY_MAX)
        changes = {"claimed_until": now + delay}
    SubmissionFollowup.objects.filter(pk=pk).update(
        attempts=attempts, last_error=text, claimed_by=None, **changes
    )


def followups_run(*, limit: int = RUN_MAX) -> int:
    """Run due follow-ups, oldest first; return how many ran.

    Call it outside a transaction: batches are claimed, and each follow-up run, in short
    transactions of their own.
    """
    done = attempted = 0
    with claimant_running(job=WAKE_JOB) as token:
        while attempted < limit:
            claimed = _claim(now=timezone.now(), limit=min(BATCH, limit - attempted), token=token)
            if not claimed:
                break
            attempted += len(claimed)
            for row in claimed:
                try:
                    if _run_one(row, token) is not None:
                        done += 1
                except Exception as error:  # this one waits; the others still run
                    logger.exception("Follow-up of lead %s failed; it will be retried.", row[1])
                    _failed(row, error, now=timezone.now())
            if len(claimed) < BATCH:
                break
    return done


def followups_retry(pks: list[int]) -> int:
    """Put given-up follow-ups back (admin action); return how many."""
    return SubmissionFollowup.objects.filter(pk__in=pks, failed_at__isnull=False).update(
        failed_at=None, claimed_until=None, claimed_by=None, attempts=0
    )


@idempotent
def followups_wake() -> None:
    """The wake-up job: run what is due once this job's receipt has committed (so not inside
    the job's transaction, which on SQLite holds the database's write lock)."""
    transaction.on_commit(followups_run)


def followups_sweep() -> int:
    """Periodic (every minute): run whatever no wake-up ran. Dead drains are looked for
    first, also for a deployment whose worker does not watch for them."""
    claimants_recover()
    return followups_run()
