"""Reads of reviews and audits shared by pages, the API and the demo."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Avg, Count, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from accord.accounts.models import User
from accord.analytics.agreement import Agreement, agreement_of
from accord.contacts.models import Lead
from accord.quality.models import (
    Audit,
    AuditResult,
    CoachingNote,
    Review,
    ReviewAssignment,
    ReviewItem,
    ReviewRating,
    ReviewStatus,
)


@dataclass(frozen=True)
class ReviewProgress:
    review: Review
    items: int
    #: Ratings asked (an item on the overlap counts twice) and given.
    asked: int
    rated: int
    overdue: bool

    @property
    def done(self) -> bool:
        return self.asked > 0 and self.rated >= self.asked

    @property
    def percent(self) -> int:
        return round(100 * self.rated / self.asked) if self.asked else 0

    @property
    def unfinished(self) -> bool:
        """Closed or past due with ratings missing: shown as such, never as complete."""
        return not self.done and (self.overdue or self.review.status == ReviewStatus.CLOSED)


def reviews() -> QuerySet[Review]:
    return Review.objects.select_related("created_by").prefetch_related("raters")


def progress_of(review_list: list[Review], *, today: date | None = None) -> list[ReviewProgress]:
    today = today or timezone.localdate()
    ids = [r.pk for r in review_list]
    counts = {
        row["item__review"]: row
        for row in ReviewAssignment.objects.filter(item__review__in=ids)
        .values("item__review")
        .annotate(asked=Count("pk"), rated=Count("answer"))
    }
    items = dict(
        ReviewItem.objects.filter(review__in=ids)
        .values("review")
        .annotate(n=Count("pk"))
        .values_list("review", "n")
    )
    out = []
    for review in review_list:
        row = counts.get(review.pk, {"asked": 0, "rated": 0})
        out.append(
            ReviewProgress(
                review=review,
                items=items.get(review.pk, 0),
                asked=row["asked"],
                rated=row["rated"],
                overdue=review.status == ReviewStatus.OPEN
                and review.due_date < today
                and row["rated"] < row["asked"],
            )
        )
    return out


@dataclass(frozen=True)
class RaterProgress:
    user: User
    asked: int
    rated: int


@dataclass
class ChannelResult:
    channel_id: int | None
    name: str
    items: int = 0
    rated_items: int = 0
    ratings: list[int] = field(default_factory=list)
    reasons: dict[str, int] = field(default_factory=dict)
    agreement: Agreement | None = None

    @property
    def average(self) -> float | None:
        return round(sum(self.ratings) / len(self.ratings), 2) if self.ratings else None


def raters_progress(review: Review) -> list[RaterProgress]:
    rows = (
        ReviewAssignment.objects.filter(item__review=review)
        .values("rater")
        .annotate(asked=Count("pk"), rated=Count("answer"))
    )
    users = {u.pk: u for u in review.raters.all()}
    users.update(User.objects.in_bulk([r["rater"] for r in rows if r["rater"] not in users]))
    return sorted(
        (RaterProgress(users[r["rater"]], r["asked"], r["rated"]) for r in rows),
        key=lambda p: str(p.user),
    )


def channel_results(review: Review) -> list[ChannelResult]:
    """Per channel (stratum): items, ratings, reasons, and the raters' agreement."""
    results: dict[int | None, ChannelResult] = {}
    for item in ReviewItem.objects.filter(review=review).select_related("channel"):
        row = results.setdefault(
            item.channel_id,
            ChannelResult(item.channel_id, item.channel.name if item.channel else "—"),
        )
        row.items += 1
    per_item: dict[int, list[int]] = defaultdict(list)
    channel_of: dict[int, int | None] = {}
    for answer in ReviewRating.objects.filter(assignment__item__review=review).select_related(
        "rating", "assignment__item"
    ):
        item = answer.assignment.item
        per_item[item.pk].append(answer.rating.rating)
        channel_of[item.pk] = item.channel_id
        row = results[item.channel_id]
        row.ratings.append(answer.rating.rating)
        row.reasons[answer.reason] = row.reasons.get(answer.reason, 0) + 1
    for item_id in per_item:
        results[channel_of[item_id]].rated_items += 1
    for channel_id, row in results.items():
        row.agreement = agreement_of(
            [r for i, r in per_item.items() if channel_of[i] == channel_id]
        )
    return sorted(results.values(), key=lambda r: r.name)


