"""The discount ladder: who may grant what, requests and decisions, the exceptions register."""

from __future__ import annotations

from decimal import Decimal

import pytest

from accord.accounts.models import Department, Role, Team
from accord.accounts.tests.factories import UserFactory
from accord.core.errors import InvalidInput, PermissionDenied
from accord.pipeline.models import DiscountApproval
from accord.pipeline.products import rules, selectors, services
from accord.pipeline.products.tests.factories import DealFactory, ProductFactory

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def people():
    north = Team.objects.create(name="North", department=Department.SALES)
    south = Team.objects.create(name="South", department=Department.SALES)
    return {
        "rep": UserFactory(role=Role.SALES, department="sales", team=north),
        "head": UserFactory(role=Role.MANAGER, department="sales", team=north),
        "south_head": UserFactory(role=Role.MANAGER, department="sales", team=south),
        "marketing_head": UserFactory(role=Role.MANAGER, department="marketing"),
        "admin": UserFactory(role=Role.ADMIN),
    }


def _line(owner, percent, by):
    deal = DealFactory(owner=owner)
    product = ProductFactory(list_price=D("1000"), unit_cost=D("500"))
    return services.line_item_add(
        deal_id=deal.pk,
        product_id=product.pk,
        quantity=1,
        discount_percent=D(percent),
        by=by,
        reason="competitor quote",
    )


def test_the_ladder_rules():
    bands = [(D(10), "rep"), (D(20), "manager"), (D(100), "admin")]
    assert rules.required_level(D("0"), bands) == "rep"
    assert rules.required_level(D("10"), bands) == "rep"
    assert rules.required_level(D("10.01"), bands) == "manager"
    assert rules.required_level(D("20"), bands) == "manager"
    assert rules.required_level(D("35"), bands) == "admin"
    assert rules.level_limit("rep", bands) == D(10)
    assert rules.level_limit("manager", bands) == D(20)
    with pytest.raises(InvalidInput):
        rules.bands_check([(D(10), "manager"), (D(20), "rep")])


def test_within_the_reps_band_needs_nothing(people):
    _line(people["rep"], "10", people["rep"])
    assert not DiscountApproval.objects.exists()
    assert selectors.discounts_without_approval() == []


def test_above_the_band_goes_to_the_queue_and_the_head_decides(people):
    line = _line(people["rep"], "15", people["rep"])
    approval = DiscountApproval.objects.get()
    assert (approval.status, approval.requested_percent, approval.required_level) == (
        "pending",
        D("15.00"),
        "manager",
    )
    assert approval.reason == "competitor quote" and approval.requested_by == people["rep"]
    [unapproved] = selectors.discounts_without_approval()
    assert unapproved.line == line and unapproved.pending
    for outsider in ("rep", "south_head", "marketing_head"):
        with pytest.raises(PermissionDenied):
            services.discount_approval_decide(
                approval_id=approval.pk, by=people[outsider], approve=True
            )
    decided = services.discount_approval_decide(
        approval_id=approval.pk, by=people["head"], approve=True, note="matches the quote"
    )
    assert (decided.status, decided.approved_percent, decided.approver) == (
        "approved",
        D("15.00"),
        people["head"],
    )
    assert decided.decided_at is not None
    assert selectors.discounts_without_approval() == []
    assert list(selectors.approvals_granted()) == [decided]
    with pytest.raises(InvalidInput) as again:
        services.discount_approval_decide(
            approval_id=approval.pk, by=people["admin"], approve=False
        )
    assert again.value.code == "already_decided"


def test_partial_approval_leaves_the_line_in_the_register(people):
    _line(people["rep"], "18", people["rep"])
    approval = DiscountApproval.objects.get()
    with pytest.raises(InvalidInput) as deeper:
        services.discount_approval_decide(
            approval_id=approval.pk, by=people["head"], approve=True, approved_percent="19"
        )
    assert deeper.value.field == "approved_percent"
    services.discount_approval_decide(
        approval_id=approval.pk, by=people["head"], approve=True, approved_percent="12"
    )
    [unapproved] = selectors.discounts_without_approval()
    assert (unapproved.percent, unapproved.approved, unapproved.pending) == (
        D("18.00"),
        D("12.00"),
        False,
    )


def test_a_head_grants_within_their_band_at_once_and_only_admins_above(people):
    _line(people["rep"], "20", people["head"])
    granted = DiscountApproval.objects.get()
    assert (granted.status, granted.approver, granted.approved_percent) == (
        "approved",
        people["head"],
        D("20.00"),
    )
    _line(people["rep"], "30", people["head"])
    pending = DiscountApproval.objects.get(status="pending")
    assert pending.required_level == "admin"
    with pytest.raises(PermissionDenied):
        services.discount_approval_decide(approval_id=pending.pk, by=people["head"], approve=True)
    services.discount_approval_decide(approval_id=pending.pk, by=people["admin"], approve=True)


def test_lowering_the_discount_withdraws_the_request(people):
    line = _line(people["rep"], "15", people["rep"])
    services.line_item_update(
        deal_id=line.deal_id,
        line_item_id=line.pk,
        changes={"discount_percent": D("5")},
        by=people["rep"],
    )
    assert DiscountApproval.objects.get().status == "withdrawn"
    assert not selectors.approvals_pending().exists()


def test_the_ladder_can_be_replaced():
    services.discount_bands_set(bands=[("5", "rep"), ("25", "manager"), ("100", "admin")])
    assert services.bands_current()[0] == (D("5.00"), "rep")
    with pytest.raises(InvalidInput):
        services.discount_bands_set(bands=[("30", "admin"), ("50", "rep")])
