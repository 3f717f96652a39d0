"""Tasks through /api/v1/tasks and the services: validation naming the field (nothing
written), who sees and changes which task, paging, idempotency and batch."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accord.accounts.models import Department, Role
from accord.accounts.tests.factories import TeamFactory, UserFactory
from accord.contacts.tests.factories import LeadFactory
from accord.integrations.tests.api_helpers import ApiClient, key_client
from accord.pipeline.models import Deal, Task

pytestmark = pytest.mark.django_db


def _as(user) -> ApiClient:
    client = Client()
    client.force_login(user)
    return ApiClient(client=client)


def _soon(hours: float = 2) -> str:
    return (timezone.now() + timedelta(hours=hours)).isoformat()


@pytest.fixture
def people():
    north, south = TeamFactory(name="North"), TeamFactory(name="South")
    return {
        "rep": UserFactory(
            username="rep", role=Role.SALES, department=Department.SALES, team=north
        ),
        "mate": UserFactory(
            username="mate", role=Role.SALES, department=Department.SALES, team=north
        ),
        "far": UserFactory(
            username="far", role=Role.SALES, department=Department.SALES, team=south
        ),
        "head": UserFactory(
            username="head", role=Role.MANAGER, department=Department.SALES, team=north
        ),
    }


def test_bad_tasks_are_refused_naming_the_field_and_nothing_is_written(people):
    api = _as(people["rep"])
    past = (timezone.now() - timedelta(hours=1)).isoformat()
    cases = [
        ({"title": "Call", "due_at": past}, "due_at"),
        ({"title": "Call", "due_at": _soon(1), "remind_at": _soon(2)}, "remind_at"),
        ({"title": "  ", "due_at": _soon()}, "title"),
        ({"title": "Call", "due_at": "2030-01-01T10:00:00"}, "due_at"),  # no time zone
    ]
    for body, field in cases:
        response = api.post("/tasks", body)
        assert response.status_code == 422, body
        assert response.json()["error"]["field"] == field, (body, response.json())
    lead = LeadFactory(owner=people["rep"])
    deal = Deal.objects.create(name="D", amount=1, owner=people["rep"])
    both = api.post(
        "/tasks", {"title": "x", "due_at": _soon(), "lead_id": lead.pk, "deal_id": deal.pk}
    )
    assert both.status_code == 422 and both.json()["error"]["field"] == "deal_id"
    assert not Task.objects.exists()


def test_a_rep_creates_completes_and_reopens_their_task(people):
    api = _as(people["rep"])
    lead = LeadFactory(owner=people["rep"])
    created = api.post(
        "/tasks", {"title": "Call", "kind": "call", "due_at": _soon(), "lead_id": lead.pk}
    )
    assert created.status_code == 201, created.json()
    task = created.json()
    assert task["owner_id"] == people["rep"].pk and task["created_by_id"] == people["rep"].pk
    done = api.post(f"/tasks/{task['id']}/complete", {})
    assert done.status_code == 200 and done.json()["done_at"] is not None
    assert api.get("/tasks", status="done").json()["items"][0]["id"] == task["id"]
    assert api.get("/tasks", status="open").json()["items"] == []
    reopened = api.post(f"/tasks/{task['id']}/complete", {"done": False})
    assert reopened.json()["done_at"] is None
    moved = api.patch(f"/tasks/{task['id']}", {"due_at": _soon(5)})
    assert moved.status_code == 200


def test_who_sees_and_changes_which_task(people):
    rep, mate, far, head = people["rep"], people["mate"], people["far"], people["head"]
    own = Task.objects.create(title="own", kind="todo", due_at=timezone.now(), owner=rep)
    # A task a colleague holds on the rep's deal: the rep sees it (their record).
    deal = Deal.objects.create(name="D", amount=1, owner=rep)
    on_deal = Task.objects.create(
        title="on deal", kind="call", due_at=timezone.now(), owner=mate, deal=deal
    )
    mates = Task.objects.create(title="mate", kind="todo", due_at=timezone.now(), owner=mate)
    fars = Task.objects.create(title="far", kind="todo", due_at=timezone.now(), owner=far)

    def ids(user) -> set[int]:
        return {t["id"] for t in _as(user).get("/tasks", limit=100).json()["items"]}

    assert ids(rep) == {own.pk, on_deal.pk}
    assert ids(head) == {own.pk, on_deal.pk, mates.pk}
    assert ids(far) == {fars.pk}
    assert _as(rep).get(f"/tasks/{mates.pk}").status_code == 404
    assert _as(rep).patch(f"/tasks/{fars.pk}", {"title": "mine now"}).status_code == 404
    assert _as(head).patch(f"/tasks/{fars.pk}", {"title": "x"}).status_code == 404
    assert _as(head).patch(f"/tasks/{mates.pk}", {"title": "x"}).status_code == 200
    # Giving tasks: a rep only to themselves; a head to their team, not another team.
    refused = _as(rep).post("/tasks", {"title": "t", "due_at": _soon(), "owner_id": mate.pk})
    assert refused.status_code == 422 and refused.json()["error"]["field"] == "owner_id"
    given = _as(head).post("/tasks", {"title": "t", "due_at": _soon(), "owner_id": mate.pk})
    assert given.status_code == 201
    assert (
        _as(head).post("/tasks", {"title": "t", "due_at": _soon(), "owner_id": far.pk}).status_code
        == 422
    )
    # Another rep's lead is not there to attach to.
    far_lead = LeadFactory(owner=far)
    hidden = _as(rep).post("/tasks", {"title": "t", "due_at": _soon(), "lead_id": far_lead.pk})
    assert hidden.status_code == 422 and hidden.json()["error"]["field"] == "lead_id"
    marketer = UserFactory(username="mkt", role=Role.MARKETING, department=Department.MARKETING)
    assert _as(marketer).post("/tasks", {"title": "t", "due_at": _soon()}).status_code == 403


def test_paging_idempotency_and_batch(people):
    api = key_client("tasks:write")
    owner = people["rep"].pk
    for n in range(5):
        api.post("/tasks", {"title": f"t{n}", "due_at": _soon(n + 1), "owner_id": owner})
    first = api.get("/tasks", limit=2).json()
    second = api.get("/tasks", limit=2, cursor=first["next_cursor"]).json()
    assert [t["title"] for t in first["items"] + second["items"]] == ["t0", "t1", "t2", "t3"]
    no_owner = api.post("/tasks", {"title": "t", "due_at": _soon()})
    assert no_owner.status_code == 422 and no_owner.json()["error"]["field"] == "owner_id"

    body = {"title": "once", "due_at": _soon(), "owner_id": owner}
    one = api.post("/tasks", body, idempotency_key="task-once")
    again = api.post("/tasks", body, idempotency_key="task-once")
    assert one.json()["id"] == again.json()["id"]
    assert Task.objects.filter(title="once").count() == 1

    records = [
        {"title": "a", "due_at": _soon(), "owner_id": owner, "external_id": "hs-1"},
        {
            "title": "b",
            "due_at": (timezone.now() - timedelta(days=1)).isoformat(),
            "owner_id": owner,
        },
        {"title": "a2", "due_at": _soon(3), "owner_id": owner, "external_id": "hs-1"},
    ]
    results = api.post("/tasks/batch", {"records": records}).json()["results"]
    assert [r["status"] for r in results] == ["created", "error", "updated"]
    assert results[1]["error"]["field"] == "due_at"
    assert Task.objects.get(external_id="hs-1").title == "a2"
