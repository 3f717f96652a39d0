"""The demo's joint plans: last quarter's and this quarter's, made from the rates measured
before each, with two channel scenarios and both heads' approvals, so a new user finds
/planning/ filled in (a full quarter of plan vs actual, and the quarter in progress)."""

from __future__ import annotations

from datetime import date, timedelta

from accord.accounts.models import User
from accord.analytics.filters import PERIOD, ReportFilters
from accord.analytics.runners.kpis import KpisQuery, KpisRunner
from accord.planning import services
from accord.planning.models import Plan

#: The plan asks a little more than the quarter before it did.
GROWTH = 1.1
SCENARIOS = (("More paid search", "paid-search"), ("More paid social", "paid-social"))


def _quarter_first(day: date) -> date:
    return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def _previous_quarter(first: date) -> date:
    return _quarter_first(first - timedelta(days=1))


def _plan_write(*, first: date, marketing: User, sales: User, name: str) -> Plan:
    before = _previous_quarter(first)
    revenue = KpisRunner(KpisQuery(ReportFilters(before, first - timedelta(days=1), mode=PERIOD)))
    target = round(max(float(revenue.run().total.revenue), 1.0) * GROWTH, -3) or 1000.0
    # Rates from the half-year before the last quarter: those leads have had time to close.
    window_end = before - timedelta(days=1)
    plan = services.plan_create(
        user=marketing,
        name=name,
        period_kind="quarter",
        start_month=first.strftime("%Y-%m"),
        window_start=window_end - timedelta(days=182),
        window_end=window_end,
        revenue_target=target,
    )
    services.plan_update(
        user=marketing,
        plan_id=plan.pk,
        changes={
            "icp": {
                "description": "B2B software and services companies of 51+ people with a "
                "revenue team to align.",
                "size_bands": ["51-200", "201-1000", "1001+"],
                "industries": ["Software", "Financial services", "Retail"],
            },
            "target_segments": ["Mid-market software", "Enterprise financial services"],
            "key_channels": [s for s in ("paid-search", "email") if s in plan.content["channels"]],
        },
    )
    budgets = {slug: item["budget"] for slug, item in plan.content["channels"].items()}
    for label, slug in SCENARIOS:
        if slug in budgets:
            services.scenario_save(
                user=marketing,
                plan_id=plan.pk,
                name=label,
                budgets={**budgets, slug: round(budgets[slug] * 1.5, 2)},
            )
    services.plan_submit(user=sales, plan_id=plan.pk)
    services.plan_approve(user=marketing, plan_id=plan.pk)
    services.plan_approve(user=sales, plan_id=plan.pk)
    return plan


def demo_plans_write(*, today: date) -> list[Plan]:
    marketing = User.objects.get(username="marketing.manager")
    sales = User.objects.get(username="sales.manager")
    current = _quarter_first(today)
    last = _previous_quarter(current)
    return [
        _plan_write(first=first, marketing=marketing, sales=sales, name=name)
        for first, name in (
            (last, f"Q{(last.month - 1) // 3 + 1} {last.year} revenue plan"),
            (current, f"Q{(current.month - 1) // 3 + 1} {current.year} revenue plan"),
        )
    ]
