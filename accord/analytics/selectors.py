"""Reads behind the shared dashboard: the unified funnel and its headline numbers.

The funnel is a cohort: the leads created in the period, counted at every main-path stage
they ever entered (from the append-only ``StageTransition`` log, never from the current
stage). Won deals, revenue and spend are dated by when they happened (deal closed, money
spent) in the same period.

Everything is a handful of aggregate queries, whatever the number of leads. The result is a
frozen dataclass so that the DuckDB query runners (issue 6) can replace the ORM behind the
same interface.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Count, Sum
from django.utils import timezone

from accord.contacts.models import Lead, StageTransition
from accord.core.errors import InvalidInput
from accord.core.lifecycle import FUNNEL_STAGES, INITIAL_STAGE, Stage
from accord.core.money import DEFAULT_CURRENCY
from accord.pipeline.models import Deal, DealStage
from accord.tracking.models import SpendEntry


@dataclass(frozen=True)
class FunnelStep:
    stage: str
    count: int
    #: Share of the previous step's count (None for the first step or when that is zero).
    #: Sales-generated leads join at SQL, so a step can exceed the one before it.
    conversion: float | None


@dataclass(frozen=True)
class FunnelSummary:
    start: date
    end: date
    steps: tuple[FunnelStep, ...]
    #: Last step over first step (leads that became customers), None without leads.
    overall_conversion: float | None
    leads: int
    mqls: int
    won_deals: int
    #: Revenue and spend are each summed in one currency: the one most rows use. Rows in
    #: other currencies are left out (no exchange rates yet) and counted here, so the page
    #: can say so instead of adding roubles to dollars.
    revenue: Decimal
    revenue_currency: str
    revenue_deals_other_currency: int
    spend: Decimal
    spend_currency: str
    spend_entries_other_currency: int

    @property
    def is_empty(self) -> bool:
        return self.leads == 0 and self.won_deals == 0 and self.spend == 0

    def step(self, stage: str) -> FunnelStep:
        return next(s for s in self.steps if s.stage == stage)


def _period_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """Aware [from, to) datetimes covering whole days start..end in the current time zone."""
    tz = timezone.get_current_timezone()
    return (
        datetime.combine(start, time.min, tzinfo=tz),
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz),
    )


def _ratio(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def _sum_in_main_currency(rows: list[dict]) -> tuple[Decimal, str, int]:
    """From (currency, n, total) groups pick the most used currency; count the rest."""
    if not rows:
        return Decimal(0), DEFAULT_CURRENCY, 0
    main = max(rows, key=lambda r: (r["n"], r["currency"] == DEFAULT_CURRENCY))
    others = sum(r["n"] for r in rows if r is not main)
    return main["total"] or Decimal(0), main["currency"], others


def funnel_summary(*, start: date, end: date) -> FunnelSummary:
    if start > end:
        raise InvalidInput("The start date is after the end date.", field="start")
    since, until = _period_bounds(start, end)

    cohort = Lead.objects.filter(created_at__gte=since, created_at__lt=until)
    leads = cohort.count()
    # One GROUP BY over the log, joined to the cohort; DISTINCT because a recycled lead
    # can enter MQL (and later stages) more than once.
    reached = dict(
        StageTransition.objects.filter(
            lead__created_at__gte=since,
            lead__created_at__lt=until,
            to_stage__in=[s.value for s in FUNNEL_STAGES],
        )
        .values("to_stage")
        .annotate(n=Count("lead_id", distinct=True))
        .values_list("to_stage", "n")
    )
    # Every lead in the cohort entered the funnel at its first stage, logged or not (an
    # import may not write the creation row).
    reached[INITIAL_STAGE.value] = leads

    steps: list[FunnelStep] = []
    previous: int | None = None
    for stage in FUNNEL_STAGES:
        count = reached.get(stage.value, 0)
        conversion = None if previous is None else _ratio(count, previous)
        steps.append(FunnelStep(stage=stage.value, count=count, conversion=conversion))
        previous = count

    won = Deal.objects.filter(stage=DealStage.WON, closed_at__gte=since, closed_at__lt=until)
    revenue_rows = list(
        won.values("currency").annotate(n=Count("id"), total=Sum("amount")).order_by()
    )
    revenue, revenue_currency, revenue_other = _sum_in_main_currency(revenue_rows)

    spend_rows = list(
        SpendEntry.objects.filter(date__gte=start, date__lte=end)
        .values("currency")
        .annotate(n=Count("id"), total=Sum("cost"))
        .order_by()
    )
    spend, spend_currency, spend_other = _sum_in_main_currency(spend_rows)

    return FunnelSummary(
        start=start,
        end=end,
        steps=tuple(steps),
        overall_conversion=_ratio(steps[-1].count, steps[0].count),
        leads=leads,
        mqls=reached.get(Stage.MQL.value, 0),
        won_deals=sum(r["n"] for r in revenue_rows),
        revenue=revenue,
        revenue_currency=revenue_currency,
        revenue_deals_other_currency=revenue_other,
        spend=spend,
        spend_currency=spend_currency,
        spend_entries_other_currency=spend_other,
    )
