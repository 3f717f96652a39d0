"""Forecast writes: the rep's category survives stage moves, submissions are immutable and
record exact figures, adjustments and quotas follow the policy, close dates keep history."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from accord.accounts.policy import principal_for
from accord.core.errors import InvalidInput, PermissionDenied
from accord.pipeline.forecast.services import (
    SubmissionExists,
    deal_forecast_category_set,
    forecast_adjust,
    forecast_submit,
    quota_set,
)
from accord.pipeline.models import DealCloseDateChange, ForecastSubmission
from accord.pipeline.services import deal_create, deal_move, deal_update
from accord.pipeline.tests.forecast_support import Q2, forecast_team_seed

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 5, 15, 12, 0, tzinfo=UTC)


@pytest.fixture
def team():
    return forecast_team_seed()


def test_a_stage_move_never_overwrites_the_reps_category(team):
    deal = deal_create(name="X", amount=100, owner_id=team["ann"].pk, by=team["ann"])
    deal_forecast_category_set(principal=principal_for(team["ann"]), deal_id=deal.pk,
                               category="commit")  # fmt: skip
    deal.refresh_from_db()
    moved = deal_move(deal_id=deal.pk, to_stage="proposal", expected_version=deal.version,
                      by=team["ann"])  # fmt: skip
    moved.refresh_from_db()
    assert (moved.stage, moved.forecast_category) == ("proposal", "commit")
    # '' follows the stage again.
    deal_forecast_category_set(principal=principal_for(team["ann"]), deal_id=deal.pk,
                               category="")  # fmt: skip
    moved.refresh_from_db()
    assert moved.forecast_category == ""


def test_another_reps_deal_category_is_hidden(team):
    deal = team["deals"]["D4"]  # bob's
    with pytest.raises(Exception) as caught:
        deal_forecast_category_set(principal=principal_for(team["ann"]), deal_id=deal.pk,
                                   category="commit")  # fmt: skip
    assert getattr(caught.value, "status", None) == 404


def test_submission_records_exact_figures_and_deals(team):
    sub = forecast_submit(principal=principal_for(team["ann"]), period_kind="quarter",
                          period_start=Q2, now=NOW)  # fmt: skip
    # D3 won 3000; D2 commit 2000; D1 best case 1000 (proposal 0.5); D2 negotiation 0.75.
    assert (sub.closed, sub.commit, sub.best_case, sub.pipeline) == (3000, 5000, 6000, 6000)
    assert sub.stage_weighted == Decimal("5000.00")  # 3000 + 1000 x 0.5 + 2000 x 0.75
    assert sub.model_weighted is None  # no active model
    assert sub.week_start == date(2026, 5, 11)
    assert sorted(d.deal.name for d in sub.deals.all()) == ["D1", "D2", "D3"]


def test_submissions_are_immutable(team):
    ann = principal_for(team["ann"])
    sub = forecast_submit(principal=ann, period_kind="quarter", period_start=Q2, now=NOW)
    with pytest.raises(SubmissionExists):
        forecast_submit(principal=ann, period_kind="quarter", period_start=Q2, commit=1, now=NOW)
    sub.commit = Decimal(1)
    with pytest.raises(ValueError):
        sub.save()
    with pytest.raises(ValueError):
        sub.delete()
    assert ForecastSubmission.objects.get(pk=sub.pk).commit == 5000


def test_a_rep_calls_their_own_figures_within_reason(team):
    ann = principal_for(team["ann"])
    with pytest.raises(InvalidInput) as caught:
        forecast_submit(principal=ann, period_kind="quarter", period_start=Q2, commit=9000,
                        best_case=8000, now=NOW)  # fmt: skip
    assert caught.value.field == "best_case"
    with pytest.raises(InvalidInput) as caught:
        forecast_submit(principal=ann, period_kind="quarter", period_start=date(2026, 5, 1),
                        now=NOW)  # fmt: skip
    assert caught.value.field == "period_start"
    assert not ForecastSubmission.objects.filter(user=team["ann"], period_start=Q2).exists()


def test_adjustments_are_the_heads_and_say_why(team):
    sub = team["bob_q1"]
    with pytest.raises(PermissionDenied):
        forecast_adjust(principal=principal_for(team["ann"]), submission_id=sub.pk, commit=1,
                        best_case=2, reason="no")  # fmt: skip
    with pytest.raises(InvalidInput) as caught:
        forecast_adjust(principal=principal_for(team["head"]), submission_id=sub.pk, commit=1,
                        best_case=2, reason="  ")  # fmt: skip
    assert caught.value.field == "reason"
    adjusted = forecast_adjust(principal=principal_for(team["head"]), submission_id=sub.pk,
                               commit=700, best_case=900, reason="signed")  # fmt: skip
    sub.refresh_from_db()
    assert (adjusted.by, adjusted.commit, sub.commit) == (team["head"], 700, 1500)


def test_quotas_are_set_by_the_head(team):
    with pytest.raises(PermissionDenied):
        quota_set(principal=principal_for(team["ann"]), user_id=team["ann"].pk,
                  period_kind="quarter", period_start=Q2, amount=1)  # fmt: skip
    quota = quota_set(principal=principal_for(team["head"]), user_id=team["ann"].pk,
                      period_kind="quarter", period_start=Q2, amount="12000")  # fmt: skip
    assert quota.amount == 12000 and quota.set_by == team["head"]
    with pytest.raises(InvalidInput) as caught:
        quota_set(principal=principal_for(team["head"]), user_id=team["ann"].pk,
                  period_kind="quarter", period_start=Q2, amount=-5)  # fmt: skip
    assert caught.value.field == "amount"


def test_close_date_changes_are_recorded(team):
    deal = team["deals"]["D1"]
    deal_update(deal_id=deal.pk, changes={"expected_close": date(2026, 7, 15)}, by=team["ann"])
    change = DealCloseDateChange.objects.filter(deal=deal).get()
    assert (change.old_date, change.new_date, change.by) == (
        date(2026, 6, 10), date(2026, 7, 15), team["ann"])  # fmt: skip
    deal_update(deal_id=deal.pk, changes={"name": "D1 renamed"})
    assert DealCloseDateChange.objects.filter(deal=deal).count() == 1
