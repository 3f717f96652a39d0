"""The machinery of the authorization matrix test: the principals, the objects, the routes
(Django's URL resolver and the ninja API's OpenAPI document), request bodies generated from
the OpenAPI schemas, and the outcome class of a response.

The expectations themselves are ``accord.accounts.policy_table``; this module only runs them.
Every request runs inside a savepoint that is rolled back, so one principal's write never
changes what the next one sees and the fixtures are built once per test.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from accord.accounts.api_keys import api_key_create
from accord.accounts.models import Department, Role, Team
from accord.accounts.policy_table import (
    KEYS,
    ROLES,
    Outcome,
)
from accord.accounts.tests.factories import UserFactory

LOGIN_PATH = "/login/"


# --- Routes -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PageRoute:
    name: str  # "namespace:name" (the table's key)
    pattern: str  # the route as written, for messages
    params: tuple[str, ...]


def page_routes() -> list[PageRoute]:
    """Every named URL pattern outside the admin site and the API (the API is enumerated
    from its OpenAPI document instead)."""
    found: list[PageRoute] = []

    def walk(patterns: list, prefix: str, namespace: str) -> None:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                ns = entry.namespace or ""
                full = f"{namespace}:{ns}" if namespace and ns else (ns or namespace)
                walk(entry.url_patterns, prefix + str(entry.pattern), full)
            elif isinstance(entry, URLPattern):
                route = prefix + str(entry.pattern)
                name = f"{namespace}:{entry.name}" if namespace else (entry.name or route)
                params = (
                    tuple(entry.pattern.converters) if hasattr(entry.pattern, "converters") else ()
                )
                found.append(PageRoute(name, route, params))

    walk(get_resolver().url_patterns, "", "")
    api_pages = {"api-v1:openapi-json", "api-v1:openapi-view", "api-v1:api-root"}
    return [r for r in found if r.name in api_pages or not r.name.startswith(("admin:", "api-v1:"))]


def api_patterns() -> list[PageRoute]:
    """The API's own URL patterns (each must be an OpenAPI operation or a page row)."""
    found: list[PageRoute] = []
    for entry in get_resolver().url_patterns:
        if isinstance(entry, URLResolver) and entry.namespace == "api-v1":
            for sub in entry.url_patterns:
                found.append(PageRoute(f"api-v1:{sub.name}", "api/v1/" + str(sub.pattern), ()))
    return found


def api_operations() -> list[tuple[str, str, dict[str, Any]]]:
    """(METHOD, path, operation) of every OpenAPI operation."""
    from config.api import api

    schema = api.get_openapi_schema()
    ops = []
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            ops.append((method.upper(), path, operation))
    return ops


def openapi_components() -> dict[str, Any]:
    from config.api import api

    return api.get_openapi_schema().get("components", {}).get("schemas", {})


# --- Bodies generated from the OpenAPI schemas --------------------------------------------


def _resolve(schema: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[-1]]
    if "allOf" in schema and len(schema["allOf"]) == 1:
        return _resolve(schema["allOf"][0], components)
    return schema


def sample(schema: dict[str, Any], components: dict[str, Any], depth: int = 0) -> Any:
    """A value that passes the schema's validation (required fields only)."""
    schema = _resolve(schema, components)
    if "anyOf" in schema:
        options = [s for s in schema["anyOf"] if s.get("type") != "null"]
        return sample(options[0], components, depth) if options else None
    if "enum" in schema:
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        if depth > 4:
            return {}
        props = schema.get("properties", {})
        return {
            name: sample(props[name], components, depth + 1)
            for name in schema.get("required", [])
            if name in props
        }
    if kind == "array":
        count = max(1, schema.get("minItems", 1))
        return [sample(schema.get("items", {}), components, depth + 1) for _ in range(count)]
    if kind == "integer":
        return max(1, schema.get("minimum", 1))
    if kind == "number":
        return max(1, schema.get("minimum", 1))
    if kind == "boolean":
        return False
    if kind == "string":
        fmt = schema.get("format")
        if fmt == "date-time":
            return (timezone.now() - timedelta(days=1)).isoformat()
        if fmt == "date":
            return (date.today() - timedelta(days=1)).isoformat()
        if fmt == "email":
            return "matrix@example.com"
        if fmt in ("uri", "url"):
            return "https://example.com/x"
        if "pattern" in schema:
            return None  # the row's body override gives a matching value
        return "x" * max(1, schema.get("minLength", 1))
    return None


