"""The pipeline settings pages: who opens them, and the refusals people read there."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from accord.accounts.models import Role
from accord.pipeline.models import Deal, DealLostReason, Pipeline, PipelineStage
from accord.pipeline.services import deal_create

pytestmark = pytest.mark.django_db


def _browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_the_settings_hub_links_the_page_for_admins_and_heads_of_sales(admin_user, make_user):
    head = make_user(role=Role.MANAGER, username="head", department="sales")
    marketing_head = make_user(role=Role.MANAGER, username="mhead", department="marketing")
    rep = make_user(role=Role.SALES, username="rep", department="sales")
    url = reverse("pipelines:pipeline_list")
    for user in (admin_user, head):
        assert url in _browser(user).get(reverse("settings:hub")).content.decode()
        page = _browser(user).get(url)
        assert page.status_code == 200 and "New business" in page.content.decode()
    for user in (marketing_head, rep):
        assert _browser(user).get(url).status_code == 403


def test_admin_creates_a_pipeline_adds_and_edits_a_stage(admin_user):
    client = _browser(admin_user)
    response = client.post(reverse("pipelines:pipeline_create"), {"name": "Renewals"}, follow=True)
    pipeline = Pipeline.objects.get(name="Renewals")
    assert response.redirect_chain[-1][0] == reverse(
        "pipelines:pipeline_detail", args=[pipeline.pk]
    )
    client.post(
        reverse("pipelines:stage_create", args=[pipeline.pk]),
        {"name": "Usage review", "probability": "35", "forecast_category": "pipeline",
         "stale_after_days": "21"},
    )  # fmt: skip
    stage = PipelineStage.objects.get(pipeline=pipeline, key="usage_review")
    assert (str(stage.probability), stage.stale_after_days) == ("0.350", 21)
    client.post(
        reverse("pipelines:stage_edit", args=[pipeline.pk, stage.pk]),
        {"name": "Usage check", "probability": "40", "forecast_category": "best_case"},
    )
    stage.refresh_from_db()
    assert (stage.name, str(stage.probability), stage.forecast_category) == (
        "Usage check", "0.400", "best_case",
    )  # fmt: skip
    assert stage.stale_after_days is None
    bad = client.post(
        reverse("pipelines:stage_edit", args=[pipeline.pk, stage.pk]),
        {"name": "Usage check", "probability": "140", "forecast_category": "best_case"},
        follow=True,
    )
    assert any("100" in m for m in _messages(bad))
    stage.refresh_from_db()
    assert str(stage.probability) == "0.400"


def test_a_stage_with_deals_is_not_deleted_and_the_message_says_how_many_and_where(admin_user):
    pipeline = Pipeline.objects.get(is_default=True)
    for n in range(3):
        deal_create(name=f"Deal {n}", amount="100", stage="proposal")
    proposal = PipelineStage.objects.get(pipeline=pipeline, key="proposal")
    response = _browser(admin_user).post(
        reverse("pipelines:stage_delete", args=[pipeline.pk, proposal.pk]), follow=True
    )
    (message,) = _messages(response)
    assert "3 deals are in the stage Proposal" in message
    assert "move them to another stage of New business first" in message
    assert PipelineStage.objects.filter(pk=proposal.pk).exists()
    Deal.objects.filter(stage="proposal").update(stage="discovery")
    _browser(admin_user).post(reverse("pipelines:stage_delete", args=[pipeline.pk, proposal.pk]))
    assert not PipelineStage.objects.filter(pk=proposal.pk).exists()


def test_a_pipeline_with_deals_is_archived_not_deleted(admin_user):
    client = _browser(admin_user)
    client.post(reverse("pipelines:pipeline_create"), {"name": "Upsell"})
    upsell = Pipeline.objects.get(name="Upsell")
    deal_create(name="More seats", amount="100", pipeline_id=upsell.pk)
    response = client.post(reverse("pipelines:pipeline_delete", args=[upsell.pk]), follow=True)
    (message,) = _messages(response)
    assert "has 1 deal" in message and "archive it instead" in message
    client.post(reverse("pipelines:pipeline_edit", args=[upsell.pk]), {"action": "archive"})
    upsell.refresh_from_db()
    assert upsell.is_archived


def test_the_page_speaks_russian(admin_user):
    client = _browser(admin_user)
    client.cookies["django_language"] = "ru"
    page = client.get(reverse("pipelines:pipeline_list"), HTTP_ACCEPT_LANGUAGE="ru")
    assert "Воронки" in page.content.decode()


def test_lost_reasons_are_added_and_retired(admin_user):
    client = _browser(admin_user)
    client.post(reverse("pipelines:lost_reason_create"), {"label": "Chose to build in-house"})
    reason = DealLostReason.objects.get(label="Chose to build in-house")
    client.post(reverse("pipelines:lost_reason_edit", args=[reason.pk]), {"action": "retire"})
    reason.refresh_from_db()
    assert reason.is_active is False
    assert (
        "Chose to build in-house" in client.get(reverse("pipelines:lost_reasons")).content.decode()
    )
