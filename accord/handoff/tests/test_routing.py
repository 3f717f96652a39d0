"""Routing services on the real database: account owner, rules, queues, quotas, reassignment."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from accord.accounts.models import Role
from accord.accounts.tests.factories import UserFactory
from accord.contacts.models import Lead
from accord.contacts.services import lead_create, lead_transition
from accord.contacts.tests.factories import AccountFactory, ContactFactory
from accord.core.errors import InvalidInput
from accord.handoff.models import (
    Assignment,
    AssignmentKind,
    Notification,
    RoutingRule,
    RoutingWarning,
    RoutingWarningKind,
    SlaClock,
)
from accord.handoff.routing.assignment import lead_reassign, lead_route
from accord.handoff.routing_jobs import routing_queue_sweep
from accord.handoff.tests.routing_support import mql_lead, team_with_reps
from accord.integrations.models import WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db


def test_round_robin_assigns_records_and_starts_clocks():
    team, reps = team_with_reps(reps=2)
    leads = [mql_lead() for _ in range(4)]
    owners = [lead_route(lead_id=lead.pk).user_id for lead in leads]
    assert sorted(owners) == sorted([reps[0].pk, reps[1].pk] * 2)
    assert owners[0] != owners[1]
    lead = Lead.objects.get(pk=leads[0].pk)
    assert (lead.owner_id, lead.team_id) == (owners[0], team.pk)
    log = Assignment.objects.get(lead=lead)
    assert (log.kind, log.to_user_id, log.team_id) == (AssignmentKind.AUTO, owners[0], team.pk)
    assert SlaClock.objects.filter(lead=lead, stopped_at__isnull=True).count() == 2
    assert Notification.objects.filter(user_id=owners[0], kind="lead.assigned").count() == 2


def test_routing_twice_is_harmless():
    team_with_reps(reps=2)
    lead = mql_lead()
    first = lead_route(lead_id=lead.pk)
    second = lead_route(lead_id=lead.pk)
    assert (first.outcome, second.outcome) == ("assigned", "skipped")
    assert second.user_id == first.user_id
    assert Assignment.objects.filter(lead=lead).count() == 1


def test_account_owner_gets_the_lead_before_any_rule():
    team_with_reps(reps=2)
    owner = UserFactory(username="key-account", role=Role.SALES)
    account = AccountFactory(owner=owner)
    result = lead_route(lead_id=mql_lead(account=account).pk)
    assert (result.user_id, result.kind) == (owner.pk, AssignmentKind.ACCOUNT_OWNER)


def test_a_rep_who_already_owns_a_new_lead_keeps_it_as_an_mql():
    team_with_reps(reps=2)
    own_rep = UserFactory(username="finder", role=Role.SALES)
    lead = lead_create(contact=ContactFactory())
    Lead.objects.filter(pk=lead.pk).update(owner=own_rep)
    lead_transition(lead_id=lead.pk, to_stage="mql")
    lead.refresh_from_db()
    assert lead.owner_id == own_rep.pk
    (assignment,) = Assignment.objects.filter(lead=lead)
    assert (assignment.kind, assignment.to_user_id) == (AssignmentKind.OWNER_KEPT, own_rep.pk)
    assert SlaClock.objects.filter(lead=lead, stopped_at__isnull=True).count() == 2


def test_a_lead_back_from_nurture_is_routed_afresh_not_to_its_old_owner():
    _, reps = team_with_reps(reps=1)
    old_rep = UserFactory(username="let-it-go", role=Role.SALES)
    lead = lead_create(contact=ContactFactory())
    Lead.objects.filter(pk=lead.pk).update(owner=old_rep, stage="recycled")
    lead_transition(lead_id=lead.pk, to_stage="mql")
    lead.refresh_from_db()
    assert lead.owner_id == reps[0].pk
    assert Assignment.objects.get(lead=lead).kind == AssignmentKind.AUTO


def test_an_owner_out_of_office_does_not_keep_the_lead():
    _, reps = team_with_reps(reps=1)
    away = UserFactory(username="on-leave", role=Role.SALES, is_out_of_office=True)
    lead = lead_create(contact=ContactFactory())
    Lead.objects.filter(pk=lead.pk).update(owner=away)
    lead_transition(lead_id=lead.pk, to_stage="mql")
    lead.refresh_from_db()
    assert lead.owner_id == reps[0].pk


def test_account_owner_out_of_office_falls_back_to_rules_and_says_why():
    _, reps = team_with_reps(reps=1)
    owner = UserFactory(username="away", role=Role.SALES, is_out_of_office=True)
    lead = mql_lead(account=AccountFactory(owner=owner))
    assert lead_route(lead_id=lead.pk).user_id == reps[0].pk
    assert "out of office" in Assignment.objects.get(lead=lead).reason


def test_rules_pick_the_team_by_position_and_conditions():
    emea, emea_reps = team_with_reps("EMEA", reps=1, rule=False)
    rest, rest_reps = team_with_reps("Rest", reps=1, rule=False)
    RoutingRule.objects.create(name="catch-all", position=50, team=rest)
    RoutingRule.objects.create(
        name="EMEA",
        position=10,
        team=emea,
        conditions=[{"field": "lead.country", "operator": "in", "value": ["DE", "FR"]}],
    )
    german = mql_lead(account=AccountFactory(country="DE"))
    us = mql_lead(account=AccountFactory(country="US"))
    assert lead_route(lead_id=german.pk).user_id == emea_reps[0].pk
    assert lead_route(lead_id=us.pk).user_id == rest_reps[0].pk


def test_no_matching_rule_sends_the_lead_to_the_fallback_queue_with_a_warning(manager_user):
    team, _ = team_with_reps(rule=False)
    RoutingRule.objects.create(
        name="only A",
        team=team,
        conditions=[{"field": "lead.grade", "operator": "equals", "value": "A"}],
    )
    lead = mql_lead()
    result = lead_route(lead_id=lead.pk)
    assert (result.outcome, result.user_id, result.team_id) == ("fallback", None, None)
    lead.refresh_from_db()
    assert (lead.owner_id, lead.team_id, lead.stage) == (None, None, "mql")
    warning = RoutingWarning.objects.get(lead=lead, resolved_at__isnull=True)
    assert warning.kind == RoutingWarningKind.NO_RULE
    assert Assignment.objects.get(lead=lead).kind == AssignmentKind.FALLBACK
    assert Notification.objects.filter(user=manager_user, kind="routing.warning").count() == 1
    # A manager picks it up from the queue; the warning is resolved.
    rep = UserFactory(username="picker", role=Role.SALES)
    lead_reassign(lead_id=lead.pk, to_user_id=rep.pk, by=manager_user, reason="from the queue")
    warning.refresh_from_db()
    assert warning.resolved_at is not None


def test_team_without_active_reps_is_reported_and_its_leads_wait_until_a_rep_is_back():
    team, reps = team_with_reps(reps=2)
    for rep in reps:
        rep.is_active = False
        rep.save()
    lead = mql_lead()
    result = lead_route(lead_id=lead.pk)
    assert (result.outcome, result.team_id, result.warning) == (
        "queued",
        team.pk,
        RoutingWarningKind.NO_ACTIVE_REPS,
    )
    lead.refresh_from_db()
    assert (lead.owner_id, lead.team_id) == (None, team.pk)
    # Routing again while nobody is back records nothing new.
    lead_route(lead_id=lead.pk)
    assert RoutingWarning.objects.filter(lead=lead).count() == 1
    reps[1].is_active = True
    reps[1].save()
    assert routing_queue_sweep() == 1
    lead.refresh_from_db()
    assert lead.owner_id == reps[1].pk
    assert RoutingWarning.objects.get(lead=lead).resolved_at is not None


def test_out_of_office_reps_are_skipped():
    _, reps = team_with_reps(reps=3)
    reps[0].is_out_of_office = True
    reps[0].save()
    owners = {lead_route(lead_id=mql_lead().pk).user_id for _ in range(6)}
    assert owners == {reps[1].pk, reps[2].pk}


def test_daily_quota_stops_assignment_and_queues_the_rest():
    _, reps = team_with_reps(reps=2, capacity=60)  # 2 leads a day each
    results = [lead_route(lead_id=mql_lead().pk) for _ in range(5)]
    assert [r.outcome for r in results] == ["assigned"] * 4 + ["queued"]
    assert results[-1].warning == RoutingWarningKind.QUOTA_FULL
    assert Lead.objects.filter(owner__in=reps).count() == 4


def test_inactive_rules_and_inactive_teams_are_ignored():
    team, _ = team_with_reps(reps=1)
    team.is_active = False
    team.save()
    assert lead_route(lead_id=mql_lead().pk).outcome == "fallback"


def test_leads_that_moved_on_are_not_routed():
    team_with_reps(reps=1)
    lead = mql_lead()
    Lead.objects.filter(pk=lead.pk).update(stage="disqualified", is_open=False)
    assert lead_route(lead_id=lead.pk).outcome == "skipped"
    assert not Assignment.objects.exists()


def _queued_keys() -> list[str]:
    from django_q.models import OrmQ

    return [row.task["kwargs"].get("job_key", "") for row in OrmQ.objects.all()]


def test_becoming_mql_routes_in_the_same_transaction():
    """The move, the lead.mql event, the assignment, the clocks, the rep's notification and
    its email job are one commit: no routing job waits in the queue."""
    _, reps = team_with_reps(reps=2)
    WebhookEndpoint.objects.create(
        url="https://hooks.example.com/x", secret="whsec_dGVzdA==", events=["lead.mql"]
    )
    lead = lead_create(contact=ContactFactory())
    transition = lead_transition(lead_id=lead.pk, to_stage="mql")
    lead.refresh_from_db()
    assert lead.owner_id in {rep.pk for rep in reps}
    (assignment,) = Assignment.objects.filter(lead=lead)
    assert (assignment.kind, assignment.to_user_id) == (AssignmentKind.AUTO, lead.owner_id)
    assert SlaClock.objects.filter(lead=lead, stopped_at__isnull=True).count() == 2
    notification = Notification.objects.get(user_id=lead.owner_id, kind="lead.assigned")
    assert notification.email_pending
    keys = _queued_keys()
    # No job per e-mail: the outbox's one wake-up (accord.handoff.notifications).
    assert [key.rsplit(":", 1)[0] for key in keys if key.startswith("email:")] == ["email:wake"]
    assert not any(key.startswith("route:") for key in keys)
    assert f"route:{lead.pk}:{transition.pk}" not in keys
    assert WebhookDelivery.objects.filter(event="lead.mql").count() == 1
    assert notification.key == f"assigned:{assignment.pk}"


def test_a_rolled_back_mql_move_leaves_no_assignment():
    from django.db import transaction

    team_with_reps(reps=1)
    lead = lead_create(contact=ContactFactory())
    with pytest.raises(RuntimeError), transaction.atomic():
        lead_transition(lead_id=lead.pk, to_stage="mql")
        assert Assignment.objects.filter(lead=lead).count() == 1  # routed inside
        raise RuntimeError("the caller fails after the move")
    lead.refresh_from_db()
    assert (lead.stage, lead.owner_id) == ("lead", None)
    assert not Assignment.objects.exists()
    assert not SlaClock.objects.exists()
    assert not Notification.objects.exists()
    assert _queued_keys() == []


def test_an_mql_no_rule_matches_waits_in_the_fallback_queue_visibly(manager_user):
    lead = lead_create(contact=ContactFactory())
    lead_transition(lead_id=lead.pk, to_stage="mql")
    lead.refresh_from_db()
    assert (lead.stage, lead.owner_id, lead.team_id) == ("mql", None, None)
    assert RoutingWarning.objects.get(lead=lead).kind == RoutingWarningKind.NO_RULE
    warned = Notification.objects.get(user=manager_user, kind="routing.warning")
    # The managers' fan-out: pending e-mails, sent by the outbox's one wake-up job.
    assert warned.email_pending
    assert [k.rsplit(":", 1)[0] for k in _queued_keys() if k.startswith("email:")] == ["email:wake"]


def test_when_routing_fails_the_mql_still_commits_and_the_job_routes_it_later(caplog):
    """A broken active agreement makes routing raise: the move commits, the error is logged,
    and the routing job is queued in the move's transaction; once fixed, the job routes."""
    from accord.handoff.models import AgreementVersion, VersionStatus
    from accord.handoff.routing_jobs import lead_route_job

    team_with_reps(reps=1)
    active = AgreementVersion.objects.get(status=VersionStatus.ACTIVE)
    content = active.content
    AgreementVersion.objects.filter(pk=active.pk).update(content={"broken": True})
    lead = lead_create(contact=ContactFactory())
    transition = lead_transition(lead_id=lead.pk, to_stage="mql")
    lead.refresh_from_db()
    assert (lead.stage, lead.owner_id) == ("mql", None)
    assert not Assignment.objects.exists()  # the failed routing's writes were rolled back
    assert not Notification.objects.exists()
    key = f"route:{lead.pk}:{transition.pk}"
    assert key in _queued_keys()
    assert "queued for the worker" in caplog.text

    AgreementVersion.objects.filter(pk=active.pk).update(content=content)
    assert lead_route_job(job_key=key, lead_id=lead.pk) == "assigned"
    assert lead_route_job(job_key=key, lead_id=lead.pk) is None  # a second delivery: nothing
    assert Assignment.objects.filter(lead=lead, to_user__isnull=False).count() == 1


