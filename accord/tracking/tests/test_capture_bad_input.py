"""Every kind of bad input to /capture/lead: a clear 4xx naming the field, nothing written."""

from __future__ import annotations

import json

import pytest

from accord.tracking.tests.capture_support import LEAD_URL, ORIGIN, row_counts, site_make

pytestmark = pytest.mark.django_db

BAD_JSON_BODIES = [
    # (body, status, code, field)
    ({"name": "No Contact Details"}, 422, "invalid", "email"),
    ({"email": "not-an-email"}, 422, "invalid", "email"),
    ({"phone": "12"}, 422, "invalid", "phone"),
    ({"phone": "+44 20 7946"}, 422, "invalid", "phone"),
    ({"email": 42}, 422, "invalid", "email"),
    ({"email": ["a@example.com"]}, 422, "invalid", "email"),
    ({"email": "a@example.com", "consent": "maybe"}, 422, "invalid", "consent"),
    ({"email": "a@example.com", "name": "x" * 241}, 422, "invalid", "name"),
    ({"email": "a@example.com", "utm_source": "s" * 201}, 422, "invalid", "utm_source"),
    ({"email": "a@example.com", "properties": ["a"]}, 422, "invalid", "properties"),
    ({"email": "a@example.com", "properties": {"x": {"y": 1}}}, 422, "invalid", "properties.x"),
    ({"email": "a@example.com", "properties": {"bad key": 1}}, 422, "invalid",
     "properties.bad key"),
    (
        {"email": "a@example.com", "properties": {f"k{i}": i for i in range(51)}},
        422,
        "invalid",
        "properties",
    ),
    ({"email": "a@example.com", "properties": {"t": "x" * 1001}}, 422, "invalid", "properties.t"),
    ({"email": "a@example.com", "landing_page": "javascript:alert(1)"}, 422, "invalid",
     "landing_page"),
    ({"email": "a@example.com", "referrer": "not a url"}, 422, "invalid", "referrer"),
    ({"email": "a@example.com", "visitor_id": "short"}, 422, "invalid", "visitor_id"),
    ({"email": "a@example.com", "redirect": "https://evil.example.net/"}, 422, "invalid",
     "redirect"),
    ({"email": "a@example.com", "favourite_colour": "blue"}, 422, "invalid", "favourite_colour"),
]  # fmt: skip


@pytest.mark.parametrize(("body", "status", "code", "field"), BAD_JSON_BODIES)
def test_bad_fields_are_refused_naming_the_field(client, body, status, code, field):
    site = site_make()
    before = row_counts()
    response = client.post(
        LEAD_URL,
        json.dumps({"site": site.public_key, **body}),
        content_type="application/json",
        HTTP_ORIGIN=ORIGIN,
    )
    assert response.status_code == status, response.content
    error = response.json()["error"]
    assert (error["code"], error["field"]) == (code, field)
    assert error["message"]
    assert row_counts() == before


@pytest.mark.parametrize(
    ("raw", "content_type", "status", "code"),
    [
        (b'{"email": "a@example.com"', "application/json", 400, "malformed"),
        (b'["a@example.com"]', "application/json", 400, "malformed"),
        (b"  \n", "application/json", 400, "malformed"),
        (b"", "", 415, "unsupported_media_type"),
        (b"\xff\xfe{}", "application/json", 400, "malformed"),
        (b"[" * 50_000, "application/json", 400, "malformed"),
        (b"<lead/>", "application/xml", 415, "unsupported_media_type"),
    ],
)
def test_unreadable_bodies_are_refused(client, raw, content_type, status, code):
    site = site_make()
    before = row_counts()
    response = client.post(f"{LEAD_URL}?site={site.public_key}", raw, content_type=content_type)
    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    assert row_counts() == before


def test_oversized_body_is_refused_with_413(client):
    site = site_make()
    before = row_counts()
    body = json.dumps({"site": site.public_key, "email": "a@example.com", "name": "x" * 70_000})
    response = client.post(LEAD_URL, body, content_type="application/json")
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"
    assert row_counts() == before


@pytest.mark.parametrize("key", [None, "", "no-such-key", "k" * 65])
def test_unknown_or_missing_site_key_is_refused(client, key):
    site_make()
    before = row_counts()
    body = {"email": "a@example.com"} if key is None else {"site": key, "email": "a@example.com"}
    response = client.post(LEAD_URL, json.dumps(body), content_type="application/json")
    assert response.status_code == 403
    assert response.json()["error"] == {
        "code": "unknown_site",
        "message": response.json()["error"]["message"],
        "field": "site",
    }
    assert row_counts() == before


def test_inactive_site_is_refused(client):
    site = site_make()
    site.is_active = False
    site.save()
    response = client.post(LEAD_URL, {"site": site.public_key, "email": "a@example.com"})
    assert response.status_code == 403
    assert row_counts()["contacts"] == 0


def test_disallowed_origin_is_refused_without_cors_headers(client):
    site = site_make()
    before = row_counts()
    response = client.post(
        LEAD_URL,
        json.dumps({"site": site.public_key, "email": "a@example.com"}),
        content_type="application/json",
        HTTP_ORIGIN="https://evil.example.net",
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "origin_not_allowed"
    assert response.json()["error"]["field"] == "origin"
    assert "Access-Control-Allow-Origin" not in response
    assert row_counts() == before


def test_form_errors_for_people_are_a_small_page(client):
    site = site_make()
    response = client.post(
        LEAD_URL,
        {"site": site.public_key, "email": "nope"},
        HTTP_ACCEPT="text/html",
    )
    assert response.status_code == 422
    assert b"could not be sent" in response.content
    assert b"not a valid email address" in response.content
    assert row_counts()["contacts"] == 0


def test_get_is_not_allowed(client):
    assert client.get(LEAD_URL).status_code == 405
