"""The lifecycle action over HTTP: forbidden moves are 422s that name the stages."""

from __future__ import annotations

import pytest

from accord.contacts.models import StageTransition
from accord.contacts.tests.factories import LeadFactory
from accord.core.lifecycle import Stage


def _move(client, lead, body):
    return client.post(
        f"/api/v1/leads/{lead.pk}/transitions", body, content_type="application/json"
    )


@pytest.fixture
def client_as_manager(client, make_user):
    # Marketing's part of the waterfall (lead → MQL) is moved by marketing's side.
    client.force_login(make_user(role="manager", username="marketing-head", department="marketing"))
    return client


@pytest.mark.django_db
def test_allowed_move_is_created(client_as_manager):
    lead = LeadFactory()
    response = _move(client_as_manager, lead, {"to_stage": "mql"})
    assert response.status_code == 201, response.content
    assert response.json()["to_stage"] == "mql"
    lead.refresh_from_db()
    assert lead.stage == Stage.MQL


@pytest.mark.django_db
def test_forbidden_move_is_422_naming_both_stages_and_writes_nothing(client_as_manager):
    lead = LeadFactory()
    response = _move(client_as_manager, lead, {"to_stage": "customer"})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "forbidden_transition"
    assert error["field"] == "to_stage"
    assert "'lead'" in error["message"] and "'customer'" in error["message"]
    assert StageTransition.objects.filter(lead=lead).count() == 1


@pytest.mark.django_db
def test_off_path_move_without_reason_is_422_on_reason(client_as_manager):
    lead = LeadFactory()
    response = _move(client_as_manager, lead, {"to_stage": "disqualified"})
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "reason"


@pytest.mark.django_db
def test_naive_time_is_422_on_at(client_as_manager):
    lead = LeadFactory()
    response = _move(client_as_manager, lead, {"to_stage": "mql", "at": "2026-05-01T10:00:00"})
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "at"


@pytest.mark.django_db
def test_anonymous_request_is_refused(client):
    lead = LeadFactory()
    response = _move(client, lead, {"to_stage": "mql"})
    assert response.status_code in {401, 403}
    lead.refresh_from_db()
    assert lead.stage == Stage.LEAD
