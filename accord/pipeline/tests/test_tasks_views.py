"""The task pages and the activity panel: a rep's buckets, inline create (a past due time
shown on its field, nothing written) and complete over htmx, a head's team view, the lead
page's panel, the stale-deals list."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accord.accounts.models import Department, Role
from accord.accounts.tests.factories import TeamFactory, UserFactory
from accord.contacts.tests.factories import LeadFactory
from accord.pipeline.models import Activity, Deal, PipelineStage, Task, pipeline_default_id

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def team():
    north = TeamFactory(name="North")
    rep = UserFactory(
        username="anna",
        first_name="Anna",
        role=Role.SALES,
        department=Department.SALES,
        team=north,
    )
    head = UserFactory(username="head", role=Role.MANAGER, department=Department.SALES, team=north)
    return rep, head


def _local(dt) -> str:
    return timezone.localtime(dt).strftime("%Y-%m-%dT%H:%M")


def test_a_rep_sees_buckets_adds_and_completes_tasks_inline(team):
    rep, _head = team
    now = timezone.now()
    Task.objects.create(title="Late call", kind="call", due_at=now - timedelta(hours=3), owner=rep)
    Task.objects.create(title="Next week", kind="todo", due_at=now + timedelta(days=7), owner=rep)
    client = _client(rep)
    page = client.get("/tasks/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "Late call" in body and "Next week" in body and "task-overdue" in body
    overdue = client.get("/tasks/", {"status": "overdue"}).content.decode()
    assert "Late call" in overdue and "Next week" not in overdue

    past = client.post(
        "/tasks/new/",
        {"title": "Too late", "kind": "call", "due_at": _local(now - timedelta(hours=2))},
        headers=HTMX,
    )
    assert past.status_code == 200
    assert "cannot be due in the past" in past.content.decode()
    assert not Task.objects.filter(title="Too late").exists()
    added = client.post(
        "/tasks/new/",
        {"title": "Send quote", "kind": "email", "due_at": _local(now + timedelta(hours=5))},
        headers=HTMX,
    )
    assert "Task added." in added.content.decode()
    task = Task.objects.get(title="Send quote")
    assert task.owner == rep and task.created_by == rep

    done = client.post(f"/tasks/{task.pk}/complete/", headers=HTMX)
    assert done.status_code == 200 and 'id="task-' in done.content.decode()
    task.refresh_from_db()
    assert task.done_at is not None
    client.post(f"/tasks/{task.pk}/reopen/", headers=HTMX)
    task.refresh_from_db()
    assert task.done_at is None


def test_a_head_sees_overdue_per_rep_and_may_give_tasks_to_the_team(team):
    rep, head = team
    Task.objects.create(
        title="Late", kind="call", due_at=timezone.now() - timedelta(hours=1), owner=rep
    )
    client = _client(head)
    page = client.get("/tasks/").content.decode()
    assert 'id="team-overdue"' in page and "Anna" in page
    given = client.post(
        "/tasks/new/",
        {
            "title": "For Anna",
            "kind": "todo",
            "due_at": _local(timezone.now() + timedelta(days=1)),
            "owner": rep.pk,
        },
        headers=HTMX,
    )
    assert given.status_code == 200
    assert Task.objects.get(title="For Anna").owner == rep
    # A rep's page has no team view and the rep cannot see the head's personal tasks.
    Task.objects.create(
        title="Head only", kind="todo", due_at=timezone.now() + timedelta(days=1), owner=head
    )
    rep_page = _client(rep).get("/tasks/").content.decode()
    assert 'id="team-overdue"' not in rep_page and "Head only" not in rep_page


def test_the_lead_page_panel_logs_activities_and_schedules_next_steps(team):
    rep, _head = team
    lead = LeadFactory(owner=rep, team=rep.team)
    client = _client(rep)
    page = client.get(f"/leads/{lead.pk}/").content.decode()
    assert 'id="record-work"' in page and "Log an activity" in page
    logged = client.post(
        f"/tasks/lead/{lead.pk}/activity/",
        {"activity-kind": "call", "activity-outcome": "connected", "activity-notes": "Budget ok"},
        headers=HTMX,
    )
    assert "Activity logged." in logged.content.decode()
    activity = Activity.objects.get(lead=lead)
    assert activity.user == rep and activity.outcome == "connected"
    step = client.post(
        f"/tasks/lead/{lead.pk}/task/",
        {
            "task-title": "Call back",
            "task-kind": "call",
            "task-due_at": _local(timezone.now() + timedelta(days=1)),
        },
        headers=HTMX,
    )
    assert "Call back" in step.content.decode()
    assert Task.objects.get(lead=lead).title == "Call back"
    other = LeadFactory(owner=UserFactory(username="bob", role=Role.SALES))
    assert client.post(f"/tasks/lead/{other.pk}/activity/", {}, headers=HTMX).status_code == 404


def test_stale_deals_list_for_a_head(team):
    PipelineStage.objects.filter(pipeline_id=pipeline_default_id(), outcome="open").update(
        stale_after_days=7
    )
    rep, head = team
    old = timezone.now() - timedelta(days=20)
    Deal.objects.create(name="Forgotten deal", amount=10, owner=rep, created_at=old)
    page = _client(head).get("/tasks/stale-deals/").content.decode()
    assert "Forgotten deal" in page and "no activity in 7 days" in page
    assert "Forgotten deal" in _client(rep).get("/tasks/stale-deals/").content.decode()