def operation_body(operation: dict[str, Any], components: dict[str, Any]) -> Any:
    body = operation.get("requestBody")
    if not body:
        return None
    content = body.get("content", {})
    media = content.get("application/json") or next(iter(content.values()))
    value = sample(media["schema"], components)
    if isinstance(value, dict):
        value = {k: v for k, v in value.items() if v is not None}
    return value


# --- Principals and objects ---------------------------------------------------------------


@dataclass
class World:
    """The people, keys and objects every row runs against (built once per test)."""

    users: dict[str, Any]
    keys: dict[str, str]  # scope spec -> raw key
    objects: dict[str, dict[str, int | str]]  # param -> {"own": id, "other": id}

    def key_for(self, kind: str, resource: str | None) -> str:
        from accord.accounts.api_keys import RESOURCES

        resource = resource or "leads"
        scope = {
            "key_read": "*:read",
            # A resource no scope names (reports) is read with any read scope.
            "key_write": f"{resource}:write" if resource in RESOURCES else "*:read",
            "key_star": "*",
            "key_wrong": "deals:write" if resource != "deals" else "campaigns:write",
        }[kind]
        if scope not in self.keys:
            _key, raw = api_key_create(name=f"matrix {scope}", scopes=[scope])
            self.keys[scope] = raw
        return self.keys[scope]


