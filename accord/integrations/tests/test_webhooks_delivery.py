"""Delivery end to end: emit → queued job → a real HTTP receiver on 127.0.0.1 → recorded state."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
from django.utils import timezone
from django_q.models import OrmQ

from accord.integrations.models import WebhookDelivery, WebhookEndpoint
from accord.integrations.tests.webhook_support import Receiver, Reply, queued_jobs_run
from accord.integrations.webhooks.delivery import RETRY_DELAYS, retry_at
from accord.integrations.webhooks.events import webhook_event_emit
from accord.integrations.webhooks.jobs import webhook_deliveries_sweep
from accord.integrations.webhooks.services import webhook_endpoint_create
from accord.integrations.webhooks.signing import signature_verify

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def loopback_allowed(settings):
    settings.WEBHOOKS_ALLOW_LOOPBACK = True
    settings.WEBHOOKS_TIMEOUT_SECONDS = 5


@pytest.fixture
def run_jobs(django_capture_on_commit_callbacks):
    return lambda: queued_jobs_run(django_capture_on_commit_callbacks)


def _endpoint(receiver: Receiver, events=("lead.created",)) -> tuple[WebhookEndpoint, str]:
    return webhook_endpoint_create(url=receiver.url, events=list(events))


def _emit(key: str = "lead:1") -> None:
    webhook_event_emit(event="lead.created", payload={"lead": {"id": 1}}, key=key)


def _make_due(delivery: WebhookDelivery) -> None:
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        next_attempt_at=timezone.now() - timedelta(seconds=1)
    )


def test_2xx_succeeds_once_signed_and_is_never_resent(run_jobs):
    with Receiver([Reply(204, b"")]) as receiver:
        _, secret = _endpoint(receiver)
        _emit()
        assert run_jobs() == 1
        delivery = WebhookDelivery.objects.get()
        assert delivery.status == WebhookDelivery.Status.SUCCEEDED
        assert (delivery.attempts, delivery.last_status_code) == (1, 204)
        assert delivery.next_attempt_at is None
        # Sweeps later (and any stray job) send nothing more.
        _make_due(delivery)  # even a stray due date must not resend a success
        assert webhook_deliveries_sweep() == 0
        assert run_jobs() == 0
    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    assert request.path == "/hooks"
    assert request.headers["webhook-id"] == delivery.webhook_id
    assert request.headers["content-type"] == "application/json"
    assert signature_verify(
        secret=secret,
        msg_id=request.headers["webhook-id"],
        timestamp=request.headers["webhook-timestamp"],
        body=request.body,
        signature_header=request.headers["webhook-signature"],
        now=int(time.time()),
    )
    body = json.loads(request.body)
    assert body["type"] == "lead.created"
    assert body["data"] == {"lead": {"id": 1}}
    assert "timestamp" in body


def test_500_is_retried_with_backoff_and_the_same_webhook_id(run_jobs):
    with Receiver([Reply(500, b"boom"), Reply(503), Reply(200)]) as receiver:
        _endpoint(receiver)
        _emit()
        run_jobs()
        delivery = WebhookDelivery.objects.get()
        assert delivery.status == WebhookDelivery.Status.FAILED
        assert (delivery.attempts, delivery.last_status_code) == (1, 500)
        assert delivery.response_snippet == "boom"
        first_delay = delivery.next_attempt_at - delivery.last_attempt_at
        # Counted from when the failure was recorded, a moment after the attempt started.
        assert RETRY_DELAYS[0] <= first_delay < RETRY_DELAYS[1]
        # Not due yet: the sweep queues nothing.
        assert webhook_deliveries_sweep() == 0
        _make_due(delivery)
        assert webhook_deliveries_sweep() == 1
        assert webhook_deliveries_sweep() == 1  # the same state is queued under the same key
        run_jobs()  # two queued copies of one attempt: the claim lets only one send
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts) == (WebhookDelivery.Status.FAILED, 2)
        second_delay = delivery.next_attempt_at - delivery.last_attempt_at
        assert RETRY_DELAYS[1] <= second_delay < RETRY_DELAYS[2]
        _make_due(delivery)
        webhook_deliveries_sweep()
        run_jobs()
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts) == (WebhookDelivery.Status.SUCCEEDED, 3)
    ids = {request.headers["webhook-id"] for request in receiver.requests}
    assert len(receiver.requests) == 3
    assert ids == {delivery.webhook_id}


def test_410_disables_the_endpoint(run_jobs):
    with Receiver([Reply(410)]) as receiver:
        endpoint, _ = _endpoint(receiver)
        _emit()
        run_jobs()
        endpoint.refresh_from_db()
        delivery = WebhookDelivery.objects.get()
        assert not endpoint.is_active
        assert "410" in endpoint.disabled_reason
        assert delivery.status == WebhookDelivery.Status.ABANDONED
        _emit(key="lead:2")  # a disabled endpoint receives nothing new
        assert WebhookDelivery.objects.count() == 1
    assert len(receiver.requests) == 1


def test_redirect_is_not_followed_and_counts_as_a_failure(run_jobs):
    with Receiver([Reply(302, headers={"location": "/elsewhere"})]) as receiver:
        _endpoint(receiver)
        _emit()
        run_jobs()
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookDelivery.Status.FAILED
    assert delivery.last_status_code == 302
    assert "not followed" in delivery.last_error
    assert [request.path for request in receiver.requests] == ["/hooks"]


def test_a_receiver_slower_than_the_timeout_is_a_failure(run_jobs, settings):
    settings.WEBHOOKS_TIMEOUT_SECONDS = 0.3
    with Receiver([Reply(200, delay=1.0)]) as receiver:
        _endpoint(receiver)
        _emit()
        run_jobs()
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookDelivery.Status.FAILED
    assert delivery.last_status_code is None
    assert "No answer" in delivery.last_error
    assert len(receiver.requests) == 1


def test_a_delivery_is_abandoned_after_three_days_and_stays_in_the_log(run_jobs):
    with Receiver([Reply(500)]) as receiver:
        _endpoint(receiver)
        _emit()
        WebhookDelivery.objects.update(round_started_at=timezone.now() - timedelta(days=3, hours=1))
        run_jobs()
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookDelivery.Status.ABANDONED
    assert delivery.next_attempt_at is None
    assert webhook_deliveries_sweep() == 0


def test_the_address_is_checked_again_at_send_time(run_jobs, settings):
    with Receiver() as receiver:
        _endpoint(receiver)
        settings.WEBHOOKS_ALLOW_LOOPBACK = False
        _emit()
        run_jobs()
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookDelivery.Status.FAILED
    assert "loopback" in delivery.last_error
    assert receiver.requests == []


def test_a_worker_that_died_mid_send_is_retried_after_its_lease(run_jobs):
    from accord.integrations.webhooks.delivery import attempt_claim

    with Receiver() as receiver:
        _endpoint(receiver)
        _emit()
        OrmQ.objects.all().delete()  # the job was taken by a worker that then died
        delivery = WebhookDelivery.objects.get()
        assert attempt_claim(delivery_id=delivery.pk, attempts_seen=0)
        assert webhook_deliveries_sweep() == 0  # the lease still holds
        _make_due(delivery)  # the lease expired
        assert webhook_deliveries_sweep() == 1
        run_jobs()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (WebhookDelivery.Status.SUCCEEDED, 2)
    assert [r.headers["webhook-id"] for r in receiver.requests] == [delivery.webhook_id]


def test_retry_rule_grows_and_stops_at_three_days():
    start = timezone.now()
    delays = [
        retry_at(round_started_at=start, attempts_made=n, now=start) - start for n in range(1, 10)
    ]
    assert delays == sorted(delays)
    assert delays[0] == timedelta(seconds=30)
    assert delays[-1] == timedelta(hours=12)
    late = start + timedelta(days=2, hours=20)
    assert retry_at(round_started_at=start, attempts_made=8, now=late) == start + timedelta(days=3)
    assert retry_at(round_started_at=start, attempts_made=9, now=start + timedelta(days=3)) is None
