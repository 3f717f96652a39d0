"""Property-based conformance of the REST API against its own OpenAPI document.

Schemathesis reads ``/api/v1/openapi.json`` from the app (WSGI, in process, no server) and
sends generated requests to every operation, authenticated with an API key holding every
scope, with a fixed seed so a failure reproduces. Per operation: the schema's examples (if
any), the coverage phase's boundary and negative cases, then ``FUZZ_EXAMPLES`` generated
requests, valid and invalid. Then the stateful phase chains valid requests along the links
Schemathesis infers from the schema (create an account, read it back, patch it...). Every
response must not be a 5xx and must match the documented status codes, content type and
schema; a failure prints the request as a ``curl`` command.

Each operation runs in one transaction rolled back at its end (pytest-django's ``db``), so
its examples see each other's writes and nothing leaks between tests. One record of each
kind is created first, and half of the generated ids are pointed at it, so by-id
operations answer more than 404. POSTs carry an ``Idempotency-Key`` derived from the
request, so repeated requests go through the replay path too.
"""

from __future__ import annotations

import hashlib
import logging

import pytest
import schemathesis
from django.test import override_settings
from hypothesis import HealthCheck, Phase
from hypothesis import seed as hypothesis_seed
from hypothesis import settings as hypothesis_settings
from schemathesis.config import SchemathesisConfig
from schemathesis.core import NotSet
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from werkzeug.test import Client as WsgiClient

from config.wsgi import application

SEED = 20260127
FUZZ_EXAMPLES = 200  # generated requests per operation in the fuzzing phase
WORKFLOWS = 60  # stateful scenarios
WORKFLOW_STEPS = 8  # at most this many calls per scenario

CONFIG = SchemathesisConfig.from_str(
    f"""
seed = {SEED}

[generation]
max-examples = {FUZZ_EXAMPLES}

# Workflows chain valid requests (create, then read, patch, transition what was created);
# invalid ones are the per-operation phases' job.
[phases.stateful.generation]
mode = "positive"
"""
)
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application, config=CONFIG)

