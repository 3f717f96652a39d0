"""Builders shared by the routing, actions and view tests."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from accord.accounts.models import Role, Team, User
from accord.accounts.tests.factories import UserFactory
from accord.contacts.models import Lead, StageTransition
from accord.contacts.tests.factories import ContactFactory
from accord.core.lifecycle import Stage
from accord.handoff.models import RoutingRule

# 3000 a month = a daily quota of 100, so quotas do not interfere unless a test wants them.
BIG_CAPACITY = 3000


def team_with_reps(
    name: str = "Inside sales", *, reps: int = 4, capacity: int = BIG_CAPACITY, rule: bool = True
) -> tuple[Team, list[User]]:
    team = Team.objects.create(name=name)
    members = [
        UserFactory(
            username=f"{name.lower().replace(' ', '-')}-rep{n}",
            role=Role.SALES,
            team=team,
            monthly_capacity=capacity,
        )
        for n in range(reps)
    ]
    if rule:
        RoutingRule.objects.create(name=f"All to {name}", position=100, team=team)
    return team, members


def mql_lead(*, account=None, score: int = 50, campaign=None, channel=None, **contact) -> Lead:
    """A lead that is an MQL now, its move logged (written directly: no routing job)."""
    now = timezone.now() - timedelta(seconds=5)
    lead = Lead.objects.create(
        contact=ContactFactory(account=account, **contact),
        stage=Stage.MQL,
        created_at=now - timedelta(days=1),
        stage_changed_at=now,
        score=score,
        source_campaign=campaign,
        source_channel=channel,
    )
    StageTransition.objects.create(
        lead=lead, from_stage="", to_stage=Stage.LEAD, at=lead.created_at
    )
    StageTransition.objects.create(lead=lead, from_stage=Stage.LEAD, to_stage=Stage.MQL, at=now)
    return lead


def mql_leads_bulk(count: int) -> list[int]:
    """``count`` MQL leads written in a few bulk inserts (for the volume tests)."""
    from accord.contacts.models import Contact

    now = timezone.now() - timedelta(seconds=5)
    start = Contact.objects.count()
    contacts = Contact.objects.bulk_create(
        [Contact(email=f"bulk{start + n}@example.com") for n in range(count)]
    )
    leads = Lead.objects.bulk_create(
        [
            Lead(contact=contact, stage=Stage.MQL, created_at=now, stage_changed_at=now)
            for contact in contacts
        ]
    )
    StageTransition.objects.bulk_create(
        [
            StageTransition(lead=lead, from_stage=Stage.LEAD, to_stage=Stage.MQL, at=now)
            for lead in leads
        ]
    )
    return [lead.pk for lead in leads]
