"""Plans over HTTP: the API (read, create, change assumptions, submit, approve by both heads)
and the pages (bad input shown on the field it names, nothing saved, no 500)."""

from __future__ import annotations

import copy

import pytest
from django.test import Client

from accord.accounts.models import Department, Role
from accord.accounts.policy_table import PLAN_BODY
from accord.accounts.tests.factories import UserFactory
from accord.integrations.tests.api_helpers import ApiClient, key_client
from accord.planning.models import Plan, PlanStatus
from accord.planning.tests.planning_support import plan_seed

pytestmark = pytest.mark.django_db


def _as(user) -> ApiClient:
    client = Client()
    client.force_login(user)
    return ApiClient(client=client)


@pytest.fixture
def heads(db):
    return (
        UserFactory(username="mh", role=Role.MANAGER, department=Department.MARKETING),
        UserFactory(username="sh", role=Role.MANAGER, department=Department.SALES),
    )


def test_create_change_submit_and_approve_through_the_api(heads):
    marketing, sales = heads
    created = _as(marketing).post("/plans", PLAN_BODY)
    assert created.status_code == 201, created.content
    plan = created.json()
    won = next(s for s in plan["reverse_funnel"] if s["stage"] == "won")
    # 100,000 over Jan-Mar 2026 at 10,000 a deal.
    assert won["total"] == pytest.approx(10)
    assert won["by_month"] == pytest.approx(
        {"2026-01": 10 / 3, "2026-02": 10 / 3, "2026-03": 10 / 3}
    )
    patched = _as(sales).patch(f"/plans/{plan['id']}", {"content": {"deal_size": 20000}})
    assert patched.status_code == 200 and patched.json()["content"]["deal_size"] == 20000
    assert _as(sales).post(f"/plans/{plan['id']}/submit").status_code == 200
    assert _as(marketing).post(f"/plans/{plan['id']}/approve").status_code == 200
    done = _as(sales).post(f"/plans/{plan['id']}/approve").json()
    assert done["status"] == PlanStatus.APPROVED
    listed = key_client("plans:read").get("/plans").json()
    assert [p["id"] for p in listed["items"]] == [plan["id"]]


def test_api_refuses_impossible_assumptions_naming_the_field(heads):
    body = copy.deepcopy(PLAN_BODY)
    body["content"]["rates"]["opportunity_won"] = 1.5
    response = _as(heads[0]).post("/plans", body)
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "rates.opportunity_won"
    assert not Plan.objects.exists()


def test_api_key_cannot_approve(heads):
    plan = plan_seed(user=heads[0])
    from accord.accounts.api_keys import api_key_create

    _key, raw = api_key_create(name="k", scopes=["plans:write"], created_by=heads[0])
    response = ApiClient(raw).post(f"/plans/{plan.pk}/approve")
    assert response.status_code == 403


def test_edit_page_shows_the_error_on_its_field_and_saves_nothing(heads):
    plan = plan_seed(user=heads[0])
    client = Client()
    client.force_login(heads[1])
    page = client.get(f"/planning/{plan.pk}/edit/")
    assert page.status_code == 200
    form = page.context["form"]
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data.update({"rates__mql_sal": "120", "icp__size_bands": [], "key_channels": []})
    response = client.post(f"/planning/{plan.pk}/edit/", data)
    assert response.status_code == 422
    assert response.context["form"].errors["rates__mql_sal"]
    assert Plan.objects.get(pk=plan.pk).content["rates"]["mql_sal"] == 0.8
    data["rates__mql_sal"] = "60"
    data["channels__email__budget"] = "-5"
    response = client.post(f"/planning/{plan.pk}/edit/", data)
    assert (
        response.status_code == 422 and response.context["form"].errors["channels__email__budget"]
    )
    data["channels__email__budget"] = "0"
    assert client.post(f"/planning/{plan.pk}/edit/", data).status_code == 302
    assert Plan.objects.get(pk=plan.pk).content["rates"]["mql_sal"] == 0.6


def test_pages_render_without_an_analytics_copy(heads, settings, tmp_path):
    settings.ANALYTICS_DUCKDB_PATH = str(tmp_path / "none.duckdb")
    plan = plan_seed(user=heads[0])
    reader = Client()
    reader.force_login(UserFactory(username="rep", role=Role.SALES))
    assert reader.get("/planning/").status_code == 200
    page = reader.get(f"/planning/{plan.pk}/")
    assert page.status_code == 200 and b"reverse-funnel" in page.content
    assert b"Edit assumptions" not in page.content
    assert reader.post(f"/planning/{plan.pk}/submit/").status_code == 403
