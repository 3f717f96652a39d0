"""Every list endpoint of the OpenAPI schema pages without a 5xx, in every documented ordering.

Regression: ``GET /api/v1/spend?limit=1`` answered 500 because the next cursor held a
``date`` (JSON cannot). The walk reads the list operations from the app's own OpenAPI
document (a GET without path parameters whose 200 answer has ``next_cursor``), so a list
added later is walked too. Hand-made cursors answer a 4xx naming ``cursor``.
"""

from __future__ import annotations

import base64
import json
from datetime import date, timedelta

import pytest
from django.core.cache import cache
from django.test import Client

from accord.integrations.tests.api_helpers import BASE, key_client
from accord.tracking.models import Channel

pytestmark = pytest.mark.django_db

PAGES = 4  # pages followed per ordering (limit=1)


def _resolve(schema: dict, node: dict) -> dict:
    while "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        node = schema["components"]["schemas"][name]
    return node


def list_operations(schema: dict) -> dict[str, list[str]]:
    """``path -> orderings`` of every paged list in the OpenAPI document."""
    lists = {}
    for path, operations in schema["paths"].items():
        get = operations.get("get")
        if get is None or "{" in path:
            continue
        content = get["responses"].get("200", {}).get("content", {})
        body = content.get("application/json", {}).get("schema")
        if body is None or "next_cursor" not in _resolve(schema, body).get("properties", {}):
            continue
        orderings: list[str] = []
        for parameter in get.get("parameters", []):
            if parameter["name"] == "ordering":
                orderings = list(_resolve(schema, parameter["schema"]).get("enum", []))
        lists[path] = orderings or [""]
    return lists


@pytest.fixture
def api(settings):
    cache.clear()
    settings.ACCORD_API_RATE = "1000000/10s"
    client = key_client()
    # Three of each kind, with equal and different ordering values (two spend rows share a
    # date, so the id breaks the tie inside one cursor position).
    for n in range(3):
        account = client.post("/accounts", {"name": f"Account {n}"}).json()["id"]
        contact = client.post(
            "/contacts", {"email": f"p{n}@example.com", "account_id": account}
        ).json()["id"]
        lead = client.post("/leads", {"contact_id": contact}).json()["id"]
        client.post("/deals", {"name": f"Deal {n}", "amount": f"{n}00.50"})
        client.post("/activities", {"kind": "meeting", "lead_id": lead})
        client.post("/campaigns", {"name": f"C{n}", "utm_campaign": f"c{n}"})
        client.post("/touchpoints", {"type": "webinar", "contact_id": contact})
        channel = Channel.objects.order_by("pk").values_list("pk", flat=True).first()
        for day in (date(2026, 1, 5) + timedelta(days=n), date(2026, 1, 5)):
            response = client.post(
                "/spend", {"date": day.isoformat(), "channel_id": channel, "cost": "10.25"}
            )
            assert response.status_code in (200, 201, 409, 422), response.content
    return client


def test_every_list_endpoint_pages_in_every_ordering_without_5xx(api):
    schema = Client().get(f"{BASE}/openapi.json").json()
    lists = list_operations(schema)
    assert {"/api/v1/spend", "/api/v1/leads", "/api/v1/deals"} <= set(lists)
    walked = 0
    for path, orderings in lists.items():
        relative = path.removeprefix(BASE)
        for ordering in orderings:
            params = {"limit": 1, **({"ordering": ordering} if ordering else {})}
            seen: list[int] = []
            for _ in range(PAGES):
                response = api.get(relative, **params)
                assert response.status_code == 200, (path, params, response.content[:500])
                body = response.json()
                seen += [item.get("id") for item in body["items"]]
                if not body["next_cursor"]:
                    break
                params["cursor"] = body["next_cursor"]
                walked += 1
            assert len(seen) == len(set(seen)), (path, ordering, seen)  # no row twice
    assert walked > len(lists)  # cursors were actually followed


def _cursor(payload: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


GARBAGE_CURSORS = [
    "garbage",
    "%%%",
    "\u00e9\u00e9",
    _cursor("not a list"),
    _cursor(["-date", None, 1]),
    _cursor(["-date", "not a date", 1]),
    _cursor(["-date", "2026-13-45", 1]),
    _cursor(["-date", [1, 2], 1]),
    _cursor(["-date", "2026-01-05", "one"]),
    _cursor(["-date", "2026-01-05", 10**30]),
    _cursor(["-date", "2026-01-05", True]),
    _cursor(["date", "2026-01-05", 1]),  # another ordering's cursor
    _cursor(["-date", 10**30, 1]),
    _cursor(["-date", 1.5e308, 1]),
]


@pytest.mark.parametrize("cursor", GARBAGE_CURSORS)
def test_garbage_cursor_is_a_4xx_naming_cursor(api, cursor):
    response = api.get("/spend", limit=1, ordering="-date", cursor=cursor)
    assert 400 <= response.status_code < 500, response.content
    assert response.json()["error"]["field"] == "cursor"


@pytest.mark.parametrize(
    ("path", "ordering", "value"),
    [
        ("/leads", "-win_probability", "NaN"),
        ("/leads", "win_probability", 1e400),
        ("/deals", "-created_at", "yesterday"),
        ("/touchpoints", "-at", 12),
    ],
)
def test_tampered_cursor_values_of_other_types_are_4xx(api, path, ordering, value):
    cursor = _cursor([ordering, value, 1])
    response = api.get(path, limit=1, ordering=ordering, cursor=cursor)
    assert 400 <= response.status_code < 500, response.content
    assert response.json()["error"]["field"] == "cursor"
