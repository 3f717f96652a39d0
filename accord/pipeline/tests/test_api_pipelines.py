"""REST API for pipelines, stages, lost reasons, deal moves and deal histories."""

from __future__ import annotations

import pytest
from django.test import Client

from accord.accounts.models import Role
from accord.integrations.tests.api_helpers import ApiClient, key_client
from accord.pipeline.models import Deal, DealStageChange, Pipeline, PipelineStage

pytestmark = pytest.mark.django_db


def _as(user) -> ApiClient:
    browser = Client()
    browser.force_login(user)
    return ApiClient(client=browser)


def test_pipelines_are_listed_with_their_stages_and_created_by_admins():
    client = key_client()
    (default,) = client.get("/pipelines").json()["items"]
    assert default["key"] == "new_business" and default["is_default"] is True
    assert [s["key"] for s in default["stages"]] == [
        "qualification", "discovery", "proposal", "negotiation", "won", "lost",
    ]  # fmt: skip
    assert default["stages"][2]["probability"] == "0.500"
    assert default["stages"][3]["forecast_category"] == "commit"
    created = client.post("/pipelines", {"name": "Renewals"})
    assert created.status_code == 201 and created.json()["key"] == "renewals"
    pipeline_id = created.json()["id"]
    stage = client.post(
        f"/pipelines/{pipeline_id}/stages",
        {"name": "Renewal call", "probability": "0.6", "forecast_category": "best_case",
         "stale_after_days": 14},
    )  # fmt: skip
    assert stage.status_code == 201
    keys = [s["key"] for s in client.get(f"/pipelines/{pipeline_id}/stages").json()["items"]]
    assert keys[-3:] == ["renewal_call", "won", "lost"]  # open stages stay before closed ones
    bad = client.post(
        f"/pipelines/{pipeline_id}/stages",
        {"name": "X", "probability": "1.5", "forecast_category": "commit"},
    )
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "probability"


def test_a_pipeline_or_stage_with_deals_is_not_deleted(admin_user):
    client = key_client()
    pipeline_id = client.post("/pipelines", {"name": "Upsell"}).json()["id"]
    deal = client.post(
        "/deals", {"name": "More seats", "amount": "900", "pipeline_id": pipeline_id,
                   "stage": "proposal"},
    )  # fmt: skip
    assert deal.status_code == 201 and deal.json()["pipeline"] == "upsell"
    proposal = PipelineStage.objects.get(pipeline_id=pipeline_id, key="proposal")
    refused = client.client.delete(
        f"/api/v1/pipelines/{pipeline_id}/stages/{proposal.pk}", headers=client.headers
    )
    assert refused.status_code == 422
    error = refused.json()["error"]
    assert error["field"] == "stage_id" and "1 deal" in error["message"]
    assert "move it to another stage of Upsell" in error["message"]
    gone = client.client.delete(f"/api/v1/pipelines/{pipeline_id}", headers=client.headers)
    assert gone.status_code == 422 and "archive it instead" in gone.json()["error"]["message"]
    assert Pipeline.objects.filter(pk=pipeline_id).exists()
    assert PipelineStage.objects.filter(pk=proposal.pk).exists()
    archived = client.patch(f"/pipelines/{pipeline_id}", {"is_archived": True})
    assert archived.status_code == 200 and archived.json()["is_archived"] is True
    late = client.post("/deals", {"name": "Late", "amount": "1", "pipeline_id": pipeline_id})
    assert late.status_code == 422 and late.json()["error"]["field"] == "pipeline_id"


def test_move_endpoint_answers_409_with_the_current_state_on_a_stale_version():
    client = key_client()
    deal = client.post("/deals", {"name": "Big", "amount": "1200"}).json()
    assert deal["version"] == 1 and deal["stage"] == "qualification"
    first = client.post(f"/deals/{deal['id']}/move", {"stage": "proposal", "expected_version": 1})
    assert first.status_code == 200 and first.json()["version"] == 2
    second = client.post(f"/deals/{deal['id']}/move", {"stage": "discovery", "expected_version": 1})
    assert second.status_code == 409
    error = second.json()["error"]
    assert error["code"] == "conflict" and error["field"] == "expected_version"
    assert error["current"]["stage"] == "proposal" and error["current"]["version"] == 2
    assert Deal.objects.get(pk=deal["id"]).stage == "proposal"


