"""Standard Webhooks signatures (https://www.standardwebhooks.com/), pure functions.

A secret is ``whsec_`` followed by base64 of random bytes; the signature of a message is
``v1,`` + base64(HMAC-SHA256(key=secret bytes, msg="{id}.{timestamp}.{body}")). Receivers
check the signature, reject timestamps far from their clock (replay) and dedupe on the id.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

SECRET_PREFIX = "whsec_"
SIGNATURE_VERSION = "v1"
# Receivers are told to refuse messages older than this; the verifier below does the same.
TIMESTAMP_TOLERANCE_SECONDS = 5 * 60


def secret_generate() -> str:
    """A new endpoint secret: 24 random bytes (the spec asks for 24 to 64)."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(24)).decode("ascii")


def _secret_key(secret: str) -> bytes:
    encoded = secret.removeprefix(SECRET_PREFIX)
    return base64.b64decode(encoded, validate=True)


def signature_compute(*, secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` header value for one message."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(_secret_key(secret), signed, hashlib.sha256).digest()
    return f"{SIGNATURE_VERSION},{base64.b64encode(digest).decode('ascii')}"


def headers_build(*, secret: str, msg_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The three Standard Webhooks headers (plus the JSON content type)."""
    return {
        "content-type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature_compute(
            secret=secret, msg_id=msg_id, timestamp=timestamp, body=body
        ),
    }


def signature_verify(
    *,
    secret: str,
    msg_id: str,
    timestamp: str,
    body: bytes,
    signature_header: str,
    now: int,
    tolerance: int = TIMESTAMP_TOLERANCE_SECONDS,
) -> bool:
    """What a receiver does: any ``v1`` signature in the (space-separated) header matches and
    the timestamp is within ``tolerance`` seconds of ``now``."""
    try:
        sent_at = int(timestamp)
    except ValueError:
        return False
    if abs(now - sent_at) > tolerance:
        return False
    expected = signature_compute(secret=secret, msg_id=msg_id, timestamp=sent_at, body=body)
    return any(
        hmac.compare_digest(candidate, expected)
        for candidate in signature_header.split(" ")
        if candidate.startswith(f"{SIGNATURE_VERSION},")
    )
