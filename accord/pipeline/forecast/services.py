"""Writes of forecasting: quotas, weekly submissions (immutable), managers' adjustments, the
rep's forecast category on a deal, and the close-date history of deals.

Every service checks the one policy (``accord.accounts.policy``) before writing, validates
before writing, and writes in one transaction.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils import timezone

from accord.accounts import policy
from accord.accounts.models import User
from accord.core.errors import DomainError, InvalidInput, NotFound
from accord.core.money import currency_clean
from accord.pipeline.forecast.figures import deal_lines, figures_of
from accord.pipeline.forecast.periods import kind_check, period_start_check, week_start
from accord.pipeline.models import (
    Deal,
    ForecastCategory,
    ForecastSubmission,
    ForecastSubmissionDeal,
    ManagerAdjustment,
    Quota,
)

#: Categories a rep may pick for an open deal ('' = follow the stage).
REP_CATEGORIES = ("", ForecastCategory.PIPELINE, ForecastCategory.BEST_CASE,
                  ForecastCategory.COMMIT, ForecastCategory.OMITTED)  # fmt: skip


class SubmissionExists(DomainError):
    """This week's forecast for the period is already submitted (and cannot change)."""

    code = "conflict"
    status = 409


def _amount(value: Decimal | float | int | str | None, field: str) -> Decimal:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise InvalidInput(f"{field} must be a number.", field=field) from None
    if not amount.is_finite() or amount < 0:
        raise InvalidInput(f"{field} must be zero or more.", field=field)
    if amount >= Decimal(10) ** 14:
        raise InvalidInput(f"{field} is too large.", field=field)
    return amount.quantize(Decimal("0.01"))


def _rep(user_id: int, field: str = "user_id") -> User:
    rep = User.objects.filter(pk=user_id, is_active=True).first()
    if rep is None:
        raise InvalidInput(f"There is no active user {user_id}.", field=field)
    return rep


@transaction.atomic
def quota_set(
    *,
    principal: policy.Principal,
    user_id: int,
    period_kind: str,
    period_start: date,
    amount: Decimal | float | int | str,
    currency: str = "USD",
) -> Quota:
    """Set (create or replace) a rep's quota for one month or quarter."""
    policy.resource_require(principal, "forecasts", "write")
    policy.person_require(principal)
    kind_check(period_kind)
    period_start_check(period_start, period_kind)
    value = _amount(amount, "amount")
    code = currency_clean(currency)
    rep = _rep(user_id)
    by = policy.forecast_manage_require(principal, rep, field="user_id")
    quota, _created = Quota.objects.update_or_create(
        user=rep,
        period_kind=period_kind,
        period_start=period_start,
        defaults={"amount": value, "currency": code, "set_by": by},
    )
    return quota


def forecast_submit(
    *,
    principal: policy.Principal,
    period_kind: str,
    period_start: date,
    commit: Decimal | float | str | None = None,
    best_case: Decimal | float | str | None = None,
    notes: str = "",
    now: datetime | None = None,
) -> ForecastSubmission:
    """Record the caller's forecast for a period this week: their deals, their call.

    ``commit`` and ``best_case`` default to the category roll-up of their deals; a rep may
    call other figures (best case at least commit). One submission per rep, period and
    week; it is never changed afterwards (a second one this week is refused).
    """
    rep = policy.forecast_submit_require(principal)
    kind_check(period_kind)
    period_start_check(period_start, period_kind)
    at = now or timezone.now()
    week = week_start(timezone.localtime(at).date())
    with transaction.atomic():
        figures = figures_of(
            deal_lines(user_id=rep.pk, period_kind=period_kind, period_start=period_start)
        )
        called_commit = figures.commit if commit is None else _amount(commit, "commit")
        called_best = figures.best_case if best_case is None else _amount(best_case, "best_case")
        if called_best < called_commit:
            raise InvalidInput("Best case cannot be below commit.", field="best_case")
        try:
            with transaction.atomic():
                submission = ForecastSubmission.objects.create(
                    user=rep,
                    period_kind=period_kind,
                    period_start=period_start,
                    week_start=week,
                    submitted_at=at,
                    closed=figures.closed,
                    commit=called_commit,
                    best_case=called_best,
                    pipeline=max(figures.pipeline, called_best),
                    stage_weighted=figures.stage_weighted,
                    model_weighted=figures.model_weighted,
                    notes=(notes or "").strip()[:2000],
                )
        except IntegrityError:
            raise SubmissionExists(
                f"The forecast for this {period_kind} was already submitted in the week of "
                f"{week.isoformat()}; a submission cannot be changed.",
                field="period_start",
            ) from None
        ForecastSubmissionDeal.objects.bulk_create(
            ForecastSubmissionDeal(
                submission=submission,
                deal_id=line.deal_id,
                category=line.category,
                stage=line.stage,
                amount=line.amount,
                close_date=line.close_date,
            )
            for line in figures.lines
        )
    return submission


@transaction.atomic
def forecast_adjust(
    *,
    principal: policy.Principal,
    submission_id: int,
    commit: Decimal | float | str,
    best_case: Decimal | float | str,
    reason: str,
) -> ManagerAdjustment:
    """A manager's adjustment of a rep's submission, kept apart from it (who, what, why)."""
    submission = ForecastSubmission.objects.select_related("user").filter(pk=submission_id).first()
    if submission is None:
        raise NotFound(f"Submission {submission_id} does not exist.", field="submission_id")
    by = policy.forecast_manage_require(principal, submission.user, field="submission_id")
    adjusted_commit = _amount(commit, "commit")
    adjusted_best = _amount(best_case, "best_case")
    if adjusted_best < adjusted_commit:
        raise InvalidInput("Best case cannot be below commit.", field="best_case")
    why = (reason or "").strip()
    if not why:
        raise InvalidInput("Say why the forecast is adjusted.", field="reason")
    return ManagerAdjustment.objects.create(
        submission=submission,
        by=by,
        commit=adjusted_commit,
        best_case=adjusted_best,
        reason=why[:2000],
    )


@transaction.atomic
def deal_forecast_category_set(*, principal: policy.Principal, deal_id: int, category: str) -> Deal:
    """The rep's forecast category for an open deal ('' follows the stage again)."""
    if category not in REP_CATEGORIES:
        choices = ", ".join(c or "'' (the stage's)" for c in REP_CATEGORIES)
        raise InvalidInput(f"The category must be one of {choices}.", field="forecast_category")
    policy.resource_require(principal, "deals", "write")
    deal = Deal.objects.select_for_update().filter(pk=deal_id).first()
    policy.object_require(principal.actor, deal, label="Deal", field="deal_id")
    assert deal is not None
    if deal.stage in ("won", "lost"):
        raise InvalidInput(
            "A closed deal's category follows its outcome.", field="forecast_category"
        )
    deal.forecast_category = category
    deal.save(update_fields=["forecast_category", "updated_at"])
    return deal
