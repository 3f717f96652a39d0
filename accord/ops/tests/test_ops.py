"""Probes, metrics and request logs (accord.ops): what a load balancer and Prometheus see."""

from __future__ import annotations

import io
import json
import logging
import re
from datetime import timedelta

import pytest
from django.utils import timezone
from django_q.models import OrmQ, Schedule, Task

from accord.ops import health, metrics
from accord.ops.logs import JsonFormatter, RequestIdFilter

pytestmark = pytest.mark.django_db

BY_ADDRESS = {"HTTP_HOST": "10.0.0.7:8000"}  # a load balancer asks by the node's address


def test_probes_answer_by_address_over_plain_http_and_say_which_check_fails(client, settings):
    settings.SECURE_SSL_REDIRECT = True  # production: every other path redirects to https
    live = client.get("/health/live", **BY_ADDRESS)
    assert live.status_code == 200 and live.json() == {"status": "ok"}
    assert live["Cache-Control"].startswith("max-age=0")

    ready = client.get("/health/ready", **BY_ADDRESS)
    assert ready.status_code == 200
    assert ready.json()["checks"] == {
        "database": {"ok": True},
        "job_lag": {"ok": True, "seconds": 0.0, "max_seconds": 300.0},
        # Never synced (a fresh installation): reported, not failing.
        "sync_age": {"ok": True, "seconds": None, "max_seconds": 900.0},
    }

    now = timezone.now()
    OrmQ.objects.create(key="accord", payload="x", lock=now - timedelta(minutes=10))
    schedule = Schedule.objects.create(
        name=health.SYNC_SCHEDULE_NAME, func="accord.analytics.jobs.analytics_sync_job"
    )
    Task.objects.create(
        id="t1", name="sync", func=schedule.func, started=now - timedelta(hours=2),
        stopped=now - timedelta(hours=2), success=True,
    )  # fmt: skip
    failing = client.get("/health/ready", **BY_ADDRESS)
    assert failing.status_code == 503 and failing.json()["status"] == "failing"
    checks = failing.json()["checks"]
    assert checks["job_lag"]["ok"] is False and checks["job_lag"]["seconds"] >= 600
    assert checks["sync_age"]["ok"] is False and checks["sync_age"]["seconds"] >= 7200

    # 0: the figures are reported, readiness no longer depends on them.
    settings.ACCORD_READY_MAX_JOB_LAG_SECONDS = settings.ACCORD_READY_MAX_SYNC_AGE_SECONDS = 0
    assert client.get("/health/ready", **BY_ADDRESS).status_code == 200


def test_metrics_need_the_token_and_name_routes_not_paths(client, settings):
    assert client.get("/metrics").status_code == 404  # no token configured: off
    settings.ACCORD_METRICS_TOKEN = "scrape-me"
    for wrong in ("Bearer wrong", "Bearer scrape-mé", "scrape-me"):
        assert client.get("/metrics", HTTP_AUTHORIZATION=wrong).status_code == 403

    # What the middleware records for a capture POST (the endpoint itself is not called here:
    # its first call imports the scoring stack, seconds of a test's time).
    metrics.request_observe(route="capture:lead", method="POST", status=429, seconds=0.001)
    client.get("/leads/123456/")  # a raw path with an id: counted under its route name
    scraped = client.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-me", **BY_ADDRESS)
    assert scraped.status_code == 200
    text = scraped.content.decode()
    refused = 'accord_capture_submissions_total{endpoint="lead",outcome="refused",status="429"}'
    assert refused in text
    routes = set(re.findall(r'route="([^"]*)"', text))
    # The route's name, never the raw path (a figure's digits may contain 123456 by chance).
    assert "leads:lead_detail" in routes and not any("123456" in route for route in routes)
    for gauge in (
        'accord_outbox_depth{outbox="capture_followups"} 0.0',
        'accord_outbox_depth{outbox="notification_emails"} 0.0',
        "accord_job_lag_seconds 0.0",
        "accord_sla_clocks_due 0.0",
        "accord_database_up 1.0",
        "accord_worker_nodes_alive 0.0",
    ):
        assert gauge in text
    assert "accord_analytics_sync_age_seconds" not in text  # never synced: absent


def test_a_json_request_line_carries_request_id_route_status_and_duration(client, settings):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    request_log = logging.getLogger("accord.request")
    request_log.addHandler(handler)
    level = request_log.level
    request_log.setLevel(logging.INFO)
    try:
        sent = client.get("/health/live", HTTP_X_REQUEST_ID="lb-42")
        odd = client.get("/health/live", HTTP_X_REQUEST_ID="<script>")
    finally:
        request_log.removeHandler(handler)
        request_log.setLevel(level)
    assert sent["X-Request-ID"] == "lb-42"
    assert odd["X-Request-ID"] != "<script>" and len(odd["X-Request-ID"]) == 32
    first = json.loads(stream.getvalue().splitlines()[0])
    assert first["request_id"] == "lb-42" and first["route"] == "ops:health_live"
    assert first["status"] == 200 and first["method"] == "GET" and first["duration_ms"] >= 0
    assert first["level"] == "INFO" and first["logger"] == "accord.request"
