"""Long lists page instead of growing past a few screens: the team queue (each section on its
own page parameter, filters kept) and notifications."""

from __future__ import annotations

import pytest
from django.test import Client

from accord.accounts.models import Department, Role
from accord.accounts.tests.factories import UserFactory
from accord.handoff.notifications import notify
from accord.handoff.tests.routing_support import mql_leads_bulk

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_team_queue_pages_each_section_and_keeps_the_others(manager_user):
    mql_leads_bulk(60)  # unassigned MQLs: "Waiting for a rep"
    client = _client(manager_user)
    first = client.get("/handoff/team/").content.decode()
    assert "1\N{EN DASH}25 of 60" in first
    assert 'href="?waiting_page=2"' in first
    second = client.get("/handoff/team/?waiting_page=3&stage=sal").content.decode()
    assert "51\N{EN DASH}60 of 60" in second
    assert 'href="?stage=sal&amp;waiting_page=2"' in second  # the filter rides along
    assert client.get("/handoff/team/?waiting_page=abc&owner=x").status_code == 200


def test_notifications_page_and_filter_unread():
    rep = UserFactory(username="rep", role=Role.SALES, department=Department.SALES)
    for n in range(60):
        notify(user_id=rep.pk, kind="test", title=f"Note {n}", key=f"t:{n}", email=False)
    client = _client(rep)
    page = client.get("/handoff/notifications/").content.decode()
    assert "Note 59" in page and "Note 9<" not in page and "1\N{EN DASH}50 of 60" in page
    assert "Note 9<" in client.get("/handoff/notifications/?page=2").content.decode()
    client.post("/handoff/notifications/read/")
    unread = client.get("/handoff/notifications/?show=unread").content.decode()
    assert "Nothing unread" in unread
