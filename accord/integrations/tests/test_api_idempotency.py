"""Idempotency-Key on POST: replay, mismatch, in flight, per-client scope, expiry."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accord.accounts.api_keys import api_key_create
from accord.api.idempotency import ABANDONED_AFTER, RETENTION, request_fingerprint
from accord.api.models import IdempotencyRecord
from accord.contacts.models import Contact
from accord.integrations.tests.api_helpers import ApiClient, key_client

pytestmark = pytest.mark.django_db


def test_same_key_same_body_replays_the_stored_response():
    client = key_client()
    body = {"email": "ada@example.com", "first_name": "Ada"}
    first = client.post("/contacts", body, idempotency_key="k-1")
    second = client.post("/contacts", body, idempotency_key="k-1")
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert Contact.objects.count() == 1


def test_same_key_other_body_is_422_and_runs_nothing():
    client = key_client()
    client.post("/contacts", {"email": "ada@example.com"}, idempotency_key="k-1")
    response = client.post("/contacts", {"email": "bob@example.com"}, idempotency_key="k-1")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "idempotency_key_reused"
    assert not Contact.objects.filter(email="bob@example.com").exists()


def test_key_still_in_flight_is_409():
    key, raw = api_key_create(name="k", scopes=["*"])
    client = ApiClient(raw)
    path = "/api/v1/contacts"
    import json

    body = json.dumps({"email": "ada@example.com"}).encode()
    IdempotencyRecord.objects.create(
        scope=f"key:{key.pk}", key="k-1", fingerprint=request_fingerprint("POST", path, body)
    )
    response = client.post("/contacts", raw=body, idempotency_key="k-1")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "idempotency_in_progress"
    assert not Contact.objects.exists()


def test_a_request_abandoned_in_flight_frees_its_key():
    key, raw = api_key_create(name="k", scopes=["*"])
    body = b'{"email": "ada@example.com"}'
    IdempotencyRecord.objects.create(
        scope=f"key:{key.pk}",
        key="k-1",
        fingerprint=request_fingerprint("POST", "/api/v1/contacts", body),
        created_at=timezone.now() - ABANDONED_AFTER - timedelta(seconds=1),
    )
    response = ApiClient(raw).post("/contacts", raw=body, idempotency_key="k-1")
    assert response.status_code == 201
    assert IdempotencyRecord.objects.get().status == IdempotencyRecord.Status.DONE


def test_keys_are_scoped_per_api_key():
    one, two = key_client(name="one"), key_client(name="two")
    a = one.post("/contacts", {"email": "ada@example.com"}, idempotency_key="same")
    b = two.post("/contacts", {"email": "bob@example.com"}, idempotency_key="same")
    assert a.status_code == b.status_code == 201
    assert "Idempotent-Replayed" not in b
    assert Contact.objects.count() == 2


def test_errors_are_stored_and_replayed_too():
    client = key_client()
    body = {"name": "Big deal", "amount": "10", "currency": "QQQ"}
    first = client.post("/deals", body, idempotency_key="e-1")
    assert first.status_code == 422 and first.json()["error"]["field"] == "currency"
    again = client.post("/deals", body, idempotency_key="e-1")
    assert again.status_code == 422 and again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()


def test_auth_failures_are_not_stored():
    _key, raw = api_key_create(name="reader", scopes=["contacts:read"])
    client = ApiClient(raw)
    denied = client.post("/contacts", {"email": "ada@example.com"}, idempotency_key="x")
    assert denied.status_code == 403
    assert not IdempotencyRecord.objects.exists()


def test_a_key_expires_after_the_retention_period():
    client = key_client()
    client.post("/contacts", {"email": "ada@example.com"}, idempotency_key="old")
    IdempotencyRecord.objects.update(created_at=timezone.now() - RETENTION - timedelta(minutes=1))
    response = client.post("/contacts", {"email": "bob@example.com"}, idempotency_key="old")
    assert response.status_code == 201
    assert Contact.objects.filter(email="bob@example.com").exists()


def test_requests_without_a_key_are_not_recorded_and_the_period_is_published():
    client = key_client()
    client.post("/contacts", {"email": "ada@example.com"})
    assert not IdempotencyRecord.objects.exists()
    schema = client.client.get("/api/v1/openapi.json").json()
    assert "24 hours" in schema["info"]["description"]
