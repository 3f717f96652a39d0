"""Standard Webhooks signatures, checked against HMAC computed here with the stdlib."""

from __future__ import annotations

import base64
import hashlib
import hmac

from accord.integrations.webhooks.signing import (
    headers_build,
    secret_generate,
    signature_compute,
    signature_verify,
)

SECRET = "whsec_" + base64.b64encode(b"accord-test-secret-of-24b").decode()
MSG_ID = "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W"
TIMESTAMP = 1_700_000_000
BODY = b'{"type":"lead.created","timestamp":"2026-01-01T00:00:00+00:00","data":{"id":1}}'


def _expected() -> str:
    key = b"accord-test-secret-of-24b"
    mac = hmac.new(key, f"{MSG_ID}.{TIMESTAMP}.".encode() + BODY, hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode()


def test_signature_matches_an_independent_hmac():
    assert signature_compute(secret=SECRET, msg_id=MSG_ID, timestamp=TIMESTAMP, body=BODY) == (
        _expected()
    )


def test_headers_carry_id_timestamp_and_signature():
    headers = headers_build(secret=SECRET, msg_id=MSG_ID, timestamp=TIMESTAMP, body=BODY)
    assert headers["webhook-id"] == MSG_ID
    assert headers["webhook-timestamp"] == str(TIMESTAMP)
    assert headers["webhook-signature"] == _expected()


def test_verification_accepts_the_original_and_refuses_tampering():
    signature = _expected()
    common = {"secret": SECRET, "msg_id": MSG_ID, "timestamp": str(TIMESTAMP)}
    assert signature_verify(**common, body=BODY, signature_header=signature, now=TIMESTAMP)
    tampered = BODY.replace(b'"id":1', b'"id":2')
    assert not signature_verify(**common, body=tampered, signature_header=signature, now=TIMESTAMP)
    # A different message id or a stale timestamp fail as well.
    assert not signature_verify(
        secret=SECRET,
        msg_id="msg_other",
        timestamp=str(TIMESTAMP),
        body=BODY,
        signature_header=signature,
        now=TIMESTAMP,
    )
    assert not signature_verify(
        **common, body=BODY, signature_header=signature, now=TIMESTAMP + 301
    )
    # Several space-separated signatures (during a secret rotation): any match is enough.
    assert signature_verify(
        **common, body=BODY, signature_header=f"v1,bm90LWl0 {signature}", now=TIMESTAMP
    )


def test_generated_secrets_are_whsec_base64_of_24_random_bytes():
    first, second = secret_generate(), secret_generate()
    assert first != second
    assert first.startswith("whsec_")
    assert len(base64.b64decode(first.removeprefix("whsec_"), validate=True)) == 24
