"""Getting one delivery to its endpoint: claim an attempt, send it, record the outcome.

The queue runs a job at least once, so two workers may hold the same delivery. An attempt is
therefore *claimed* first with a conditional UPDATE (status claimable, ``attempts`` still the
number the worker saw, due now); only the worker whose UPDATE changed the row sends. The claim
sets the status to ``sending`` with a lease (``next_attempt_at`` = now + lease): if that
worker dies mid-send, the sweeper finds the expired lease and the delivery is tried again
(receivers dedupe on the stable ``webhook-id``). The outcome is written only if ``attempts``
still equals the claimed number, so a late result never overwrites a newer one.

Outcomes: any 2xx → succeeded (never sent again automatically); 410 Gone → the endpoint is
disabled and the delivery abandoned; anything else (other codes, redirects — which are not
followed —, timeouts, refused addresses, network errors) → failed, retried with exponential
backoff until three days after the round started, then abandoned.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import urllib3
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accord.integrations.models import WebhookDelivery, WebhookEndpoint
from accord.integrations.webhooks.signing import headers_build
from accord.integrations.webhooks.ssrf import Target, UnsafeUrl, target_resolve

logger = logging.getLogger(__name__)

# Stripe-like: quick first retries for blips, then hours apart, for up to three days.
RETRY_DELAYS: tuple[timedelta, ...] = (
    timedelta(seconds=30),
    timedelta(minutes=2),
    timedelta(minutes=10),
    timedelta(hours=1),
    timedelta(hours=3),
    timedelta(hours=6),
    timedelta(hours=12),
)
RETRY_WINDOW = timedelta(days=3)
SNIPPET_BYTES = 1024
USER_AGENT = "Accord-Webhooks/1"

CLAIMABLE = (
    WebhookDelivery.Status.PENDING,
    WebhookDelivery.Status.FAILED,
    WebhookDelivery.Status.SENDING,  # only once its lease has expired (next_attempt_at <= now)
)


# --- pure rules ------------------------------------------------------------------------


def retry_at(*, round_started_at: datetime, attempts_made: int, now: datetime) -> datetime | None:
    """When to try again after ``attempts_made`` failed attempts in this round; None = give up.

    The last retry is moved up to the end of the window rather than dropped, so a receiver
    that is down for most of three days still gets one final try.
    """
    if attempts_made < 1:
        raise ValueError("retry_at is for after a failed attempt (attempts_made >= 1).")
    deadline = round_started_at + RETRY_WINDOW
    if now >= deadline:
        return None
    delay = RETRY_DELAYS[min(attempts_made, len(RETRY_DELAYS)) - 1]
    return min(now + delay, deadline)


def lease_seconds() -> float:
    """How long a claimed attempt may take before another worker may retry it."""
    return float(settings.WEBHOOKS_TIMEOUT_SECONDS) * 3 + 30


@dataclass(frozen=True)
class SendResult:
    status_code: int | None
    error: str = ""
    response_snippet: str = ""

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


# --- the HTTP call ---------------------------------------------------------------------


def request_send(
    *, target: Target, body: bytes, headers: dict[str, str], timeout: float
) -> SendResult:
    """POST ``body`` to the checked ``target``, connecting to its first checked address.

    The connection goes to the IP address that was checked, never to a fresh DNS answer; the
    Host header and the TLS server name (SNI and certificate check) carry the URL's host.
    Redirects are not followed (a 3xx is a failure). ``timeout`` bounds the connect and each
    read (urllib3 has no whole-response deadline; the body read is capped at 1 KiB).
    """
    address = target.addresses[0]
    limits = urllib3.Timeout(connect=timeout, read=timeout)
    pool: urllib3.HTTPConnectionPool
    if target.scheme == "https":
        pool = urllib3.HTTPSConnectionPool(
            address,
            target.port,
            timeout=limits,
            retries=False,
            maxsize=1,
            cert_reqs="CERT_REQUIRED",
            server_hostname=target.host,
            assert_hostname=target.host,
        )
    else:
        pool = urllib3.HTTPConnectionPool(
            address, target.port, timeout=limits, retries=False, maxsize=1
        )
    try:
        response = pool.urlopen(
            "POST",
            target.path,
            body=body,
            headers={**headers, "host": target.host_header, "user-agent": USER_AGENT},
            redirect=False,
            retries=False,
            assert_same_host=False,
            preload_content=False,
        )
        try:
            snippet = response.read(SNIPPET_BYTES, decode_content=True)
        finally:
            response.release_conn()
    except urllib3.exceptions.TimeoutError:
        return SendResult(None, f"No answer within {timeout:g} s.")
    except (urllib3.exceptions.HTTPError, OSError) as error:
        return SendResult(None, f"Connection failed: {error}"[:500])
    finally:
        pool.close()
    text = snippet.decode("utf-8", errors="replace")
    if 300 <= response.status < 400:
        location = response.headers.get("location", "")
        return SendResult(response.status, f"Redirect to {location!r} not followed."[:500], text)
    return SendResult(response.status, "", text)


# --- claim, send, record ----------------------------------------------------------------


def attempt_claim(*, delivery_id: int, attempts_seen: int) -> bool:
    """Take attempt ``attempts_seen + 1`` of a delivery; True only for the one worker that did."""
    now = timezone.now()
    claimed = WebhookDelivery.objects.filter(
        pk=delivery_id,
        status__in=CLAIMABLE,
        attempts=attempts_seen,
        next_attempt_at__lte=now,
        endpoint__is_active=True,
    ).update(
        status=WebhookDelivery.Status.SENDING,
        attempts=attempts_seen + 1,
        round_attempts=F("round_attempts") + 1,
        last_attempt_at=now,
        next_attempt_at=now + timedelta(seconds=lease_seconds()),
    )
    return claimed == 1


def attempt_send_and_record(*, delivery_id: int, attempt: int) -> SendResult | None:
    """Send claimed attempt number ``attempt`` and write what happened.

    Runs outside any transaction: the HTTP call must not hold the database's write lock.
    """
    delivery = WebhookDelivery.objects.select_related("endpoint").filter(pk=delivery_id).first()
    if delivery is None or delivery.attempts != attempt:
        return None
    endpoint = delivery.endpoint
    body = delivery.body.encode()
    try:
        target = target_resolve(endpoint.url, allow_loopback=settings.WEBHOOKS_ALLOW_LOOPBACK)
    except UnsafeUrl as refused:
        result = SendResult(None, f"Not sent: {refused}"[:500])
    else:
        headers = headers_build(
            secret=endpoint.secret,
            msg_id=delivery.webhook_id,
            timestamp=int(time.time()),
            body=body,
        )
        result = request_send(
            target=target,
            body=body,
            headers=headers,
            timeout=float(settings.WEBHOOKS_TIMEOUT_SECONDS),
        )
    attempt_record(delivery_id=delivery_id, attempt=attempt, result=result)
    return result


def attempt_record(*, delivery_id: int, attempt: int, result: SendResult) -> None:
    """Write the outcome of attempt ``attempt``; a stale attempt's outcome is dropped."""
    now = timezone.now()
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update()
            .filter(pk=delivery_id, attempts=attempt, status=WebhookDelivery.Status.SENDING)
            .first()
        )
        if delivery is None:
            logger.info("Outcome of webhook delivery %s attempt %s is stale.", delivery_id, attempt)
            return
        fields: dict[str, Any] = {
            "last_status_code": result.status_code,
            "last_error": result.error[:500],
            "response_snippet": result.response_snippet[:SNIPPET_BYTES],
        }
        Status = WebhookDelivery.Status
        if result.succeeded:
            fields |= {"status": Status.SUCCEEDED, "next_attempt_at": None}
        elif result.status_code == 410:
            WebhookEndpoint.objects.filter(pk=delivery.endpoint_id).update(
                is_active=False,
                disabled_reason="The endpoint answered 410 Gone.",
                updated_at=now,
            )
            fields |= {
                "status": Status.ABANDONED,
                "next_attempt_at": None,
                "last_error": "410 Gone: the endpoint was disabled.",
            }
        else:
            next_at = retry_at(
                round_started_at=delivery.round_started_at,
                attempts_made=delivery.round_attempts,
                now=now,
            )
            if next_at is None:
                fields |= {"status": Status.ABANDONED, "next_attempt_at": None}
            else:
                fields |= {"status": Status.FAILED, "next_attempt_at": next_at}
        WebhookDelivery.objects.filter(pk=delivery_id).update(**fields)
    if result.succeeded:
        logger.info("Webhook delivery %s succeeded (attempt %s).", delivery_id, attempt)
    else:
        logger.warning(
            "Webhook delivery %s attempt %s failed: %s %s",
            delivery_id,
            attempt,
            result.status_code,
            result.error,
        )
