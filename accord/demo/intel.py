"""The demo's market intelligence: price changes and a promotion posted by the pipeline's
events (the automatic path), two competitors with battlecards (their posts and won/lost
stories linking the company's closed deals), comments with mentions, a pinned post and one
post whose acknowledgement by the SMB sales team is partly done.

Every post it writes carries a ``demo:`` source key, so writing again replaces them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accord.accounts.models import Team, User
from accord.intel.models import AckRequest, Post, PostKind, Receipt, TagKind
from accord.intel.receipts import ack_request
from accord.intel.services import comment_create, post_create
from accord.pipeline.models import (
    Deal,
    DealStage,
    LostReason,
    PriceChangeSource,
    Product,
    Promotion,
)
from accord.pipeline.products.inputs import ProductChanges
from accord.pipeline.products.services import product_create, product_update, promotion_create

RIVAL = "Northwind CRM"
SECOND_RIVAL = "Contoso Sales Cloud"


@dataclass(frozen=True)
class IntelCounts:
    posts: int
    acknowledged: int
    asked: int


def _people() -> dict[str, User]:
    return {user.username: user for user in User.objects.filter(username__contains=".")} | {
        user.username: user for user in User.objects.filter(username__in=["marketer", "admin"])
    }


def _post(key: str, author: User | None, at: datetime, **fields) -> Post:
    return post_create(author=author, source_key=f"demo:{key}", at=at, **fields)


def _closed(stage: str, count: int, **filters) -> list[int]:
    deals = Deal.objects.filter(stage=stage, **filters).order_by("-closed_at", "-pk")
    return list(deals.values_list("pk", flat=True)[:count])


def _automatic(now: datetime, people: dict[str, User]) -> None:
    """Two products whose list price changed and a promotion, written through the pipeline's
    services: their events post to the feed as a real price change would."""
    manager = people.get("marketing.manager")
    products = {}
    for sku, name, first, later, cost, days in (
        ("ACC-STARTER", "Accord Starter", "49", "59", "18", 40),
        ("ACC-PRO", "Accord Pro", "129", "119", "41", 12),
    ):
        product = Product.objects.filter(sku=sku).first() or product_create(
            sku=sku, name=name, list_price=Decimal(first), unit_cost=Decimal(cost),
            currency=settings.COMPANY_CURRENCY, by=manager, source=PriceChangeSource.DEMO,
            effective_on=(now - timedelta(days=days + 90)).date(),
        )  # fmt: skip
        product_update(
            product_id=product.pk, changes=ProductChanges(list_price=Decimal(later)),
            by=manager, source=PriceChangeSource.DEMO,
            effective_on=(now - timedelta(days=days)).date(),
        )  # fmt: skip
        products[sku] = product
    if not Promotion.objects.filter(code="UPGRADE25").exists():
        promotion_create(
            name="Year-end upgrade", code="UPGRADE25",
            starts_on=(now - timedelta(days=6)).date(), ends_on=(now + timedelta(days=25)).date(),
            discount_kind="percent", discount_value=Decimal("25"),
            product_id=products["ACC-PRO"].pk, by=manager,
        )  # fmt: skip
    # The automatic posts carry the pipeline's keys; mark them as the demo's so a reload
    # replaces them too.
    for post in Post.objects.filter(source_key__regex=r"^(price|promotion):"):
        Post.objects.filter(pk=post.pk).update(source_key=f"demo:{post.source_key}")


def _competitors(now: datetime, people: dict[str, User]) -> Post:
    marketer, anna = people.get("marketer"), people.get("rep.anna")
    rival = [(TagKind.COMPETITOR, RIVAL)]
    lost_to = _closed(DealStage.LOST, 8, lost_reason=LostReason.COMPETITOR, competitor="")
    won = _closed(DealStage.WON, 5, competitor="")
    # The deals the stories tell of name their competitor (what the battlecard counts).
    Deal.objects.filter(pk__in=[*lost_to, *won]).update(competitor=RIVAL)
    _post(
        "rival-pricing", marketer, now - timedelta(days=9), kind=PostKind.COMPETITOR_MOVE,
        title=f"{RIVAL} bundles its mobile app for free",
        body="Their new Growth plan includes the mobile app and 5 seats at 45 EUR. Expect "
        "the question in SMB deals; our answer: the hand-off SLA and lead scoring they lack.",
        tags=[*rival, (TagKind.SEGMENT, "SMB"), (TagKind.REGION, "DACH")],
    )  # fmt: skip
    story = _post(
        "rival-losses", anna, now - timedelta(days=4), kind=PostKind.WIN_LOSS,
        title=f"Why we lose to {RIVAL}: five recent deals",
        body="Price came up in every one; two buyers also wanted their Outlook plugin. "
        "@marketer can we get a one-page comparison for SMB?",
        tags=rival, deal_ids=lost_to,
    )  # fmt: skip
    _post(
        "rival-wins", people.get("rep.eva"), now - timedelta(days=3), kind=PostKind.WIN_LOSS,
        title=f"Won against {RIVAL}: the SLA report closed it",
        body="Showing the buyer our speed-to-lead report in the demo won three enterprise "
        "deals this quarter.",
        tags=[*rival, (TagKind.SEGMENT, "Enterprise")], deal_ids=won,
    )  # fmt: skip
    _post(
        "second-rival", marketer, now - timedelta(days=48), kind=PostKind.COMPETITOR_MOVE,
        title=f"{SECOND_RIVAL} opens a Warsaw office",
        body="Local sales team of six; they target logistics companies.",
        tags=[(TagKind.COMPETITOR, SECOND_RIVAL), (TagKind.REGION, "Poland")],
    )  # fmt: skip
    if marketer is not None:
        comment = comment_create(
            post=story, author=marketer, body="On it: draft by Friday. @rep.anna"
        )
        # Written as of the story's next day: the battlecard's freshness reads from it.
        at = now - timedelta(days=3, hours=20)
        type(comment).objects.filter(pk=comment.pk).update(created_at=at)
        Post.objects.filter(pk=story.pk).update(updated_at=at)
    return story


def _acknowledged(now: datetime, people: dict[str, User]) -> tuple[int, int]:
    head = people.get("marketing.manager")
    post = _post(
        "pricing-brief", head, now - timedelta(days=2), kind=PostKind.PRICE_CHANGE,
        title="New price list from the 1st: what to tell customers",
        body="Starter goes to 59 EUR; existing customers keep their price for 12 months. "
        "Please read and acknowledge before your next renewal call.",
        tags=[(TagKind.PRODUCT, "Accord Starter"), (TagKind.SEGMENT, "SMB")],
    )  # fmt: skip
    Post.objects.filter(pk=post.pk).update(pinned_at=now - timedelta(days=2))
    team = Team.objects.filter(name="Sales: SMB").first()
    if head is None or team is None:
        return 0, 0
    ack_request(post=post, user=head, team_ids=[team.pk])
    AckRequest.objects.filter(post=post).update(created_at=now - timedelta(days=2))
    members = list(AckRequest.objects.get(post=post).members.order_by("username"))
    # Three have acknowledged, one more has seen it; rep.anna has seen it only.
    acknowledged = [m for m in members if m.username in ("rep.ben", "rep.chloe", "sales.manager")]
    seen = [m for m in members if m.username in ("rep.anna", "rep.dan")]
    for offset, person in enumerate(acknowledged):
        at = now - timedelta(days=1, hours=offset)
        Receipt.objects.create(post=post, user=person, seen_at=at, acknowledged_at=at)
    for person in seen:
        Receipt.objects.create(post=post, user=person, seen_at=now - timedelta(hours=20))
    return len(acknowledged), len(members)


@transaction.atomic
def demo_intel_write(*, now: datetime | None = None) -> IntelCounts:
    now = now or timezone.now()
    # The price-change and promotion posts stay: they were written by the pipeline's events
    # for product history that stays too (writing again changes no price, so posts nothing).
    Post.objects.filter(source_key__startswith="demo:").exclude(
        source_key__regex=r"^demo:(price|promotion):"
    ).delete()
    people = _people()
    _automatic(now, people)
    _competitors(now, people)
    _post(
        "market-data", people.get("marketing.manager"), now - timedelta(days=20),
        kind=PostKind.MARKET_DATA, title="CRM spend survey: mid-market budgets up 8%",
        body="Analyst survey of 400 companies; logistics and retail lead the growth.",
        tags=[(TagKind.SEGMENT, "Mid-market")],
    )  # fmt: skip
    _post(
        "insight", people.get("rep.ben"), now - timedelta(days=15),
        kind=PostKind.CUSTOMER_INSIGHT, title="Buyers ask for annual billing in roubles",
        body="Three prospects in a week; @sales.manager worth a pricing option?",
        tags=[(TagKind.REGION, "Russia")],
    )  # fmt: skip
    acknowledged, asked = _acknowledged(now, people)
    return IntelCounts(
        posts=Post.objects.filter(source_key__startswith="demo:").count(),
        acknowledged=acknowledged,
        asked=asked,
    )
