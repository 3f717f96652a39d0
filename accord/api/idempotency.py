"""``Idempotency-Key`` on POST requests, with Stripe's semantics.

The first request with a key records ``in_progress`` in its own committed row, runs, then
stores its response (status and body, errors included). Later requests with that key from the
same client (API key or user) get:

- the stored response again, with ``Idempotent-Replayed: true``, when the request is the same
  (method, path and body hash alike);
- 422 ``idempotency_key_reused`` when the request differs;
- 409 ``idempotency_in_progress`` while the first one is still running.

Records are kept for ``RETENTION`` (24 hours); after that the key may be used afresh. A
record left ``in_progress`` by a crashed process is freed after ``ABANDONED_AFTER``.
Answers that say "try again" are not stored, so a retry really runs again: authentication
and permission failures (401/403), 409, rate limiting (429) and server errors (5xx).
Requests that carry no key run as usual.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from accord.api.auth import principal_resolve
from accord.api.errors import error_body
from accord.api.models import IdempotencyRecord

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
RETENTION = timedelta(hours=24)
# A request still "in progress" after this long died with its process (no request runs
# that long: workers time out first); its key is freed so the client's retry can run.
ABANDONED_AFTER = timedelta(minutes=10)
MAX_KEY_LENGTH = 255
_NOT_STORED = frozenset({401, 403, 409, 429})


def request_fingerprint(method: str, path: str, body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (method.upper().encode(), path.encode(), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def _json_error(status: int, code: str, message: str, field: str | None = None) -> HttpResponse:
    return HttpResponse(
        json.dumps(error_body(code, message, field)), status=status, content_type="application/json"
    )


def idempotency_begin(
    *, client_id: str, key: str, fingerprint: str
) -> IdempotencyRecord | HttpResponse:
    """Claim ``key`` for this request (a new record), or the answer a duplicate gets."""
    now = timezone.now()
    for _attempt in range(2):
        try:
            with transaction.atomic():
                return IdempotencyRecord.objects.create(
                    scope=client_id, key=key, fingerprint=fingerprint, created_at=now
                )
        except IntegrityError:
            existing = IdempotencyRecord.objects.filter(scope=client_id, key=key).first()
            if existing is None:  # finished and purged in between: claim it again
                continue
            abandoned = (
                existing.status == IdempotencyRecord.Status.IN_PROGRESS
                and existing.created_at < now - ABANDONED_AFTER
            )
            if existing.created_at < now - RETENTION or abandoned:
                IdempotencyRecord.objects.filter(pk=existing.pk).delete()
                continue
            if existing.fingerprint != fingerprint:
                return _json_error(
                    422,
                    "idempotency_key_reused",
                    "This Idempotency-Key was used with a different request; "
                    "use a new key for a new request.",
                    HEADER,
                )
            if existing.status == IdempotencyRecord.Status.IN_PROGRESS:
                return _json_error(
                    409,
                    "idempotency_in_progress",
                    "A request with this Idempotency-Key is still being processed; retry later.",
                    HEADER,
                )
            replay = HttpResponse(
                bytes(existing.response_body or b""),
                status=existing.response_status or 200,
                content_type=existing.response_content_type or "application/json",
            )
            replay[REPLAYED_HEADER] = "true"
            return replay
    return _json_error(409, "idempotency_in_progress", "Retry this request.", HEADER)


def idempotency_finish(*, record: IdempotencyRecord, response: HttpResponse) -> None:
    if response.status_code in _NOT_STORED or response.status_code >= 500:
        IdempotencyRecord.objects.filter(pk=record.pk).delete()
        return
    IdempotencyRecord.objects.filter(pk=record.pk).update(
        status=IdempotencyRecord.Status.DONE,
        response_status=response.status_code,
        response_body=response.content,
        response_content_type=response.get("Content-Type", "application/json"),
    )


def idempotency_purge(*, now: Any = None) -> int:
    """Delete records past the retention period; returns how many."""
    cutoff = (now or timezone.now()) - RETENTION
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted


def idempotent(run: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A ninja "view" decorator: applies the key semantics to every POST operation."""

    @functools.wraps(run)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        key = request.headers.get(HEADER)
        if request.method != "POST" or key is None:
            return run(request, *args, **kwargs)
        key = key.strip()
        # A control character (NUL above all: PostgreSQL refuses it in text) is no key.
        if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
            return _json_error(
                400,
                "invalid_idempotency_key",
                f"An Idempotency-Key must be 1 to {MAX_KEY_LENGTH} printable characters.",
                HEADER,
            )
        principal = principal_resolve(request)
        if principal is None:  # unauthenticated: the operation answers 401; nothing to keep
            return run(request, *args, **kwargs)
        outcome = idempotency_begin(
            client_id=principal.client_id,
            key=key,
            fingerprint=request_fingerprint(request.method, request.path, request.body),
        )
        if isinstance(outcome, HttpResponse):
            return outcome
        try:
            response = run(request, *args, **kwargs)
        except BaseException:
            IdempotencyRecord.objects.filter(pk=outcome.pk).delete()
            raise
        idempotency_finish(record=outcome, response=response)
        return response

    return wrapper