def world_build() -> World:
    from accord.analytics.models import PinnedReport
    from accord.contacts.tests.factories import AccountFactory, ContactFactory
    from accord.handoff.agreement.services import defaults_ensure
    from accord.handoff.models import BusinessCalendar, RoutingRule
    from accord.handoff.routing.assignment import lead_route
    from accord.handoff.tests.routing_support import mql_lead
    from accord.integrations.models import WebhookDelivery, WebhookEndpoint
    from accord.pipeline.models import Activity, Deal
    from accord.scoring.models import ScoringProfile
    from accord.tracking.models import Campaign, Channel, SpendEntry, Touchpoint

    defaults_ensure()
    north = Team.objects.create(name="Matrix North", department=Department.SALES)
    south = Team.objects.create(name="Matrix South", department=Department.SALES)
    users = {
        "marketing": UserFactory(username="m-mkt", role=Role.MARKETING, department="marketing"),
        "sales": UserFactory(username="m-rep", role=Role.SALES, department="sales", team=north),
        "other_rep": UserFactory(
            username="m-rep2", role=Role.SALES, department="sales", team=south
        ),
        "mgr_marketing": UserFactory(
            username="m-mkt-head", role=Role.MANAGER, department="marketing"
        ),
        "mgr_sales": UserFactory(
            username="m-sales-head", role=Role.MANAGER, department="sales", team=north
        ),
        "admin": UserFactory(username="m-admin", role=Role.ADMIN, is_staff=True, is_superuser=True),
    }
    RoutingRule.objects.create(name="Matrix", position=1, team=north)
    own = mql_lead(first_name="Own")
    lead_route(lead_id=own.pk)
    from accord.contacts.models import Lead

    Lead.objects.filter(pk=own.pk).update(owner=users["sales"], team=north)
    other = mql_lead(first_name="Other")
    Lead.objects.filter(pk=other.pk).update(owner=users["other_rep"], team=south)
    own_deal = Deal.objects.create(name="Own", amount=10, owner=users["sales"], lead=own)
    other_deal = Deal.objects.create(name="Other", amount=10, owner=users["other_rep"], lead=other)
    now = timezone.now()
    own_act = Activity.objects.create(kind="call", user=users["sales"], lead=own, at=now)
    other_act = Activity.objects.create(kind="call", user=users["other_rep"], lead=other, at=now)
    from accord.pipeline.models import Task

    due = now + timedelta(days=1)
    own_task = Task.objects.create(title="Own", kind="call", due_at=due, owner=users["sales"])
    other_task = Task.objects.create(
        title="Other", kind="call", due_at=due, owner=users["other_rep"], lead=other
    )
    account = AccountFactory()
    contact = ContactFactory(account=account)
    channel = Channel.objects.filter(slug="email").first() or Channel.objects.create(
        slug="matrix", name="Matrix"
    )
    campaign = Campaign.objects.create(name="Matrix", utm_campaign="matrix", channel=channel)
    touch = Touchpoint.objects.create(at=now, type="page_view", contact=contact, channel=channel)
    spend = SpendEntry.objects.create(date=date.today(), channel=channel, cost=1)
    profile = ScoringProfile.objects.create(name="Matrix profile")
    pin = PinnedReport.objects.create(title="Funnel", report="funnel", filters={})
    endpoint = WebhookEndpoint.objects.create(
        url="https://hooks.example.com/x", secret="whsec_dGVzdA==", events=["lead.assigned"]
    )
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint, event="lead.assigned", event_key="k", webhook_id="msg_matrix", body="{}"
    )
    from accord.handoff.agreement.services import agreement_draft_create
    from accord.scoring.models import LeadScore

    version = agreement_draft_create(user=users["mgr_sales"], note="matrix draft")
    LeadScore.objects.create(lead=own, score=10)
    LeadScore.objects.create(lead=other, score=10)
    mate = UserFactory(username="m-rep3", role=Role.SALES, department="sales", team=north)
    calendar = BusinessCalendar.objects.order_by("pk").first()
    rule = RoutingRule.objects.get(name="Matrix")
    from accord.accounts.api_keys import api_key_create
    from accord.tracking.capture.services import capture_site_create

    site = capture_site_create(name="Matrix site", allowed_origins=["https://matrix.example"])
    from accord.pipeline.models import DealLostReason
    from accord.pipeline.services import pipeline_create

    pipeline = pipeline_create(name="Matrix pipeline")  # no deals: deleting it is allowed
    stage = pipeline.stages.filter(outcome="open").first()
    reason = DealLostReason.objects.order_by("pk").first()
    admins_key, _raw = api_key_create(name="Matrix", scopes=["*:read"], created_by=users["admin"])

    from accord.planning.tests.planning_support import plan_seed

    plan = plan_seed(user=users["mgr_marketing"])
    quality = _quality_world(users, own)
    import io

    from accord.intel.attachments import upload_check
    from accord.intel.models import TagKind
    from accord.intel.services import post_create

    post = post_create(
        author=users["marketing"],
        kind="competitor_move",
        title="Matrix intel",
        tags=[(TagKind.COMPETITOR, "Matrix Rival")],
        deal_ids=[own_deal.pk, other_deal.pk],
        uploads=[upload_check(name="note.txt", stream=io.BytesIO(b"matrix note"))],
    )
    attachment = post.attachments.get()
    rival = post.tags.get()
    from accord.pipeline.models import ForecastSubmission

    own_sub, other_sub = (
        ForecastSubmission.objects.create(
            user=users[who], period_kind="quarter", period_start=date(2026, 1, 1),
            week_start=date(2026, 1, 5),
        )
        for who in ("sales", "other_rep")
    )  # fmt: skip

    def same(value: int | str) -> dict[str, int | str]:
        return {"own": value}

    objects: dict[str, dict[str, int | str]] = {
        "lead_id": {"own": own.pk, "other": other.pk},
        "deal_id": {"own": own_deal.pk, "other": other_deal.pk},
        "activity_id": {"own": own_act.pk, "other": other_act.pk},
        "task_id": {"own": own_task.pk, "other": other_task.pk},
        "submission_id": {"own": own_sub.pk, "other": other_sub.pk},
        "contact_id": same(contact.pk),
        "account_id": same(account.pk),
        "touchpoint_id": same(touch.pk),
        "campaign_id": same(campaign.pk),
        "spend_id": same(spend.pk),
        "profile_id": same(profile.pk),
        "version_id": same(version.pk),
        "calendar_id": same(calendar.pk),
        "rule_id": same(rule.pk),
        "pin_id": same(pin.pk),
        "endpoint_id": same(endpoint.pk),
        "delivery_id": same(delivery.pk),
        "site_id": same(site.pk),
        "pipeline_id": same(pipeline.pk),
        "stage_id": same(stage.pk if stage else 0),
        "reason_id": same(reason.pk if reason else 0),
        "key_id": same(admins_key.pk),  # the administrator's own key; others' is 404
        "token": same("0" * 32),
        "name": same("funnel"),
        "action": same("submit"),
        "direction": same("up"),
        "mate_id": same(mate.pk),  # a rep of the sales rep's team (North)
        "plan_id": same(plan.pk),
        **{name: same(pk) for name, pk in quality.items()},
        "post_id": same(post.pk),  # the marketer's post
        "attachment_id": same(attachment.pk),
        "tag_id": same(rival.pk),
        "team_id": same(north.pk),
    }
    from tests.authz.matrix_products import products_world

    objects.update(products_world(users, own_deal, other_deal))
    return World(users=users, keys={}, objects=objects)


