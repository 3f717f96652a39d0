"""Plans' writes: who may change and approve them, impossible input refused with nothing
saved, the approval by both heads (two people), and the history in people's words."""

from __future__ import annotations

import pytest

from accord.accounts.models import Department, Role
from accord.accounts.tests.factories import UserFactory
from accord.core.errors import InvalidInput, PermissionDenied
from accord.planning import selectors, services
from accord.planning.models import Plan, PlanRevision, PlanScenario, PlanStatus
from accord.planning.tests.planning_support import plan_content, plan_seed


@pytest.fixture
def people(db):
    return {
        "marketing_head": UserFactory(
            username="mh", role=Role.MANAGER, department=Department.MARKETING
        ),
        "sales_head": UserFactory(username="sh", role=Role.MANAGER, department=Department.SALES),
        "admin": UserFactory(username="ad", role=Role.ADMIN),
        "marketer": UserFactory(username="mk", role=Role.MARKETING),
        "rep": UserFactory(username="rp", role=Role.SALES),
    }


def test_both_heads_approve_and_the_history_says_what_changed(people):
    plan = plan_seed(user=people["marketing_head"])
    services.plan_update(
        user=people["sales_head"],
        plan_id=plan.pk,
        changes={"rates": {"mql_sal": 0.6}, "deal_size": 12000},
    )
    services.plan_submit(user=people["sales_head"], plan_id=plan.pk)
    services.plan_approve(user=people["marketing_head"], plan_id=plan.pk)
    assert Plan.objects.get(pk=plan.pk).status == PlanStatus.PENDING
    with pytest.raises(InvalidInput):
        services.plan_approve(user=people["marketing_head"], plan_id=plan.pk)
    services.plan_approve(user=people["sales_head"], plan_id=plan.pk)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.APPROVED and plan.approved_at is not None
    rows = selectors.history_rows(plan)
    assert [r.revision.action for r in rows] == [
        "approved", "approved", "submitted", "edited", "created"
    ]  # fmt: skip
    assert [r.side for r in rows[:2]] == ["sales", "marketing"]
    edited = rows[3]
    assert [(c.label, c.old, c.new) for c in edited.changes] == [
        ("Average deal size", 10000.0, 12000.0),
        ("Conversion MQLs → SALs", 0.8, 0.6),
    ]


def test_editing_an_approved_plan_returns_it_to_draft(people):
    plan = plan_seed(user=people["admin"])
    services.plan_submit(user=people["admin"], plan_id=plan.pk)
    services.plan_approve(user=people["marketing_head"], plan_id=plan.pk)
    services.plan_approve(user=people["sales_head"], plan_id=plan.pk)
    services.plan_update(user=people["admin"], plan_id=plan.pk, changes={"revenue_target": 1e5})
    plan.refresh_from_db()
    assert plan.status == PlanStatus.DRAFT
    assert plan.marketing_approved_by_id is None and plan.sales_approved_by_id is None


def test_one_person_cannot_sign_both_sides(people):
    head = people["marketing_head"]
    plan = plan_seed(user=head)
    services.plan_submit(user=head, plan_id=plan.pk)
    services.plan_approve(user=head, plan_id=plan.pk)
    head.department = Department.SALES
    head.save()
    with pytest.raises(PermissionDenied):
        services.plan_approve(user=head, plan_id=plan.pk)
    assert Plan.objects.get(pk=plan.pk).sales_approved_by_id is None


@pytest.mark.parametrize("who", ["marketer", "rep"])
def test_marketers_and_reps_read_but_do_not_write(people, who):
    plan = plan_seed(user=people["marketing_head"])
    services.plan_submit(user=people["marketing_head"], plan_id=plan.pk)
    with pytest.raises(PermissionDenied):
        plan_seed(user=people[who])
    with pytest.raises(PermissionDenied):
        services.plan_update(user=people[who], plan_id=plan.pk, changes={"deal_size": 1})
    with pytest.raises(PermissionDenied):
        services.plan_approve(user=people[who], plan_id=plan.pk)
    assert selectors.plan_get(plan.pk) is not None


def test_an_administrator_edits_but_does_not_sign(people):
    plan = plan_seed(user=people["admin"])
    services.plan_submit(user=people["admin"], plan_id=plan.pk)
    with pytest.raises(PermissionDenied):
        services.plan_approve(user=people["admin"], plan_id=plan.pk)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"rates": {"lead_mql": 1.5}}, "rates.lead_mql"),
        ({"deal_size": 0}, "deal_size"),
        ({"channels": {"email": {"budget": -10}}}, "channels.email.budget"),
    ],
)
def test_impossible_assumptions_save_nothing(people, changes, field):
    plan = plan_seed(user=people["marketing_head"])
    before = (Plan.objects.get(pk=plan.pk).content, PlanRevision.objects.count())
    with pytest.raises(InvalidInput) as error:
        services.plan_update(user=people["sales_head"], plan_id=plan.pk, changes=changes)
    assert error.value.field == field
    assert (Plan.objects.get(pk=plan.pk).content, PlanRevision.objects.count()) == before


def test_a_bad_new_plan_is_not_created(people):
    with pytest.raises(InvalidInput) as error:
        plan_seed(user=people["marketing_head"], deal_size=-1)
    assert error.value.field == "deal_size"
    with pytest.raises(InvalidInput) as error:
        services.plan_create(
            user=people["marketing_head"], name="x", period_kind="quarter",
            start_month="2026-13", window_start=None, window_end=None, revenue_target=1,
            content=plan_content(),
        )  # fmt: skip
    assert error.value.field == "start_month"
    assert not Plan.objects.exists()


def test_scenarios_compare_channel_mixes(people):
    channels = {
        "paid-search": {"budget": 1000, "cpl": 50, "lead_mql": 0.5, "share": 1},
        "email": {"budget": 0, "cpl": None, "lead_mql": 0.5, "share": 1},
    }
    plan = plan_seed(user=people["marketing_head"], channels=channels)
    services.scenario_save(
        user=people["marketing_head"], plan_id=plan.pk, name="More paid search",
        budgets={"paid-search": 2000, "email": 0},
    )  # fmt: skip
    with pytest.raises(InvalidInput) as error:
        services.scenario_save(
            user=people["marketing_head"], plan_id=plan.pk, name="Bad", budgets={"events": 1}
        )
    assert error.value.field == "budgets.events"
    with pytest.raises(InvalidInput):
        services.scenario_save(
            user=people["marketing_head"], plan_id=plan.pk, name="More paid search",
            budgets={"paid-search": 1},
        )  # fmt: skip
    assert PlanScenario.objects.count() == 1
    worked = selectors.plan_worked(plan)
    base, more = worked.scenarios
    # 1,000 / 50 x 0.5 = 10 MQLs bought; doubled budget, 20; plus email's free MQLs.
    assert more.outcome.mqls - base.outcome.mqls == pytest.approx(10)
    assert more.outcome.revenue > base.outcome.revenue
