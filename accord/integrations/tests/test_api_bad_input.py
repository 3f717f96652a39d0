"""Bad input answers a clear 4xx JSON error naming the field, and writes nothing."""

from __future__ import annotations

import pytest

from accord.contacts.models import Contact, Lead
from accord.integrations.tests.api_helpers import ApiClient, key_client
from accord.pipeline.models import Deal

pytestmark = pytest.mark.django_db


def _nothing_written() -> bool:
    return not (Contact.objects.exists() or Lead.objects.exists() or Deal.objects.exists())


def test_malformed_json_is_400():
    response = key_client().post("/contacts", raw=b'{"email": "a@example.com",')
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "malformed_request"
    assert _nothing_written()


def test_wrong_types_name_the_field():
    response = key_client().post("/deals", {"name": "x", "amount": {"oops": 1}})
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "amount"
    assert _nothing_written()


def test_unknown_fields_are_refused():
    response = key_client().post("/contacts", {"email": "a@example.com", "emial": "typo"})
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "emial"
    assert _nothing_written()


def test_oversized_body_is_413():
    body = b'{"email": "a@example.com", "job_title": "' + b"x" * (1024 * 1024) + b'"}'
    response = key_client().post("/contacts", raw=body)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "body_too_large"
    assert _nothing_written()


def test_naive_datetime_is_refused():
    client = key_client()
    contact = client.post("/contacts", {"email": "a@example.com"}).json()
    response = client.post(
        "/leads", {"contact_id": contact["id"], "created_at": "2026-01-31T09:00:00"}
    )
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "created_at"
    assert not Lead.objects.exists()


def test_time_zone_offset_no_place_uses_is_refused():
    """ISO 8601 allows +19:20; PostgreSQL cannot store it (schemathesis found the 500)."""
    client = key_client()
    contact = client.post("/contacts", {"email": "a@example.com"}).json()
    response = client.post(
        "/leads", {"contact_id": contact["id"], "created_at": "2026-01-31T09:00:00+19:20"}
    )
    assert response.status_code == 422
    assert "offset" in response.json()["error"]["message"]
    assert not Lead.objects.exists()
    fine = client.post(
        "/leads", {"contact_id": contact["id"], "created_at": "2026-01-31T09:00:00+14:00"}
    )
    assert fine.status_code == 201


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "x", "amount": "-5"}, "amount"),
        ({"name": "x", "amount": "5", "currency": "ABC"}, "currency"),
        ({"name": "x", "amount": "5", "discount_amount": "-1"}, "discount_amount"),
        ({"name": "x", "amount": "1e30"}, "amount"),
        ({"name": "x", "amount": "5", "stage": "lost"}, "lost_reason"),
        ({"name": "x", "amount": "5", "owner_id": 999999}, "owner_id"),
    ],
)
def test_deal_amounts_currencies_and_references_are_checked(body, field):
    response = key_client().post("/deals", body)
    assert response.status_code == 422
    assert response.json()["error"]["field"] == field
    assert _nothing_written()


def test_nul_characters_are_refused_before_reaching_the_database():
    response = key_client().post("/contacts", {"email": "a@example.com", "first_name": "A\x00"})
    assert response.status_code == 422
    assert _nothing_written()


def test_rate_limit_answers_429_with_retry_after(settings):
    from django.core.cache import cache

    cache.clear()
    settings.ACCORD_API_RATE = "3/100000s"  # one fixed window for the whole test
    client = key_client()
    statuses = [client.get("/contacts").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    limited = client.get("/contacts")
    assert limited.json()["error"]["code"] == "rate_limited"
    assert int(limited["Retry-After"]) >= 1
    # Another key has its own budget.
    assert key_client(name="other").get("/contacts").status_code == 200


def test_interactive_docs_are_for_everyone_who_may_use_the_api(admin_user, sales_user):
    """Every signed-in role may call the API, so every one reads its docs; anonymous
    visitors are sent to sign in (the OpenAPI document itself stays public)."""
    from django.test import Client

    anonymous = Client()
    assert anonymous.get("/api/v1/docs").status_code == 302
    assert anonymous.get("/api/v1/openapi.json").status_code == 200
    rep = Client()
    rep.force_login(sales_user)
    assert rep.get("/api/v1/docs").status_code == 200
    admin = Client()
    admin.force_login(admin_user)
    assert admin.get("/api/v1/docs").status_code == 200


def test_session_users_need_csrf_for_writes(marketing_user):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(marketing_user)
    session = ApiClient(client=browser)
    assert session.get("/contacts").status_code == 200
    refused = session.post("/contacts", {"email": "a@example.com"})
    assert refused.status_code in {401, 403}
    assert _nothing_written()
