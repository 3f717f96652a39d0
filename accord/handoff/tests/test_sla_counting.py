"""Which leads count in the reps' SLA statistics (``handoff.sla.counting``): real leads, and
a test lead only when some audit of it says so — the rule, and the hand-off's own figures."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accord.contacts.models import Lead
from accord.handoff.models import AgreementVersion, SlaClock
from accord.handoff.sla.counting import counted_test_ids, counts_in_sla, in_sla_statistics
from accord.handoff.sla.health import queue_health
from accord.handoff.tests.sla_support import handoff_defaults, rep_and_lead  # noqa: F401
from accord.quality.models import Audit, AuditTemplate

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("is_test", "audits", "counted"),
    [
        (False, [], True),
        (False, [False], True),
        (True, [], False),
        (True, [False], False),
        (True, [False, True], True),
        (True, [True], True),
    ],
)
def test_the_rule(is_test, audits, counted):
    assert counts_in_sla(is_test=is_test, audits_count_it=audits) is counted


def _audit(lead, rep, *, counts: bool) -> None:
    template, _ = AuditTemplate.objects.get_or_create(name="Mystery shopper")
    Audit.objects.create(template=template, lead=lead, rep=rep, score=75.0, counts_in_sla=counts)


@pytest.fixture
def leads(handoff_defaults):  # noqa: F811
    """A real lead, a test lead an audit counts, one audited without counting, one not
    audited: each with a running first-attempt clock an hour past its deadline and an
    acceptance clock inside its warning window."""
    rep, real = rep_and_lead()
    Lead.objects.filter(pk=real.pk).update(stage="mql")
    made = {"real": real}
    for name, audited in (("counted", True), ("audited", False), ("plain", None)):
        lead = Lead.objects.create(
            contact=real.contact, owner=rep, team=rep.team, stage="mql", is_test=True
        )
        if audited is not None:
            _audit(lead, rep, counts=audited)
        made[name] = lead
    version = AgreementVersion.objects.order_by("pk").first()
    now = timezone.now()
    for lead in made.values():
        for kind, due, warn in (
            ("first_attempt", now - timedelta(hours=1), now - timedelta(hours=2)),
            ("accept", now + timedelta(hours=1), now - timedelta(minutes=5)),
        ):
            SlaClock.objects.create(
                lead=lead,
                kind=kind,
                owner=rep,
                agreement_version=version,
                started_at=now - timedelta(hours=3),
                due_at=due,
                warn_at=warn,
            )
    return made


def test_the_rule_as_a_filter(leads):
    assert counted_test_ids() == [leads["counted"].pk]
    counted = set(Lead.objects.filter(in_sla_statistics("")).values_list("pk", flat=True))
    assert counted == {leads["real"].pk, leads["counted"].pk}
    clocks = SlaClock.objects.filter(in_sla_statistics("lead"))
    assert set(clocks.values_list("lead_id", flat=True)) == counted


def test_queue_health_counts_the_clocks_of_counted_leads_only(leads):
    health = queue_health()
    # Clocks: the real lead's and the counted test lead's; the queue itself holds all four.
    assert (health.breached, health.due_soon) == (2, 2)
    assert health.waiting == 4


def test_an_audit_that_counts_a_test_lead_adds_its_clocks(leads):
    _audit(leads["plain"], leads["plain"].owner, counts=True)
    assert (queue_health().breached, queue_health().due_soon) == (3, 3)
