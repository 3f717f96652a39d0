"""CORS preflights, origin checks and the per-IP rate limit of the capture endpoints."""

from __future__ import annotations

import json
import time

import pytest

from accord.tracking.capture.ratelimit import _LocalCounters
from accord.tracking.tests.capture_support import EVENT_URL, LEAD_URL, ORIGIN, site_make

pytestmark = pytest.mark.django_db


def test_preflight_allows_a_listed_origin(client):
    site = site_make()
    response = client.options(
        f"{LEAD_URL}?site={site.public_key}",
        HTTP_ORIGIN=ORIGIN,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="content-type",
    )
    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == ORIGIN
    assert "POST" in response["Access-Control-Allow-Methods"]
    assert response["Access-Control-Allow-Headers"] == "Content-Type"
    assert "Origin" in response["Vary"]


def test_preflight_without_site_key_checks_every_active_site(client):
    site_make(allowed_origins=["https://shop.example.org:8443"])
    allowed = client.options(EVENT_URL, HTTP_ORIGIN="https://SHOP.example.org:8443")
    refused = client.options(EVENT_URL, HTTP_ORIGIN="https://evil.example.net")
    assert allowed.status_code == 204
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "origin_not_allowed"
    assert "Access-Control-Allow-Origin" not in refused


def test_preflight_for_another_sites_origin_is_refused(client):
    site = site_make()
    site_make(name="Other", allowed_origins=["https://other.example.org"])
    response = client.options(
        f"{LEAD_URL}?site={site.public_key}", HTTP_ORIGIN="https://other.example.org"
    )
    assert response.status_code == 403
    assert "Access-Control-Allow-Origin" not in response


def test_rate_limit_answers_429_with_retry_after(client, settings):
    settings.CAPTURE_RATE_LIMIT = "3/60"
    site = site_make()
    statuses = [
        client.post(LEAD_URL, {"site": site.public_key, "email": f"r{i}@example.com"}).status_code
        for i in range(3)
    ]
    assert statuses == [202, 202, 202]
    limited = client.post(
        LEAD_URL,
        json.dumps({"site": site.public_key, "email": "r9@example.com"}),
        content_type="application/json",
    )
    assert limited.status_code == 429
    assert limited.json()["error"]["code"] == "rate_limited"
    assert 1 <= int(limited["Retry-After"]) <= 60
    # Another address has its own budget; forwarded-for is not trusted by default.
    spoofed = client.post(
        LEAD_URL,
        {"site": site.public_key, "email": "r10@example.com"},
        HTTP_X_FORWARDED_FOR="203.0.113.9",
    )
    assert spoofed.status_code == 429
    other = client.post(
        LEAD_URL, {"site": site.public_key, "email": "r11@example.com"}, REMOTE_ADDR="10.0.0.2"
    )
    assert other.status_code == 202


def test_trusted_proxy_setting_reads_the_forwarded_address(client, settings):
    settings.CAPTURE_RATE_LIMIT = "1/60"
    settings.CAPTURE_TRUSTED_PROXY_COUNT = 1
    site = site_make()
    first = client.post(
        LEAD_URL,
        {"site": site.public_key, "email": "p1@example.com"},
        HTTP_X_FORWARDED_FOR="198.51.100.1",
    )
    second = client.post(
        LEAD_URL,
        {"site": site.public_key, "email": "p2@example.com"},
        HTTP_X_FORWARDED_FOR="198.51.100.2",
    )
    again = client.post(
        LEAD_URL,
        {"site": site.public_key, "email": "p3@example.com"},
        HTTP_X_FORWARDED_FOR="198.51.100.1",
    )
    assert (first.status_code, second.status_code, again.status_code) == (202, 202, 429)


def test_local_rate_limit_counters_are_shared_through_their_file(tmp_path):
    # Two counter stores on one file stand for two web processes on one host.
    path = str(tmp_path / "ratelimit.sqlite3")
    first, second = _LocalCounters(path), _LocalCounters(path)
    expires = time.time() + 60
    counts = [store.hit("capture-rl:lead:k:1.2.3.4:1", expires) for store in (first, second)]
    assert counts == [1, 2]
    assert second.hit("capture-rl:lead:k:5.6.7.8:1", expires) == 1
