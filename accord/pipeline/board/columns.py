"""The deals board of one pipeline: a column per stage (open ones, then won and lost), each
with its totals — count, amount, weighted amount (amount x the stage's probability) — from
one grouped query, and the first cards of each column.

An open column shows at most ``CARDS`` cards (the soonest to close first); its totals count
every deal, and the deals list (same filters) pages through the rest. Won and lost are folded
to their totals and a link to their deals in the list (a board of 10,000 open deals renders
in well under a second: bench/deals_board.py). Amounts are summed per
currency: a column holding two currencies shows a line for each rather than adding them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from babel.numbers import format_percent
from django.db.models import Count, F, QuerySet, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, to_locale

from accord.accounts import policy
from accord.accounts.models import User
from accord.core.money import money_format
from accord.pipeline.board.filters import person_name
from accord.pipeline.board.labels import stage_name
from accord.pipeline.models import Deal, Pipeline, PipelineStage, StageOutcome

CARDS = 20


@dataclass(frozen=True)
class StageOption:
    key: str
    name: str


@dataclass(frozen=True)
class Total:
    currency: str
    count: int
    amount: Decimal
    weighted: Decimal


@dataclass(frozen=True)
class Card:
    id: int
    name: str
    url: str
    account: str
    amount: str
    owner: str
    close: object  # a date or None
    stale_days: int | None  # days past the stage's limit; None: not stale
    version: int
    stage: str
    can_move: bool
    previous: StageOption | None
    next: StageOption | None


@dataclass
class Column:
    key: str
    name: str
    outcome: str
    probability: Decimal
    count: int = 0
    totals: list[Total] = field(default_factory=list)
    cards: list[Card] = field(default_factory=list)
    #: The deals list of this stage, with the board's filters (set by the view).
    more_url: str = ""

    @property
    def collapsed(self) -> bool:
        return self.outcome != StageOutcome.OPEN

    @property
    def more(self) -> int:
        return self.count - len(self.cards)

    @property
    def probability_text(self) -> str:
        return format_percent(self.probability, locale=to_locale(get_language() or "en"))

    @property
    def amount_text(self) -> list[str]:
        return [_money(t.amount, t.currency) for t in self.totals]

    @property
    def weighted_text(self) -> list[str]:
        return [_money(t.weighted, t.currency) for t in self.totals]


def _money(amount: Decimal, currency: str) -> str:
    return money_format(amount, currency, to_locale(get_language() or "en"))


def stages_of(pipeline: Pipeline) -> list[PipelineStage]:
    """Open stages in order, then won, then lost."""
    rank: dict[str, int] = {StageOutcome.OPEN: 0, StageOutcome.WON: 1, StageOutcome.LOST: 2}
    stages = list(pipeline.stages.all())
    return sorted(stages, key=lambda s: (rank.get(s.outcome, 0), s.order, s.pk))


def stage_totals(deals: QuerySet[Deal], stages: list[PipelineStage]) -> dict[str, list[Total]]:
    """Count, amount and weighted amount per stage (and currency), in one grouped query."""
    probability = {s.key: s.probability for s in stages}
    rows = (
        deals.order_by()
        .values("stage", "currency")
        .annotate(count=Count("pk"), amount=Sum("amount"))
        .order_by("stage", "currency")
    )
    totals: dict[str, list[Total]] = {}
    for row in rows:
        amount = row["amount"] or Decimal(0)
        weighted = (amount * probability.get(row["stage"], Decimal(0))).quantize(Decimal("0.01"))
        totals.setdefault(row["stage"], []).append(
            Total(row["currency"], row["count"], amount, weighted)
        )
    return totals


def _stale_days(deal: Deal, stage: PipelineStage, now: datetime) -> int | None:
    if stage.outcome != StageOutcome.OPEN or not stage.stale_after_days:
        return None
    over = now - deal.stage_entered_at - timedelta(days=stage.stale_after_days)
    return over.days + 1 if over >= timedelta(0) else None


def _cards(
    deals: QuerySet[Deal], stage: PipelineStage, open_stages: list[StageOption], user: User
) -> list[Card]:
    rows = (
        deals.filter(stage=stage.key)
        .select_related("owner", "account")
        .order_by(F("expected_close").asc(nulls_last=True), "-amount", "pk")[:CARDS]
    )
    keys = [o.key for o in open_stages]
    at = keys.index(stage.key) if stage.key in keys else None
    now = timezone.now()
    allowed: dict[int | None, bool] = {}  # the rule depends on the owner only
    cards = []
    for deal in rows:
        if deal.owner_id not in allowed:
            allowed[deal.owner_id] = policy.deal_change_allowed(user, deal)
        cards.append(
            Card(
                id=deal.pk,
                name=deal.name,
                url=reverse("deals:deal_detail", args=[deal.pk]),
                account=deal.account.name if deal.account else "",
                amount=_money(deal.amount, deal.currency),
                owner=person_name(deal.owner),
                close=deal.expected_close,
                stale_days=_stale_days(deal, stage, now),
                version=deal.version,
                stage=deal.stage,
                can_move=allowed[deal.owner_id],
                previous=open_stages[at - 1] if at else None,
                next=open_stages[at + 1] if at is not None and at + 1 < len(keys) else None,
            )
        )
    return cards


def board_columns(pipeline: Pipeline, deals: QuerySet[Deal], user: User) -> list[Column]:
    """``deals``: what the reader sees, filtered, of ``pipeline``."""
    stages = stages_of(pipeline)
    totals = stage_totals(deals, stages)
    open_stages = [
        StageOption(s.key, stage_name(s.key, s.name))
        for s in stages
        if s.outcome == StageOutcome.OPEN
    ]
    columns = []
    for stage in stages:
        column = Column(
            key=stage.key,
            name=stage_name(stage.key, stage.name),
            outcome=stage.outcome,
            probability=stage.probability,
            totals=totals.get(stage.key, []),
        )
        column.count = sum(t.count for t in column.totals)
        # Won and lost are folded: their totals, and the deals list for their cards.
        if column.count and stage.outcome == StageOutcome.OPEN:
            column.cards = _cards(deals, stage, open_stages, user)
        columns.append(column)
    return columns