# Around every test: no rate limit in practice (the fuzzer sends thousands of requests a
# minute; the counters themselves are atomic upserts, tests/api/test_rate_limit_concurrency),
# and Django's cache in memory: the default file cache writes a file per write, and tests
# nothing of ours.
API_TEST_SETTINGS = {
    "ACCORD_API_RATE": "1000000/10s",
    "CACHES": {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
}

HYPOTHESIS = {
    # Under CI load one request may take a second; speed is not what this test is about.
    "deadline": None,
    # Reproducible from the seed alone; no .hypothesis/ directory in the checkout.
    "database": None,
    # Shrinking runs only after a failure, to print the smallest failing request.
    "phases": [Phase.explicit, Phase.generate, Phase.shrink],
    "suppress_health_check": [
        # Request bodies are big nested JSON documents, slow to generate by design.
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        # Negative generation filters out values that happen to be valid.
        HealthCheck.filter_too_much,
        # One API key per operation, shared by its examples, on purpose.
        HealthCheck.function_scoped_fixture,
    ],
}


def not_a_server_error(ctx, response, case) -> bool:  # type: ignore[no-untyped-def]
    body = response.text[:2000] if response.text else ""
    assert response.status_code < 500, (
        f"{case.method} {case.formatted_path} answered {response.status_code}:\n{body}"
    )
    return True


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def idempotency_key(case) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """A key derived from the request: repeated POSTs replay, different ones run afresh.

    Sending it exercises the idempotency layer (stored and replayed responses must match
    the schema too) without ever reusing a key for a different request.
    """
    if case.method.upper() != "POST":
        return {}
    body = None if isinstance(case.body, NotSet) else case.body
    request = repr((case.formatted_path, case.query, case.headers, case.media_type, body))
    return {"Idempotency-Key": hashlib.sha256(request.encode()).hexdigest()[:40]}


def aim_at_existing(case, existing: dict[str, int]) -> None:  # type: ignore[no-untyped-def]
    """Point even integer ids at a record that exists; odd ones stay (mostly) missing.

    Random ids almost never name a row, so without this every by-id operation would only
    ever answer 404 and its success path (and response schema) would go untested.
    """
    for name, value in (case.path_parameters or {}).items():
        if type(value) is int and value % 2 == 0 and name in existing:
            case.path_parameters[name] = existing[name]


@pytest.fixture(autouse=True)
def api_test_settings():
    # Django logs every 4xx as a warning: thousands of lines that would bury a failure's
    # report. Server errors are still logged.
    request_log = logging.getLogger("django.request")
    level = request_log.level
    request_log.setLevel(logging.ERROR)
    with override_settings(**API_TEST_SETTINGS):
        yield
    request_log.setLevel(level)


@pytest.fixture
def keep_test_connection():
    """Like Django's test client: the request cycle must not close the test's connection."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def bearer(db, keep_test_connection) -> dict[str, str]:
    from accord.accounts.api_keys import api_key_create
    from accord.accounts.models import Role, User

    # Writes that act as a person (hand-off calendars, drafts, lead actions) act as the key's
    # creator: an administrator, so their success paths are fuzzed too.
    admin = User.objects.create(username="schemathesis-admin", role=Role.ADMIN)
    _key, raw = api_key_create(name="schemathesis", scopes=["*"], created_by=admin)
    return {"Authorization": f"Bearer {raw}"}


@pytest.fixture
def existing(bearer) -> dict[str, int]:
    """One record of each kind, created through the API; path parameter name -> id."""
    from accord.handoff.agreement.services import defaults_ensure
    from accord.tracking.models import Channel

    # Through the same WSGI app as Schemathesis (Django's test Client would reconnect the
    # connection-closing signal handlers that ``keep_test_connection`` disconnected).
    client = WsgiClient(application)

    def create(path: str, body: dict[str, object]) -> int:
        response = client.post(f"/api/v1{path}", json=body, headers=bearer)
        assert response.status_code in (200, 201), (path, response.get_data(as_text=True))
        return int(response.json["id"])

    account = create("/accounts", {"name": "Seed Account"})
    contact = create("/contacts", {"email": "seed@example.com", "account_id": account})
    lead = create("/leads", {"contact_id": contact})
    channel = Channel.objects.order_by("pk").values_list("pk", flat=True).first()
    deal = create("/deals", {"name": "Seed deal", "amount": "1000.00"})
    product = create("/products", {"sku": "SEED-1", "name": "Seed", "list_price": "100"})
    catalogue = {
        "product_id": product,
        "price_list_id": create("/price-lists", {"name": "Seed list"}),
        "promotion_id": create(
            "/promotions",
            {
                "name": "Seed",
                "code": "SEED",
                "starts_on": "2026-01-01",
                "discount_kind": "percent",
                "discount_value": "5",
            },
        ),
        "line_item_id": create(f"/deals/{deal}/line-items", {"product_id": product, "quantity": 1}),
        "approval_id": create("/discount-approvals", {"deal_id": deal, "requested_percent": "15"}),
    }
    return {
        **catalogue,
        "account_id": account,
        "contact_id": contact,
        "lead_id": lead,
        "deal_id": deal,
        "activity_id": create("/activities", {"kind": "meeting", "lead_id": lead}),
        "task_id": create(
            "/tasks", {"title": "Seed task", "due_at": "2030-01-01T09:00:00+00:00", "lead_id": lead}
        ),
        "campaign_id": create("/campaigns", {"name": "Seed", "utm_campaign": "seed"}),
        "spend_id": create("/spend", {"date": "2026-01-05", "channel_id": channel, "cost": "10"}),
        "touchpoint_id": create("/touchpoints", {"type": "webinar", "contact_id": contact}),
        "profile_id": create("/scoring/profiles", {"name": "Seed"}),
        "version_id": defaults_ensure().pk,
        "calendar_id": create(
            "/calendars",
            {"name": "Seed", "time_zone": "UTC", "working_hours": {"mon": [["09:00", "17:00"]]}},
        ),
        "plan_id": create("/plans", PLAN_SEED),
        "post_id": create("/intel/posts", {"kind": "market_data", "title": "Seed intel"}),
    }


PLAN_SEED = {
    "name": "Seed plan",
    "start_month": "2026-01",
    "window_start": "2025-01-01",
    "window_end": "2025-06-30",
    "revenue_target": 100000,
    "content": {
        "deal_size": 10000,
        "rates": {
            "visit_lead": 0.05,
            "lead_mql": 0.5,
            "mql_sal": 0.8,
            "sal_sql": 0.5,
            "sql_opportunity": 0.5,
            "opportunity_won": 0.25,
        },
        "lags": {"visit": 3, "lead": 3, "mql": 2, "sal": 2, "sql": 1, "opportunity": 1},
        "channels": {"email": {"budget": 0, "cpl": None, "lead_mql": 0.3, "share": 1}},
    },
}


@pytest.fixture
def analytics_copy(request, existing, tmp_path):  # type: ignore[no-untyped-def]
    """For the report operations: the analytics copy, built from the seeded records.

    Without it they answer their documented 503 ``analytics_not_ready`` and nothing else.
    """
    from accord.analytics.sync import analytics_sync

    with override_settings(ANALYTICS_DUCKDB_PATH=str(tmp_path / "analytics.duckdb")):
        name = request.node.name
        if any(path in name for path in ("/reports/", "/plans", "/forecast")):
            analytics_sync(full=True)
        yield


@pytest.mark.slow
@schema.parametrize()
@hypothesis_settings(**HYPOTHESIS)
def test_api_conforms_to_its_schema(case, bearer, existing, analytics_copy):
    aim_at_existing(case, existing)
    case.call_and_validate(headers={**bearer, **idempotency_key(case)}, checks=CHECKS)


@pytest.mark.slow
def test_api_workflows_conform_to_the_schema(bearer, existing):
    class Workflow(schema.as_state_machine()):  # type: ignore[misc]
        def get_call_kwargs(self, case):  # type: ignore[no-untyped-def]
            return {"headers": {**bearer, **idempotency_key(case)}}

        def validate_response(self, response, case, additional_checks=None, **kwargs):  # type: ignore[no-untyped-def]
            case.validate_response(response, checks=CHECKS)

    hypothesis_seed(SEED)(Workflow)
    Workflow.run(
        settings=hypothesis_settings(
            max_examples=WORKFLOWS, stateful_step_count=WORKFLOW_STEPS, **HYPOTHESIS
        )
    )
