"""Stage moves through the deal service: their records, time in stage, the refusals and the
optimistic concurrency (run on SQLite and PostgreSQL alike)."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import connection

from accord.core.errors import Conflict, InvalidInput
from accord.pipeline.models import (
    Deal,
    DealAmountChange,
    DealLostReason,
    DealStageChange,
    ForecastCategory,
    Pipeline,
)
from accord.pipeline.selectors import deal_stage_history, seconds_between
from accord.pipeline.services import (
    deal_create,
    deal_move,
    deal_update,
    lost_reason_update,
    pipeline_create,
)

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def _hours(n: float) -> dt.datetime:
    return T0 + dt.timedelta(hours=n)


def _deal(**fields) -> Deal:
    fields.setdefault("amount", "5000")
    return deal_create(name="Acme renewal", **fields)


@pytest.mark.django_db
def test_a_new_deal_starts_in_the_default_pipelines_first_stage_and_its_history():
    deal = _deal()
    assert (deal.pipeline.key, deal.stage, deal.version) == ("new_business", "qualification", 1)
    (first,) = DealStageChange.objects.filter(deal=deal)
    assert (first.from_stage, first.to_stage, first.amount) == ("", "qualification", 5000)


@pytest.mark.django_db
def test_moves_are_recorded_with_time_in_each_stage(admin_user):
    deal = _deal()
    DealStageChange.objects.filter(deal=deal).update(at=T0)
    deal_move(deal_id=deal.pk, to_stage="discovery", expected_version=1, by=admin_user,
              at=_hours(5), source="board")  # fmt: skip
    deal_move(deal_id=deal.pk, to_stage="proposal", expected_version=2, by=None, at=_hours(29))
    deal.refresh_from_db()
    assert (deal.stage, deal.version, deal.stage_entered_at) == ("proposal", 3, _hours(29))
    rows = list(deal_stage_history(deal_id=deal.pk).order_by("at"))
    assert [(r.from_stage, r.to_stage, r.source) for r in rows] == [
        ("", "qualification", "api"),
        ("qualification", "discovery", "board"),
        ("discovery", "proposal", "ui"),
    ]
    assert rows[1].by == admin_user
    # Time in stage: until the next move (5 h in qualification, 24 h in discovery); the
    # current stage has no end yet.
    assert [seconds_between(r.at, r.left_at) for r in rows[:2]] == [5 * 3600, 24 * 3600]
    assert rows[2].left_at is None


@pytest.mark.django_db
def test_moving_to_the_same_stage_changes_nothing():
    deal = _deal()
    moved = deal_move(deal_id=deal.pk, to_stage="qualification", expected_version=1, by=None)
    assert moved.version == 1 and DealStageChange.objects.filter(deal=deal).count() == 1


@pytest.mark.django_db
def test_a_stage_of_another_pipeline_is_refused_naming_stage_and_nothing_is_written():
    renewals = pipeline_create(name="Renewals")
    renewals.stages.filter(key="discovery").update(key="renewal_call")
    deal = _deal()
    with pytest.raises(InvalidInput) as error:
        deal_move(deal_id=deal.pk, to_stage="renewal_call", expected_version=1, by=None)
    assert error.value.field == "stage" and "Renewals" in error.value.message
    with pytest.raises(InvalidInput) as error:
        deal_move(deal_id=deal.pk, to_stage="nowhere", expected_version=1, by=None)
    assert error.value.field == "stage"
    deal.refresh_from_db()
    assert (deal.stage, deal.version) == ("qualification", 1)
    assert DealStageChange.objects.filter(deal=deal).count() == 1


@pytest.mark.django_db
def test_changing_pipeline_needs_a_stage_of_the_new_pipeline():
    renewals = pipeline_create(name="Renewals")
    deal = _deal()
    with pytest.raises(InvalidInput) as error:
        deal_update(deal_id=deal.pk, changes={"pipeline_id": renewals.pk})
    assert error.value.field == "stage"
    moved = deal_move(deal_id=deal.pk, to_stage="proposal", expected_version=1, by=None,
                      to_pipeline_id=renewals.pk)  # fmt: skip
    assert (moved.pipeline_id, moved.stage) == (renewals.pk, "proposal")
    change = DealStageChange.objects.filter(deal=deal).latest("pk")
    assert change.pipeline_id == renewals.pk


@pytest.mark.django_db
def test_won_needs_an_amount_and_a_close_date():
    free = _deal(amount="0", expected_close=dt.date(2026, 3, 31))
    with pytest.raises(InvalidInput) as error:
        deal_move(deal_id=free.pk, to_stage="won", expected_version=1, by=None)
    assert error.value.field == "amount"
    undated = _deal()
    with pytest.raises(InvalidInput) as error:
        deal_move(deal_id=undated.pk, to_stage="won", expected_version=1, by=None)
    assert error.value.field == "close_date"
    assert Deal.objects.filter(stage="won").count() == 0
    won = deal_move(deal_id=undated.pk, to_stage="won", expected_version=1, by=None,
                    close_date=dt.date(2026, 4, 2), closed_at=_hours(700))  # fmt: skip
    assert (won.stage, won.expected_close, won.closed_at) == (
        "won",
        dt.date(2026, 4, 2),
        _hours(700),
    )


@pytest.mark.django_db
def test_lost_needs_an_active_reason_and_keeps_the_competitor():
    deal = _deal()
    with pytest.raises(InvalidInput) as error:
        deal_move(deal_id=deal.pk, to_stage="lost", expected_version=1, by=None)
    assert error.value.field == "lost_reason"
    retired = DealLostReason.objects.get(key="timing")
    lost_reason_update(reason_id=retired.pk, is_active=False)
    with pytest.raises(InvalidInput) as error:
        deal_move(deal_id=deal.pk, to_stage="lost", expected_version=1, by=None,
                  lost_reason="timing")  # fmt: skip
    assert error.value.field == "lost_reason"
    lost = deal_move(deal_id=deal.pk, to_stage="lost", expected_version=1, by=None,
                     lost_reason="competitor", competitor="Globex CRM")  # fmt: skip
    assert (lost.stage, lost.lost_reason, lost.competitor) == ("lost", "competitor", "Globex CRM")
    assert lost.closed_at is not None
    reopened = deal_move(deal_id=deal.pk, to_stage="negotiation", expected_version=2, by=None)
    assert reopened.closed_at is None


@pytest.mark.django_db
def test_a_stage_move_never_overwrites_the_reps_forecast_category():
    deal = _deal(forecast_category=ForecastCategory.COMMIT)
    moved = deal_move(deal_id=deal.pk, to_stage="discovery", expected_version=1, by=None)
    assert moved.forecast_category == ForecastCategory.COMMIT


@pytest.mark.django_db
def test_amount_changes_are_recorded(admin_user):
    deal = _deal()
    deal_update(deal_id=deal.pk, changes={"amount": Decimal("6500")}, by=admin_user)
    deal_update(deal_id=deal.pk, changes={"name": "Acme renewal 2027"})  # amount unchanged
    (change,) = DealAmountChange.objects.filter(deal=deal)
    assert (change.old_amount, change.new_amount, change.by) == (5000, 6500, admin_user)


@pytest.mark.django_db
def test_a_stale_version_is_a_conflict_carrying_the_current_stage():
    deal = _deal()
    deal_move(deal_id=deal.pk, to_stage="proposal", expected_version=1, by=None)
    with pytest.raises(Conflict) as error:
        deal_move(deal_id=deal.pk, to_stage="discovery", expected_version=1, by=None)
    assert error.value.field == "expected_version"
    assert error.value.current["stage"] == "proposal" and error.value.current["version"] == 2
    deal.refresh_from_db()
    assert deal.stage == "proposal"


@pytest.mark.django_db(transaction=True)
def test_two_people_moving_one_deal_at_once_one_wins_the_other_sees_the_current_state():
    deal = _deal()
    start = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def move(to_stage: str) -> None:
        start.wait()
        try:
            outcomes[to_stage] = deal_move(
                deal_id=deal.pk, to_stage=to_stage, expected_version=1, by=None
            ).stage
        except Conflict as conflict:
            outcomes[to_stage] = conflict
        finally:
            connection.close()

    threads = [threading.Thread(target=move, args=(s,)) for s in ("discovery", "negotiation")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    won = [stage for stage, result in outcomes.items() if result == stage]
    conflicts = [r for r in outcomes.values() if isinstance(r, Conflict)]
    assert len(won) == 1 and len(conflicts) == 1
    assert conflicts[0].current["stage"] == won[0] and conflicts[0].current["version"] == 2
    deal.refresh_from_db()
    assert (deal.stage, deal.version) == (won[0], 2)
    assert DealStageChange.objects.filter(deal=deal).count() == 2  # creation + one move


@pytest.mark.django_db
def test_a_deal_in_an_archived_pipeline_cannot_be_created():
    old = pipeline_create(name="Legacy")
    Pipeline.objects.filter(pk=old.pk).update(is_archived=True)
    with pytest.raises(InvalidInput) as error:
        _deal(pipeline_id=old.pk)
    assert error.value.field == "pipeline_id"