def _quality_world(users: dict[str, Any], lead: Any) -> dict[str, int]:
    """A review whose rater is the ``sales`` rep (rating the own lead), an audit template, an
    audit of that rep with a coaching note."""
    from accord.quality.models import (
        Audit,
        AuditItem,
        AuditTemplate,
        CoachingNote,
        Review,
        ReviewAssignment,
        ReviewItem,
    )

    today = date.today()
    review = Review.objects.create(
        name="Matrix review", period_start=today, period_end=today, per_channel=1, due_date=today
    )
    review.raters.set([users["sales"]])
    item = ReviewItem.objects.create(review=review, lead=lead)
    ReviewAssignment.objects.create(item=item, rater=users["sales"])
    template = AuditTemplate.objects.create(name="Matrix audit")
    AuditItem.objects.create(template=template, label="Answered", weight=1)
    audit = Audit.objects.create(template=template, rep=users["sales"], score=100)
    note = CoachingNote.objects.create(
        audit=audit, owner=users["sales"], text="Call faster", due_date=today
    )
    return {
        "review_id": review.pk,
        "item_id": item.pk,
        "template_id": template.pk,
        "audit_id": audit.pk,
        "note_id": note.pk,
        **_digest_objects(),
    }


def _digest_objects() -> dict[str, Any]:
    from accord.digest.models import DigestItem, ItemKind
    from accord.digest.services import digest_build

    digest, _created = digest_build(week=date(2026, 11, 2), announce=False)
    decision = DigestItem.objects.create(digest=digest, kind=ItemKind.DECISION, text="Decide")
    return {"digest_id": digest.pk, "decision_id": decision.pk, "chart": "funnel"}


def variants(world: World, params: tuple[str, ...]) -> list[str]:
    """``own`` and, for a route naming a rep-owned object, ``other`` (another rep's)."""
    owned = [p for p in params if "other" in world.objects.get(p, {})]
    return ["own", "other"] if owned else ["own"]


def fill(value: Any, world: World, variant: str) -> Any:
    """Replace ``"{param}"`` placeholders in a body with the variant's object ids."""
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        slot = world.objects[value[1:-1]]
        return slot.get(variant, slot["own"])
    if isinstance(value, dict):
        return {k: fill(v, world, variant) for k, v in value.items()}
    if isinstance(value, list):
        return [fill(v, world, variant) for v in value]
    return value


# --- Requests and outcomes ----------------------------------------------------------------


def classify(response: Any) -> str:
    """The outcome class of a response (``Outcome`` letters)."""
    status = response.status_code
    if status == 503 and b"analytics_not_ready" in response.content:
        # The caller got past authorization; the analytics copy is simply not built.
        return Outcome.ALLOWED
    if status >= 500:
        return "5xx"
    if status == 401:
        return Outcome.LOGIN
    if status in (301, 302, 303) and response.get("Location", "").startswith(LOGIN_PATH):
        return Outcome.LOGIN
    if status == 403:
        return Outcome.DENIED
    if status == 404:
        return Outcome.HIDDEN
    if status == 405:
        return "405"
    return Outcome.ALLOWED


class Caller:
    """One principal's client; cookies are restored after each request (logout, language)."""

    def __init__(self, user: Any = None, raw_key: str | None = None):
        self.client = Client(raise_request_exception=False)
        if user is not None:
            self.client.force_login(user)
        self.headers = {"Authorization": f"Bearer {raw_key}"} if raw_key else {}

    def request(
        self, method: str, path: str, *, body: Any = None, form: dict | None = None, htmx: bool
    ) -> Any:
        headers = dict(self.headers)
        if htmx:
            headers["HX-Request"] = "true"
        cookies = copy.deepcopy(self.client.cookies)
        with transaction.atomic():
            if body is not None:
                response = self.client.generic(
                    method, path, json.dumps(body), content_type="application/json",
                    headers=headers,
                )  # fmt: skip
            elif method == "GET":
                response = self.client.get(path, headers=headers)
            else:
                response = self.client.generic(
                    method,
                    path,
                    _form_encode(form or {}),
                    content_type="application/x-www-form-urlencoded",
                    headers=headers,
                )
            transaction.set_rollback(True)
        self.client.cookies = cookies
        return response


def _form_encode(data: dict) -> str:
    from urllib.parse import urlencode

    return urlencode(data)


def callers(world: World) -> Iterator[tuple[str, Caller]]:
    yield "anon", Caller()
    for role in ROLES[1:]:
        yield role, Caller(world.users[role])


def page_path(route: PageRoute, world: World, variant: str) -> str:
    kwargs = {p: fill("{" + p + "}", world, variant) for p in route.params}
    return reverse(route.name, kwargs=kwargs) if kwargs else reverse(route.name)


def api_path(path: str, world: World, variant: str) -> str:
    for param, slot in world.objects.items():
        path = path.replace("{" + param + "}", str(slot.get(variant, slot["own"])))
    return path


__all__ = ["KEYS", "ROLES"]
