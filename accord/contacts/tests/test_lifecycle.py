"""The waterfall state machine, applied through the one service that moves leads."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from accord.contacts.models import Lead, StageTransition
from accord.contacts.services import lead_create, lead_transition
from accord.contacts.tests.factories import ContactFactory, LeadFactory
from accord.core.errors import ForbiddenTransition, InvalidInput, NotFound
from accord.core.lifecycle import (
    ALLOWED_TRANSITIONS,
    CLOSED_STAGES,
    OFF_PATH_STAGES,
    Stage,
    transition_check,
)

ALL_PAIRS = list(itertools.product(Stage, Stage))
ALLOWED_PAIRS = [(a, b) for a, b in ALL_PAIRS if b in ALLOWED_TRANSITIONS[a]]
FORBIDDEN_PAIRS = [(a, b) for a, b in ALL_PAIRS if b not in ALLOWED_TRANSITIONS[a]]


def _lead_at(stage: Stage) -> Lead:
    return LeadFactory(stage=stage, is_open=stage not in CLOSED_STAGES)


@pytest.mark.django_db
@pytest.mark.parametrize(("current", "target"), ALLOWED_PAIRS, ids=lambda s: str(s.value))
def test_every_allowed_transition_moves_the_lead_and_logs_it(current, target, sales_user):
    lead = _lead_at(current)
    before = StageTransition.objects.filter(lead=lead).count()

    transition = lead_transition(
        lead_id=lead.pk, to_stage=target, actor=sales_user, reason="because the test says so"
    )

    lead.refresh_from_db()
    assert lead.stage == target
    assert lead.is_open is (target not in CLOSED_STAGES)
    assert lead.stage_changed_at == transition.at
    assert StageTransition.objects.filter(lead=lead).count() == before + 1
    assert (transition.from_stage, transition.to_stage) == (current, target)
    assert transition.actor == sales_user
    assert transition.reason == "because the test says so"


@pytest.mark.django_db
@pytest.mark.parametrize(("current", "target"), FORBIDDEN_PAIRS, ids=lambda s: str(s.value))
def test_every_forbidden_transition_is_refused_and_writes_nothing(current, target):
    lead = _lead_at(current)
    log_before = list(StageTransition.objects.values_list("id", flat=True))

    with pytest.raises(ForbiddenTransition) as raised:
        lead_transition(lead_id=lead.pk, to_stage=target, reason="any")

    assert raised.value.status == 422
    assert current.value in raised.value.message
    assert target.value in raised.value.message
    lead.refresh_from_db()
    assert lead.stage == current
    assert list(StageTransition.objects.values_list("id", flat=True)) == log_before


@pytest.mark.django_db
@pytest.mark.parametrize("target", sorted(OFF_PATH_STAGES))
@pytest.mark.parametrize("reason", ["", "   "])
def test_off_path_stages_need_a_reason(target, reason):
    source = next(s for s, allowed in ALLOWED_TRANSITIONS.items() if target in allowed)
    lead = _lead_at(source)

    with pytest.raises(InvalidInput) as raised:
        lead_transition(lead_id=lead.pk, to_stage=target, reason=reason)

    assert raised.value.field == "reason"
    assert StageTransition.objects.filter(lead=lead).count() == 1


@pytest.mark.django_db
def test_unknown_stage_names_the_field():
    lead = _lead_at(Stage.LEAD)
    with pytest.raises(InvalidInput) as raised:
        lead_transition(lead_id=lead.pk, to_stage="champion")
    assert raised.value.field == "to_stage"
    assert "champion" in raised.value.message


@pytest.mark.django_db
def test_naive_datetime_is_refused():
    lead = _lead_at(Stage.LEAD)
    with pytest.raises(InvalidInput) as raised:
        lead_transition(lead_id=lead.pk, to_stage=Stage.MQL, at=datetime(2026, 1, 1, 9, 0))
    assert raised.value.field == "at"
    lead.refresh_from_db()
    assert lead.stage == Stage.LEAD


@pytest.mark.django_db
def test_a_move_dated_before_the_previous_one_is_refused():
    lead = _lead_at(Stage.LEAD)
    with pytest.raises(InvalidInput) as raised:
        lead_transition(
            lead_id=lead.pk, to_stage=Stage.MQL, at=lead.stage_changed_at - timedelta(days=1)
        )
    assert raised.value.field == "at"


@pytest.mark.django_db
def test_unknown_lead_is_not_found():
    with pytest.raises(NotFound):
        lead_transition(lead_id=987654, to_stage=Stage.MQL)


@pytest.mark.django_db
def test_a_failing_outer_transaction_takes_the_move_with_it():
    lead = _lead_at(Stage.LEAD)
    with pytest.raises(RuntimeError), transaction.atomic():
        lead_transition(lead_id=lead.pk, to_stage=Stage.MQL)
        raise RuntimeError("the caller failed after the move")
    lead.refresh_from_db()
    assert lead.stage == Stage.LEAD
    assert StageTransition.objects.filter(lead=lead).count() == 1


@pytest.mark.django_db
def test_lead_create_logs_entry_into_the_funnel():
    at = datetime(2026, 3, 2, 10, 30, tzinfo=UTC)
    lead = lead_create(contact=ContactFactory(), created_at=at)
    (entry,) = StageTransition.objects.filter(lead=lead)
    assert (entry.from_stage, entry.to_stage, entry.at) == ("", Stage.LEAD, at)
    assert lead.created_at == at


def test_transition_check_is_a_pure_rule():
    assert transition_check("lead", "mql", None) == Stage.MQL
    with pytest.raises(ForbiddenTransition):
        transition_check("customer", "lead", None)


class TestRandomWalksKeepTheLogConsistent(HypothesisTestCase):
    """Random sequences of attempted moves, allowed or not: the log always explains the lead."""

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(st.sampled_from(list(Stage)), min_size=1, max_size=12))
    def test_log_replays_to_the_current_stage(self, attempts):
        start = timezone.now()
        lead = lead_create(contact=ContactFactory(), created_at=start)
        expected = Stage.LEAD
        for step, target in enumerate(attempts, start=1):
            try:
                lead_transition(
                    lead_id=lead.pk,
                    to_stage=target,
                    reason="walk",
                    at=start + timedelta(minutes=step),
                )
            except (ForbiddenTransition, InvalidInput):
                assert target not in ALLOWED_TRANSITIONS[expected]
            else:
                assert target in ALLOWED_TRANSITIONS[expected]
                expected = target

        lead.refresh_from_db()
        log = list(StageTransition.objects.filter(lead=lead).order_by("at", "id"))
        assert lead.stage == expected == log[-1].to_stage
        assert log[0].from_stage == ""
        for previous, current in itertools.pairwise(log):
            assert current.from_stage == previous.to_stage
            assert current.to_stage in ALLOWED_TRANSITIONS[Stage(current.from_stage)]
            assert current.at >= previous.at
        assert lead.is_open is (expected not in CLOSED_STAGES)