def test_move_refusals_name_the_field():
    client = key_client()
    other = client.post("/pipelines", {"name": "Renewals"}).json()["id"]
    PipelineStage.objects.filter(pipeline_id=other, key="discovery").update(key="renewal_call")
    deal_id = client.post("/deals", {"name": "Big", "amount": "1200"}).json()["id"]
    cases = [
        ({"stage": "renewal_call"}, "stage"),
        ({"stage": "won"}, "close_date"),
        ({"stage": "lost"}, "lost_reason"),
        ({"stage": "lost", "lost_reason": "not-a-reason"}, "lost_reason"),
    ]
    for body, field in cases:
        answer = client.post(f"/deals/{deal_id}/move", {**body, "expected_version": 1})
        assert answer.status_code == 422 and answer.json()["error"]["field"] == field, body
    assert DealStageChange.objects.filter(deal_id=deal_id).count() == 1
    lost = client.post(
        f"/deals/{deal_id}/move",
        {"stage": "lost", "expected_version": 1, "lost_reason": "competitor",
         "competitor": "Globex"},
    )  # fmt: skip
    assert lost.status_code == 200 and lost.json()["competitor"] == "Globex"


def test_stage_and_amount_history_read(sales_user):
    client = key_client()
    deal_id = client.post("/deals", {"name": "Big", "amount": "1200"}).json()["id"]
    client.post(f"/deals/{deal_id}/move", {"stage": "discovery", "expected_version": 1})
    client.patch(f"/deals/{deal_id}", {"amount": "1500"})
    stages = client.get(f"/deals/{deal_id}/stage-history").json()["items"]
    assert [(s["from_stage"], s["to_stage"]) for s in stages] == [
        ("", "qualification"),
        ("qualification", "discovery"),
    ]
    assert stages[0]["left_at"] == stages[1]["at"] and stages[1]["left_at"] is None
    assert stages[0]["seconds_in_stage"] >= 0
    amounts = client.get(f"/deals/{deal_id}/amount-history").json()["items"]
    assert [(a["old_amount"], a["new_amount"]) for a in amounts] == [("1200.00", "1500.00")]
    # A rep sees the history of their own and unassigned deals only.
    Deal.objects.filter(pk=deal_id).update(owner=sales_user)
    assert _as(sales_user).get(f"/deals/{deal_id}/stage-history").status_code == 200


def test_who_may_edit_pipelines(make_user):
    rep = make_user(role=Role.SALES, username="rep", department="sales")
    head = make_user(role=Role.MANAGER, username="head", department="sales")
    marketer_head = make_user(role=Role.MANAGER, username="mhead", department="marketing")
    assert _as(rep).get("/pipelines").status_code == 200
    assert _as(rep).post("/pipelines", {"name": "Mine"}).status_code == 403
    assert _as(marketer_head).post("/pipelines", {"name": "Theirs"}).status_code == 403
    assert _as(head).post("/pipelines", {"name": "Renewals"}).status_code == 201


def test_lost_reasons_are_edited_and_retired():
    client = key_client()
    created = client.post("/pipelines/lost-reasons", {"label": "Went with in-house build"})
    assert created.status_code == 201 and created.json()["key"] == "went_with_in_house_build"
    reason_id = created.json()["id"]
    retired = client.patch(f"/pipelines/lost-reasons/{reason_id}", {"is_active": False})
    assert retired.status_code == 200 and retired.json()["is_active"] is False
    active = client.get("/pipelines/lost-reasons", active_only="true").json()["items"]
    assert "went_with_in_house_build" not in [r["key"] for r in active]
