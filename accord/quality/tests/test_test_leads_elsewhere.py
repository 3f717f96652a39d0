"""Test leads outside analytics: never in the predictive training set, and no part of a
rep's routing quota or the team page's received count."""

from __future__ import annotations

import pytest
from django.utils import timezone

from accord.accounts.models import Department, Role, Team
from accord.accounts.tests.factories import UserFactory
from accord.contacts.models import Lead
from accord.handoff.inbox.selectors import manager_overview
from accord.handoff.models import Assignment, AssignmentKind
from accord.handoff.routing.assignment import team_loads
from accord.handoff.tests.routing_support import mql_lead
from accord.scoring.predictive.features import FeatureConfig
from accord.scoring.predictive.train import training_frame
from accord.scoring.tests.predictive_support import history_create

pytestmark = pytest.mark.django_db


def test_training_never_learns_from_test_leads():
    history_create(n=60)
    closed = Lead.objects.filter(stage__in=["customer", "lost", "disqualified"]).order_by("pk")
    shoppers = list(closed.values_list("pk", flat=True)[:7])
    before = training_frame(config=FeatureConfig())
    assert set(shoppers) <= set(before.lead_ids.tolist())
    Lead.objects.filter(pk__in=shoppers).update(is_test=True)
    after = training_frame(config=FeatureConfig())
    assert not set(shoppers) & set(after.lead_ids.tolist())
    assert len(after.lead_ids) == len(before.lead_ids) - len(shoppers)


def test_a_test_lead_takes_none_of_the_reps_quota():
    team = Team.objects.create(name="Quota", department=Department.SALES)
    rep = UserFactory(username="quota-rep", role=Role.SALES, team=team)
    head = UserFactory(username="quota-head", role=Role.MANAGER, department="sales", team=team)
    real, shopper = mql_lead(), mql_lead()
    Lead.objects.filter(pk=shopper.pk).update(is_test=True)
    now = timezone.now()
    for lead in (real, shopper):
        Assignment.objects.create(
            lead=lead, to_user=rep, team=team, kind=AssignmentKind.AUTO, at=now
        )
    loads = {load.user_id: load.received_24h for load in team_loads(team_id=team.pk, now=now)}
    assert loads[rep.pk] == 1
    rows = {row.user.pk: row.received_24h for row in manager_overview(manager=head)["reps"]}
    assert rows[rep.pk] == 1