def review_agreement(review: Review) -> Agreement:
    per_item: dict[int, list[int]] = defaultdict(list)
    for item_id, value in ReviewRating.objects.filter(assignment__item__review=review).values_list(
        "assignment__item", "rating__rating"
    ):
        per_item[item_id].append(value)
    return agreement_of(per_item.values())


@dataclass(frozen=True)
class ToRate:
    item: ReviewItem
    lead: Lead
    rating: int | None
    reason: str


def items_for(review: Review, user: User) -> list[ToRate]:
    """The leads ``user`` is asked to rate in ``review``, unrated first."""
    mine = (
        ReviewAssignment.objects.filter(item__review=review, rater=user)
        .select_related("item__lead__contact", "item__channel", "answer__rating")
        .order_by("item__pk")
    )
    rows = []
    for assignment in mine:
        answer = getattr(assignment, "answer", None)
        rows.append(
            ToRate(
                item=assignment.item,
                lead=assignment.item.lead,
                rating=answer.rating.rating if answer else None,
                reason=answer.reason if answer else "",
            )
        )
    return sorted(rows, key=lambda r: (r.rating is not None, r.item.pk))


def open_reviews() -> QuerySet[Review]:
    return Review.objects.filter(status=ReviewStatus.OPEN).order_by("-created_at")


# --- Audits ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScoreRow:
    name: str
    month: date
    audits: int
    average: float


@dataclass(frozen=True)
class FailingItem:
    label: str
    template: str
    failed: int
    answered: int

    @property
    def fail_share(self) -> float:
        return self.failed / self.answered if self.answered else 0.0


def audits() -> QuerySet[Audit]:
    return Audit.objects.select_related("template", "rep", "auditor", "lead__contact").order_by(
        "-at", "-pk"
    )


def scores_by_month(*, by: str) -> list[ScoreRow]:
    """Average audit score per rep (``by="rep"``) or team (``"team"``) and month."""
    column = "rep" if by == "rep" else "rep__team__name"
    rows = (
        Audit.objects.annotate(month=TruncMonth("at"))
        .values(column, "month")
        .annotate(n=Count("pk"), avg=Avg("score"))
        .order_by("month", column)
    )
    people = {u.pk: str(u) for u in User.objects.filter(audits_received__isnull=False).distinct()}
    return [
        ScoreRow(
            name=(people.get(row[column], "—") if by == "rep" else row[column]) or "—",
            month=row["month"].date() if hasattr(row["month"], "date") else row["month"],
            audits=row["n"],
            average=round(float(row["avg"]), 1),
        )
        for row in rows
    ]


def failing_items(limit: int = 10) -> list[FailingItem]:
    rows = (
        AuditResult.objects.exclude(outcome=AuditResult.Outcome.NOT_APPLICABLE)
        .values("item__label", "item__template__name")
        .annotate(
            failed=Count("pk", filter=Q(outcome=AuditResult.Outcome.FAIL)), answered=Count("pk")
        )
        .filter(failed__gt=0)
        .order_by("-failed", "item__label")[:limit]
    )
    return [
        FailingItem(r["item__label"], r["item__template__name"], r["failed"], r["answered"])
        for r in rows
    ]


def coaching_open() -> QuerySet[CoachingNote]:
    return (
        CoachingNote.objects.filter(done_at__isnull=True)
        .exclude(task__done_at__isnull=False)  # completed on the task list
        .select_related("owner", "audit__rep", "task")
        .order_by("due_date", "pk")
    )


def test_leads(limit: int = 20) -> QuerySet[Lead]:
    return (
        Lead.objects.filter(is_test=True)
        .select_related("contact", "owner")
        .order_by("-created_at", "-pk")[:limit]
    )


def sla_counted_test_leads() -> QuerySet:
    """Test leads some audit counts in the rep's SLA statistics (``Audit.counts_in_sla``), as
    a ``lead_id`` subquery: what ``handoff.sla.counting`` asks for (wired in
    ``accord.wiring``); the rule itself is ``handoff.sla.counting.in_sla_statistics``."""
    return (
        Audit.objects.filter(counts_in_sla=True, lead__is_test=True)
        .values("lead_id")
        .distinct()
        .order_by()
    )
