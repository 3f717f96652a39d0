"""The sweep and its jobs: warn, then breach and escalate once; and a real worker killed with
``kill -9`` mid-escalation still escalates each breach exactly once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from django_q.models import OrmQ

from accord.accounts.models import Department, Role
from accord.accounts.tests.factories import TeamFactory, UserFactory
from accord.contacts.tests.factories import LeadFactory
from accord.core.models import JobReceipt
from accord.core.tests.test_worker import start_worker, wait_until  # noqa: F401 (fixture)
from accord.handoff.agreement import services
from accord.handoff.jobs import sla_clock_breach, sla_clocks_sweep
from accord.handoff.models import Notification, SlaClock, SlaEvent
from accord.handoff.sla import clocks
from accord.handoff.tests.sla_support import handoff_defaults, handoff_jobs_run

ALL_DAY = {day: [["00:00", "24:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


def _round_the_clock_team(name: str):
    """A team working 24/7, so deadlines are plain hours from now whatever day tests run."""
    team = TeamFactory(name=name)
    admin = UserFactory(username=f"admin-{name}", role=Role.ADMIN)
    services.calendar_create(
        user=admin, name=f"{name} 24/7", time_zone="UTC", working_hours=ALL_DAY, team_id=team.pk
    )
    manager = UserFactory(
        username=f"manager-{name}", role=Role.MANAGER, department=Department.SALES, team=team
    )
    return team, manager


@pytest.mark.django_db
@pytest.mark.usefixtures(handoff_defaults.__name__)
def test_the_sweep_warns_the_rep_then_breaches_and_escalates_to_the_manager_once():
    team, manager = _round_the_clock_team("Night shift")
    rep = UserFactory(role=Role.SALES, team=team, email="rep@example.com")
    lead = LeadFactory(owner=rep, team=team, score=10)
    now = timezone.now()
    # Accept within 4 h, warned 30 min before: started 3 h 45 min ago → warning due, not breach.
    clocks.sla_clocks_start(lead_id=lead.pk, owner_id=rep.pk, at=now - timedelta(minutes=225))
    accept = SlaClock.objects.get(lead=lead, kind="accept")

    assert sla_clocks_sweep() == 1
    assert sla_clocks_sweep() == 0  # already queued: not queued again
    assert handoff_jobs_run(prefix="accord.handoff.jobs") == 1
    accept.refresh_from_db()
    assert accept.warned_at is not None and accept.breached_at is None
    assert Notification.objects.filter(user=rep, kind="sla.warning").count() == 1
    handoff_jobs_run()  # the e-mail job
    assert [m.to for m in mail.outbox] == [["rep@example.com"]]

    # Time passes: the deadline is behind us.
    SlaClock.objects.filter(pk=accept.pk).update(due_at=now - timedelta(minutes=1))
    assert sla_clocks_sweep() == 1
    assert handoff_jobs_run(prefix="accord.handoff.jobs") == 1
    accept.refresh_from_db()
    assert accept.breached_at == now - timedelta(minutes=1) and accept.escalated_at is not None
    assert list(accept.events.values_list("kind", flat=True)) == [
        "started", "warned", "breached", "escalated"
    ]  # fmt: skip
    assert Notification.objects.filter(user=manager, kind="sla.breached").count() == 1
    # A second delivery of the same job, or a later sweep, escalates nothing more.
    assert sla_clock_breach(job_key=f"sla.breach:{accept.pk}", clock_id=accept.pk) is None
    assert sla_clocks_sweep() == 0
    assert accept.events.filter(kind="escalated").count() == 1

    # The first-attempt clock was satisfied in time: no warning, no breach, ever.
    clocks.sla_clocks_stop(lead_id=lead.pk, reason="attempt_logged")
    SlaClock.objects.filter(lead=lead, kind="first_attempt").update(
        due_at=timezone.now() - timedelta(minutes=1)
    )
    assert sla_clocks_sweep() == 0


@pytest.mark.django_db
@pytest.mark.usefixtures(handoff_defaults.__name__)
def test_reassign_on_breach_is_recorded():
    active = services.defaults_ensure()
    active.content["escalation"]["reassign_on_breach"] = True
    active.save(update_fields=["content"])
    team, _manager = _round_the_clock_team("Day shift")
    rep = UserFactory(role=Role.SALES, team=team)
    lead = LeadFactory(owner=rep, team=team)
    clocks.sla_clocks_start(
        lead_id=lead.pk, owner_id=rep.pk, at=timezone.now() - timedelta(hours=5)
    )
    assert sla_clocks_sweep() == 1  # accept (4 h) breached; first attempt (8 h) not yet
    handoff_jobs_run(prefix="accord.handoff.jobs")
    clock = SlaClock.objects.get(lead=lead, kind="accept")
    kinds = list(clock.events.values_list("kind", flat=True))
    assert kinds[:2] == ["started", "breached"] and kinds[-1] == "escalated"
    assert kinds[2] in ("reassigned", "reassignment_requested")
    assert clock.events.get(kind="escalated").details["reassignment"] in ("done", "requested")


@pytest.mark.slow
def test_a_worker_killed_during_escalations_escalates_each_breach_exactly_once(
    start_worker,  # noqa: F811
    transactional_db,
):
    services.defaults_ensure()
    team, manager = _round_the_clock_team("Escalations")
    started_at = timezone.now() - timedelta(hours=9)  # both clocks (4 h, 8 h) are past due
    for number in range(25):
        rep = UserFactory(username=f"rep-{number}", role=Role.SALES, team=team)
        lead = LeadFactory(owner=rep, team=team, score=10)
        clocks.sla_clocks_start(lead_id=lead.pk, owner_id=rep.pk, at=started_at)
    breaches = SlaClock.objects.count()
    assert breaches == 50
    assert sla_clocks_sweep() == breaches

    def escalated() -> int:
        return SlaEvent.objects.filter(kind="escalated").count()

    first = start_worker(retry_seconds=4)
    wait_until(lambda: escalated() >= 3, "the first escalations", [first])
    first.kill_hard()
    second = start_worker(retry_seconds=4)
    wait_until(lambda: escalated() >= breaches, "every breach to be escalated", [first, second])
    wait_until(lambda: not OrmQ.objects.exists(), "the queue to drain", [first, second])

    assert escalated() == breaches
    for clock in SlaClock.objects.all():
        assert clock.events.filter(kind="escalated").count() == 1, clock
        assert clock.events.filter(kind="breached").count() == 1, clock
        assert clock.escalated_at is not None
    assert JobReceipt.objects.filter(key__startswith="sla.breach:").count() == breaches
    assert Notification.objects.filter(user=manager, kind="sla.breached").count() == breaches
