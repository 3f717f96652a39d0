"""A tiny hand-made company for the analytics tests; every number in the tests is counted
from the rows written here.

Period: March 2025. Channels: paid-search (spend 300, 1000 impressions, 100 clicks),
email (spend 0). Leads (created):

- A  paid-search, 2025-03-01 10:00, owner rep1: lead → MQL 03-02 10:00 (contact 03-02 10:30)
     → SAL 03-03 10:00 → SQL 03-05 10:00 → opportunity 03-10 10:00 → customer 04-10 10:00;
     won deal 1000 closed 04-10.
- B  paid-search, 2025-03-05 09:00, owner rep1: MQL 03-06 09:00 (contact 03-06 12:00)
     → disqualified 03-07 09:00 ("no budget").
- C  email, 2025-03-20 08:00, owner rep2: MQL 03-21 08:00 (never contacted) → SAL 03-22 08:00
     → recycled 03-25 08:00 ("bad timing"); open deal 500 created 03-23.
- D  email, 2025-02-15 12:00 (before the period), owner rep2: MQL 03-01 12:00 → SAL 03-02 12:00.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from accord.accounts.models import Team, User
from accord.contacts.models import Contact, Lead, StageTransition
from accord.pipeline.models import Activity, Deal
from accord.tracking.models import Campaign, Channel, SpendEntry, Touchpoint

START, END = date(2025, 3, 1), date(2025, 3, 31)


def at(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2025, month, day, hour, minute, tzinfo=UTC)


def company_seed() -> dict:
    team = Team.objects.create(name="East")
    rep1 = User.objects.create(username="rep1", team=team)
    rep2 = User.objects.create(username="rep2")
    paid = Channel.objects.get_or_create(slug="paid-search", defaults={"name": "Paid Search"})[0]
    email = Channel.objects.get_or_create(slug="email", defaults={"name": "Email"})[0]
    spring = Campaign.objects.create(name="Spring", utm_campaign="spring", channel=paid)
    SpendEntry.objects.create(
        date=date(2025, 3, 3),
        channel=paid,
        campaign=spring,
        cost=Decimal("200"),
        impressions=600,
        clicks=60,
        visits=50,
    )
    SpendEntry.objects.create(
        date=date(2025, 3, 20),
        channel=paid,
        campaign=spring,
        cost=Decimal("100"),
        impressions=400,
        clicks=40,
        visits=30,
    )
    SpendEntry.objects.create(
        date=date(2025, 4, 2),
        channel=paid,
        campaign=spring,
        cost=Decimal("999"),
        impressions=9,
        clicks=9,
        visits=9,
    )
    leads = {}
    specs = {
        "A": (paid, spring, at(3, 1, 10), rep1, team, {"industry": "retail"}),
        "B": (paid, spring, at(3, 5, 9), rep1, team, {"industry": "bank"}),
        "C": (email, None, at(3, 20, 8), rep2, None, {"industry": "retail"}),
        "D": (email, None, at(2, 15, 12), rep2, None, {}),
    }
    for name, (channel, campaign, created, owner, lead_team, props) in specs.items():
        contact = Contact.objects.create(email=f"{name.lower()}@example.com")
        lead = Lead.objects.create(
            contact=contact,
            source_channel=channel,
            source_campaign=campaign,
            created_at=created,
            owner=owner,
            team=lead_team,
            properties=props,
        )
        StageTransition.objects.create(lead=lead, from_stage="", to_stage="lead", at=created)
        leads[name] = lead
    moves = [
        ("A", "lead", "mql", at(3, 2, 10), ""),
        ("A", "mql", "sal", at(3, 3, 10), ""),
        ("A", "sal", "sql", at(3, 5, 10), ""),
        ("A", "sql", "opportunity", at(3, 10, 10), ""),
        ("A", "opportunity", "customer", at(4, 10, 10), ""),
        ("B", "lead", "mql", at(3, 6, 9), ""),
        ("B", "mql", "disqualified", at(3, 7, 9), "no budget"),
        ("C", "lead", "mql", at(3, 21, 8), ""),
        ("C", "mql", "sal", at(3, 22, 8), ""),
        ("C", "sal", "recycled", at(3, 25, 8), "bad timing"),
        ("D", "lead", "mql", at(3, 1, 12), ""),
        ("D", "mql", "sal", at(3, 2, 12), ""),
    ]
    for name, src, dst, when, reason in moves:
        StageTransition.objects.create(
            lead=leads[name], from_stage=src, to_stage=dst, at=when, reason=reason
        )
        Lead.objects.filter(pk=leads[name].pk).update(stage=dst)
    Activity.objects.create(lead=leads["A"], user=rep1, kind="call", at=at(3, 2, 10, 30))
    Activity.objects.create(lead=leads["B"], user=rep1, kind="call", at=at(3, 6, 12))
    Deal.objects.create(
        lead=leads["A"],
        name="A deal",
        stage="won",
        amount=Decimal("1000"),
        created_at=at(3, 10, 10),
        closed_at=at(4, 10, 10),
    )
    Deal.objects.create(
        lead=leads["C"],
        name="C deal",
        stage="qualification",
        amount=Decimal("500"),
        created_at=at(3, 23, 9),
    )
    for i, (visitor, contact) in enumerate(
        [("v1", None), ("v1", None), ("v2", None), ("", leads["A"].contact)]
    ):
        Touchpoint.objects.create(
            at=at(3, 1 + i, 9),
            type="page_view",
            visitor_id=visitor,
            contact=contact,
            channel=paid,
            campaign=spring,
        )
    return {"leads": leads, "paid": paid, "email": email, "rep1": rep1, "rep2": rep2}
