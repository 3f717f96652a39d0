"""Hand-made hand-offs, people and templates for the quality tests."""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone

from accord.accounts.models import Department, Role
from accord.accounts.tests.factories import UserFactory
from accord.handoff.tests.routing_support import mql_lead
from accord.quality.models import AuditItem, AuditTemplate
from accord.tracking.models import Channel


def people() -> dict:
    return {
        "rep": UserFactory(username="q-rep", role=Role.SALES, department=Department.SALES),
        "rep2": UserFactory(username="q-rep2", role=Role.SALES, department=Department.SALES),
        "marketer": UserFactory(
            username="q-mkt", role=Role.MARKETING, department=Department.MARKETING
        ),
        "sales_head": UserFactory(
            username="q-sales-head", role=Role.MANAGER, department=Department.SALES
        ),
        "marketing_head": UserFactory(
            username="q-mkt-head", role=Role.MANAGER, department=Department.MARKETING
        ),
    }


def channels() -> tuple[Channel, Channel]:
    big = Channel.objects.get_or_create(slug="q-big", defaults={"name": "Big"})[0]
    small = Channel.objects.get_or_create(slug="q-small", defaults={"name": "Small"})[0]
    return big, small


def handoffs(big: int = 12, small: int = 2) -> dict:
    """``big`` + ``small`` MQLs handed off today, and one test lead in the big channel."""
    big_channel, small_channel = channels()
    leads = {
        "big": [mql_lead(channel=big_channel) for _ in range(big)],
        "small": [mql_lead(channel=small_channel) for _ in range(small)],
    }
    test = mql_lead(channel=big_channel)
    test.is_test = True
    test.save(update_fields=["is_test"])
    leads["test"] = [test]
    return leads


def today() -> date:
    return timezone.localdate()


def due() -> date:
    return today() + timedelta(days=7)


def template() -> AuditTemplate:
    t = AuditTemplate.objects.create(name="Mystery shopper")
    for position, (label, weight) in enumerate(
        [("Answered within the SLA", 3), ("Addressed by name", 1), ("Proposed a next step", 2)]
    ):
        AuditItem.objects.create(template=t, label=label, weight=weight, position=position)
    return t
