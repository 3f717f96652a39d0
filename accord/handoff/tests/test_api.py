"""The hand-off's REST API over the real HTTP stack: agreement versions (read, draft,
submit, approve), business calendars (with the form's validation) and the sales actions on a
lead; who may call what (rep / manager / marketing / admin, API keys and their scopes)."""

from __future__ import annotations

import pytest
from django.test import Client

from accord.accounts.api_keys import api_key_create
from accord.accounts.models import Department, Role
from accord.accounts.tests.factories import TeamFactory, UserFactory
from accord.contacts.models import Lead
from accord.handoff.models import AgreementVersion, BusinessCalendar, VersionStatus
from accord.handoff.routing.assignment import lead_route
from accord.handoff.tests.routing_support import mql_lead, team_with_reps
from accord.handoff.tests.sla_support import handoff_defaults, marketing_head, sales_head
from accord.integrations.tests.api_helpers import ApiClient, key_client

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures(handoff_defaults.__name__)]

HOURS = {day: [["09:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}


def _as(user) -> ApiClient:
    client = Client()
    client.force_login(user)
    return ApiClient(client=client)


def _error(response, status: int) -> dict:
    assert response.status_code == status, response.content
    return response.json()["error"]


# --- Agreement ------------------------------------------------------------------------------


def test_read_versions_with_terms_and_scopes():
    reader = key_client("agreements:read")
    page = reader.get("/agreements").json()
    assert [v["status"] for v in page["items"]] == ["active"] and page["next_cursor"] is None
    version = reader.get(f"/agreements/{page['items'][0]['id']}").json()
    assert version["content"]["sales"]["accept_within_business_hours"] == 4
    assert version["changes"]  # the first version's terms all count as changes
    assert _error(key_client("leads:read").get("/agreements"), 403)["code"] == "insufficient_scope"
    assert _error(reader.post("/agreements", {}), 403)["code"] == "insufficient_scope"
    assert reader.get("/agreements/999999").status_code == 404


def test_draft_submit_and_both_approvals_through_the_api():
    marketing, sales = marketing_head(), sales_head()
    active = AgreementVersion.objects.get(status=VersionStatus.ACTIVE)
    content = {**active.content, "sales": {**active.content["sales"]}}
    content["sales"]["accept_within_business_hours"] = 2
    as_sales = _as(sales)

    # Sales may not move marketing's commitments: refused, and no draft is left behind.
    foreign = {**content, "marketing": {**content["marketing"], "rejection_alert_rate_pct": 10}}
    refused = _error(as_sales.post("/agreements", {"content": foreign}), 403)
    assert refused["field"] == "marketing.rejection_alert_rate_pct"
    bad = {**content, "sales": {**content["sales"], "attempt_window_days": 0}}
    assert _error(as_sales.post("/agreements", {"content": bad}), 422)["field"] == (
        "sales.attempt_window_days"
    )
    assert AgreementVersion.objects.count() == 1

    created = as_sales.post("/agreements", {"content": content, "note": "faster"})
    assert created.status_code == 201, created.content
    draft = created.json()
    assert draft["status"] == "draft" and draft["note"] == "faster"
    assert {"path": "sales.accept_within_business_hours", "old": 4, "new": 2} in draft["changes"]
    as_marketing = _as(marketing)
    alert = {**content["marketing"], "rejection_alert_rate_pct": 30}
    patched = as_marketing.patch(
        f"/agreements/{draft['id']}", {"content": {**content, "marketing": alert}}
    )
    assert (
        patched.status_code == 200
        and patched.json()["content"]["marketing"]["rejection_alert_rate_pct"] == 30
    )
    url = f"/agreements/{draft['id']}"
    assert _error(as_sales.post(url + "/approve"), 422)["message"].startswith("Only a version")
    assert as_sales.post(url + "/submit").json()["status"] == "pending"

    # Without the role: refused, naming why; nothing recorded.
    admin = UserFactory(username="api-admin", role=Role.ADMIN)
    assert (
        "marketing manager or a sales manager"
        in _error(_as(admin).post(url + "/approve"), 403)["message"]
    )
    rep = UserFactory(username="api-rep", role=Role.SALES, department=Department.SALES)
    assert _error(_as(rep).post(url + "/approve"), 403)["message"] == (
        "Your role may not write agreements."
    )
    _key, raw = api_key_create(name="sales head key", scopes=["*"], created_by=sales)
    assert "API keys cannot" in _error(ApiClient(raw).post(url + "/approve"), 403)["message"]
    version = AgreementVersion.objects.get(pk=draft["id"])
    assert version.sales_approved_by_id is None and version.marketing_approved_by_id is None

    assert as_sales.post(url + "/approve").json()["status"] == "pending"
    assert _error(as_sales.post(url + "/approve"), 422)["message"] == (
        "Your side has already approved this version."
    )
    approved = as_marketing.post(url + "/approve").json()
    assert approved["status"] == "active" and approved["activated_at"]
    active.refresh_from_db()
    assert active.status == VersionStatus.SUPERSEDED


# --- Calendars ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"working_hours": {"mon": [["09:00", "13:00"], ["12:00", "18:00"]]}}, "working_hours.mon"),
        ({"working_hours": {}}, "working_hours"),
        ({"working_hours": {"mon": [["18:00", "09:00"]]}}, "working_hours.mon[0]"),
        ({"working_hours": {"someday": [["09:00", "17:00"]]}}, "working_hours"),
        ({"time_zone": "Mars/Olympus_Mons"}, "time_zone"),
        ({"time_zone": "America"}, "time_zone"),
        ({"team_id": 999999}, "team"),
    ],
)
def test_calendar_validation_names_the_field_and_saves_nothing(manager_user, change, field):
    client = _as(manager_user)
    before = list(BusinessCalendar.objects.values_list("pk", "name", "working_hours"))
    body = {"name": "Berlin", "time_zone": "Europe/Berlin", "working_hours": HOURS, **change}
    assert _error(client.post("/calendars", body), 422)["field"] == field
    existing = BusinessCalendar.objects.get()
    assert _error(client.patch(f"/calendars/{existing.pk}", change), 422)["field"] == field
    assert list(BusinessCalendar.objects.values_list("pk", "name", "working_hours")) == before


def test_calendar_create_read_update_and_idempotency(manager_user):
    client = _as(manager_user)
    team = TeamFactory(name="EMEA")
    body = {
        "name": "Berlin office",
        "time_zone": "Europe/Berlin",
        "working_hours": HOURS,
        "holidays": ["2026-12-25"],
        "team_id": team.pk,
    }
    first = client.post("/calendars", body, idempotency_key="cal-1")
    again = client.post("/calendars", body, idempotency_key="cal-1")
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert BusinessCalendar.objects.filter(name="Berlin office").count() == 1
    calendar = first.json()
    assert calendar["holidays"] == ["2026-12-25"] and calendar["team_id"] == team.pk
    assert client.get(f"/calendars/{calendar['id']}").json()["time_zone"] == "Europe/Berlin"
    listed = client.get("/calendars", team_id=team.pk).json()["items"]
    assert [c["id"] for c in listed] == [calendar["id"]]
    patched = client.patch(f"/calendars/{calendar['id']}", {"time_zone": "Asia/Tokyo"}).json()
    assert (patched["time_zone"], patched["name"], patched["team_id"]) == (
        "Asia/Tokyo",
        "Berlin office",
        team.pk,
    )
    duplicate = {**body, "team_id": None}
    assert _error(client.post("/calendars", duplicate), 422)["field"] == "name"


@pytest.mark.parametrize(
    ("role", "read", "write"),
    [
        (Role.SALES, 200, 403),
        (Role.MARKETING, 200, 403),
        (Role.MANAGER, 200, 201),
        (Role.ADMIN, 200, 201),
    ],
)
def test_calendar_access_by_role(role, read, write):
    client = _as(UserFactory(username=f"cal-{role}", role=role))
    assert client.get("/calendars").status_code == read
    body = {"name": f"Cal {role}", "time_zone": "UTC", "working_hours": HOURS}
    assert client.post("/calendars", body).status_code == write
    assert BusinessCalendar.objects.filter(name=f"Cal {role}").exists() is (write == 201)


# --- Sales actions --------------------------------------------------------------------------


@pytest.fixture
def routed():
    _, reps = team_with_reps(reps=1)
    lead = mql_lead(first_name="Ada")
    lead_route(lead_id=lead.pk)
    return lead, reps[0]


def test_rep_accepts_logs_an_attempt_and_qualifies(routed):
    lead, rep = routed
    client = _as(rep)
    accepted = client.post(f"/leads/{lead.pk}/accept")
    assert accepted.status_code == 201 and accepted.json()["to_stage"] == "sal"
    assert _error(client.post(f"/leads/{lead.pk}/accept"), 422)["code"] == "forbidden_transition"
    attempt = client.post(f"/leads/{lead.pk}/attempts", {"kind": "call", "outcome": "no_answer"})
    assert attempt.status_code == 201 and attempt.json()["outcome"] == "no_answer"
    assert _error(client.post(f"/leads/{lead.pk}/qualify", {"need": " "}), 422)["field"] == "need"
    qualified = client.post(f"/leads/{lead.pk}/qualify", {"need": "CRM", "budget": "20k"})
    assert qualified.status_code == 201 and qualified.json()["to_stage"] == "sql"
    assert Lead.objects.get(pk=lead.pk).properties["bant"]["budget"] == "20k"


def test_reject_needs_a_reason_of_the_agreement(routed):
    lead, rep = routed
    client = _as(rep)
    assert (
        _error(client.post(f"/leads/{lead.pk}/reject", {"reason_code": "meh"}), 422)["field"]
        == "reason_code"
    )
    assert _error(client.post(f"/leads/{lead.pk}/reject", {}), 422)["field"] == "reason_code"
    assert Lead.objects.get(pk=lead.pk).stage == "mql"
    body = {"reason_code": "no_budget", "comment": "next year"}
    rejected = client.post(f"/leads/{lead.pk}/reject", body, idempotency_key="rej-1")
    assert rejected.status_code == 201 and rejected.json()["to_stage"] == "recycled"
    replay = client.post(f"/leads/{lead.pk}/reject", body, idempotency_key="rej-1")
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert Lead.objects.get(pk=lead.pk).transitions.filter(to_stage="recycled").count() == 1


@pytest.mark.parametrize(
    ("who", "status"),
    [("owner", 201), ("other_rep", 404), ("marketing", 403), ("manager", 201), ("admin", 201)],
)
def test_lead_actions_authorization_matrix(routed, who, status):
    lead, rep = routed
    users = {
        "owner": rep,
        "other_rep": UserFactory(username="api-other-rep", role=Role.SALES),
        "marketing": UserFactory(username="api-mkt", role=Role.MARKETING),
        "manager": UserFactory(username="api-boss", role=Role.MANAGER, department="sales"),
        "admin": UserFactory(username="api-root", role=Role.ADMIN),
    }
    client = _as(users[who])
    calls = [
        ("accept", {}),
        ("attempts", {"kind": "email", "outcome": "sent"}),
        ("qualify", {"need": "CRM"}),
    ]
    for action, body in calls:
        assert client.post(f"/leads/{lead.pk}/{action}", body).status_code == status, action
    expected = "sql" if status == 201 else "mql"
    assert Lead.objects.get(pk=lead.pk).stage == expected
    assert lead.activities.count() == (1 if status == 201 else 0)


def test_api_keys_act_as_their_creator(routed):
    lead, _rep = routed
    nobody = key_client("leads:write")
    assert _error(nobody.post(f"/leads/{lead.pk}/accept"), 403)["field"] == "user"
    reader = key_client("leads:read")
    assert _error(reader.post(f"/leads/{lead.pk}/accept"), 403)["code"] == "insufficient_scope"
    _key, raw = api_key_create(
        name="ops", scopes=["leads:write"], created_by=UserFactory(username="k", role=Role.ADMIN)
    )
    assert ApiClient(raw).post(f"/leads/{lead.pk}/accept").status_code == 201
    assert Lead.objects.get(pk=lead.pk).stage == "sal"
