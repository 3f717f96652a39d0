"""Shared set-up of the SLA tests: the two heads of department, and a lead with an owner."""

from __future__ import annotations

import pytest
from django.test import TestCase
from django.utils.module_loading import import_string
from django_q.models import OrmQ

from accord.accounts.models import Department, Role
from accord.accounts.tests.factories import TeamFactory, UserFactory
from accord.contacts.tests.factories import LeadFactory


def marketing_head():
    return UserFactory(
        username="head-of-marketing", role=Role.MANAGER, department=Department.MARKETING
    )


def sales_head(team=None):
    return UserFactory(
        username="head-of-sales", role=Role.MANAGER, department=Department.SALES, team=team
    )


def rep_and_lead(*, score: int = 10, team_name: str = "Inside sales"):
    team = TeamFactory(name=team_name)
    rep = UserFactory(role=Role.SALES, department=Department.SALES, team=team)
    lead = LeadFactory(owner=rep, team=team, score=score)
    return rep, lead


@pytest.fixture
def handoff_defaults(db):
    """The seeded calendar and agreement (a transactional test elsewhere may have flushed them)."""
    from accord.handoff.agreement.services import defaults_ensure

    return defaults_ensure()


def handoff_jobs_run(*, prefix: str = "") -> int:
    """Run (and remove) every queued job once, like a worker would; return how many ran."""
    ran = 0
    for row in list(OrmQ.objects.order_by("pk")):
        task = row.task
        if prefix and not task["func"].startswith(prefix):
            continue
        # Like the worker, run what the job leaves for after its commit (the e-mail outbox).
        with TestCase.captureOnCommitCallbacks(execute=True):
            import_string(task["func"])(*task.get("args", ()), **task.get("kwargs", {}))
        row.delete()
        ran += 1
    return ran