def test_reassignment_is_for_managers_with_a_reason(sales_user, manager_user):
    _, reps = team_with_reps(reps=2)
    lead = mql_lead()
    first = lead_route(lead_id=lead.pk).user_id
    other = next(rep for rep in reps if rep.pk != first)
    with pytest.raises(PermissionDenied):
        lead_reassign(lead_id=lead.pk, to_user_id=other.pk, by=sales_user, reason="mine now")
    with pytest.raises(InvalidInput) as error:
        lead_reassign(lead_id=lead.pk, to_user_id=other.pk, by=manager_user, reason=" ")
    assert error.value.field == "reason"
    assert Assignment.objects.filter(lead=lead).count() == 1
    lead_reassign(lead_id=lead.pk, to_user_id=other.pk, by=manager_user, reason="speaks German")
    lead.refresh_from_db()
    assert lead.owner_id == other.pk
    manual = Assignment.objects.filter(lead=lead).order_by("pk").last()
    assert (manual.kind, manual.from_user_id, manual.by_id, manual.reason) == (
        AssignmentKind.MANUAL, first, manager_user.pk, "speaks German",
    )  # fmt: skip
    # The new owner's clocks run; the previous owner's stopped.
    running = SlaClock.objects.filter(lead=lead, stopped_at__isnull=True)
    assert {clock.owner_id for clock in running} == {other.pk}
