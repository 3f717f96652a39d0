"""A rep's forecast figures for one period from the operational database, as a submission
records them: the deals behind the call with their categories, and what each method says.

Categories roll up as Salesforce's cumulative forecast: **commit** = closed + the open deals
the rep calls commit; **best case** = commit + those called best case; **pipeline** = best
case + the rest of the open deals (omitted ones never count). A deal's category is the
rep's pick (``Deal.forecast_category``) or, when blank, its stage's.

The system's methods over the same deals: **stage-weighted** = closed + Σ amount x the
stage's configured probability; **model-weighted** = closed + Σ amount x the active
predictive model's win probability of the deal's lead (the stage's probability for a deal
whose lead has none), None when no model is active.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from accord.pipeline.forecast.periods import period_end
from accord.pipeline.models import (
    CLOSED_DEAL_STAGES,
    Deal,
    DealStage,
    ForecastCategory,
    PipelineStage,
)
from accord.scoring.models import LeadPrediction, ScoringModel

CENT = Decimal("0.01")


@dataclass(frozen=True)
class DealLine:
    deal_id: int
    stage: str
    category: str
    amount: Decimal
    close_date: date | None
    probability: Decimal
    model_probability: float | None


@dataclass(frozen=True)
class Figures:
    closed: Decimal
    commit: Decimal
    best_case: Decimal
    pipeline: Decimal
    stage_weighted: Decimal
    model_weighted: Decimal | None
    lines: tuple[DealLine, ...]


def _stage_table() -> dict[tuple[int, str], tuple[Decimal, str]]:
    return {
        (s.pipeline_id, s.key): (s.probability, s.forecast_category)
        for s in PipelineStage.objects.all()
    }


def deal_lines(*, user_id: int, period_kind: str, period_start: date) -> list[DealLine]:
    """The rep's deals won in the period or open with a close date in it."""
    end = period_end(period_start, period_kind)
    stages = _stage_table()
    won = Deal.objects.filter(
        owner_id=user_id,
        stage=DealStage.WON,
        closed_at__date__gte=period_start,
        closed_at__date__lte=end,
    )
    open_ = Deal.objects.filter(
        owner_id=user_id, expected_close__gte=period_start, expected_close__lte=end
    ).exclude(stage__in=CLOSED_DEAL_STAGES)
    deals = list(won) + list(open_)
    model_active = ScoringModel.objects.filter(is_active=True).exists()
    predicted: dict[int, float] = {}
    if model_active:
        lead_ids = [d.lead_id for d in deals if d.lead_id]
        predicted = dict(
            LeadPrediction.objects.filter(lead_id__in=lead_ids, model__is_active=True).values_list(
                "lead_id", "probability"
            )
        )
    lines = []
    for deal in deals:
        probability, stage_category = stages.get(
            (deal.pipeline_id or 0, deal.stage), (Decimal(0), "")
        )
        is_won = deal.stage == DealStage.WON
        category = (
            ForecastCategory.CLOSED
            if is_won
            else (deal.forecast_category or stage_category or ForecastCategory.PIPELINE)
        )
        model_p = predicted.get(deal.lead_id) if deal.lead_id else None
        if model_active and model_p is None:
            model_p = float(probability)
        lines.append(
            DealLine(
                deal_id=deal.pk,
                stage=deal.stage,
                category=str(category),
                amount=deal.amount,
                close_date=(
                    deal.closed_at.date() if is_won and deal.closed_at else deal.expected_close
                ),
                probability=probability,
                model_probability=model_p if model_active else None,
            )
        )
    return lines


def figures_of(lines: list[DealLine]) -> Figures:
    """The cumulative category figures and the system's methods over ``lines``."""
    by_category: dict[str, Decimal] = {}
    for line in lines:
        by_category[line.category] = by_category.get(line.category, Decimal(0)) + line.amount
    closed = by_category.get(ForecastCategory.CLOSED, Decimal(0))
    commit = closed + by_category.get(ForecastCategory.COMMIT, Decimal(0))
    best_case = commit + by_category.get(ForecastCategory.BEST_CASE, Decimal(0))
    pipeline = best_case + by_category.get(ForecastCategory.PIPELINE, Decimal(0))
    open_lines = [x for x in lines if x.category != ForecastCategory.CLOSED]
    stage_weighted = closed + sum((x.amount * x.probability for x in open_lines), Decimal(0))
    model_weighted: Decimal | None = None
    if lines and all(x.model_probability is not None for x in lines):
        model_weighted = closed + sum(
            (x.amount * Decimal(str(x.model_probability)) for x in open_lines), Decimal(0)
        )
    return Figures(
        closed=closed.quantize(CENT),
        commit=commit.quantize(CENT),
        best_case=best_case.quantize(CENT),
        pipeline=pipeline.quantize(CENT),
        stage_weighted=stage_weighted.quantize(CENT),
        model_weighted=None if model_weighted is None else model_weighted.quantize(CENT),
        lines=tuple(lines),
    )
