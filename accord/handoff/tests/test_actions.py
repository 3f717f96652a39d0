"""Sales actions: the authorization matrix, refusals that write nothing, and each action's
effect on the lead, its clocks and the log."""

from __future__ import annotations

from decimal import Decimal

import pytest

from accord.accounts.models import Role
from accord.accounts.tests.factories import UserFactory
from accord.contacts.models import Lead, StageTransition
from accord.core.errors import (
    DomainError,
    ForbiddenTransition,
    InvalidInput,
    NotFound,
    PermissionDenied,
)
from accord.handoff.inbox import actions
from accord.handoff.inbox.feedback import lead_rate
from accord.handoff.models import Assignment, QualityRating, SlaClock, SlaEvent
from accord.handoff.routing.assignment import lead_reassign, lead_route
from accord.handoff.tests.routing_support import mql_lead, team_with_reps
from accord.integrations.models import WebhookDelivery, WebhookEndpoint
from accord.pipeline.models import Activity, Deal

pytestmark = pytest.mark.django_db


def _snapshot(lead_id: int) -> tuple:
    lead = Lead.objects.get(pk=lead_id)
    return (
        lead.stage,
        lead.owner_id,
        lead.properties,
        StageTransition.objects.filter(lead_id=lead_id).count(),
        Activity.objects.filter(lead_id=lead_id).count(),
        Deal.objects.filter(lead_id=lead_id).count(),
        Assignment.objects.filter(lead_id=lead_id).count(),
        SlaClock.objects.filter(lead_id=lead_id, stopped_at__isnull=True).count(),
        SlaEvent.objects.filter(clock__lead_id=lead_id).count(),
        QualityRating.objects.filter(lead_id=lead_id).count(),
    )


def _routed_lead(stage: str = "mql"):
    _, reps = team_with_reps(reps=1)
    lead = mql_lead()
    lead_route(lead_id=lead.pk)
    owner = reps[0]
    if stage in ("sal", "sql"):
        actions.lead_accept(lead_id=lead.pk, by=owner)
    if stage == "sql":
        actions.lead_qualify(lead_id=lead.pk, by=owner, bant=actions.Bant(need="CRM"))
    return lead, owner


ACTIONS = {
    "accept": ("mql", lambda lead, by: actions.lead_accept(lead_id=lead.pk, by=by)),
    "reject": (
        "mql",
        lambda lead, by: actions.lead_reject(lead_id=lead.pk, by=by, reason_code="no_budget"),
    ),
    "log_attempt": (
        "mql",
        lambda lead, by: actions.lead_attempt_log(lead_id=lead.pk, by=by, outcome="no_answer"),
    ),
    "qualify": (
        "sal",
        lambda lead, by: actions.lead_qualify(
            lead_id=lead.pk, by=by, bant=actions.Bant(budget="10k", need="pipeline")
        ),
    ),
    "open_deal": (
        "sql",
        lambda lead, by: actions.lead_deal_open(lead_id=lead.pk, by=by, name="Deal", amount="5000"),
    ),
    "rate": ("mql", lambda lead, by: lead_rate(lead_id=lead.pk, by=by, rating=4)),
}

# Who may do what (accord.accounts.policy): the lead's owner, a sales manager or an
# administrator; never marketing (nor its manager), never another rep (to whom the lead does
# not exist). Reassignment is for sales managers and administrators only.
ALLOWED = {
    "owner": True,
    "other_rep": False,
    "manager": True,
    "marketing_manager": False,
    "marketing": False,
    "admin": True,
}
REFUSAL = {"other_rep": NotFound}


def _actor(who: str, owner):
    return {
        "owner": lambda: owner,
        "other_rep": lambda: UserFactory(username="other-rep", role=Role.SALES),
        "manager": lambda: UserFactory(username="boss", role=Role.MANAGER, department="sales"),
        "marketing_manager": lambda: UserFactory(
            username="mboss", role=Role.MANAGER, department="marketing"
        ),
        "marketing": lambda: UserFactory(username="marketer", role=Role.MARKETING),
        "admin": lambda: UserFactory(username="root", role=Role.ADMIN),
    }[who]()


@pytest.mark.parametrize("who", list(ALLOWED))
@pytest.mark.parametrize("action", list(ACTIONS))
def test_authorization_matrix(action, who):
    stage, run = ACTIONS[action]
    lead, owner = _routed_lead(stage)
    actor = _actor(who, owner)
    before = _snapshot(lead.pk)
    if ALLOWED[who]:
        run(lead, actor)
        assert _snapshot(lead.pk) != before
    else:
        with pytest.raises(REFUSAL.get(who, PermissionDenied)):
            run(lead, actor)
        assert _snapshot(lead.pk) == before


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("owner", False),
        ("other_rep", False),
        ("manager", True),
        ("marketing_manager", False),
        ("marketing", False),
        ("admin", True),
    ],
)
def test_authorization_matrix_reassign(who, allowed):
    lead, owner = _routed_lead()
    actor = _actor(who, owner)
    target = UserFactory(username="target-rep", role=Role.SALES)
    before = _snapshot(lead.pk)
    if allowed:
        lead_reassign(lead_id=lead.pk, to_user_id=target.pk, by=actor, reason="coverage")
        assert Lead.objects.get(pk=lead.pk).owner_id == target.pk
    else:
        with pytest.raises(PermissionDenied):
            lead_reassign(lead_id=lead.pk, to_user_id=target.pk, by=actor, reason="coverage")
        assert _snapshot(lead.pk) == before


