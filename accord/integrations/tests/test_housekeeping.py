from datetime import timedelta

import pytest
from django.utils import timezone
from django_q.models import Schedule

from accord.api.models import IdempotencyRecord
from accord.core.models import JobReceipt
from accord.integrations.housekeeping import housekeeping_run


@pytest.mark.django_db
def test_housekeeping_is_scheduled_daily():
    schedule = Schedule.objects.get(name="housekeeping.daily")
    assert schedule.func == "accord.integrations.housekeeping.housekeeping_run"
    assert schedule.minutes == 24 * 60


@pytest.mark.django_db
def test_housekeeping_forgets_only_old_rows():
    old, fresh = JobReceipt.objects.create(key="old"), JobReceipt.objects.create(key="fresh")
    JobReceipt.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=31))
    IdempotencyRecord.objects.create(
        scope="key:1", key="a", fingerprint="f", created_at=timezone.now() - timedelta(days=2)
    )
    IdempotencyRecord.objects.create(scope="key:1", key="b", fingerprint="f")

    counts = housekeeping_run()

    assert counts["job_receipts"] == 1
    assert list(JobReceipt.objects.values_list("key", flat=True)) == [fresh.key]
    assert counts["idempotency_records"] == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["b"]
