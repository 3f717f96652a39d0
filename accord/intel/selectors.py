"""Reads of the feed, shared by its pages and its API: the filtered feed, one post's
acknowledgement summary, and a competitor's battlecard numbers.

Every signed-in person reads every post (intel is shared knowledge); what a post links to
stays behind the object rules: a rep sees only the linked deals they may see
(``visible_deals``). The battlecard's counts are aggregates over every deal, like the
reports, and name no deal a rep may not open.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Exists, F, Max, OuterRef, Q, QuerySet
from django.utils import timezone

from accord.accounts import policy
from accord.accounts.models import User
from accord.intel.models import AckRequest, Post, Receipt, Tag, TagKind
from accord.intel.rules import days_since, win_rate
from accord.pipeline.models import Deal, DealStage, LostReason
from accord.pipeline.selectors import deals_visible


def posts_filtered(
    *,
    user: User | None,
    q: str = "",
    kind: str = "",
    tag_id: int | None = None,
    competitor: str = "",
    author_id: int | None = None,
    unread: bool = False,
) -> QuerySet[Post]:
    """The feed: pinned posts first, then newest; ``unread`` keeps the posts ``user`` has not
    seen yet; ``q`` searches titles, texts, tags and comments."""
    posts = Post.objects.select_related("author").prefetch_related("tags")
    if q:
        words = q.split()[:8]
        for word in words:
            posts = posts.filter(
                Q(title__icontains=word)
                | Q(body__icontains=word)
                | Q(tags__name__icontains=word)
                | Q(comments__body__icontains=word)
            )
        posts = posts.distinct()
    if kind:
        posts = posts.filter(kind=kind)
    if tag_id is not None:
        posts = posts.filter(tags__pk=tag_id)
    if competitor:
        posts = posts.filter(tags__kind=TagKind.COMPETITOR, tags__name__iexact=competitor.strip())
    if author_id is not None:
        posts = posts.filter(author_id=author_id)
    if unread and user is not None:
        seen = Receipt.objects.filter(post=OuterRef("pk"), user=user, seen_at__isnull=False)
        posts = posts.filter(~Exists(seen))
    if tag_id is not None or competitor:
        posts = posts.distinct()
    # Pinned first (newest pin first: PostgreSQL sorts NULL first in DESC unless told), then
    # the newest posts.
    return posts.order_by(F("pinned_at").desc(nulls_last=True), "-created_at", "-id")


def visible_deals(post: Post, user: User) -> list[Deal]:
    return list(deals_visible(user=policy.rep_scope(user, "deals")).filter(intel_posts=post))


def seen_post_ids(user: User, post_ids: list[int]) -> set[int]:
    return set(
        Receipt.objects.filter(user=user, post_id__in=post_ids, seen_at__isnull=False)
        .values_list("post_id", flat=True)
    )  # fmt: skip


@dataclass(frozen=True)
class PersonStatus:
    user_id: int
    name: str
    seen_at: datetime | None
    acknowledged_at: datetime | None


@dataclass(frozen=True)
class TeamAck:
    request_id: int
    team: str
    people: tuple[PersonStatus, ...]

    @property
    def total(self) -> int:
        return len(self.people)

    @property
    def acknowledged(self) -> int:
        return sum(1 for person in self.people if person.acknowledged_at is not None)

    @property
    def seen(self) -> int:
        return sum(1 for person in self.people if person.seen_at is not None)


def ack_summary(post: Post) -> list[TeamAck]:
    """Per team asked: each person with when they saw and acknowledged the post."""
    receipts = {r.user_id: r for r in Receipt.objects.filter(post=post)}
    summary = []
    requests = AckRequest.objects.filter(post=post).select_related("team").order_by("pk")
    for request in requests:
        people = []
        for member in request.members.order_by("first_name", "last_name", "username"):
            receipt = receipts.get(member.pk)
            people.append(
                PersonStatus(
                    user_id=member.pk,
                    name=member.get_full_name() or member.get_username(),
                    seen_at=receipt.seen_at if receipt else None,
                    acknowledged_at=receipt.acknowledged_at if receipt else None,
                )
            )
        summary.append(TeamAck(request_id=request.pk, team=request.team.name, people=tuple(people)))
    return summary


def receipt_of(post: Post, user: User) -> Receipt | None:
    return Receipt.objects.filter(post=post, user=user).first()


def asked_to_acknowledge(post: Post, user: User) -> bool:
    return AckRequest.objects.filter(post=post, members=user).exists()


# --- Competitors ----------------------------------------------------------------------------


def competitors() -> QuerySet[Tag]:
    return Tag.objects.filter(kind=TagKind.COMPETITOR).order_by("name")


def deal_competitor_field() -> bool:
    """Whether deals record the competitor by name (``Deal.competitor``, from the pipeline
    branch). Without it, a deal counts against a competitor when a post tagged with the
    competitor links it (a won/lost story)."""
    return any(field.name == "competitor" for field in Deal._meta.get_fields())


def deals_against(tag: Tag) -> QuerySet[Deal]:
    """Closed deals in which ``tag``'s competitor took part."""
    closed = Deal.objects.filter(stage__in=(DealStage.WON, DealStage.LOST))
    linked = Q(intel_posts__tags=tag)
    if deal_competitor_field():
        return closed.filter(Q(competitor__iexact=tag.name) | linked).distinct()
    return closed.filter(linked).distinct()


def deals_lost_to(tag: Tag) -> QuerySet[Deal]:
    return deals_against(tag).filter(stage=DealStage.LOST, lost_reason=LostReason.COMPETITOR)


@dataclass(frozen=True)
class Battlecard:
    tag: Tag
    won: int
    lost: int
    win_rate: float | None
    last_post_at: datetime | None
    days_since_update: int | None
    post_count: int


def battlecard(tag: Tag, *, now: datetime | None = None) -> Battlecard:
    """The numbers of a competitor's page: deals won against it, deals lost to it (reason
    "chose a competitor"), the win rate, and how fresh its intel is (days since its newest
    post or comment)."""
    against = deals_against(tag)
    won = against.filter(stage=DealStage.WON).count()
    lost = deals_lost_to(tag).count()
    posts = Post.objects.filter(tags=tag)
    last = posts.aggregate(last=Max("updated_at"))["last"]
    return Battlecard(
        tag=tag,
        won=won,
        lost=lost,
        win_rate=win_rate(won, lost),
        last_post_at=last,
        days_since_update=days_since(last, now or timezone.now()),
        post_count=posts.count(),
    )
