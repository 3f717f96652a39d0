"""A hand-built quarter of deals for the promotion report; every number in its tests is
counted here.

Product Widget: list 1,000, unit cost 400 (margin at list 60 %). Promotion SPRING30: 30 % off,
fixed cost 300, cost per deal 50 (USD). Every deal: one Widget, created 2026-01-10 in the
default pipeline, reached "proposal"; won deals close after 60 days at full price, after
30 at the promotion; lost ones on 03-20. Large accounts: 1,000 employees, Manufacturing, DE,
leads graded A; small ones: 20 employees, Retail, RU, graded C (and so at hand-off: the deals
keep that grade).

Full price (ann)     large: F1 won (EUR, 1.1 USD), F2 won, F3 lost, F4 lost
                     small: F5 won, F6 lost, F7 lost, F8 lost
                     + G1 won in GBP (no rate: left out)
SPRING30 (bob)       large: P1 won, P2 won          (P1-P3 linked by hand,
                     small: P3 won, P4 won, P5 won, P6 lost     P4-P6 through their line)

Later deals (created 2026-05, outside the quarter): F2's account won again; P1's account won
again; P3's account lost a renewal.
Discount approvals: P1 asked 30 % (manager) approved 30; P2 asked 35 % (manager) approved
30; P6 asked 40 % (admin) rejected.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from accord.accounts.models import Department, Role, Team, User
from accord.contacts.models import Account, Contact, Lead
from accord.pipeline.models import (
    Deal,
    DealLineItem,
    DealPromotion,
    DealStageChange,
    DiscountApproval,
    ExchangeRate,
    Pipeline,
    Product,
    Promotion,
    default_pipeline_seed,
)

START, END = date(2026, 1, 1), date(2026, 3, 31)
CREATED = datetime(2026, 1, 10, 10, tzinfo=UTC)
LOST_AT = datetime(2026, 3, 20, 10, tzinfo=UTC)

# name: (owner, size, outcome, currency, promotion link: "", "explicit" or "line")
DEALS = {
    "F1": ("ann", "large", "won", "EUR", ""),
    "F2": ("ann", "large", "won", "USD", ""),
    "F3": ("ann", "large", "lost", "USD", ""),
    "F4": ("ann", "large", "lost", "USD", ""),
    "F5": ("ann", "small", "won", "USD", ""),
    "F6": ("ann", "small", "lost", "USD", ""),
    "F7": ("ann", "small", "lost", "USD", ""),
    "F8": ("ann", "small", "lost", "USD", ""),
    "G1": ("ann", "small", "won", "GBP", ""),
    "P1": ("bob", "large", "won", "USD", "explicit"),
    "P2": ("bob", "large", "won", "USD", "explicit"),
    "P3": ("bob", "small", "won", "USD", "explicit"),
    "P4": ("bob", "small", "won", "USD", "line"),
    "P5": ("bob", "small", "won", "USD", "line"),
    "P6": ("bob", "small", "lost", "USD", "line"),
}
SIZES = {"large": (1000, "Manufacturing", "DE", "A"), "small": (20, "Retail", "RU", "C")}


def _line(deal, product, promotion=None, percent=Decimal(0)):
    gross = product.list_price
    discount = (gross * percent / 100).quantize(Decimal("0.01"))
    return DealLineItem.objects.create(
        deal=deal, product=product, quantity=1, currency=deal.currency,
        list_price=gross, discount_percent=percent, unit_cost=product.unit_cost,
        gross_amount=gross, net_amount=gross - discount, cost_amount=product.unit_cost,
        promotion=promotion,
    )  # fmt: skip


def _deal(name, owner, pipeline, size, outcome, currency, *, created=CREATED, promo=False):
    employees, industry, country, grade = SIZES[size]
    account = Account.objects.create(name=f"{name} Ltd", employees=employees,
                                     industry=industry, country=country)  # fmt: skip
    contact = Contact.objects.create(email=f"{name.lower()}@example.com", account=account)
    lead = Lead.objects.create(contact=contact, owner=owner, grade=grade, created_at=created)
    won_after = timedelta(days=30 if promo else 60)
    closed = created + won_after if outcome == "won" else LOST_AT
    deal = Deal.objects.create(
        name=name, owner=owner, pipeline=pipeline, lead=lead, account=account, stage=outcome,
        amount=Decimal(700 if promo else 1000), currency=currency, created_at=created,
        closed_at=closed, stage_entered_at=closed, lost_reason="price" if outcome == "lost" else "",
        handoff_grade=grade,
    )  # fmt: skip
    for stage, when in (("proposal", created + timedelta(days=5)), (outcome, closed)):
        DealStageChange.objects.create(deal=deal, pipeline=pipeline, to_stage=stage, at=when,
                                       amount=deal.amount, source="demo")  # fmt: skip
    return deal


def promotions_seed() -> dict:
    pipeline = Pipeline.objects.filter(is_default=True).first() or default_pipeline_seed()
    team = Team.objects.create(name="North", department=Department.SALES)
    users = {
        name: User.objects.create(
            username=name, role=Role.SALES, team=team, department=Department.SALES
        )
        for name in ("ann", "bob")
    }
    widget = Product.objects.create(sku="W-1", name="Widget", list_price=1000, unit_cost=400)
    spring = Promotion.objects.create(
        name="Spring 30", code="SPRING30", starts_on=date(2026, 1, 1), ends_on=date(2026, 3, 31),
        discount_kind="percent", discount_value=30, fixed_cost=300, cost_per_deal=50,
    )  # fmt: skip
    ExchangeRate.objects.create(currency="EUR", date=date(2025, 12, 1), rate=Decimal("1.1"))
    ExchangeRate.objects.create(currency="EUR", date=date(2026, 6, 1), rate=Decimal("2.0"))
    deals = {}
    for name, (owner, size, outcome, currency, link) in DEALS.items():
        deal = _deal(name, users[owner], pipeline, size, outcome, currency, promo=bool(link))
        if link == "line":
            _line(deal, widget, spring, Decimal(30))
        elif link == "explicit":
            _line(deal, widget, None, Decimal(30))
            DealPromotion.objects.create(deal=deal, promotion=spring, source="explicit")
        else:
            _line(deal, widget)
        deals[name] = deal
    later = datetime(2026, 5, 4, 10, tzinfo=UTC)
    for name, outcome in (("F2", "won"), ("P1", "won"), ("P3", "lost")):
        first = deals[name]
        Deal.objects.create(
            name=f"{name} renewal", owner=first.owner, pipeline=pipeline,
            account=first.account, stage=outcome, amount=Decimal(1000), created_at=later,
            closed_at=later + timedelta(days=10), lost_reason="price" if outcome == "lost" else "",
        )  # fmt: skip
    for name, level, asked, status, granted in (
        ("P1", "manager", 30, "approved", 30),
        ("P2", "manager", 35, "approved", 30),
        ("P6", "admin", 40, "rejected", None),
    ):
        DiscountApproval.objects.create(
            deal=deals[name], requested_by=users["bob"], requested_percent=asked,
            required_level=level, status=status, approved_percent=granted,
        )  # fmt: skip
    return {"pipeline": pipeline, "users": users, "deals": deals, "promotion": spring}