def test_accept_moves_to_sal_stops_the_accept_clock_and_emits():
    WebhookEndpoint.objects.create(
        url="https://hooks.example.com/x", secret="whsec_dGVzdA==", events=["lead.accepted"]
    )
    lead, owner = _routed_lead()
    actions.lead_accept(lead_id=lead.pk, by=owner)
    lead.refresh_from_db()
    assert lead.stage == "sal"
    running = SlaClock.objects.filter(lead=lead, stopped_at__isnull=True)
    assert [clock.kind for clock in running] == ["first_attempt"]
    assert WebhookDelivery.objects.filter(event="lead.accepted").count() == 1


def test_accepting_twice_is_refused_and_writes_nothing():
    lead, owner = _routed_lead()
    actions.lead_accept(lead_id=lead.pk, by=owner)
    before = _snapshot(lead.pk)
    with pytest.raises(ForbiddenTransition):
        actions.lead_accept(lead_id=lead.pk, by=owner)
    assert _snapshot(lead.pk) == before


@pytest.mark.parametrize("code", ["", "   ", "made_up"])
def test_rejection_needs_a_reason_from_the_agreement(code):
    lead, owner = _routed_lead()
    before = _snapshot(lead.pk)
    with pytest.raises(InvalidInput) as error:
        actions.lead_reject(lead_id=lead.pk, by=owner, reason_code=code, comment="meh")
    assert error.value.field == "reason_code"
    assert _snapshot(lead.pk) == before


def test_rejection_recycles_or_disqualifies_by_reason_and_logs_why():
    WebhookEndpoint.objects.create(
        url="https://hooks.example.com/x",
        secret="whsec_dGVzdA==",
        events=["lead.rejected", "lead.recycled"],
    )
    lead, owner = _routed_lead()
    transition = actions.lead_reject(
        lead_id=lead.pk, by=owner, reason_code="bad_timing", comment="call back in Q3"
    )
    assert transition.to_stage == "recycled"
    assert transition.details["rejection_reason"] == "bad_timing"
    assert "call back in Q3" in transition.reason
    assert not SlaClock.objects.filter(lead=lead, stopped_at__isnull=True).exists()
    assert sorted(WebhookDelivery.objects.values_list("event", flat=True)) == [
        "lead.recycled",
        "lead.rejected",
    ]
    other = mql_lead()
    lead_route(lead_id=other.pk)
    assert (
        actions.lead_reject(lead_id=other.pk, by=owner, reason_code="not_a_fit").to_stage
        == "disqualified"
    )


def test_log_attempt_records_the_activity_and_stops_the_first_attempt_clock():
    lead, owner = _routed_lead()
    activity = actions.lead_attempt_log(
        lead_id=lead.pk, by=owner, kind="call", outcome="voicemail", notes="left a message"
    )
    assert (activity.lead_id, activity.user_id, activity.outcome) == (
        lead.pk,
        owner.pk,
        "voicemail",
    )
    running = SlaClock.objects.filter(lead=lead, stopped_at__isnull=True)
    assert [clock.kind for clock in running] == ["accept"]
    with pytest.raises(DomainError):
        actions.lead_attempt_log(lead_id=lead.pk, by=owner, outcome="shouted")


def test_qualify_needs_bant_need_and_keeps_the_answers():
    lead, owner = _routed_lead("sal")
    with pytest.raises(InvalidInput) as error:
        actions.lead_qualify(lead_id=lead.pk, by=owner, bant=actions.Bant(budget="10k"))
    assert error.value.field == "need"
    bant = actions.Bant(budget="10k", authority="CFO", need="forecasting", timeline="Q3")
    transition = actions.lead_qualify(lead_id=lead.pk, by=owner, bant=bant)
    lead.refresh_from_db()
    assert lead.stage == "sql" and lead.properties["bant"]["authority"] == "CFO"
    assert transition.details["bant"]["timeline"] == "Q3"


def test_open_deal_creates_the_deal_and_moves_to_opportunity():
    lead, owner = _routed_lead("sql")
    deal = actions.lead_deal_open(lead_id=lead.pk, by=owner, name="Pilot", amount="12000.50")
    lead.refresh_from_db()
    assert lead.stage == "opportunity"
    assert (deal.lead_id, deal.owner_id, deal.amount) == (lead.pk, owner.pk, Decimal("12000.50"))


def test_rating_is_one_to_five_and_replaced_on_rerating():
    lead, owner = _routed_lead()
    with pytest.raises(InvalidInput):
        lead_rate(lead_id=lead.pk, by=owner, rating=6)
    lead_rate(lead_id=lead.pk, by=owner, rating=2)
    lead_rate(lead_id=lead.pk, by=owner, rating=5, comment="great fit")
    assert list(QualityRating.objects.values_list("rating", "comment")) == [(5, "great fit")]
