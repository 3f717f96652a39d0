"""Test data for the feed: people in teams, posts, closed deals."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from accord.accounts.models import Role, Team, User
from accord.accounts.tests.factories import UserFactory
from accord.intel.models import Post, PostKind, TagKind
from accord.intel.services import post_create
from accord.pipeline.models import Deal, DealStage, LostReason


def team_with(name: str, size: int, *, department: str = "sales") -> tuple[Team, list[User]]:
    team = Team.objects.create(name=name, department=department)
    people = [
        UserFactory(
            username=f"{name.lower()}-{n}",
            role=Role.SALES,
            department="sales",
            team=team,
            first_name=f"{name}{n}",
        )
        for n in range(size)
    ]
    return team, people


def post_about(
    author: User | None,
    *,
    competitor: str = "",
    title: str = "Intel",
    kind: str = PostKind.COMPETITOR_MOVE,
    **fields,
) -> Post:
    tags = [(TagKind.COMPETITOR, competitor)] if competitor else []
    return post_create(author=author, kind=kind, title=title, tags=tags, **fields)


def closed_deal(
    name: str,
    *,
    won: bool,
    owner: User | None = None,
    days_ago: int = 5,
    lost_reason: str = LostReason.COMPETITOR,
) -> Deal:
    return Deal.objects.create(
        name=name,
        amount=100,
        owner=owner,
        stage=DealStage.WON if won else DealStage.LOST,
        lost_reason="" if won else lost_reason,
        closed_at=timezone.now() - timedelta(days=days_ago),
    )
